-- Unit and sector names of the exports that match nothing in the reference lists
-- (docs/spec.md §3.4), under their cleaned export text, and the case codes of the late-case
-- lists that are no received case (§3.5, kind `case`). A unit name unmatched in several
-- sources (cases, documents, postal items, units' own reports) is one row; its occurrences
-- add up.
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

unit_names as (

    select receiving_unit as name from rows_loaded
    union all
    -- every loaded document row, superseded ones included (§2's rows loaded)
    select issuing_unit from stg_documents__outgoing
    union all
    select unit from stg_postal__items

),

unmatched_unit_rows as (

    select unit_names.name
    from unit_names
    join unit_matches on unit_matches.export_name = unit_names.name
    where unit_matches.unit_code is null

    union all

    -- the reporting units of the units' own Biểu 06 reports (§3.6), matched in their staging
    select unit_name from stg_reports__bieu06 where unit_code is null

),

units as (

    select
        'unit' as kind,
        name,
        count(*) as occurrences
    from unmatched_unit_rows
    group by all

),

late_cases as (

    -- late-list rows (superseded ones included) whose case code is no received case
    select
        'case' as kind,
        late.case_code as name,
        count(*) as occurrences
    from stg_late__cases as late
    anti join int_cases__outcomes as cases on cases.case_code = late.case_code
    where late.case_code is not null
    group by all

),

unmatched_sector_rows as (

    select rows_loaded.sector as name
    from rows_loaded
    join sector_matches on sector_matches.export_name = rows_loaded.sector
    where sector_matches.catalogue_sector is null

    union all

    -- sectors of the units' own reports that match no catalogue sector (kept as written)
    select export_sector from stg_reports__bieu06 where is_sector_unmatched

),

sectors as (

    select
        'sector' as kind,
        name,
        count(*) as occurrences
    from unmatched_sector_rows
    group by all

),

final as (

    select * from units
    union all
    select * from sectors
    union all
    select * from late_cases

)

select kind, name, cast(occurrences as bigint) as occurrences
from final
order by kind desc, occurrences desc, name
