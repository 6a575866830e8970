-- severity: warning
-- Province folders left out of the national tables: no published exports to read, or
-- exports that could not be read (docs/spec.md §8).
select province, run_status, run_reason, exports_status, exports_reason
from dq_provinces
where not included
