-- summed_by: unit_code, unit_name, sector, reason, day
-- The case events that move the Biểu 06 counts (docs/spec.md §5), per unit × sector × late-list
-- reason × day: int_cases__period_counts sums these days into periods, so that no case is
-- paired with the periods it is alive in and the cost of the periods does not grow with the
-- cases. A case arrives on its received_date, leaves the open cases on its ended_date (counted
-- there by ending and outcome) and, while still open, becomes overdue on its overdue_from.
-- Cases with no received_date are in no period (they never were) and are left out.
-- reason (int_late__reasons' label of the case's late-list reason, NULL when none) is a key so
-- that ind_late_reasons can split by it; every other table sums over it.
with

cases as (

    select * from int_cases__outcomes
    where received_date is not null

),

late as (

    select * from int_late__cases

),

reasons as (

    select * from int_late__reasons

),

case_reasons as (

    select
        late.case_code,
        reasons.reason_label as reason
    from late
    join reasons on reasons.reason = late.reason

),

-- scanned by each event kind below: computed once rather than joined again for each
labelled as materialized (

    select
        cases.unit_code,
        cases.unit_name,
        cases.sector,
        case_reasons.reason,
        cases.channel,
        cases.received_date,
        -- the day the case stops being open. ended_date is never before received_date
        -- (landing rejects such rows, §4); greatest keeps a case from closing before it
        -- arrived even if one slipped through. It skips NULLs, hence the case: a case not
        -- ended never closes.
        case
            when cases.ended_date is not null
                then greatest(cases.received_date, cases.ended_date)
        end as closed_date,
        cases.is_resolved,
        cases.is_other_ended,
        cases.outcome,
        -- without overdue_from a case is never overdue (greatest alone would skip the NULL)
        case
            when cases.overdue_from is not null
                then greatest(cases.received_date, cases.overdue_from)
        end as overdue_date
    from cases
    left join case_reasons on case_reasons.case_code = cases.case_code

),

received as (

    select
        unit_code,
        unit_name,
        sector,
        reason,
        received_date as day,
        count(*) as received_total,
        count(*) filter (where channel = 'online') as received_online,
        count(*) filter (where coalesce(channel, 'direct') <> 'online') as received_direct_postal,
        count(*) filter (where channel = 'postal') as received_postal,
        count(*) filter (where coalesce(channel, 'direct') = 'direct') as received_direct
    from labelled
    group by unit_code, unit_name, sector, reason, received_date

),

ended as (

    select
        unit_code,
        unit_name,
        sector,
        reason,
        closed_date as day,
        count(*) as closed,
        count(*) filter (where is_resolved and outcome = 'early') as resolved_early,
        count(*) filter (where is_resolved and outcome = 'on_time') as resolved_on_time,
        count(*) filter (where is_resolved and outcome = 'late') as resolved_late,
        count(*) filter (where is_resolved) as resolved_total,
        count(*) filter (where is_other_ended) as other_ended,
        -- the overdue cases of became_overdue stop being open and overdue
        count(*) filter (where closed_date > overdue_date) as overdue_closed
    from labelled
    where closed_date is not null
    group by unit_code, unit_name, sector, reason, closed_date

),

became_overdue as (

    select
        unit_code,
        unit_name,
        sector,
        reason,
        overdue_date as day,
        count(*) as overdue_opened
    from labelled
    -- a case ended by the day it would become overdue is never open and overdue
    where overdue_date is not null
        and (closed_date is null or closed_date > overdue_date)
    group by unit_code, unit_name, sector, reason, overdue_date

),

events as (

    select * from received
    union all by name
    select * from ended
    union all by name
    select * from became_overdue

),

final as (

    select
        unit_code,
        unit_name,
        sector,
        reason,
        day,
        cast(coalesce(sum(received_total), 0) as bigint) as received_total,
        cast(coalesce(sum(received_online), 0) as bigint) as received_online,
        cast(coalesce(sum(received_direct_postal), 0) as bigint) as received_direct_postal,
        cast(coalesce(sum(received_postal), 0) as bigint) as received_postal,
        cast(coalesce(sum(received_direct), 0) as bigint) as received_direct,
        cast(coalesce(sum(closed), 0) as bigint) as closed,
        cast(coalesce(sum(resolved_early), 0) as bigint) as resolved_early,
        cast(coalesce(sum(resolved_on_time), 0) as bigint) as resolved_on_time,
        cast(coalesce(sum(resolved_late), 0) as bigint) as resolved_late,
        cast(coalesce(sum(resolved_total), 0) as bigint) as resolved_total,
        cast(coalesce(sum(other_ended), 0) as bigint) as other_ended,
        cast(coalesce(sum(overdue_opened), 0) as bigint) as overdue_opened,
        cast(coalesce(sum(overdue_closed), 0) as bigint) as overdue_closed
    from events
    group by unit_code, unit_name, sector, reason, day

)

select * from final
