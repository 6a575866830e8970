-- Cases received in the period by channel, per period × unit (docs/spec.md §5 ind_channels):
-- the received counts of int_cases__period_counts summed over sectors and late-list reasons.
-- A unit with cases carried over but none received has no row.
with

period_counts as (

    select * from int_cases__period_counts

),

counts as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        cast(sum(received_total) as bigint) as received_total,
        cast(sum(received_online) as bigint) as received_online,
        cast(sum(received_postal) as bigint) as received_postal,
        cast(sum(received_direct) as bigint) as received_direct
    from period_counts
    group by period_type, period, period_start, period_end, unit_code, unit_name
    having sum(received_total) > 0

),

final as (

    select
        *,
        received_online / nullif(received_total, 0)::double as online_rate,
        received_postal / nullif(received_total, 0)::double as postal_rate
    from counts

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name
