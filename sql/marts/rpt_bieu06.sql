-- Biểu số 06/VPCP/KSTT per period × unit × sector (CONTRACT.md §5).
-- One range join pairs each case with every period it is alive in: received by the period's
-- end and not ended before its start. Every column of the form then is a filter on that pair,
-- and every pair counts somewhere, so no (period, unit, sector) row is all zeros.
with

cases as (

    select * from int_cases__outcomes

),

periods as (

    select * from int_periods

),

case_periods as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        cases.unit_code,
        cases.unit_name,
        cases.sector,
        cases.channel,
        cases.received_date,
        cases.ended_date,
        cases.is_resolved,
        cases.is_other_ended,
        cases.outcome,
        cases.overdue_from,
        cases.received_date >= periods.period_start as is_received,
        cases.ended_date is null or cases.ended_date > periods.period_end as is_pending,
        cases.ended_date <= periods.period_end as is_ended_in_period
    from cases
    join periods
        on cases.received_date <= periods.period_end
        -- = (ended_date IS NULL OR ended_date >= period_start), written so that DuckDB can
        -- use its inequality join rather than a nested loop
        and coalesce(cases.ended_date, date '9999-12-31') >= periods.period_start

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

        count(*) filter (where is_received and channel = 'online') as received_online,
        count(*) filter (where is_received and coalesce(channel, 'direct') <> 'online')
            as received_direct_postal,
        count(*) filter (where is_received) as received_total,
        count(*) filter (where not is_received) as carried_over,

        count(*) filter (where is_resolved and is_ended_in_period and outcome = 'early')
            as resolved_early,
        count(*) filter (where is_resolved and is_ended_in_period and outcome = 'on_time')
            as resolved_on_time,
        count(*) filter (where is_resolved and is_ended_in_period and outcome = 'late')
            as resolved_late,
        count(*) filter (where is_resolved and is_ended_in_period) as resolved_total,

        count(*) filter (
            where is_pending and (overdue_from is null or overdue_from > period_end)
        ) as pending_not_due,
        count(*) filter (where is_pending and overdue_from <= period_end) as pending_overdue,
        count(*) filter (where is_pending) as pending_total,

        count(*) filter (where is_other_ended and is_ended_in_period) as other_ended

    from case_periods
    group by all

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name,
    sector nulls last
