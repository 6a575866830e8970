-- iGate uptake per period × registry unit (docs/spec.md §5 ind_igate_uptake): every unit valid
-- in the period (§3.4's overlap rule) has a row, those without any file included — the
-- inspection's finding 2 is about exactly those. files_received: cases the unit received in
-- the period (the rows of fct_filings); procedures_assigned: catalogue procedures naming the
-- unit; procedures_with_files: of those, the ones with at least one case received by the unit
-- in the period (by procedure_code); has_activity: files_received > 0.
with

unit_periods as (

    select * from int_units__periods

),

procedures as (

    select * from int_procedures__unit_periods

),

cases as (

    select * from int_cases__outcomes
    where unit_code is not null

),

periods as (

    select * from int_periods

),

files as (

    select
        periods.period_type,
        periods.period,
        cases.unit_code,
        count(*) as files_received
    from cases
    join periods
        on cases.received_date between periods.period_start and periods.period_end
    group by all

),

procedure_counts as (

    select
        period_type,
        period,
        unit_code,
        count(*) as procedures_assigned,
        count(*) filter (where cases_received > 0) as procedures_with_files
    from procedures
    group by all

),

final as (

    select
        unit_periods.period_type,
        unit_periods.period,
        unit_periods.period_start,
        unit_periods.period_end,
        unit_periods.unit_code,
        unit_periods.unit_name,
        unit_periods.unit_level,
        unit_periods.unit_kind,
        cast(coalesce(files.files_received, 0) as bigint) as files_received,
        cast(coalesce(procedure_counts.procedures_assigned, 0) as bigint) as procedures_assigned,
        cast(coalesce(procedure_counts.procedures_with_files, 0) as bigint)
            as procedures_with_files,
        coalesce(files.files_received, 0) > 0 as has_activity
    from unit_periods
    left join files
        on files.period_type = unit_periods.period_type
        and files.period = unit_periods.period
        and files.unit_code = unit_periods.unit_code
    left join procedure_counts
        on procedure_counts.period_type = unit_periods.period_type
        and procedure_counts.period = unit_periods.period
        and procedure_counts.unit_code = unit_periods.unit_code

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code
