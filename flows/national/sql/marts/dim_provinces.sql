-- Every province key the national build knows (the folders, and the crosswalk's provinces and
-- successors): its name, its successor and from when, and the province that carries it on
-- today (docs/spec.md §8).
with

names as (

    select * from int_provinces__names

),

links as (

    select * from int_provinces__links
    where not on_loop

),

on_day as (

    select * from int_provinces__on_day
    where on_day = current_date

),

final as (

    select
        names.province,
        names.province_name,
        names.has_data_root,
        links.successor,
        links.from_date as successor_from,
        coalesce(on_day.province_on_day, names.province) as province_current,
        current_names.province_name as province_current_name
    from names
    left join links on links.province = names.province
    left join on_day on on_day.province = names.province
    left join names as current_names
        on current_names.province = coalesce(on_day.province_on_day, names.province)

)

select * from final
order by province
