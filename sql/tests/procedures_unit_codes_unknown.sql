-- severity: warning
-- Unit codes of the catalogue's `Đơn vị` column that are not in the units registry: those
-- assignments count for no unit in ind_igate_uptake, ind_online_services and ind_one_stop.
select unit_code, count(*) as procedures, min(procedure_code) as first_procedure
from int_procedures__units
where not is_unit_known
group by unit_code
order by unit_code
