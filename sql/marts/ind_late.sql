-- Late and overdue cases per period × unit × sector: the rows of rpt_bieu06
-- (docs/spec.md §5 ind_late). overdue_or_late_rate follows Decision 766: open cases already past
-- due count as late.
with

bieu06 as (

    select * from rpt_bieu06

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
        resolved_total,
        resolved_late,
        pending_total,
        pending_overdue,
        resolved_late / nullif(resolved_total, 0)::double as late_rate,
        (resolved_late + pending_overdue)
            / nullif(resolved_total + pending_total, 0)::double as overdue_or_late_rate
    from bieu06

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name,
    sector nulls last
