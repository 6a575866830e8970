-- The ranking of ind_provinces and ind_provinces_current in one place (docs/spec.md §8): the
-- provinces' counts summed per period into the province as it was in the period (scope
-- `then`) and into today's province (scope `current`); rates from the summed counts, never
-- an average of the provinces' rates; ranks only in the periods every province covers.
-- Rank 1 is the best: the lowest late rate, the highest online share and iGate uptake.
with

counts as (

    select * from int_provinces__counts

),

coverage as (

    select * from int_provinces__coverage

),

names as (

    select * from int_provinces__names

),

scoped as (

    select 'then' as scope, province_then as group_key, * from counts
    union all
    select 'current' as scope, province_current as group_key, * from counts

),

sums as (

    select
        scope,
        period_type,
        period,
        period_start,
        max(period_end) as period_end,
        group_key as province,
        string_agg(province, ', ' order by province) as data_roots,
        min(as_of) as as_of,
        bool_or(stale) as stale,
        sum(received_total) as received_total,
        sum(received_online) as received_online,
        sum(resolved_total) as resolved_total,
        sum(resolved_late) as resolved_late,
        sum(pending_total) as pending_total,
        sum(pending_overdue) as pending_overdue,
        sum(units_valid) as units_valid,
        sum(units_with_files) as units_with_files
    from scoped
    group by scope, period_type, period, period_start, group_key

),

rates as (

    select
        sums.*,
        coverage.compared,
        received_online / nullif(received_total, 0)::double as online_rate,
        resolved_late / nullif(resolved_total, 0)::double as late_rate,
        (resolved_late + pending_overdue)
            / nullif(resolved_total + pending_total, 0)::double as overdue_or_late_rate,
        units_with_files / nullif(units_valid, 0)::double as uptake_rate
    from sums
    left join coverage
        on coverage.period_type = sums.period_type
        and coverage.period = sums.period

),

final as (

    select
        scope,
        period_type,
        period,
        period_start,
        period_end,
        rates.province,
        names.province_name,
        data_roots,
        as_of,
        stale,
        coalesce(compared, false) as compared,
        cast(received_total as bigint) as received_total,
        cast(received_online as bigint) as received_online,
        online_rate,
        cast(resolved_total as bigint) as resolved_total,
        cast(resolved_late as bigint) as resolved_late,
        late_rate,
        cast(pending_total as bigint) as pending_total,
        cast(pending_overdue as bigint) as pending_overdue,
        overdue_or_late_rate,
        cast(units_valid as bigint) as units_valid,
        cast(units_with_files as bigint) as units_with_files,
        uptake_rate,
        case when compared and late_rate is not null then rank() over (
            partition by scope, period_type, period, late_rate is null order by late_rate
        ) end as late_rate_rank,
        case when compared and online_rate is not null then rank() over (
            partition by scope, period_type, period, online_rate is null
            order by online_rate desc
        ) end as online_rate_rank,
        case when compared and uptake_rate is not null then rank() over (
            partition by scope, period_type, period, uptake_rate is null
            order by uptake_rate desc
        ) end as uptake_rate_rank
    from rates
    left join names on names.province = rates.province

)

select * from final
