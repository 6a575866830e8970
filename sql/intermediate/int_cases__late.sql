-- incremental: case_code
-- Resolved late cases (docs/spec.md §4 outcome `late`) with what the late-case lists and the
-- apology slips say about them (§3.5, §5 ind_apology):
-- - deadline_date: the due date, or, without one, the last working day of the catalogue's
--   time limit (the day before overdue_from, counted in working days);
-- - apology_at: the earliest apology date of igate/ and late/ (int_cases__deduplicated);
-- - is_apology_in_time: the apology is dated at least one calendar day before the deadline
--   (Decree 61/2018 Art. 19(9));
-- - reschedules, reason: from the late-case lists (int_late__cases), 0 and NULL when the case
--   is in no list.
with

cases as (

    select * from int_cases__outcomes
    where is_resolved and outcome = 'late'

),

late as (

    select * from int_late__cases

),

calendar as (

    select * from int_calendar

),

with_deadline as (

    select
        cases.*,
        case
            when cases.due_date is not null then cases.due_date
            else limit_day.day
        end as deadline_date
    from cases
    left join calendar as received_day
        on received_day.day = cases.received_date
    left join calendar as limit_day
        on cases.due_date is null
        and limit_day.is_working_day
        and limit_day.working_day_number
            = received_day.working_day_number + cases.time_limit_days

),

final as (

    select
        with_deadline.case_code,
        with_deadline.unit_code,
        with_deadline.unit_name,
        with_deadline.sector,
        with_deadline.received_date,
        with_deadline.due_date,
        with_deadline.deadline_date,
        with_deadline.ended_date,
        with_deadline.apology_at,
        with_deadline.apology_at is not null as has_apology,
        coalesce(
            cast(with_deadline.apology_at as date) <= with_deadline.deadline_date - 1,
            false
        ) as is_apology_in_time,
        coalesce(late.reschedules, 0) as reschedules,
        late.case_code is not null as is_in_late_list,
        late.reason,
        late.new_due_at,
        late.responsible_unit
    from with_deadline
    left join late on late.case_code = with_deadline.case_code

)

select * from final
