-- The procedure catalogue, one row per procedure_code (the last file path, then the later
-- row, wins when a code is listed twice).
with

source as (

    select * from land_procedures

),

renamed as (

    select
        cast(procedure_code as varchar) as procedure_code,
        cast(procedure_name as varchar) as procedure_name,
        cast(sector as varchar) as sector,
        cast(procedure_level as varchar) as procedure_level,
        cast(online_level as varchar) as online_level,
        cast(time_limit_days as integer) as time_limit_days,
        cast(one_stop as boolean) as one_stop,
        cast(unit_codes as varchar) as unit_codes,

        cast(source_file as varchar) as source_file,
        cast(sheet_index as integer) as sheet_index,
        cast(row_number as bigint) as row_number

    from source
    where procedure_code is not null

),

final as (

    select * exclude (source_file, sheet_index, row_number)
    from renamed
    qualify row_number() over (
        partition by procedure_code
        order by source_file desc, sheet_index desc, row_number desc
    ) = 1

)

select * from final
