-- The rows of the required-documents list the build rejects (docs/spec.md §9), one row per
-- problem, in dq_rejects' terms (severity error): rules landing cannot check because they
-- need the year or a `;`-separated list. Landing has already rejected a row without `Năm`,
-- `Nội dung` or `Từ khóa`, a `Năm` that is no whole number, an unreadable date, and a written
-- `Đến ngày` or `Hạn` before a written `Từ ngày`. dq_files counts these rows as rejected, not
-- loaded.
with

listed as (

    select * from stg_reference__required_documents

),

terms as (

    select * from int_required_documents__terms

),

bad_year as (

    select
        source_file,
        sheet,
        sheet_index,
        row_number,
        'year' as field,
        cast(year as varchar) as raw_value,
        '''Năm'' ' || year || ' is not a year: outside 1900-2100' as reason
    from listed
    where not is_year_valid

),

unknown_levels as (

    select
        source_file,
        sheet_index,
        row_number,
        string_agg('''' || term || '''', ', ' order by term) as terms
    from terms
    where term_kind = 'level' and level is null
    group by all

),

bad_levels as (

    select
        listed.source_file,
        listed.sheet,
        listed.sheet_index,
        listed.row_number,
        'levels' as field,
        listed.levels as raw_value,
        'unknown level ' || unknown_levels.terms || ' in ''Cấp'' (tỉnh, huyện or xã)' as reason
    from listed
    join unknown_levels
        on unknown_levels.source_file = listed.source_file
        and unknown_levels.sheet_index = listed.sheet_index
        and unknown_levels.row_number = listed.row_number

),

phrases as (

    select source_file, sheet_index, row_number
    from terms
    where term_kind = 'phrase' and term_key is not null
    group by all

),

no_phrase as (

    select
        listed.source_file,
        listed.sheet,
        listed.sheet_index,
        listed.row_number,
        'keywords' as field,
        listed.keywords as raw_value,
        '''Từ khóa'' holds no phrase to look for in the abstract' as reason
    from listed
    anti join phrases
        on phrases.source_file = listed.source_file
        and phrases.sheet_index = listed.sheet_index
        and phrases.row_number = listed.row_number

),

bad_window as (

    select
        source_file,
        sheet,
        sheet_index,
        row_number,
        case when window_end is not null then 'window_end' else 'window_start' end as field,
        strftime(coalesce(window_end, window_start), '%d/%m/%Y') as raw_value,
        'the window ends on ' || strftime(window_to, '%d/%m/%Y')
            || ', before it starts on ' || strftime(window_from, '%d/%m/%Y')
            || case
                when window_start is null then ' (''Từ ngày'' empty: 1 January of ''Năm'')'
                else ' (''Đến ngày'' empty: 31 December of ''Năm'')'
            end as reason
    from listed
    where is_year_valid and window_to < window_from

),

bad_deadline as (

    select
        source_file,
        sheet,
        sheet_index,
        row_number,
        'deadline' as field,
        strftime(deadline, '%d/%m/%Y') as raw_value,
        '''Hạn'' ' || strftime(deadline, '%d/%m/%Y') || ' is before the window starts on '
            || strftime(window_from, '%d/%m/%Y') || ' (''Từ ngày'' empty: 1 January of ''Năm'')'
            as reason
    from listed
    where is_year_valid and deadline < window_from

),

final as (

    select * from bad_year
    union all
    select * from bad_levels
    union all
    select * from no_phrase
    union all
    select * from bad_window
    union all
    select * from bad_deadline

)

select * from final
