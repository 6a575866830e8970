-- The Biểu 06 counts (docs/spec.md §5) per period × unit × sector × late-list reason, from the
-- daily counts of int_cases__daily_events, so that the cost grows with groups × days, not with
-- cases × the periods they are alive in. For a period [S, E]:
-- - a count of events in the period (received_*, resolved_*, other_ended) sums the days of
--   [S, E];
-- - a count of cases open at E (pending_*) is the running sum of arrivals minus departures up
--   to E, and carried_over, the cases open at S − 1, is that of the period before. The periods
--   of one type tile the days from the first period's start (no case event is earlier) to the
--   as-of date (only overdue dates still to come are later, and they count at no E), so a
--   running sum over them is one over the days.
-- Every case alive in the period (received by E, not ended before S) is either received in it
-- or carried over, so the rows kept — received_total + carried_over > 0 — are exactly the
-- combinations with any non-zero count. The marts sum over the keys they do not report.
with

daily as (

    select * from int_cases__daily_events

),

periods as (

    select * from int_periods

),

flows as (

    select
        periods.period_type,
        periods.period_start,
        daily.unit_code,
        daily.unit_name,
        daily.sector,
        daily.reason,
        sum(daily.received_total) as received_total,
        sum(daily.received_online) as received_online,
        sum(daily.received_direct_postal) as received_direct_postal,
        sum(daily.received_postal) as received_postal,
        sum(daily.received_direct) as received_direct,
        sum(daily.closed) as closed,
        sum(daily.resolved_early) as resolved_early,
        sum(daily.resolved_on_time) as resolved_on_time,
        sum(daily.resolved_late) as resolved_late,
        sum(daily.resolved_total) as resolved_total,
        sum(daily.other_ended) as other_ended,
        sum(daily.overdue_opened) as overdue_opened,
        sum(daily.overdue_closed) as overdue_closed
    from daily
    join periods
        on daily.day between periods.period_start and periods.period_end
    group by
        periods.period_type,
        periods.period_start,
        daily.unit_code,
        daily.unit_name,
        daily.sector,
        daily.reason

),

groups as (

    select distinct unit_code, unit_name, sector, reason
    from flows

),

-- every period of every group, with or without events of its own: cases can be carried
-- through a period in which nothing happens to them
grid as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        groups.unit_code,
        groups.unit_name,
        groups.sector,
        groups.reason
    from groups
    cross join periods

),

dense as (

    select
        grid.*,
        coalesce(flows.received_total, 0) as received_total,
        coalesce(flows.received_online, 0) as received_online,
        coalesce(flows.received_direct_postal, 0) as received_direct_postal,
        coalesce(flows.received_postal, 0) as received_postal,
        coalesce(flows.received_direct, 0) as received_direct,
        coalesce(flows.resolved_early, 0) as resolved_early,
        coalesce(flows.resolved_on_time, 0) as resolved_on_time,
        coalesce(flows.resolved_late, 0) as resolved_late,
        coalesce(flows.resolved_total, 0) as resolved_total,
        coalesce(flows.other_ended, 0) as other_ended,
        coalesce(flows.received_total, 0) - coalesce(flows.closed, 0) as open_change,
        coalesce(flows.overdue_opened, 0) - coalesce(flows.overdue_closed, 0) as overdue_change
    from grid
    left join flows
        on flows.period_type = grid.period_type
        and flows.period_start = grid.period_start
        and flows.unit_code is not distinct from grid.unit_code
        and flows.unit_name is not distinct from grid.unit_name
        and flows.sector is not distinct from grid.sector
        and flows.reason is not distinct from grid.reason

),

stocks as (

    select
        *,
        sum(open_change) over running as pending_total,
        sum(overdue_change) over running as pending_overdue
    from dense
    window running as (
        partition by period_type, unit_code, unit_name, sector, reason
        order by period_start
        rows between unbounded preceding and current row
    )

),

final as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        sector,
        reason,
        cast(received_online as bigint) as received_online,
        cast(received_direct_postal as bigint) as received_direct_postal,
        cast(received_total as bigint) as received_total,
        cast(received_postal as bigint) as received_postal,
        cast(received_direct as bigint) as received_direct,
        cast(pending_total - open_change as bigint) as carried_over,
        cast(resolved_early as bigint) as resolved_early,
        cast(resolved_on_time as bigint) as resolved_on_time,
        cast(resolved_late as bigint) as resolved_late,
        cast(resolved_total as bigint) as resolved_total,
        cast(pending_total - pending_overdue as bigint) as pending_not_due,
        cast(pending_overdue as bigint) as pending_overdue,
        cast(pending_total as bigint) as pending_total,
        cast(other_ended as bigint) as other_ended
    from stocks
    where received_total + pending_total - open_change > 0

)

select * from final
