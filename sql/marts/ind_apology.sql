-- Apology slips for late files per period × unit (docs/spec.md §5 ind_apology): the cases
-- resolved late in the period (ended_date in it, outcome late), under the case's unit.
-- apology_in_time: dated at least one day before the deadline (Decree 61/2018 Art. 19(9));
-- rescheduled_more_than_once: the late-case lists show the return date moved twice or more
-- (Art. 19(9) allows once). Both rates are over late_cases.
-- The cases are counted per unit and day first, so that only those daily counts meet the
-- periods (each day lies in one month, one quarter and one year).
with

late_cases as (

    select * from int_cases__late

),

periods as (

    select * from int_periods

),

daily as (

    select
        unit_code,
        unit_name,
        ended_date,
        count(*) as late_cases,
        count(*) filter (where has_apology) as with_apology,
        count(*) filter (where is_apology_in_time) as apology_in_time,
        count(*) filter (where reschedules > 1) as rescheduled_more_than_once
    from late_cases
    where ended_date is not null
    group by unit_code, unit_name, ended_date

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
