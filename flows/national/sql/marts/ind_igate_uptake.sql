-- Every province's iGate uptake per registry unit (its published ind_igate_uptake), with
-- the province (its folder), its name, the province it was part of in the period and the one
-- it is part of today (docs/spec.md §8). The rows are the province's own, unchanged: summing
-- them by province gives back the province's table (audit national_tables_match_provinces).
with

rows as (

    select * from src_ind_igate_uptake

),

provinces as (

    select * from int_provinces__in_period

),

final as (

    select
        rows.period_type,
        rows.period,
        rows.period_start,
        rows.period_end,
        rows.province,
        provinces.province_name,
        provinces.province_then,
        provinces.province_current,
        rows.unit_code,
        rows.unit_name,
        rows.unit_level,
        rows.unit_kind,
        rows.files_received,
        rows.procedures_assigned,
        rows.procedures_with_files,
        rows.has_activity
    from rows
    left join provinces
        on provinces.province = rows.province and provinces.period_start = rows.period_start

)

select * from final
