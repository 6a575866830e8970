-- severity: error
-- ind_one_stop adds up on every row and matches its list: one-stop procedures are among the
-- assigned ones, those with files among the one-stop ones, and the assigned procedures without
-- a case are the rows of ind_one_stop_missing.
with

one_stop as (

    select * from ind_one_stop

),

missing as (

    select period_type, period, unit_code, count(*) as without_files,
        count(*) filter (where one_stop) as one_stop_without_files
    from ind_one_stop_missing
    group by all

)

select one_stop.period, one_stop.unit_code, 'row does not add up' as problem
from one_stop
left join missing
    on missing.period_type = one_stop.period_type
    and missing.period = one_stop.period
    and missing.unit_code = one_stop.unit_code
where one_stop.procedures_assigned <= 0
   or one_stop.procedures_one_stop > one_stop.procedures_assigned
   or one_stop.procedures_one_stop_with_files > one_stop.procedures_one_stop
   or one_stop.procedures_one_stop - one_stop.procedures_one_stop_with_files
       <> coalesce(missing.one_stop_without_files, 0)
   or one_stop.one_stop_rate is distinct from
       one_stop.procedures_one_stop / nullif(one_stop.procedures_assigned, 0)::double
   or one_stop.one_stop_with_files_rate is distinct from
       one_stop.procedures_one_stop_with_files / nullif(one_stop.procedures_one_stop, 0)::double
