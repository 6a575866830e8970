-- Why files are late, per period × unit × sector × reason: the reasons of the late-case lists
-- (grouped and labelled by int_late__reasons; NULL when no list gives a reason) of
-- - late_cases: cases resolved late in the period (the resolved_late of rpt_bieu06, split by
--   reason), and
-- - pending_overdue: cases still open at the period's end and past their deadline (the
--   pending_overdue of rpt_bieu06, split by reason).
with

cases as (

    select * from int_cases__outcomes

),

late as (

    select * from int_late__cases

),

reasons as (

    select * from int_late__reasons

),

periods as (

    select * from int_periods

),

labelled as (

    select
        cases.*,
        reasons.reason_label as reason
    from cases
    left join late on late.case_code = cases.case_code
    left join reasons on reasons.reason = late.reason

),

case_periods as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        labelled.unit_code,
        labelled.unit_name,
        labelled.sector,
        labelled.reason,
        labelled.is_resolved
            and labelled.outcome = 'late'
            and labelled.ended_date <= periods.period_end as is_late_in_period,
        (labelled.ended_date is null or labelled.ended_date > periods.period_end)
            and labelled.overdue_from <= periods.period_end as is_pending_overdue
    from labelled
    join periods
        on labelled.received_date <= periods.period_end
        and coalesce(labelled.ended_date, date '9999-12-31') >= periods.period_start

),

counts as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        sector,
        reason,
        count(*) filter (where is_late_in_period) as late_cases,
        count(*) filter (where is_pending_overdue) as pending_overdue
    from case_periods
    where is_late_in_period or is_pending_overdue
    group by all

)

select * from counts
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name,
    sector nulls last,
    reason nulls last
