-- The `;`-separated terms of each row of the required-documents list (docs/spec.md §9): the
-- levels of `Cấp` and the phrases of `Từ khóa`, each with its name key (§3.4: case, accents,
-- tone placement, punctuation and white space folded), so that a phrase is compared with an
-- abstract, and a level with the registry's `Cấp`, the way unit names are matched. A level
-- key drops a leading `cấp` (`Cấp huyện` is `huyện`); `level` is NULL for an unknown level.
with

listed as (

    select * from stg_reference__required_documents

),

split as (

    select
        source_file,
        sheet_index,
        row_number,
        'level' as term_kind,
        unnest(string_split(levels, ';')) as term
    from listed
    where levels is not null

    union all

    select
        source_file,
        sheet_index,
        row_number,
        'phrase' as term_kind,
        unnest(string_split(keywords, ';')) as term
    from listed
    where keywords is not null

),

keyed as (

    select
        source_file,
        sheet_index,
        row_number,
        term_kind,
        trim(term) as term,
        case
            when term_kind = 'level' then regexp_replace(name_key(term), '^cap ', '')
            else name_key(term)
        end as term_key
    from split
    where nullif(trim(term), '') is not null

),

final as (

    select
        *,
        case
            when term_kind <> 'level' then null
            when term_key = 'tinh' then 'tỉnh'
            when term_key = 'huyen' then 'huyện'
            when term_key = 'xa' then 'xã'
        end as level
    from keyed

)

select * from final
