-- severity: error
-- ind_apology adds up on every row (apologies in time are apologies, apologies and
-- reschedules are of late cases, rates are in [0, 1]) and its late cases are the resolved
-- late cases of rpt_bieu06, per period and unit.
with

bieu06 as (

    select period_type, period, unit_code, unit_name, sum(resolved_late) as resolved_late
    from rpt_bieu06
    group by all
    having sum(resolved_late) > 0

),

apology as (

    select * from ind_apology

),

inconsistent as (

    select period_type, period, unit_name, 'row does not add up' as problem
    from apology
    where late_cases <= 0
       or with_apology > late_cases
       or apology_in_time > with_apology
       or rescheduled_more_than_once > late_cases
       or apology_rate is distinct from with_apology / nullif(late_cases, 0)::double
       or apology_in_time_rate is distinct from apology_in_time / nullif(late_cases, 0)::double
       or apology_rate not between 0 and 1
       or apology_in_time_rate not between 0 and 1

),

mismatched as (

    select
        coalesce(bieu06.period_type, apology.period_type) as period_type,
        coalesce(bieu06.period, apology.period) as period,
        coalesce(bieu06.unit_name, apology.unit_name) as unit_name,
        'late cases differ from rpt_bieu06.resolved_late' as problem
    from bieu06
    full join apology
        on bieu06.period_type = apology.period_type
        and bieu06.period = apology.period
        and bieu06.unit_code is not distinct from apology.unit_code
        and bieu06.unit_name = apology.unit_name
    where bieu06.resolved_late is distinct from apology.late_cases

)

select * from inconsistent
union all
select * from mismatched
