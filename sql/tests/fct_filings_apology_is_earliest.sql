-- severity: error
-- incremental: case_code
-- A case's apology date is the earliest apology date found in igate/ or late/ (§3.5).
with

found as (

    select case_code, apology_at from stg_igate__cases where apology_at is not null
    union all
    select case_code, apology_at from stg_late__cases where apology_at is not null

),

earliest as (

    select case_code, min(apology_at) as apology_at
    from found
    group by case_code

)

select filings.case_code, filings.apology_at, earliest.apology_at as earliest_apology_at
from fct_filings as filings
left join earliest on earliest.case_code = filings.case_code
where filings.apology_at is distinct from earliest.apology_at
