-- Cases received in the period by channel, per period × unit (CONTRACT.md §5 ind_channels).
with

cases as (

    select * from int_cases__outcomes

),

periods as (

    select * from int_periods

),

counts as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        cases.unit_code,
        cases.unit_name,
        count(*) as received_total,
        count(*) filter (where cases.channel = 'online') as received_online,
        count(*) filter (where cases.channel = 'postal') as received_postal,
        count(*) filter (where coalesce(cases.channel, 'direct') = 'direct') as received_direct
    from cases
    join periods
        on cases.received_date between periods.period_start and periods.period_end
    group by all

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
