-- Why files are late, per period × unit × sector × reason: the reasons of the late-case lists
-- (grouped and labelled by int_late__reasons; NULL when no list gives a reason) of
-- - late_cases: cases resolved late in the period (the resolved_late of rpt_bieu06, split by
--   reason), and
-- - pending_overdue: cases still open at the period's end and past their deadline (the
--   pending_overdue of rpt_bieu06, split by reason).
-- Both come from int_cases__period_counts, which rpt_bieu06 sums over the reasons, so that the
-- split always adds up to the form.
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
        reason,
        resolved_late as late_cases,
        pending_overdue
    from period_counts
    where resolved_late > 0 or pending_overdue > 0

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name,
    sector nulls last,
    reason nulls last
