-- The unit that carries each registry unit on today (units over time, docs/spec.md §3.4 and
-- docs/spec.md §7: districts were abolished on 1 July 2025 and their communes merged). From a unit,
-- follow `Đơn vị kế thừa` until a unit without successor, or one still valid today (§3.4's
-- validity: `Hiệu lực đến` empty or not before today; a successor named for a later date does
-- not take over yet). A chain with a cycle or a missing code — an error audit,
-- units_successor_chain — stops at the last unit found, so that the build reaches the audit.
with

walk as (

    select * from int_units__successions
    where not is_missing and not is_cycle

),

stops as (

    select
        unit_code,
        step,
        at_code,
        at_name,
        at_successor_code is null
            or at_valid_to is null
            or at_valid_to >= current_date as is_stop
    from walk

),

final as (

    select
        unit_code,
        coalesce(arg_min(at_code, step) filter (where is_stop), arg_max(at_code, step))
            as current_code,
        coalesce(arg_min(at_name, step) filter (where is_stop), arg_max(at_name, step))
            as current_name,
        coalesce(min(step) filter (where is_stop), max(step)) as steps
    from stops
    group by unit_code

)

select * from final
