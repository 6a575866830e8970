-- Each distinct sector text of the case exports, matched to the catalogue's `Lĩnh vực` values
-- by sector key (docs/spec.md §3.4: a name key without a leading `Lĩnh vực`). When catalogue
-- spellings share a key, the lowest (binary order) spelling names the sector.
with

names as (

    select distinct sector as export_name
    from stg_igate__cases
    where sector is not null

),

catalogue as (

    select distinct sector
    from stg_reference__procedures
    where sector is not null

),

catalogue_keys as (

    select
        sector_key(sector) as sector_key,
        min(sector) as catalogue_sector
    from catalogue
    where sector_key(sector) is not null
    group by 1

),

final as (

    select
        names.export_name,
        sector_key(names.export_name) as export_key,
        catalogue_keys.catalogue_sector
    from names
    left join catalogue_keys on catalogue_keys.sector_key = sector_key(names.export_name)

)

select * from final
