-- One row per loaded row of the postal (BCCI) item exports (superseded rows included), typed
-- (docs/spec.md §3.3). No filtering here.
with

source as (

    select * from land_postal

),

renamed as (

    select
        -- lineage
        cast(source_file as varchar) as source_file,
        cast(sheet as varchar) as sheet,
        cast(sheet_index as integer) as sheet_index,
        cast(row_number as bigint) as row_number,

        -- ids
        cast(item_code as varchar) as item_code,
        cast(case_code as varchar) as case_code,

        -- text
        cast(direction as varchar) as direction,
        cast(unit as varchar) as unit,
        cast(delivery_status as varchar) as delivery_status,

        -- dates
        cast(accepted_on as date) as accepted_on,
        cast(delivered_on as date) as delivered_on

    from source

)

select * from renamed
