-- severity: error
-- Resolved = early + on time + late on every Biểu 06 row.
select *
from rpt_bieu06
where resolved_total <> resolved_early + resolved_on_time + resolved_late
