-- Every registry unit's chain of successors (docs/spec.md §3.4 `Đơn vị kế thừa`), followed
-- link by link regardless of dates: one row per (unit, step) with the unit reached. The walk
-- stops at a unit without successor, at a successor code that is not in the registry
-- (is_missing) and at a code already on the chain (is_cycle), so that a broken registry
-- cannot make the build loop; the audit units_successor_chain fails the build on either.
with recursive

units as (

    select * from stg_reference__units

),

links as (

    select unit_code, nullif(trim(successor_code), '') as successor_code
    from units

),

walk (unit_code, step, at_code, chain) as (

    select unit_code, 0, unit_code, [unit_code]
    from links

    union all

    select
        walk.unit_code,
        walk.step + 1,
        links.successor_code,
        list_append(walk.chain, links.successor_code)
    from walk
    join links on links.unit_code = walk.at_code
    where links.successor_code is not null
        -- a code already on the chain ends the walk (a cycle), one step after it closes
        and not list_contains(list_slice(walk.chain, 1, len(walk.chain) - 1), walk.at_code)

),

final as (

    select
        walk.unit_code,
        walk.step,
        walk.at_code,
        walk.chain,
        units.unit_code is null as is_missing,
        walk.step > 0
            and list_contains(list_slice(walk.chain, 1, len(walk.chain) - 1), walk.at_code)
            as is_cycle,
        units.unit_name as at_name,
        units.valid_to as at_valid_to,
        nullif(trim(units.successor_code), '') as at_successor_code
    from walk
    left join units on units.unit_code = walk.at_code

)

select * from final
