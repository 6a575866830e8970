-- Each distinct unit text of the exports (receiving units of cases, issuing units of
-- documents, units of postal items), matched to the registry
-- (docs/spec.md §3.4): first a unit_code equal to the text, else the name key of the text
-- equal to the key of a registry name or alias. Done on distinct texts so that the Python
-- key function runs once per spelling, not once per row.
with

names as (

    select receiving_unit as export_name
    from stg_igate__cases
    where receiving_unit is not null

    union

    -- the issuing units of outgoing documents (docs/spec.md §3.2)
    select issuing_unit
    from stg_documents__outgoing
    where issuing_unit is not null

    union

    -- the units of postal items (docs/spec.md §3.3)
    select unit
    from stg_postal__items
    where unit is not null

),

units as (

    select * from stg_reference__units

),

unit_keys as (

    select * from int_units__name_keys

),

keyed as (

    select
        export_name,
        name_key(export_name) as export_key
    from names

),

final as (

    select
        keyed.export_name,
        keyed.export_key,
        coalesce(by_code.unit_code, by_key.unit_code) as unit_code,
        case
            when by_code.unit_code is not null then 'code'
            when by_key.unit_code is not null then 'name'
        end as matched_by
    from keyed
    left join units as by_code on by_code.unit_code = keyed.export_name
    left join unit_keys as by_key on by_key.name_key = keyed.export_key

)

select * from final
