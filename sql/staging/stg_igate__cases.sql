-- incremental: case_code
-- One row per loaded row of the iGate case exports (superseded rows included): typed, with
-- the local calendar date of every timestamp (docs/spec.md §4). No filtering here.
with

source as (

    select * from land_igate

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
        cast(procedure_code as varchar) as procedure_code,

        -- text
        cast(procedure_name as varchar) as procedure_name,
        cast(sector as varchar) as sector,
        cast(receiving_unit as varchar) as receiving_unit,
        cast(channel as varchar) as channel,
        cast(status as integer) as status_code,

        -- timestamps (naive local time)
        cast(received_at as timestamp) as received_at,
        cast(due_at as timestamp) as due_at,
        cast(finished_at as timestamp) as finished_at,
        cast(returned_at as timestamp) as returned_at,
        cast(apology_at as timestamp) as apology_at

    from source

),

final as (

    select
        *,
        cast(received_at as date) as received_date,
        cast(due_at as date) as due_date,
        cast(finished_at as date) as finished_date,
        cast(returned_at as date) as returned_date,
        -- §3.1: a row's activity is the greatest of its received, finished and returned times
        -- (DuckDB's greatest skips NULLs).
        greatest(received_at, finished_at, returned_at) as activity_at

    from renamed

)

select * from final
