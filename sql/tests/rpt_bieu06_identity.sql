-- severity: error
-- Biểu 06 balances on every row: what was open or arrived = what ended or is still open.
select *
from rpt_bieu06
where carried_over + received_total <> resolved_total + pending_total + other_ended
