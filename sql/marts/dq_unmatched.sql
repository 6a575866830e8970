-- Unit and sector names of the case exports that match nothing in the reference lists
-- (CONTRACT.md §3.4), under their cleaned export text.
-- occurrences counts loaded rows carrying the name, as the contract says: every row of
-- land_igate, superseded rows and not-received statuses (1, 3) included — "rows loaded" is the
-- §2 accounting term, and this tells an analyst how much of the raw data a registry fix
-- would reach. A case without a sector is not listed (its catalogue sector is used instead).
with

rows_loaded as (

    select * from stg_igate__cases

),

unit_matches as (

    select * from int_units__name_matches

),

sector_matches as (

    select * from int_sectors__name_matches

),

units as (

    select
        'unit' as kind,
        rows_loaded.receiving_unit as name,
        count(*) as occurrences
    from rows_loaded
    join unit_matches on unit_matches.export_name = rows_loaded.receiving_unit
    where unit_matches.unit_code is null
    group by all

),

sectors as (

    select
        'sector' as kind,
        rows_loaded.sector as name,
        count(*) as occurrences
    from rows_loaded
    join sector_matches on sector_matches.export_name = rows_loaded.sector
    where sector_matches.catalogue_sector is null
    group by all

),

final as (

    select * from units
    union all
    select * from sectors

)

select kind, name, cast(occurrences as bigint) as occurrences
from final
order by kind desc, occurrences desc, name
