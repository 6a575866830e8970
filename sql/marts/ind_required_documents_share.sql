-- How many of the units that must issue a required document did, per item × unit level
-- (docs/spec.md §9): counts from ind_required_documents and the share from the counts.
with

detail as (

    select * from ind_required_documents

),

counts as (

    select
        year,
        label,
        doc_type,
        deadline,
        unit_level,
        count(*) as units_required,
        count(*) filter (where is_issued) as units_issued,
        count(*) filter (where is_late) as units_issued_late,
        count(*) filter (where not is_issued) as units_not_issued
    from detail
    group by all

),

final as (

    select
        *,
        units_issued / nullif(units_required, 0)::double as issued_rate
    from counts

)

select * from final
order by
    year,
    deadline nulls last,
    label,
    case unit_level when 'tỉnh' then 1 when 'huyện' then 2 when 'xã' then 3 else 4 end,
    unit_level
