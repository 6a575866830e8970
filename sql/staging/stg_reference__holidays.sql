-- Holiday overrides from reference/: one row per day (`off` = a day off, `working` = a
-- working day such as a swapped Saturday). A day listed twice: last file path, last row wins.
with

source as (

    select * from land_holidays

),

renamed as (

    select
        cast(day as date) as day,
        cast(day_kind as varchar) as day_kind,
        cast(note as varchar) as note,

        cast(source_file as varchar) as source_file,
        cast(sheet_index as integer) as sheet_index,
        cast(row_number as bigint) as row_number

    from source
    where day is not null and day_kind in ('off', 'working')

),

final as (

    select day, day_kind, note
    from renamed
    qualify row_number() over (
        partition by day
        order by source_file desc, sheet_index desc, row_number desc
    ) = 1

)

select * from final
