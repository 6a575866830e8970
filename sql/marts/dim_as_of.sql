-- The as-of date of the case data and the range of received dates, one row: what "overdue"
-- and the last period's end are measured against.
with

as_of as (

    select * from int_as_of

),

final as (

    select as_of, first_received_date, last_received_date
    from as_of

)

select * from final
