-- The as-of date of the case data (docs/spec.md §5): the latest received, finished or returned
-- date of any loaded case row, whatever its status; it is the latest activity of the winners,
-- since a superseded row never has a later activity than its winner. One row.
with

all_cases as (

    select * from int_cases__deduplicated

),

received_cases as (

    select * from int_cases__outcomes

),

as_of as (

    select
        cast(max(activity_at) as date) as as_of
    from all_cases

),

received_range as (

    select
        min(received_date) as first_received_date,
        max(received_date) as last_received_date
    from received_cases

),

final as (

    select
        as_of.as_of,
        received_range.first_received_date,
        received_range.last_received_date
    from as_of
    cross join received_range

)

select * from final
