-- Each procedure assigned to a unit (int_procedures__units) in each period the unit is valid
-- in (int_units__periods), with the cases the unit received for it in the period (received
-- cases, as fct_filings, matched by procedure_code) and of them those received online. The
-- rows the uptake, online-service and one-stop indicators count.
with

unit_periods as (

    select * from int_units__periods

),

assigned as (

    select * from int_procedures__units

),

cases as (

    select * from int_cases__outcomes
    where unit_code is not null and procedure_code is not null

),

periods as (

    select * from int_periods

),

case_counts as (

    select
        periods.period_type,
        periods.period,
        cases.unit_code,
        cases.procedure_code,
        count(*) as cases_received,
        count(*) filter (where cases.channel = 'online') as cases_received_online
    from cases
    join periods
        on cases.received_date between periods.period_start and periods.period_end
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
        assigned.procedure_code,
        assigned.procedure_name,
        assigned.sector,
        assigned.online_level,
        assigned.one_stop,
        coalesce(case_counts.cases_received, 0) as cases_received,
        coalesce(case_counts.cases_received_online, 0) as cases_received_online
    from unit_periods
    join assigned on assigned.unit_code = unit_periods.unit_code
    left join case_counts
        on case_counts.period_type = unit_periods.period_type
        and case_counts.period = unit_periods.period
        and case_counts.unit_code = unit_periods.unit_code
        and case_counts.procedure_code = assigned.procedure_code

)

select * from final
