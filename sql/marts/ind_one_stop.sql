-- Procedures through the one-stop desk per period × unit (the inspection's finding 3): of the
-- catalogue procedures assigned to the unit, those the catalogue marks `Tiếp nhận tại Một cửa`,
-- and of those, the ones with at least one case the unit received in the period.
--   one_stop_rate            = procedures_one_stop / procedures_assigned
--   one_stop_with_files_rate = procedures_one_stop_with_files / procedures_one_stop
-- One row per unit valid in the period with at least one assigned procedure; the procedures
-- without any case are listed in ind_one_stop_missing.
with

procedures as (

    select * from int_procedures__unit_periods

),

counts as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        unit_level,
        unit_kind,
        count(*) as procedures_assigned,
        count(*) filter (where one_stop) as procedures_one_stop,
        count(*) filter (where one_stop and cases_received > 0)
            as procedures_one_stop_with_files
    from procedures
    group by all

),

final as (

    select
        *,
        procedures_one_stop / nullif(procedures_assigned, 0)::double as one_stop_rate,
        procedures_one_stop_with_files / nullif(procedures_one_stop, 0)::double
            as one_stop_with_files_rate
    from counts

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code
