-- Each outgoing document that fulfils a required document for a unit that must issue it
-- (docs/spec.md §9): issued by that unit (matched to the registry as for ind_documents, so a
-- document of an unmatched unit fulfils nothing), on a day inside the item's window, of the
-- item's type when it names one, its abstract holding every phrase of `Từ khóa` — type and
-- phrases compared under the name key (§3.4), a phrase as whole words. A document without a
-- type (a register without `Loại văn bản`, an empty cell) has the type its abstract starts
-- with: registers that do not record the type would otherwise fulfil no typed item. Secret
-- documents count. match_rank 1 is the document named: the earliest, then the lowest number.
with

items as (

    select * from int_required_documents__items

),

required as (

    select * from int_required_documents__units

),

terms as (

    select * from int_required_documents__terms

),

documents as (

    select * from int_documents__deduplicated
    where unit_code is not null

),

candidates as (

    select
        items.year,
        items.label,
        items.doc_type_key,
        items.phrase_count,
        documents.unit_code,
        documents.doc_number,
        documents.issued_on,
        documents.doc_type,
        documents.summary
    from items
    join required
        on required.year = items.year
        and required.label = items.label
    join documents
        on documents.unit_code = required.unit_code
        and documents.issued_on between items.window_from and items.window_to
    where documents.summary is not null

),

summaries as (

    -- the key function runs once per abstract and type, not once per document and item
    select distinct summary from candidates

),

summary_keys as (

    select
        summary,
        ' ' || name_key(summary) || ' ' as padded_key
    from summaries

),

types as (

    select distinct doc_type from candidates where doc_type is not null

),

type_keys as (

    select
        doc_type,
        name_key(doc_type) as type_key
    from types

),

typed as (

    select
        candidates.*,
        summary_keys.padded_key
    from candidates
    join summary_keys on summary_keys.summary = candidates.summary
    left join type_keys on type_keys.doc_type = candidates.doc_type
    where candidates.doc_type_key is null
        or type_keys.type_key = candidates.doc_type_key
        or (
            type_keys.type_key is null
            and starts_with(summary_keys.padded_key, ' ' || candidates.doc_type_key || ' ')
        )

),

item_phrases as (

    select distinct
        items.year,
        items.label,
        terms.term_key as phrase_key
    from items
    join terms
        on terms.source_file = items.source_file
        and terms.sheet_index = items.sheet_index
        and terms.row_number = items.row_number
    where terms.term_kind = 'phrase' and terms.term_key is not null

),

phrase_hits as (

    select
        typed.year,
        typed.label,
        typed.unit_code,
        typed.doc_number,
        typed.issued_on,
        typed.phrase_count,
        count(*) as phrases_found
    from typed
    join item_phrases
        on item_phrases.year = typed.year
        and item_phrases.label = typed.label
    where contains(typed.padded_key, ' ' || item_phrases.phrase_key || ' ')
    group by all

),

final as (

    select
        year,
        label,
        unit_code,
        doc_number,
        issued_on,
        row_number() over (
            partition by year, label, unit_code
            order by
                issued_on,
                try_cast(regexp_extract(doc_number, '^\s*(\d+)', 1) as bigint) nulls last,
                doc_number
        ) as match_rank
    from phrase_hits
    where phrases_found = phrase_count

)

select * from final
