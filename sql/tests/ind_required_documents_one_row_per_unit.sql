-- severity: error
-- ind_required_documents has exactly one row per required document × unit that must issue it
-- (docs/spec.md §9): no unit missing, none twice, none that is not required; and each row
-- agrees with itself (a document named exactly when issued, late only when issued).
with

expected as (

    select year, label, unit_code, count(*) as n
    from int_required_documents__units
    group by all

),

found as (

    select year, label, unit_code, count(*) as n
    from ind_required_documents
    group by all

),

counted as (

    select
        coalesce(expected.year, found.year) as year,
        coalesce(expected.label, found.label) as label,
        coalesce(expected.unit_code, found.unit_code) as unit_code,
        'rows: expected ' || coalesce(expected.n, 0) || ', found ' || coalesce(found.n, 0)
            as problem
    from expected
    full join found
        on found.year = expected.year
        and found.label = expected.label
        and found.unit_code = expected.unit_code
    where coalesce(expected.n, 0) <> 1 or coalesce(found.n, 0) <> 1

),

inconsistent as (

    select
        year,
        label,
        unit_code,
        'is_issued, doc_number, issued_on, is_late and documents_matched disagree' as problem
    from ind_required_documents
    where is_issued <> (doc_number is not null)
        or is_issued <> (issued_on is not null)
        or is_issued <> (documents_matched > 0)
        or (is_late and not is_issued)
        or is_late <> coalesce(issued_on > deadline, false)

)

select * from counted
union all
select * from inconsistent
