-- Units that issued non-secret documents in a period but digitally signed none of them (the
-- inspection's finding 5), per period × issuing unit: the rows of ind_documents with
-- docs_e_signed = 0 and at least one non-secret document, with the unit's level and kind
-- from the registry (NULL for a unit not in it).
with

documents as (

    select * from ind_documents

),

units as (

    select * from stg_reference__units

),

final as (

    select
        documents.period_type,
        documents.period,
        documents.period_start,
        documents.period_end,
        documents.unit_code,
        documents.unit_name,
        units.unit_level,
        units.unit_kind,
        documents.docs_total,
        documents.docs_total - documents.docs_secret as docs_not_secret,
        documents.docs_e_issued
    from documents
    left join units on units.unit_code = documents.unit_code
    where documents.docs_e_signed = 0
        and documents.docs_total > documents.docs_secret

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name
