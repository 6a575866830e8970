-- severity: error
-- Pending = not yet due + overdue on every Biểu 06 row.
select *
from rpt_bieu06
where pending_total <> pending_not_due + pending_overdue
