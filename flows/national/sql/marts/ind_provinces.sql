-- The province ranking per period × province as it was in the period (docs/spec.md §8): a
-- data root is folded into its successor only for the periods starting on or after the
-- crosswalk's date. Rates from summed counts; ranks only where compared
-- (int_provinces__grouped).
with

grouped as (

    select * from int_provinces__grouped
    where scope = 'then'

),

final as (

    select * exclude (scope) from grouped

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    province
