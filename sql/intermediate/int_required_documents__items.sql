-- One row per required document (docs/spec.md §9): the rows of the list the build did not
-- reject, one per (year, label under the name key) — when an item is listed twice, the file
-- path sorting last, then the later sheet, then the later row wins, as in the other reference
-- lists (§3.4). With what matching needs: the type's key, the phrases' keys and the levels
-- (NULL: every level).
with

listed as (

    select * from stg_reference__required_documents

),

rejected as (

    select distinct source_file, sheet_index, row_number
    from int_required_documents__rejects

),

terms as (

    select * from int_required_documents__terms

),

kept as (

    select listed.*
    from listed
    anti join rejected
        on rejected.source_file = listed.source_file
        and rejected.sheet_index = listed.sheet_index
        and rejected.row_number = listed.row_number
    qualify row_number() over (
        partition by year, name_key(label)
        order by source_file desc, sheet_index desc, row_number desc
    ) = 1

),

phrases as (

    select
        source_file,
        sheet_index,
        row_number,
        list(distinct term_key order by term_key) as phrase_keys
    from terms
    where term_kind = 'phrase' and term_key is not null
    group by all

),

levels as (

    select
        source_file,
        sheet_index,
        row_number,
        list(distinct level order by level) as levels
    from terms
    where term_kind = 'level'
    group by all

),

final as (

    select
        kept.year,
        kept.label,
        kept.doc_type,
        name_key(kept.doc_type) as doc_type_key,
        kept.keywords,
        phrases.phrase_keys,
        len(phrases.phrase_keys) as phrase_count,
        levels.levels,
        kept.window_from,
        kept.window_to,
        kept.deadline,
        kept.source_file,
        kept.sheet_index,
        kept.row_number
    from kept
    join phrases
        on phrases.source_file = kept.source_file
        and phrases.sheet_index = kept.sheet_index
        and phrases.row_number = kept.row_number
    left join levels
        on levels.source_file = kept.source_file
        and levels.sheet_index = kept.sheet_index
        and levels.row_number = kept.row_number

)

select * from final
