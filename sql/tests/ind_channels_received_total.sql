-- severity: error
-- Received = online + postal + direct on every ind_channels row.
select *
from ind_channels
where received_total <> received_online + received_postal + received_direct
