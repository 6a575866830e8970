-- Every loaded row of the late-case lists ranked within its case code (docs/spec.md §3.5: one
-- row per case): the row of the file path sorting last wins, then the later sheet, then the
-- later row; the others are superseded (dq_files.rows_superseded).
with

late as (

    select * from stg_late__cases

),

ranked as (

    select
        *,
        row_number() over (
            partition by case_code
            order by source_file desc, sheet_index desc, row_number desc
        ) as late_rank
    from late

),

final as (

    select
        *,
        late_rank > 1 as is_superseded
    from ranked

)

select * from final
