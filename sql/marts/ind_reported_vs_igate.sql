-- The units' own Biểu 06 reports against iGate, per period × unit that reported (docs/spec.md
-- §5 ind_reported_vs_igate): the report's figures summed over its sector rows
-- (int_reports__ranked: one report per unit and period) against rpt_bieu06 summed over the
-- unit's sectors in the same period.
--   igate_share = igate_received_total / reported_received_total — iGate uptake as the
--     inspection means it; above 1 when the unit reports fewer files than iGate holds;
--   diff_<column> = iGate − reported, for each column of the form (NULL when the report's
--     form lacks the column).
-- A period outside the case data (no such period in int_periods) has NULL iGate figures: the
-- exports say nothing about it. period_start / period_end are the iGate period's, the
-- report's own dates follow as report_period_start / report_period_end.
with

reports as (

    select * from int_reports__ranked
    where not is_superseded

),

bieu06 as (

    select * from rpt_bieu06

),

periods as (

    select * from int_periods

),

reported as (

    select
        period_type,
        period,
        unit_code,
        unit_name,
        min(period_start) as report_period_start,
        max(period_end) as report_period_end,
        max(file) as report_file,
        sum(received_online) as received_online,
        sum(received_direct_postal) as received_direct_postal,
        sum(received_total) as received_total,
        sum(carried_over) as carried_over,
        sum(resolved_early) as resolved_early,
        sum(resolved_on_time) as resolved_on_time,
        sum(resolved_late) as resolved_late,
        sum(resolved_total) as resolved_total,
        sum(pending_not_due) as pending_not_due,
        sum(pending_overdue) as pending_overdue,
        sum(pending_total) as pending_total
    from reports
    group by period_type, period, unit_code, unit_name

),

igate as (

    select
        period_type,
        period,
        unit_code,
        unit_name,
        sum(received_online) as received_online,
        sum(received_direct_postal) as received_direct_postal,
        sum(received_total) as received_total,
        sum(carried_over) as carried_over,
        sum(resolved_early) as resolved_early,
        sum(resolved_on_time) as resolved_on_time,
        sum(resolved_late) as resolved_late,
        sum(resolved_total) as resolved_total,
        sum(pending_not_due) as pending_not_due,
        sum(pending_overdue) as pending_overdue,
        sum(pending_total) as pending_total
    from bieu06
    group by period_type, period, unit_code, unit_name

),

joined as (

    select
        reported.*,
        periods.period_start,
        periods.period_end,
        periods.period is not null as is_covered,
        igate.received_online as igate_received_online,
        igate.received_direct_postal as igate_received_direct_postal,
        igate.received_total as igate_received_total,
        igate.carried_over as igate_carried_over,
        igate.resolved_early as igate_resolved_early,
        igate.resolved_on_time as igate_resolved_on_time,
        igate.resolved_late as igate_resolved_late,
        igate.resolved_total as igate_resolved_total,
        igate.pending_not_due as igate_pending_not_due,
        igate.pending_overdue as igate_pending_overdue,
        igate.pending_total as igate_pending_total
    from reported
    left join periods
        on periods.period_type = reported.period_type
        and periods.period = reported.period
    left join igate
        on igate.period_type = reported.period_type
        and igate.period = reported.period
        and igate.unit_code is not distinct from reported.unit_code
        and (reported.unit_code is not null or igate.unit_name = reported.unit_name)

),

-- iGate's figure: 0 when the unit has no case in a period the data covers, NULL outside it
figures as (

    select
        * replace (
            case when is_covered then coalesce(igate_received_online, 0) end
                as igate_received_online,
            case when is_covered then coalesce(igate_received_direct_postal, 0) end
                as igate_received_direct_postal,
            case when is_covered then coalesce(igate_received_total, 0) end
                as igate_received_total,
            case when is_covered then coalesce(igate_carried_over, 0) end as igate_carried_over,
            case when is_covered then coalesce(igate_resolved_early, 0) end
                as igate_resolved_early,
            case when is_covered then coalesce(igate_resolved_on_time, 0) end
                as igate_resolved_on_time,
            case when is_covered then coalesce(igate_resolved_late, 0) end as igate_resolved_late,
            case when is_covered then coalesce(igate_resolved_total, 0) end
                as igate_resolved_total,
            case when is_covered then coalesce(igate_pending_not_due, 0) end
                as igate_pending_not_due,
            case when is_covered then coalesce(igate_pending_overdue, 0) end
                as igate_pending_overdue,
            case when is_covered then coalesce(igate_pending_total, 0) end as igate_pending_total
        )
    from joined

),

final as (

    select
        period_type,
        period,
        coalesce(period_start, report_period_start) as period_start,
        coalesce(period_end, report_period_end) as period_end,
        unit_code,
        unit_name,
        cast(received_total as bigint) as reported_received_total,
        cast(igate_received_total as bigint) as igate_received_total,
        igate_received_total / nullif(received_total, 0)::double as igate_share,
        cast(igate_received_online - received_online as bigint) as diff_received_online,
        cast(igate_received_direct_postal - received_direct_postal as bigint)
            as diff_received_direct_postal,
        cast(igate_received_total - received_total as bigint) as diff_received_total,
        cast(igate_carried_over - carried_over as bigint) as diff_carried_over,
        cast(igate_resolved_early - resolved_early as bigint) as diff_resolved_early,
        cast(igate_resolved_on_time - resolved_on_time as bigint) as diff_resolved_on_time,
        cast(igate_resolved_late - resolved_late as bigint) as diff_resolved_late,
        cast(igate_resolved_total - resolved_total as bigint) as diff_resolved_total,
        cast(igate_pending_not_due - pending_not_due as bigint) as diff_pending_not_due,
        cast(igate_pending_overdue - pending_overdue as bigint) as diff_pending_overdue,
        cast(igate_pending_total - pending_total as bigint) as diff_pending_total,
        report_period_start,
        report_period_end,
        report_file
    from figures

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name
