-- Every crosswalk row that is not used, with why (docs/spec.md §8): a row the checks of
-- stg_provinces__crosswalk reject, a link on a loop (int_provinces__links), and a file or
-- sheet that could not be read (row_number NULL). Accepted rows are in dim_provinces.
with

rows as (

    select * from stg_provinces__crosswalk

),

links as (

    select * from int_provinces__links

),

final as (

    select
        rows.file,
        rows.sheet,
        rows.row_number,
        rows.province_key,
        rows.successor_key,
        rows.from_text as from_date,
        coalesce(
            rows.reject_reason,
            case when links.on_loop then 'successors loop: ' || links.loop_chain end
        ) as reason
    from rows
    left join links on links.row_id = rows.row_id
    where rows.reject_reason is not null or links.on_loop

)

select * from final
order by file, sheet nulls first, row_number nulls first
