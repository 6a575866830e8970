-- The province ranking per period × today's province (docs/spec.md §8): every data root
-- folded into the province that carries it on today, in every period, as the units'
-- successors roll up (ind_channels_current). Rates from summed counts; ranks only where
-- compared (int_provinces__grouped).
with

grouped as (

    select * from int_provinces__grouped
    where scope = 'current'

),

final as (

    select * exclude (scope) from grouped

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    province
