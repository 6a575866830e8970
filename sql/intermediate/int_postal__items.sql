-- One row per postal item with its case and its unit (docs/spec.md §3.3, §5 ind_postal). The
-- case is the received case (int_cases__outcomes, the rows of fct_filings) with the item's
-- case code. The unit is the item's own `unit` field matched like any unit name (registry
-- name, else the cleaned export name); without one, the unit of its case.
with

items as (

    select * from int_postal__ranked
    where item_rank = 1

),

cases as (

    select * from int_cases__outcomes

),

unit_matches as (

    select * from int_units__name_matches

),

units as (

    select * from stg_reference__units

),

joined as (

    select
        items.*,
        cases.case_code is not null as is_case_matched,
        cases.unit_code as case_unit_code,
        cases.unit_name as case_unit_name,
        unit_matches.unit_code as matched_unit_code,
        units.unit_name as registry_unit_name
    from items
    left join cases on cases.case_code = items.case_code
    left join unit_matches on unit_matches.export_name = items.unit
    left join units on units.unit_code = unit_matches.unit_code

),

final as (

    select
        source_file,
        sheet,
        sheet_index,
        row_number,
        item_code,
        case_code,
        direction,
        accepted_on,
        delivered_on,
        delivery_status,
        -- "Chuyển hoàn": returned to the sender, in any case, tone placement or wording around it
        coalesce(name_key(delivery_status) like '%chuyen hoan%', false) as is_returned,
        is_case_matched,
        case when unit is not null then matched_unit_code else case_unit_code end as unit_code,
        case
            when unit is not null then coalesce(registry_unit_name, unit)
            else case_unit_name
        end as unit_name,
        unit as export_unit_name
    from joined

)

select * from final
