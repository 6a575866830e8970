-- severity: error
-- ind_online_services adds up on every row: online procedures are among the assigned ones,
-- those with online files among the online ones, and each rate is its numerator over its
-- denominator (NULL when that is 0).
select *
from ind_online_services
where procedures_assigned <= 0
   or procedures_online_partial + procedures_online_full > procedures_assigned
   or online_procedures_with_online_files > procedures_online_partial + procedures_online_full
   or online_offer_rate is distinct from
       (procedures_online_partial + procedures_online_full) / nullif(procedures_assigned, 0)::double
   or online_use_rate is distinct from online_procedures_with_online_files
       / nullif(procedures_online_partial + procedures_online_full, 0)::double
