-- incremental: case_code
-- One row per case code: the winning row of int_cases__ranked (docs/spec.md §3.1), all
-- statuses included (statuses 1 and 3 are dropped later, in int_cases__outcomes).
-- apology_at is the earliest apology date found in igate/ or late/ (§3.5).
with

ranked as (

    select * from int_cases__ranked

),

late as (

    select case_code as late_case_code, apology_at as late_apology_at
    from int_late__cases

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
        least(first_apology_at, late_apology_at) as apology_at,
        received_date,
        due_date,
        finished_date,
        returned_date,
        activity_at
    from ranked
    left join late on late.late_case_code = ranked.case_code
    where ranked.case_rank = 1

)

select * from final
