-- severity: error
-- ind_channels and Biểu 06 count the same received cases per period and unit.
with

bieu06 as (

    select period_type, period, unit_code, unit_name, sum(received_total) as received_total
    from rpt_bieu06
    group by all
    having sum(received_total) > 0

),

channels as (

    select period_type, period, unit_code, unit_name, received_total
    from ind_channels

)

select
    coalesce(bieu06.period, channels.period) as period,
    coalesce(bieu06.unit_name, channels.unit_name) as unit_name,
    bieu06.received_total as bieu06_received,
    channels.received_total as channels_received
from bieu06
full join channels
    on bieu06.period_type = channels.period_type
    and bieu06.period = channels.period
    and bieu06.unit_code is not distinct from channels.unit_code
    and bieu06.unit_name = channels.unit_name
where bieu06.received_total is distinct from channels.received_total
