-- One row per province in the national tables: the as-of date of its case data and the range
-- of its received dates (its published dim_as_of), and whether they are yesterday's (its run
-- did not publish today, docs/spec.md §8). Provinces compare only where their periods end
-- alike (int_provinces__coverage).
with

as_of as (

    select * from src_dim_as_of

),

provinces as (

    select * from src_provinces

),

names as (

    select * from int_provinces__names

),

final as (

    select
        as_of.province,
        names.province_name,
        as_of.as_of,
        as_of.first_received_date,
        as_of.last_received_date,
        provinces.stale,
        provinces.exports_written_at
    from as_of
    left join provinces on provinces.province = as_of.province
    left join names on names.province = as_of.province

)

select * from final
order by province
