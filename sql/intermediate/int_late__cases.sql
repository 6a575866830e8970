-- One row per case code of the late-case lists (docs/spec.md §3.5), whatever the lists' rows
-- say about it together:
-- - apology_at: the earliest apology date of its rows (§3.5: the earliest found wins);
-- - reason, new_due_at, responsible_unit: the winning row's (int_late__ranked), else the
--   latest row that has one;
-- - reschedules: how often the return date was moved — the greatest "Số lần hẹn lại" of its
--   rows, or the number of distinct new dates its rows show, whichever is larger.
-- Not joined to the cases here (int_cases__deduplicated reads the apology dates from here).
with

ranked as (

    select * from int_late__ranked

),

final as (

    select
        case_code,
        min(apology_at) as apology_at,
        -- rank 1 is the winning row
        arg_min(reason, late_rank) filter (where reason is not null) as reason,
        arg_min(new_due_at, late_rank) filter (where new_due_at is not null) as new_due_at,
        arg_min(responsible_unit, late_rank) filter (where responsible_unit is not null)
            as responsible_unit,
        greatest(
            coalesce(max(reschedules), 0),
            count(distinct new_due_date)
        ) as reschedules,
        count(*) as late_rows,
        arg_min(source_file, late_rank) as source_file
    from ranked
    where case_code is not null
    group by case_code

)

select * from final
