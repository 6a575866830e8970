-- Apology slips for late files per period × unit (docs/spec.md §5 ind_apology): the cases
-- resolved late in the period (ended_date in it, outcome late), under the case's unit.
-- apology_in_time: dated at least one day before the deadline (Decree 61/2018 Art. 19(9));
-- rescheduled_more_than_once: the late-case lists show the return date moved twice or more
-- (Art. 19(9) allows once). Both rates are over late_cases.
-- The periods sum int_cases__late_daily's counts per unit and day.
with

daily as (

    select * from int_cases__late_daily

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
        daily.unit_code,
        daily.unit_name,
        cast(sum(daily.late_cases) as bigint) as late_cases,
        cast(sum(daily.with_apology) as bigint) as with_apology,
        cast(sum(daily.apology_in_time) as bigint) as apology_in_time,
        cast(sum(daily.rescheduled_more_than_once) as bigint) as rescheduled_more_than_once
    from daily
    join periods
        on daily.ended_date between periods.period_start and periods.period_end
    group by
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        daily.unit_code,
        daily.unit_name

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
