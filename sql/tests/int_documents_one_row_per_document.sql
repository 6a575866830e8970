-- severity: error
-- One document per (unit_code, else the export name; doc_number; year of issued_on) after
-- de-duplication (docs/spec.md §3.2).
select
    unit_code,
    case when unit_code is null then export_unit_name end as unit_name,
    doc_number,
    issued_year,
    count(*) as rows
from int_documents__deduplicated
group by all
having count(*) > 1
