-- Outgoing documents per period (of issued_on) × issuing unit (docs/spec.md §5 ind_documents),
-- one document per (unit, doc_number, year) after int_documents__ranked. Secret documents
-- count in docs_total and docs_secret only: every other count and every denominator is over
-- the non-secret ones.
-- Beyond the contract: docs_with_published_on (non-secret documents with a publication date),
-- docs_published_late (of those, published later than the next working day after issue,
-- Decree 30/2020) and published_late_rate (= docs_published_late / docs_with_published_on).
with

documents as (

    select * from int_documents__deduplicated

),

periods as (

    select * from int_source_periods
    where source = 'documents'

),

counts as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        documents.unit_code,
        documents.unit_name,
        count(*) as docs_total,
        count(*) filter (where documents.is_secret) as docs_secret,
        count(*) filter (where documents.counts_e_signed) as docs_e_signed,
        count(*) filter (where documents.counts_e_issued) as docs_e_issued,
        count(*) filter (where documents.counts_publication) as docs_with_published_on,
        count(*) filter (where documents.is_published_late) as docs_published_late
    from documents
    join periods
        on documents.issued_on between periods.period_start and periods.period_end
    group by all

),

final as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        docs_total,
        docs_secret,
        docs_e_signed,
        docs_e_issued,
        docs_e_signed / nullif(docs_total - docs_secret, 0)::double as e_signed_rate,
        docs_e_issued / nullif(docs_total - docs_secret, 0)::double as e_issued_rate,
        docs_with_published_on,
        docs_published_late,
        docs_published_late / nullif(docs_with_published_on, 0)::double as published_late_rate
    from counts

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name
