-- severity: error
-- One row per case (docs/spec.md §3.1).
select case_code, count(*) as rows
from fct_filings
group by case_code
having count(*) > 1 or case_code is null
