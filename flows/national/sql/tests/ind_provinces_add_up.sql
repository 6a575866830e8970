-- severity: error
-- Both rankings add up to the provinces' counts (docs/spec.md §8): per period, summed over
-- the provinces as they were and over today's provinces, the same cases received, online,
-- resolved, late, pending, overdue and units as summed over every data root. A roll-up that
-- lost a province or counted one twice would show here.
with

roots as (

    select
        'data roots' as summed_over, period_type, period,
        sum(received_total) as received_total, sum(received_online) as received_online,
        sum(resolved_total) as resolved_total, sum(resolved_late) as resolved_late,
        sum(pending_total) as pending_total, sum(pending_overdue) as pending_overdue,
        sum(units_valid) as units_valid, sum(units_with_files) as units_with_files
    from int_provinces__counts
    group by all

),

rankings as (

    select
        'ind_provinces' as summed_over, period_type, period,
        sum(received_total) as received_total, sum(received_online) as received_online,
        sum(resolved_total) as resolved_total, sum(resolved_late) as resolved_late,
        sum(pending_total) as pending_total, sum(pending_overdue) as pending_overdue,
        sum(units_valid) as units_valid, sum(units_with_files) as units_with_files
    from ind_provinces
    group by all
    union all
    select
        'ind_provinces_current', period_type, period,
        sum(received_total), sum(received_online), sum(resolved_total), sum(resolved_late),
        sum(pending_total), sum(pending_overdue), sum(units_valid), sum(units_with_files)
    from ind_provinces_current
    group by all

)

select rankings.summed_over, coalesce(rankings.period, roots.period) as period
from rankings
full join roots
    on roots.period_type = rankings.period_type and roots.period = rankings.period
where (rankings.received_total, rankings.received_online, rankings.resolved_total,
        rankings.resolved_late, rankings.pending_total, rankings.pending_overdue,
        rankings.units_valid, rankings.units_with_files)
    is distinct from
    (roots.received_total, roots.received_online, roots.resolved_total, roots.resolved_late,
        roots.pending_total, roots.pending_overdue, roots.units_valid, roots.units_with_files)
