-- Every loaded postal item row ranked within its item code: an item exported twice
-- (overlapping exports) is one item. The row of the file path sorting last wins, then the
-- later sheet, then the later row; the others are superseded (dq_files.rows_superseded).
with

items as (

    select * from stg_postal__items

),

ranked as (

    select
        *,
        row_number() over (
            partition by item_code
            order by source_file desc, sheet_index desc, row_number desc
        ) as item_rank
    from items

),

final as (

    select
        *,
        item_rank > 1 as is_superseded
    from ranked

)

select * from final
