-- Per period × province (data root): the counts the ranking sums — cases received and
-- received online (ind_channels), resolved, resolved late, pending and pending overdue
-- (ind_late), registry units valid and units with at least one file (ind_igate_uptake) — with
-- the province as it was in the period and today's (int_provinces__in_period), its as-of date
-- and whether its data is yesterday's. Only counts: rates are computed after summing.
with

channels as (

    select
        province, period_type, period, period_start, period_end,
        sum(received_total) as received_total,
        sum(received_online) as received_online
    from src_ind_channels
    group by all

),

late as (

    select
        province, period_type, period, period_start, period_end,
        sum(resolved_total) as resolved_total,
        sum(resolved_late) as resolved_late,
        sum(pending_total) as pending_total,
        sum(pending_overdue) as pending_overdue
    from src_ind_late
    group by all

),

uptake as (

    select
        province, period_type, period, period_start, period_end,
        count(*) as units_valid,
        count(*) filter (where has_activity) as units_with_files
    from src_ind_igate_uptake
    group by all

),

periods as (

    select province, period_type, period, period_start, period_end from channels
    union
    select province, period_type, period, period_start, period_end from late
    union
    select province, period_type, period, period_start, period_end from uptake

),

provinces as (

    select * from src_provinces

),

as_of as (

    select * from src_dim_as_of

),

in_period as (

    select * from int_provinces__in_period

),

final as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        periods.province,
        in_period.province_then,
        in_period.province_current,
        as_of.as_of,
        provinces.stale,
        coalesce(channels.received_total, 0) as received_total,
        coalesce(channels.received_online, 0) as received_online,
        coalesce(late.resolved_total, 0) as resolved_total,
        coalesce(late.resolved_late, 0) as resolved_late,
        coalesce(late.pending_total, 0) as pending_total,
        coalesce(late.pending_overdue, 0) as pending_overdue,
        coalesce(uptake.units_valid, 0) as units_valid,
        coalesce(uptake.units_with_files, 0) as units_with_files
    from periods
    left join channels
        on channels.province = periods.province
        and channels.period_type = periods.period_type
        and channels.period = periods.period
    left join late
        on late.province = periods.province
        and late.period_type = periods.period_type
        and late.period = periods.period
    left join uptake
        on uptake.province = periods.province
        and uptake.period_type = periods.period_type
        and uptake.period = periods.period
    left join provinces on provinces.province = periods.province
    left join as_of on as_of.province = periods.province
    left join in_period
        on in_period.province = periods.province
        and in_period.period_start = periods.period_start

)

select * from final
