-- Accounting per sheet of every raw file (docs/spec.md §2): rows_read = rows_loaded +
-- rows_rejected + rows_skipped, and rows_superseded (a part of rows_loaded) from the
-- deduplication of cases, documents, postal items, late-case rows and units' own reports.
-- Rows of the required-documents list that landed but the build rejects (§9) move from
-- loaded to rejected.
with

files as (

    select * from land_files

),

ranked_rows as (

    select source_file, sheet_index, is_superseded from int_cases__ranked
    union all
    select source_file, sheet_index, is_superseded from int_documents__ranked
    union all
    select source_file, sheet_index, is_superseded from int_postal__ranked
    union all
    select source_file, sheet_index, is_superseded from int_late__ranked
    union all
    -- units' own reports sent again for the same unit and period (int_reports__ranked)
    select file, sheet_index, is_superseded from int_reports__ranked

),

build_rejected as (

    select source_file, sheet_index, count(distinct row_number) as rows_rejected
    from int_required_documents__rejects
    group by 1, 2

),

superseded as (

    select
        source_file,
        sheet_index,
        count(*) filter (where is_superseded) as rows_superseded
    from ranked_rows
    group by 1, 2

),

final as (

    select
        cast(files.file as varchar) as file,
        cast(files.source as varchar) as source,
        cast(files.sheet as varchar) as sheet,
        cast(files.status as varchar) as status,
        cast(coalesce(files.rows_read, 0) as bigint) as rows_read,
        cast(
            coalesce(files.rows_loaded, 0) - coalesce(build_rejected.rows_rejected, 0) as bigint
        ) as rows_loaded,
        cast(
            coalesce(files.rows_rejected, 0) + coalesce(build_rejected.rows_rejected, 0) as bigint
        ) as rows_rejected,
        cast(coalesce(files.rows_skipped, 0) as bigint) as rows_skipped,
        cast(coalesce(superseded.rows_superseded, 0) as bigint) as rows_superseded,
        cast(files.message as varchar) as message,
        files.sheet_index
    from files
    left join superseded
        on superseded.source_file = files.file
        and superseded.sheet_index = files.sheet_index
    left join build_rejected
        on build_rejected.source_file = files.file
        and build_rejected.sheet_index = files.sheet_index

)

select * exclude (sheet_index) from final
order by file, sheet_index nulls first, sheet
