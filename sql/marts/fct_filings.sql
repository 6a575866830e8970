-- incremental: case_code
-- One row per received case (docs/spec.md §5 fct_filings), in the contract's column order.
-- Beyond the contract, as the last columns: unit_current_code / unit_current_name, the unit
-- that carries the case's unit on today (int_units__current: successors followed across the
-- 2025 reorganisation); for a unit name the registry does not know, NULL and the export name.
with

cases as (

    select * from int_cases__outcomes

),

current_units as (

    select * from int_units__current

),

final as (

    select
        cases.case_code,
        cases.procedure_code,
        cases.procedure_name,
        cases.sector,
        cases.unit_code,
        cases.unit_name,
        cases.channel,
        cases.received_at,
        cases.due_at,
        cases.finished_at,
        cases.returned_at,
        cases.ended_at,
        cases.status_code,
        cases.outcome,
        cases.apology_at,
        cases.source_file,
        case
            when cases.unit_code is not null
                then coalesce(current_units.current_code, cases.unit_code)
        end as unit_current_code,
        case
            when cases.unit_code is not null
                then coalesce(current_units.current_name, cases.unit_name)
            else cases.unit_name
        end as unit_current_name
    from cases
    left join current_units on current_units.unit_code = cases.unit_code

)

select * from final
order by case_code
