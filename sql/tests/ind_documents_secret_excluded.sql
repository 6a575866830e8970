-- severity: error
-- Secret documents are in no numerator and no denominator (docs/spec.md §3.2, §5): recounted
-- from the documents themselves, each year's non-secret totals match ind_documents, and no
-- secret document is flagged e-signed, e-issued or published late.
with

documents as (

    select * from int_documents__deduplicated

),

flagged_secret as (

    select
        'secret document counted' as problem,
        cast(issued_year as varchar) as period,
        unit_name,
        1 as expected,
        0 as found
    from documents
    where is_secret and (counts_e_signed or counts_e_issued or counts_publication
        or is_published_late)

),

recount as (

    select
        strftime(documents.issued_on, '%Y') as period,
        documents.unit_code,
        documents.unit_name,
        count(*) filter (where not documents.is_secret) as not_secret,
        count(*) filter (where not documents.is_secret and documents.e_signed) as e_signed,
        count(*) filter (where not documents.is_secret and documents.issue_form = 'electronic')
            as e_issued
    from documents
    group by all

),

mismatched as (

    select
        'year totals differ' as problem,
        recount.period,
        recount.unit_name,
        recount.not_secret * 1000000 + recount.e_signed * 1000 + recount.e_issued as expected,
        (ind.docs_total - ind.docs_secret) * 1000000 + ind.docs_e_signed * 1000
            + ind.docs_e_issued as found
    from recount
    left join ind_documents as ind
        on ind.period_type = 'year'
        and ind.period = recount.period
        and ind.unit_code is not distinct from recount.unit_code
        and ind.unit_name = recount.unit_name
    where ind.docs_total is null
       or ind.docs_total - ind.docs_secret <> recount.not_secret
       or ind.docs_e_signed <> recount.e_signed
       or ind.docs_e_issued <> recount.e_issued

)

select * from flagged_secret
union all
select * from mismatched
