-- Report periods of every table (docs/spec.md §5): for each source, calendar months,
-- quarters and years from the one holding its earliest date to the one holding its latest, the
-- last period of each type ending at the source's own as-of date, even past its calendar end.
--   cases:     received_date of the received cases; as-of = the latest case activity
--   documents: issued_on of the documents (ind_documents); as-of = the latest issued_on
--   postal:    accepted_on of the items (ind_postal);      as-of = the latest accepted_on
with

cases as (

    select * from int_as_of

),

documents as (

    select * from int_documents__deduplicated

),

items as (

    select * from int_postal__ranked
    where item_rank = 1

),

bounds as (

    select
        'cases' as source,
        first_received_date as first_date,
        last_received_date as last_date,
        as_of
    from cases

    union all

    select
        'documents' as source,
        min(issued_on) as first_date,
        max(issued_on) as last_date,
        max(issued_on) as as_of
    from documents

    union all

    select
        'postal' as source,
        min(accepted_on) as first_date,
        max(accepted_on) as last_date,
        max(accepted_on) as as_of
    from items

),

present as (

    select * from bounds
    where first_date is not null

),

starts as (

    select present.source, 'month' as period_type, cast(range as date) as period_start
    from present, range(
        date_trunc('month', present.first_date),
        date_trunc('month', present.last_date) + interval 1 month,
        interval 1 month
    )

    union all

    select present.source, 'quarter' as period_type, cast(range as date) as period_start
    from present, range(
        date_trunc('quarter', present.first_date),
        date_trunc('quarter', present.last_date) + interval 3 month,
        interval 3 month
    )

    union all

    select present.source, 'year' as period_type, cast(range as date) as period_start
    from present, range(
        date_trunc('year', present.first_date),
        date_trunc('year', present.last_date) + interval 1 year,
        interval 1 year
    )

),

labelled as (

    select
        source,
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
        period_start = max(period_start) over (partition by source, period_type) as is_last
    from starts

),

final as (

    select
        labelled.source,
        labelled.period_type,
        labelled.period,
        labelled.period_start,
        case
            when labelled.is_last then present.as_of
            else labelled.calendar_end
        end as period_end
    from labelled
    join present on present.source = labelled.source

)

select * from final
