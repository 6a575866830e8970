-- The province each province had become on a day (docs/spec.md §8): from the province, follow
-- the crosswalk's links whose date (`Từ ngày`) is on or before that day. The days asked are
-- each period start of a province's tables (the province "as it was" in that period) and
-- today (the province it is part of now, as the units' successors use today, §3.4). Loops are
-- left out (int_provinces__links); the walk also stops at a province already on the chain.
with recursive

links as (

    select province, successor, from_date
    from int_provinces__links
    where not on_loop

),

period_days as (

    select province, period_start as on_day from src_rpt_bieu06
    union
    select province, period_start from src_ind_late
    union
    select province, period_start from src_ind_channels
    union
    select province, period_start from src_ind_igate_uptake
    union
    select province, period_start from src_ind_documents

),

days as (

    select province, on_day from period_days
    union
    select province, current_date from int_provinces__names

),

walk (province, on_day, at_key, step, chain) as (

    select province, on_day, province, 0, [province]
    from days

    union all

    select
        walk.province,
        walk.on_day,
        links.successor,
        walk.step + 1,
        list_append(walk.chain, links.successor)
    from walk
    join links on links.province = walk.at_key
    where links.from_date <= walk.on_day
        and not list_contains(walk.chain, links.successor)

),

final as (

    select
        province,
        on_day,
        arg_max(at_key, step) as province_on_day,
        max(step) as steps
    from walk
    group by all

)

select * from final
