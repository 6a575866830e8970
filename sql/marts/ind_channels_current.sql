-- ind_channels by the unit that carries each unit on today (int_units__current): a 2020
-- district's and its communes' cases roll up into the commune-level unit that succeeded them
-- in 2025. Same columns as ind_channels; unit_code / unit_name are the current unit's. A unit
-- name the registry does not know stays under its export name, as in ind_channels.
with

channels as (

    select * from ind_channels

),

current_units as (

    select * from int_units__current

),

counts as (

    select
        channels.period_type,
        channels.period,
        channels.period_start,
        channels.period_end,
        case
            when channels.unit_code is null then null
            else coalesce(current_units.current_code, channels.unit_code)
        end as unit_code,
        case
            when channels.unit_code is null then channels.unit_name
            else coalesce(current_units.current_name, channels.unit_name)
        end as unit_name,
        sum(channels.received_total) as received_total,
        sum(channels.received_online) as received_online,
        sum(channels.received_postal) as received_postal,
        sum(channels.received_direct) as received_direct
    from channels
    left join current_units on current_units.unit_code = channels.unit_code
    group by all

),

final as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        cast(received_total as bigint) as received_total,
        cast(received_online as bigint) as received_online,
        cast(received_postal as bigint) as received_postal,
        cast(received_direct as bigint) as received_direct,
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
