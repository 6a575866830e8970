-- severity: error
-- Each period type counts every postal item exactly once (periods cover the items' dates and
-- do not overlap), and every postal case received within the items' periods exactly once.
with

periods as (

    select period_type, min(period_start) as first_day, max(period_end) as last_day
    from int_source_periods
    where source = 'postal'
    group by period_type

),

expected as (

    select
        periods.period_type,
        (select count(*) from int_postal__items) as items,
        (
            select count(*) from int_cases__outcomes as cases
            where cases.channel = 'postal'
                and cases.received_date between periods.first_day and periods.last_day
        ) as cases_postal
    from periods

),

found as (

    select period_type, sum(items_in + items_out) as items, sum(cases_postal) as cases_postal
    from ind_postal
    group by period_type

)

select expected.*, found.items as found_items, found.cases_postal as found_cases_postal
from expected
left join found on found.period_type = expected.period_type
where coalesce(found.items, 0) <> expected.items
   or coalesce(found.cases_postal, 0) <> expected.cases_postal
