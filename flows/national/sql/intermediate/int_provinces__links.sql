-- The accepted successor links of the crosswalk (docs/spec.md §8): province → successor from
-- a date, with whether the link lies on a loop (a → b → a). A loop cannot say which province
-- carries the others on: its links are rejected (dq_provinces_crosswalk names the loop) and
-- left out of every roll-up, like the units' broken chains (§3.4) but without failing the
-- build. A province leading into a loop keeps its own link.
with recursive

links as (

    select row_id, province, successor, from_date
    from stg_provinces__crosswalk
    where reject_reason is null and successor is not null

),

walk (start_id, start, at_key, chain) as (

    select row_id, province, successor, [province, successor]
    from links

    union all

    select walk.start_id, walk.start, links.successor, list_append(walk.chain, links.successor)
    from walk
    join links on links.province = walk.at_key
    -- a key already on the chain ends the walk one step after the loop closes
    where not list_contains(list_slice(walk.chain, 1, len(walk.chain) - 1), walk.at_key)

),

loops as (

    select start_id, min_by(chain, len(chain)) as chain
    from walk
    where at_key = start
    group by start_id

),

final as (

    select
        links.row_id,
        links.province,
        links.successor,
        links.from_date,
        loops.chain is not null as on_loop,
        array_to_string(loops.chain, ' → ') as loop_chain
    from links
    left join loops on loops.start_id = links.row_id

)

select * from final
