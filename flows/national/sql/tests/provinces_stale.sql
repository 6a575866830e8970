-- severity: warning
-- Provinces in the national tables with yesterday's data: their run of today published
-- nothing (or could not refresh its exports), so their last published exports were used
-- (docs/spec.md §8).
select province, run_status, run_reason, as_of, exports_written_at
from dq_provinces
where stale
