-- severity: error
-- Split by reason, the late and the overdue cases add up to ind_late's resolved_late and
-- pending_overdue on every (period, unit, sector).
with

by_reason as (

    select
        period_type,
        period,
        unit_code,
        unit_name,
        sector,
        sum(late_cases) as late_cases,
        sum(pending_overdue) as pending_overdue
    from ind_late_reasons
    group by all

),

late as (

    select period_type, period, unit_code, unit_name, sector, resolved_late, pending_overdue
    from ind_late
    where resolved_late + pending_overdue > 0

)

select
    coalesce(late.period, by_reason.period) as period,
    coalesce(late.unit_name, by_reason.unit_name) as unit_name,
    coalesce(late.sector, by_reason.sector) as sector,
    late.resolved_late,
    by_reason.late_cases,
    late.pending_overdue,
    by_reason.pending_overdue as reasons_pending_overdue
from late
full join by_reason
    on late.period_type = by_reason.period_type
    and late.period = by_reason.period
    and late.unit_code is not distinct from by_reason.unit_code
    and late.unit_name = by_reason.unit_name
    and late.sector is not distinct from by_reason.sector
where late.resolved_late is distinct from by_reason.late_cases
   or late.pending_overdue is distinct from by_reason.pending_overdue
