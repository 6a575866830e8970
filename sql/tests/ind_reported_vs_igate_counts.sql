-- severity: error
-- ind_reported_vs_igate has one row per unit and period reported, its reported files are the
-- winning report's rows, and its share and differences are iGate's figure against them.
with

reports as (

    select period_type, period, coalesce(unit_code, '~' || unit_name) as unit_key,
        sum(received_total) as received_total
    from int_reports__ranked
    where not is_superseded
    group by all

),

compared as (

    select *, coalesce(unit_code, '~' || unit_name) as unit_key
    from ind_reported_vs_igate

)

select
    coalesce(reports.period, compared.period) as period,
    coalesce(reports.unit_key, compared.unit_key) as unit_key,
    reports.received_total,
    compared.reported_received_total
from reports
full join compared
    on compared.period_type = reports.period_type
    and compared.period = reports.period
    and compared.unit_key = reports.unit_key
where reports.received_total is distinct from compared.reported_received_total
   or compared.igate_share is distinct from
       compared.igate_received_total / nullif(compared.reported_received_total, 0)::double
   or compared.diff_received_total is distinct from
       compared.igate_received_total - compared.reported_received_total
