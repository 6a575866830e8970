-- Vietnam's public holidays (from the `holidays` package, provided by the build).
with

source as (

    select * from ref_public_holidays

),

final as (

    select
        cast(day as date) as day,
        min(cast(name as varchar)) as name
    from source
    where day is not null
    group by 1

)

select * from final
