-- One row per received case (CONTRACT.md §5 fct_filings), in the contract's column order.
with

cases as (

    select * from int_cases__outcomes

),

final as (

    select
        case_code,
        procedure_code,
        procedure_name,
        sector,
        unit_code,
        unit_name,
        channel,
        received_at,
        due_at,
        finished_at,
        returned_at,
        ended_at,
        status_code,
        outcome,
        apology_at,
        source_file
    from cases

)

select * from final
order by case_code
