-- Units' own Biểu 06 reports (docs/spec.md §3.6): one row per sector row that flows/ingest/unit_reports.py
-- landed, with the columns of rpt_bieu06 plus `file` (then lineage). Unlike other staging
-- models this one matches names, because the contract gives the table rpt_bieu06's columns:
-- - unit_code / unit_name: the reporting unit matched to the registry as every export name is
--   (a unit_code equal to the text, else the §3.4 name key of a registry name or alias);
--   unmatched, unit_code is NULL and unit_name the cleaned text (listed in dq_unmatched);
-- - sector: the catalogue's spelling when the sector key matches, else the text as written;
-- - period_type from the contract label the reader found (2020-10, 2020-Q4, 2020);
--   period_start / period_end are the report's own dates (`Từ ngày … đến ngày …`);
-- - received_total: the files received in the period — the form's `Trong kỳ` when it has such
--   a column, else online + direct/postal, else its `Tổng số` (3) minus `Từ kỳ trước` (6);
--   resolved_total and pending_total: the form's `Tổng số`, else the sum of their parts;
--   a column the form does not have is NULL; other_ended is not on the form (NULL).
with

source as (

    select * from land_reports

),

units as (

    select * from stg_reference__units

),

unit_keys as (

    select * from int_units__name_keys

),

procedures as (

    select * from stg_reference__procedures

),

renamed as (

    select
        -- lineage
        cast(source_file as varchar) as file,
        cast(sheet as varchar) as sheet,
        cast(sheet_index as integer) as sheet_index,
        cast(row_number as bigint) as row_number,

        -- what the report says it is about
        cast(unit as varchar) as export_unit_name,
        cast(period as varchar) as period,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(sector as varchar) as export_sector,

        -- the form's columns, as written
        cast(received_all as bigint) as received_all,
        cast(received_online as bigint) as received_online,
        cast(received_direct_postal as bigint) as received_direct_postal,
        cast(received_total as bigint) as received_in_period,
        cast(carried_over as bigint) as carried_over,
        cast(resolved_total as bigint) as resolved_total,
        cast(resolved_early as bigint) as resolved_early,
        cast(resolved_on_time as bigint) as resolved_on_time,
        cast(resolved_late as bigint) as resolved_late,
        cast(pending_total as bigint) as pending_total,
        cast(pending_not_due as bigint) as pending_not_due,
        cast(pending_overdue as bigint) as pending_overdue

    from source

),

unit_names as (

    select distinct export_unit_name
    from renamed
    where export_unit_name is not null

),

unit_matches as (

    select
        unit_names.export_unit_name,
        coalesce(by_code.unit_code, by_key.unit_code) as unit_code
    from unit_names
    left join units as by_code on by_code.unit_code = unit_names.export_unit_name
    left join unit_keys as by_key on by_key.name_key = name_key(unit_names.export_unit_name)

),

catalogue_sectors as (

    select
        sector_key(sector) as sector_key,
        min(sector) as catalogue_sector
    from (select distinct sector from procedures where sector is not null)
    where sector_key(sector) is not null
    group by 1

),

sector_matches as (

    select
        names.export_sector,
        catalogue_sectors.catalogue_sector
    from (select distinct export_sector from renamed where export_sector is not null) as names
    left join catalogue_sectors on catalogue_sectors.sector_key = sector_key(names.export_sector)

),

final as (

    select
        case
            when regexp_matches(renamed.period, '^\d{4}$') then 'year'
            when regexp_matches(renamed.period, '^\d{4}-Q[1-4]$') then 'quarter'
            when regexp_matches(renamed.period, '^\d{4}-\d{2}$') then 'month'
        end as period_type,
        renamed.period,
        renamed.period_start,
        renamed.period_end,
        unit_matches.unit_code,
        coalesce(units.unit_name, renamed.export_unit_name) as unit_name,
        coalesce(sector_matches.catalogue_sector, renamed.export_sector) as sector,

        renamed.received_online,
        renamed.received_direct_postal,
        coalesce(
            renamed.received_in_period,
            renamed.received_online + renamed.received_direct_postal,
            renamed.received_all - renamed.carried_over
        ) as received_total,
        renamed.carried_over,

        renamed.resolved_early,
        renamed.resolved_on_time,
        renamed.resolved_late,
        coalesce(
            renamed.resolved_total,
            renamed.resolved_early + renamed.resolved_on_time + renamed.resolved_late
        ) as resolved_total,

        renamed.pending_not_due,
        renamed.pending_overdue,
        coalesce(renamed.pending_total, renamed.pending_not_due + renamed.pending_overdue)
            as pending_total,

        cast(null as bigint) as other_ended,

        renamed.file,

        -- lineage, beyond rpt_bieu06's columns
        renamed.sheet,
        renamed.sheet_index,
        renamed.row_number,
        renamed.export_unit_name,
        renamed.export_sector,
        renamed.export_sector is not null
            and sector_matches.catalogue_sector is null as is_sector_unmatched,
        renamed.received_all
    from renamed
    left join unit_matches on unit_matches.export_unit_name = renamed.export_unit_name
    left join units on units.unit_code = unit_matches.unit_code
    left join sector_matches on sector_matches.export_sector = renamed.export_sector

)

select * from final
