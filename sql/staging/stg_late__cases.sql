-- One row per loaded row of the late-case lists (superseded rows included), typed
-- (docs/spec.md §3.5). The reason is tidied for grouping: trailing punctuation dropped and
-- the first letter upper-cased (the rest as written). No filtering here.
with

source as (

    select * from land_late

),

renamed as (

    select
        -- lineage
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(sheet_index as integer) as sheet_index,
        cast(row_number as bigint) as row_number,

        -- ids
        cast(case_code as varchar) as case_code,

        -- text
        cast(reason as varchar) as reason,
        cast(responsible_unit as varchar) as responsible_unit,

        -- numbers
        cast(reschedules as integer) as reschedules,

        -- timestamps (naive local time)
        cast(apology_at as timestamp) as apology_at,
        cast(new_due_at as timestamp) as new_due_at

    from source

),

cleaned as (

    select
        * replace (
            nullif(
                trim(regexp_replace(reason, '[\s.;,:\-–]+$', '')),
                ''
            ) as reason
        )
    from renamed

),

final as (

    select
        * replace (upper(left(reason, 1)) || substr(reason, 2) as reason),
        cast(apology_at as date) as apology_date,
        cast(new_due_at as date) as new_due_date
    from cleaned

)

select * from final
