-- The rows of the units' own reports, each (unit, period) reported once: when several files
-- report the same unit and period (a corrected report sent again), the file path sorting last
-- (binary order) is the report, all its rows for that unit and period; the rows of the other
-- files are superseded (dq_files.rows_superseded).
with

reports as (

    select * from stg_reports__bieu06
    where period_type is not null

),

ranked as (

    select
        *,
        max(file) over (
            partition by coalesce(unit_code, '~' || unit_name), period_type, period
        ) as report_file
    from reports

),

final as (

    select
        *,
        file <> report_file as is_superseded
    from ranked

)

select * from final
