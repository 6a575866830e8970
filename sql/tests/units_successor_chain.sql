-- severity: error
-- Units over time need a sound successor chain (docs/spec.md §3.4 `Đơn vị kế thừa`): a
-- successor code that is not in the registry, or a chain that comes back to a unit, is an
-- error naming the codes (the build's failure message shows these rows).
with

walk as (

    select * from int_units__successions

),

missing as (

    -- the unit whose own successor code is unknown (not every unit leading to it)
    select
        unit_code,
        at_code as successor_code,
        'successor code ' || at_code || ' of unit ' || unit_code || ' is not in the registry'
            as problem
    from walk
    where is_missing and step = 1

),

cycles as (

    -- one row per cycle, named from its lowest code
    select
        walk.unit_code,
        walk.at_code as successor_code,
        'successor chain loops: ' || array_to_string(walk.chain, ' → ') as problem
    from walk
    where walk.is_cycle
        and walk.at_code = walk.unit_code
        and walk.unit_code = list_min(walk.chain)

)

select * from missing
union all
select * from cycles
order by unit_code
