-- The list of required documents from reference/ (docs/spec.md §9): one row per loaded row,
-- typed, with the window the year gives when `Từ ngày` or `Đến ngày` is empty. No filtering
-- here: the rows the build rejects (int_required_documents__rejects) are still in it.
with

source as (

    select * from land_required_documents

),

renamed as (

    select
        -- lineage
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(sheet_index as integer) as sheet_index,
        cast(row_number as bigint) as row_number,

        -- the item
        cast(year as integer) as year,
        cast(label as varchar) as label,
        cast(doc_type as varchar) as doc_type,
        cast(keywords as varchar) as keywords,
        cast(levels as varchar) as levels,

        -- dates as written
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        cast(deadline as date) as deadline

    from source

),

final as (

    select
        *,
        -- make_date fails far outside the calendar; such a year is rejected anyway
        year between 1900 and 2100 as is_year_valid,
        case
            when window_start is not null then window_start
            when year between 1900 and 2100 then make_date(year, 1, 1)
        end as window_from,
        case
            when window_end is not null then window_end
            when year between 1900 and 2100 then make_date(year, 12, 31)
        end as window_to
    from renamed

)

select * from final
