-- One row per day with the working-day count the time limits need (docs/spec.md §4).
-- working days after d1 up to and including d2 = working_day_number(d2) - working_day_number(d1).
-- The range is 2000-01-01..2040-12-31, stretched to cover any case date outside it.
with

holidays as (

    select * from stg_reference__public_holidays

),

overrides as (

    select * from stg_reference__holidays

),

case_dates as (

    select
        least(min(received_date), min(due_date), min(finished_date), min(returned_date))
            as first_date,
        greatest(max(received_date), max(due_date), max(finished_date), max(returned_date))
            as last_date
    from stg_igate__cases

),

bounds as (

    select
        least(date '2000-01-01', coalesce(first_date, date '2000-01-01')) as first_day,
        -- room after the last date for time limits counted past it
        greatest(date '2040-12-31', coalesce(last_date + interval 3 year, date '2040-12-31'))
            as last_day
    from case_dates

),

days as (

    select cast(range as date) as day
    from bounds, range(bounds.first_day, bounds.last_day + interval 1 day, interval 1 day)

),

flagged as (

    select
        days.day,
        isodow(days.day) in (6, 7) as is_weekend,
        holidays.day is not null as is_public_holiday,
        holidays.name as holiday_name,
        overrides.day_kind as override_kind,
        overrides.note as override_note
    from days
    left join holidays on holidays.day = days.day
    left join overrides on overrides.day = days.day

),

final as (

    select
        day,
        is_weekend,
        is_public_holiday,
        holiday_name,
        override_kind,
        override_note,
        case override_kind
            when 'off' then false
            when 'working' then true
            else not is_weekend and not is_public_holiday
        end as is_working_day,
        sum(
            case override_kind
                when 'off' then 0
                when 'working' then 1
                else case when is_weekend or is_public_holiday then 0 else 1 end
            end
        ) over (order by day rows between unbounded preceding and current row)
            as working_day_number
    from flagged

)

select
    day,
    is_weekend,
    is_public_holiday,
    holiday_name,
    override_kind,
    override_note,
    is_working_day,
    cast(working_day_number as integer) as working_day_number
from final
