-- severity: error
-- A Biểu 06 row exists only for a (period, unit, sector) with a non-zero column.
select *
from rpt_bieu06
where received_total + carried_over + resolved_total + pending_total + other_ended = 0
