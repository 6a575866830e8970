-- Each province and period start of its tables, with the province's name, the province it
-- was part of in that period and the one it is part of today (docs/spec.md §8): what every
-- national table adds to a province's own rows, joined once per table on (province,
-- period_start).
with

names as (

    select * from int_provinces__names

),

on_day as (

    select * from int_provinces__on_day

),

final as (

    select
        then_.province,
        then_.on_day as period_start,
        names.province_name,
        then_.province_on_day as province_then,
        now_.province_on_day as province_current
    from on_day as then_
    left join names on names.province = then_.province
    left join on_day as now_
        on now_.province = then_.province and now_.on_day = current_date

)

select * from final
