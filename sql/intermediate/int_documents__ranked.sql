-- Every loaded document row with its issuing unit matched to the registry (docs/spec.md §3.4)
-- and ranked within its document (§3.2, §5): one document per (matched unit_code, else the
-- cleaned export name; doc_number; year of issued_on). The row of the file path sorting last
-- wins, then the later sheet, then the later row; the others are superseded, counted per file
-- and sheet in dq_files.rows_superseded.
with

documents as (

    select * from stg_documents__outgoing

),

unit_matches as (

    select * from int_units__name_matches

),

units as (

    select * from stg_reference__units

),

matched as (

    select
        documents.*,
        unit_matches.unit_code,
        coalesce(units.unit_name, documents.issuing_unit) as unit_name
    from documents
    left join unit_matches on unit_matches.export_name = documents.issuing_unit
    left join units on units.unit_code = unit_matches.unit_code

),

ranked as (

    select
        *,
        row_number() over (
            partition by
                unit_code,
                case when unit_code is null then issuing_unit end,
                doc_number,
                issued_year
            order by source_file desc, sheet_index desc, row_number desc
        ) as document_rank
    from matched

),

final as (

    select
        *,
        document_rank > 1 as is_superseded
    from ranked

)

select * from final
