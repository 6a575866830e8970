-- Biểu số 06/VPCP/KSTT per period × unit × sector (docs/spec.md §5): the counts of
-- int_cases__period_counts summed over the late-list reasons, which the form does not report.
-- Every row there has a case received in or carried into the period, so no row here is all
-- zeros.
with

period_counts as (

    select * from int_cases__period_counts

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
        cast(sum(received_online) as bigint) as received_online,
        cast(sum(received_direct_postal) as bigint) as received_direct_postal,
        cast(sum(received_total) as bigint) as received_total,
        cast(sum(carried_over) as bigint) as carried_over,
        cast(sum(resolved_early) as bigint) as resolved_early,
        cast(sum(resolved_on_time) as bigint) as resolved_on_time,
        cast(sum(resolved_late) as bigint) as resolved_late,
        cast(sum(resolved_total) as bigint) as resolved_total,
        cast(sum(pending_not_due) as bigint) as pending_not_due,
        cast(sum(pending_overdue) as bigint) as pending_overdue,
        cast(sum(pending_total) as bigint) as pending_total,
        cast(sum(other_ended) as bigint) as other_ended
    from period_counts
    group by period_type, period, period_start, period_end, unit_code, unit_name, sector

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name,
    sector nulls last
