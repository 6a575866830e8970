-- Apology slips for late files per period × unit (CONTRACT.md §5 ind_apology): the cases
-- resolved late in the period (ended_date in it, outcome late), under the case's unit.
-- apology_in_time: dated at least one day before the deadline (Decree 61/2018 Art. 19(9));
-- rescheduled_more_than_once: the late-case lists show the return date moved twice or more
-- (Art. 19(9) allows once). Both rates are over late_cases.
with

late_cases as (

    select * from int_cases__late

),

periods as (

    select * from int_periods

),

counts as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        late_cases.unit_code,
        late_cases.unit_name,
        count(*) as late_cases,
        count(*) filter (where late_cases.has_apology) as with_apology,
        count(*) filter (where late_cases.is_apology_in_time) as apology_in_time,
        count(*) filter (where late_cases.reschedules > 1) as rescheduled_more_than_once
    from late_cases
    join periods
        on late_cases.ended_date between periods.period_start and periods.period_end
    group by all

),

final as (

    select
        *,
        with_apology / nullif(late_cases, 0)::double as apology_rate,
        apology_in_time / nullif(late_cases, 0)::double as apology_in_time_rate
    from counts

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name
