-- Required documents per item × unit that must issue it (docs/spec.md §9): every required unit
-- has a row, issued or not. The document named is the earliest fulfilling one (then the
-- lowest number); is_late when it was issued after the deadline; documents_matched counts
-- every fulfilling document of the unit.
with

items as (

    select * from int_required_documents__items

),

required as (

    select * from int_required_documents__units

),

matches as (

    select * from int_required_documents__matches

),

matched as (

    select
        year,
        label,
        unit_code,
        count(*) as documents_matched,
        any_value(doc_number) filter (where match_rank = 1) as doc_number,
        any_value(issued_on) filter (where match_rank = 1) as issued_on
    from matches
    group by all

),

final as (

    select
        required.year,
        required.label,
        items.doc_type,
        items.deadline,
        required.unit_code,
        required.unit_name,
        required.unit_level,
        matched.unit_code is not null as is_issued,
        matched.doc_number,
        matched.issued_on,
        coalesce(matched.issued_on > items.deadline, false) as is_late,
        coalesce(matched.documents_matched, 0) as documents_matched
    from required
    join items
        on items.year = required.year
        and items.label = required.label
    left join matched
        on matched.year = required.year
        and matched.label = required.label
        and matched.unit_code = required.unit_code

)

select * from final
order by
    year,
    deadline nulls last,
    label,
    case unit_level when 'tỉnh' then 1 when 'huyện' then 2 when 'xã' then 3 else 4 end,
    unit_code
