-- Report periods for the case tables (CONTRACT.md §5): calendar months, quarters and years from
-- the one holding the earliest received_date to the one holding the latest; the last period of
-- each type ends at the as-of date, even when that lies past its calendar end.
with

bounds as (

    select * from int_as_of
    where first_received_date is not null

),

starts as (

    select 'month' as period_type, cast(range as date) as period_start
    from bounds, range(
        date_trunc('month', bounds.first_received_date),
        date_trunc('month', bounds.last_received_date) + interval 1 month,
        interval 1 month
    )

    union all

    select 'quarter' as period_type, cast(range as date) as period_start
    from bounds, range(
        date_trunc('quarter', bounds.first_received_date),
        date_trunc('quarter', bounds.last_received_date) + interval 3 month,
        interval 3 month
    )

    union all

    select 'year' as period_type, cast(range as date) as period_start
    from bounds, range(
        date_trunc('year', bounds.first_received_date),
        date_trunc('year', bounds.last_received_date) + interval 1 year,
        interval 1 year
    )

),

labelled as (

    select
        period_type,
        case period_type
            when 'month' then strftime(period_start, '%Y-%m')
            when 'quarter' then strftime(period_start, '%Y') || '-Q' || quarter(period_start)
            else strftime(period_start, '%Y')
        end as period,
        period_start,
        cast(
            case period_type
                when 'month' then period_start + interval 1 month
                when 'quarter' then period_start + interval 3 month
                else period_start + interval 1 year
            end - interval 1 day as date
        ) as calendar_end,
        period_start = max(period_start) over (partition by period_type) as is_last
    from starts

),

final as (

    select
        labelled.period_type,
        labelled.period,
        labelled.period_start,
        case when labelled.is_last then bounds.as_of else labelled.calendar_end end as period_end
    from labelled
    cross join bounds

)

select * from final
