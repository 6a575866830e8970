-- severity: warning
-- Cases whose receiving unit matches no unit of the registry: they are kept under their export
-- name (see dq_unmatched), but an analyst comparing units should know.
select unit_name, count(*) as cases
from fct_filings
where unit_code is null
group by unit_name
