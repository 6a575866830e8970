-- Every matching key of every registry unit (docs/spec.md §3.4): the key of its name and of
-- each of its `;`-separated aliases. A key shared by several units goes to the lowest
-- unit_code, so that matching is deterministic.
with

units as (

    select * from stg_reference__units

),

aliases as (

    select
        unit_code,
        unnest(string_split(aliases, ';')) as alias
    from units
    where aliases is not null

),

name_variants as (

    select unit_code, unit_name as name_variant from units
    union all
    select unit_code, trim(alias) as name_variant from aliases

),

keyed as (

    select distinct
        unit_code,
        name_key(name_variant) as name_key
    from name_variants
    where nullif(trim(name_variant), '') is not null

),

final as (

    select
        name_key,
        min(unit_code) as unit_code,
        count(distinct unit_code) as units_with_key
    from keyed
    where name_key is not null
    group by name_key

)

select * from final
