-- Online public services per period × unit (Decision 766/QĐ-TTg, indicators 3.1 and 3.2):
-- of the catalogue procedures assigned to the unit, those offered online — partly (`Một
-- phần`, legacy level 3) or fully (`Toàn trình`, legacy level 4) — and of those, the ones
-- with at least one case the unit received online in the period.
--   online_offer_rate = (partial + full) / assigned
--   online_use_rate   = online_procedures_with_online_files / (partial + full)
-- One row per unit valid in the period with at least one assigned procedure (a unit the
-- catalogue assigns nothing has nothing to offer online; it still shows in ind_igate_uptake).
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
        count(*) filter (where online_level = 'partial') as procedures_online_partial,
        count(*) filter (where online_level = 'full') as procedures_online_full,
        count(*) filter (
            where online_level in ('partial', 'full') and cases_received_online > 0
        ) as online_procedures_with_online_files
    from procedures
    group by all

),

final as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        unit_level,
        unit_kind,
        procedures_assigned,
        procedures_online_partial,
        procedures_online_full,
        (procedures_online_partial + procedures_online_full)
            / nullif(procedures_assigned, 0)::double as online_offer_rate,
        online_procedures_with_online_files,
        online_procedures_with_online_files
            / nullif(procedures_online_partial + procedures_online_full, 0)::double
            as online_use_rate
    from counts

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code
