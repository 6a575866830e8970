-- severity: error
-- ind_igate_uptake has exactly one row per period and registry unit valid in it (zero rows
-- included), adds up on every row, and its files are the unit's received cases of
-- ind_channels.
with

uptake as (

    select * from ind_igate_uptake

),

expected as (

    select period_type, period, unit_code from int_units__periods

),

channels as (

    select period_type, period, unit_code, received_total
    from ind_channels
    where unit_code is not null

),

missing_or_extra as (

    select
        coalesce(expected.period, uptake.period) as period,
        coalesce(expected.unit_code, uptake.unit_code) as unit_code,
        'unit valid in the period missing, or a unit that is not' as problem
    from expected
    full join uptake
        on uptake.period_type = expected.period_type
        and uptake.period = expected.period
        and uptake.unit_code = expected.unit_code
    where expected.unit_code is null or uptake.unit_code is null

),

duplicated as (

    select period, unit_code, 'unit listed twice' as problem
    from uptake
    group by period_type, period, unit_code
    having count(*) > 1

),

inconsistent as (

    select uptake.period, uptake.unit_code, 'row does not add up' as problem
    from uptake
    left join channels
        on channels.period_type = uptake.period_type
        and channels.period = uptake.period
        and channels.unit_code = uptake.unit_code
    where uptake.procedures_with_files > uptake.procedures_assigned
       or uptake.procedures_with_files < 0
       or uptake.has_activity is distinct from (uptake.files_received > 0)
       or uptake.files_received <> coalesce(channels.received_total, 0)
       or (uptake.procedures_with_files > 0 and uptake.files_received = 0)

)

select * from missing_or_extra
union all
select * from duplicated
union all
select * from inconsistent
