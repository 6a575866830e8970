-- incremental: case_code
-- One row per received case with its ending and outcome (docs/spec.md §4). Statuses 1
-- (registered, not accepted yet) and 3 (not accepted) are not received: dropped here.
--
-- overdue_from is the first date at which the case counts as past its deadline: the day after
-- the due date, or, with no due date, the working day that makes the working days after
-- received_date exceed the catalogue's time limit. Comparing a date with it answers both "late"
-- for a resolved case and "overdue at E" for a pending one without a per-period calendar scan.
with

cases as (

    select * from int_cases__matched
    where coalesce(status_code, 0) not in (1, 3)

),

calendar as (

    select * from int_calendar

),

ended as (

    select
        *,
        case
            when status_code in (9, 10)
                -- a resolved case with neither date ends when it was received (and is flagged)
                then coalesce(finished_at, returned_at, received_at)
            when status_code in (7, 8)
                then coalesce(greatest(finished_at, returned_at), received_at)
        end as ended_at,
        status_code in (9, 10) and finished_at is null and returned_at is null
            as is_resolved_without_end
    from cases

),

deadlines as (

    select
        ended.*,
        cast(ended.ended_at as date) as ended_date,
        case
            when ended.due_date is not null then 'due_date'
            when ended.time_limit_days is not null then 'time_limit'
        end as deadline_source,
        case
            when ended.due_date is not null then cast(ended.due_date + interval 1 day as date)
            else limit_day.day
        end as overdue_from
    from ended
    left join calendar as received_day
        on received_day.day = ended.received_date
    left join calendar as limit_day
        on ended.due_date is null
        and limit_day.is_working_day
        and limit_day.working_day_number
            = received_day.working_day_number + ended.time_limit_days + 1

),

final as (

    select
        *,
        status_code in (9, 10) as is_resolved,
        status_code in (7, 8) as is_other_ended,
        case
            when status_code in (9, 10) then
                case
                    when due_date is not null then
                        case
                            when ended_date < due_date then 'early'
                            when ended_date = due_date then 'on_time'
                            else 'late'
                        end
                    when overdue_from is not null and ended_date >= overdue_from then 'late'
                    -- within the limit, or no due date and no limit (flagged in dq_rejects)
                    else 'on_time'
                end
            when status_code = 7 then 'withdrawn'
            when status_code = 8 then 'stopped'
            else 'pending'
        end as outcome
    from deadlines

)

select * from final
