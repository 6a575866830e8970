-- severity: error
-- Every rate is a fraction in [0, 1] (or NULL when its denominator is 0).
with

rates as (

    select 'ind_channels' as model, period, unit_name, 'online_rate' as rate, online_rate as value
    from ind_channels
    union all
    select 'ind_channels', period, unit_name, 'postal_rate', postal_rate
    from ind_channels
    union all
    select 'ind_late', period, unit_name, 'late_rate', late_rate
    from ind_late
    union all
    select 'ind_late', period, unit_name, 'overdue_or_late_rate', overdue_or_late_rate
    from ind_late
    union all
    select 'ind_channels_current', period, unit_name, 'online_rate', online_rate
    from ind_channels_current
    union all
    select 'ind_channels_current', period, unit_name, 'postal_rate', postal_rate
    from ind_channels_current
    union all
    select 'ind_online_services', period, unit_name, 'online_offer_rate', online_offer_rate
    from ind_online_services
    union all
    select 'ind_online_services', period, unit_name, 'online_use_rate', online_use_rate
    from ind_online_services
    union all
    select 'ind_one_stop', period, unit_name, 'one_stop_rate', one_stop_rate
    from ind_one_stop
    union all
    select 'ind_one_stop', period, unit_name, 'one_stop_with_files_rate', one_stop_with_files_rate
    from ind_one_stop

)

select * from rates
where value < 0 or value > 1 or isnan(value)
