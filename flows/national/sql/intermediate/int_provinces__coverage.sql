-- Which periods every province covers (docs/spec.md §8). A province covers a period when the
-- period lies within its data — it starts no earlier than the month, quarter or year of the
-- province's first received date and no later than its as-of date — and it ends, for that
-- province, at the calendar end or at the as-of date, whichever comes first. A period is
-- compared when every province in the national tables covers it and it ends on the same day
-- for all: a quarter one province has whole and another only up to its as-of date is not
-- set side by side.
with

periods as (

    select distinct period_type, period, period_start
    from int_provinces__counts

),

as_of as (

    select * from src_dim_as_of

),

spans as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        as_of.province,
        as_of.as_of,
        cast(date_trunc(periods.period_type, as_of.first_received_date) as date) as first_start,
        cast(
            periods.period_start + case periods.period_type
                when 'month' then interval 1 month
                when 'quarter' then interval 3 month
                else interval 1 year
            end as date
        ) - 1 as calendar_end
    from periods
    cross join as_of

),

covered as (

    select
        *,
        coalesce(as_of is not null and first_start <= period_start and period_start <= as_of, false)
            as covers,
        least(calendar_end, as_of) as province_end
    from spans

),

final as (

    select
        period_type,
        period,
        period_start,
        count(*) as provinces,
        count(*) filter (where covers) as provinces_covering,
        count(distinct province_end) filter (where covers) as period_ends,
        bool_and(covers) and count(distinct province_end) filter (where covers) = 1 as compared
    from covered
    group by all

)

select * from final
