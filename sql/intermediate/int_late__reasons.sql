-- The reasons of the late-case lists, grouped: two spellings are one reason when they have
-- the same matching key (docs/spec.md §3.4's name key: case, tone placement, accents and
-- punctuation folded). Each group is labelled by its most frequent spelling (among cases),
-- ties going to the lowest in binary order.
with

late as (

    select * from int_late__cases
    where reason is not null

),

spellings as (

    select
        reason,
        name_key(reason) as reason_key,
        count(*) as cases
    from late
    group by reason

),

final as (

    select
        reason,
        reason_key,
        first_value(reason) over (
            partition by reason_key
            order by cases desc, reason
        ) as reason_label
    from spellings

)

select * from final
