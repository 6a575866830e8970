-- summed_by: unit_code, unit_name, ended_date
-- The cases resolved late per unit and day, with their apology slips and reschedules
-- (docs/spec.md §5 ind_apology): only these daily counts meet the periods, each day lying in
-- one month, one quarter and one year. Counts only, so that a night adds its new cases'
-- counts instead of counting every late case again.
with

late_cases as (

    select * from int_cases__late

),

final as (

    select
        unit_code,
        unit_name,
        ended_date,
        count(*) as late_cases,
        count(*) filter (where has_apology) as with_apology,
        count(*) filter (where is_apology_in_time) as apology_in_time,
        count(*) filter (where reschedules > 1) as rescheduled_more_than_once
    from late_cases
    where ended_date is not null
    group by unit_code, unit_name, ended_date

)

select * from final
