-- Each required document × each unit that must issue it (docs/spec.md §9): the registry units
-- valid in the item's year (validity overlapping 1 January–31 December, as §3.4 validity in a
-- period) whose level is one of the item's levels, or every such unit when the item names no
-- level. The registry's `Cấp` is read with the same key as the item's (a leading `cấp`
-- dropped, so `Cấp huyện` is `huyện`); unit_level is that level, else `Cấp` as written.
with

items as (

    select * from int_required_documents__items

),

units as (

    select * from stg_reference__units

),

unit_levels as (

    select
        unit_code,
        unit_name,
        unit_level as registry_level,
        valid_from,
        valid_to,
        regexp_replace(name_key(unit_level), '^cap ', '') as level_key
    from units

),

leveled as (

    select
        *,
        case level_key
            when 'tinh' then 'tỉnh'
            when 'huyen' then 'huyện'
            when 'xa' then 'xã'
        end as level
    from unit_levels

),

final as (

    select
        items.year,
        items.label,
        leveled.unit_code,
        leveled.unit_name,
        coalesce(leveled.level, leveled.registry_level) as unit_level
    from items
    join leveled
        on (leveled.valid_from is null or leveled.valid_from <= make_date(items.year, 12, 31))
        and (leveled.valid_to is null or leveled.valid_to >= make_date(items.year, 1, 1))
        and (items.levels is null or list_contains(items.levels, leveled.level))

)

select * from final
