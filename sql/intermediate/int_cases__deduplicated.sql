-- One row per case code: the winning row of int_cases__ranked (CONTRACT.md §3.1), all
-- statuses included (statuses 1 and 3 are dropped later, in int_cases__outcomes).
with

ranked as (

    select * from int_cases__ranked

),

final as (

    select
        source_file,
        sheet,
        sheet_index,
        row_number,
        case_code,
        procedure_code,
        procedure_name,
        sector,
        receiving_unit,
        channel,
        status_code,
        received_at,
        due_at,
        finished_at,
        returned_at,
        first_apology_at as apology_at,
        received_date,
        due_date,
        finished_date,
        returned_date,
        activity_at
    from ranked
    where case_rank = 1

)

select * from final
