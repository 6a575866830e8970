-- incremental: case_code
-- Every loaded case row ranked within its case (docs/spec.md §3.1): the latest activity wins;
-- ties go to the higher status code, then to the file path sorting last (binary order), then
-- to the later row (sheet, then physical row). Rank 1 is the case; the others are superseded,
-- counted per file and sheet in dq_files.rows_superseded.
with

cases as (

    select * from stg_igate__cases

),

ranked as (

    select
        *,
        row_number() over (
            partition by case_code
            order by
                activity_at desc nulls last,
                status_code desc nulls last,
                source_file desc,
                sheet_index desc,
                row_number desc
        ) as case_rank,
        -- §3.5: a case's apology date is the earliest found, whichever row carries it
        min(apology_at) over (partition by case_code) as first_apology_at
    from cases

),

final as (

    select
        *,
        case_rank > 1 as is_superseded
    from ranked

)

select * from final
