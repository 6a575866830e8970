-- Report periods of the case tables (docs/spec.md §5): calendar months, quarters and years of
-- the received dates, the last of each type ending at the as-of date of the case data.
with

periods as (

    select * from int_source_periods
    where source = 'cases'

),

final as (

    select
        period_type,
        period,
        period_start,
        period_end
    from periods

)

select * from final
