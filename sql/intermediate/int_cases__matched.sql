-- incremental: case_code
-- One row per case with its unit, sector and procedure matched to the reference lists
-- (docs/spec.md §3.4). Unmatched names are kept under their cleaned export text, never dropped.
with

cases as (

    select * from int_cases__deduplicated

),

unit_matches as (

    select * from int_units__name_matches

),

sector_matches as (

    select * from int_sectors__name_matches

),

units as (

    select * from stg_reference__units

),

procedures as (

    select * from stg_reference__procedures

),

joined as (

    select
        cases.*,
        unit_matches.unit_code as matched_unit_code,
        units.unit_name as registry_unit_name,
        sector_matches.catalogue_sector as matched_sector,
        procedures.procedure_code is not null as procedure_in_catalogue,
        procedures.procedure_name as catalogue_procedure_name,
        procedures.sector as catalogue_procedure_sector,
        procedures.time_limit_days
    from cases
    left join unit_matches on unit_matches.export_name = cases.receiving_unit
    left join units on units.unit_code = unit_matches.unit_code
    left join sector_matches on sector_matches.export_name = cases.sector
    left join procedures on procedures.procedure_code = cases.procedure_code

),

final as (

    select
        source_file,
        sheet,
        sheet_index,
        row_number,
        case_code,
        procedure_code,
        -- the export's name as written (§3.4 renames units and sectors only), the
        -- catalogue's when the export has none
        coalesce(procedure_name, catalogue_procedure_name) as procedure_name,
        case
            when sector is not null then coalesce(matched_sector, sector)
            -- no sector in the export: the catalogue's sector of its procedure
            else catalogue_procedure_sector
        end as sector,
        sector is not null and matched_sector is null as is_sector_unmatched,
        matched_unit_code as unit_code,
        coalesce(registry_unit_name, receiving_unit) as unit_name,
        matched_unit_code is null as is_unit_unmatched,
        receiving_unit as export_unit_name,
        sector as export_sector,
        channel,
        status_code,
        received_at,
        due_at,
        finished_at,
        returned_at,
        apology_at,
        received_date,
        due_date,
        finished_date,
        returned_date,
        time_limit_days
    from joined

)

select * from final
