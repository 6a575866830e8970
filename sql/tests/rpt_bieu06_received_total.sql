-- severity: error
-- Received = online + direct/postal on every Biểu 06 row.
select *
from rpt_bieu06
where received_total <> received_online + received_direct_postal
