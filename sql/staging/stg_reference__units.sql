-- The units registry, one row per unit_code. When several registry rows carry one code, the
-- row of the file path sorting last, then the later row, wins (as for other duplicates).
with

source as (

    select * from land_units

),

renamed as (

    select
        cast(unit_code as varchar) as unit_code,
        cast(unit_name as varchar) as unit_name,
        cast(unit_level as varchar) as unit_level,
        cast(parent_code as varchar) as parent_code,
        cast(unit_kind as varchar) as unit_kind,
        cast(aliases as varchar) as aliases,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        cast(successor_code as varchar) as successor_code,

        cast(source_file as varchar) as source_file,
        cast(sheet_index as integer) as sheet_index,
        cast(row_number as bigint) as row_number

    from source
    where unit_code is not null

),

final as (

    select * exclude (source_file, sheet_index, row_number)
    from renamed
    qualify row_number() over (
        partition by unit_code
        order by source_file desc, sheet_index desc, row_number desc
    ) = 1

)

select * from final
