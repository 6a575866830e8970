-- severity: error
-- Rolling units up into their current unit moves cases, never loses or adds one: per period
-- ind_channels_current holds the same cases, by channel, as ind_channels.
with

by_unit as (

    select period_type, period, sum(received_total) as received_total,
        sum(received_online) as received_online, sum(received_postal) as received_postal,
        sum(received_direct) as received_direct
    from ind_channels
    group by all

),

by_current as (

    select period_type, period, sum(received_total) as received_total,
        sum(received_online) as received_online, sum(received_postal) as received_postal,
        sum(received_direct) as received_direct
    from ind_channels_current
    group by all

)

select
    coalesce(by_unit.period, by_current.period) as period,
    by_unit.received_total,
    by_current.received_total as current_received_total
from by_unit
full join by_current
    on by_current.period_type = by_unit.period_type
    and by_current.period = by_unit.period
where by_unit.received_total is distinct from by_current.received_total
   or by_unit.received_online is distinct from by_current.received_online
   or by_unit.received_postal is distinct from by_current.received_postal
   or by_unit.received_direct is distinct from by_current.received_direct
