-- Every province's late and overdue counts and rates (its published ind_late), with
-- the province (its folder), its name, the province it was part of in the period and the one
-- it is part of today (docs/spec.md §8). The rows are the province's own, unchanged: summing
-- them by province gives back the province's table (audit national_tables_match_provinces).
with

rows as (

    select * from src_ind_late

),

names as (

    select * from int_provinces__names

),

on_day as (

    select * from int_provinces__on_day

),

final as (

    select
        rows.period_type,
        rows.period,
        rows.period_start,
        rows.period_end,
        rows.province,
        names.province_name,
        then_.province_on_day as province_then,
        now_.province_on_day as province_current,
        rows.unit_code,
        rows.unit_name,
        rows.sector,
        rows.resolved_total,
        rows.resolved_late,
        rows.pending_total,
        rows.pending_overdue,
        rows.late_rate,
        rows.overdue_or_late_rate
    from rows
    left join names on names.province = rows.province
    left join on_day as then_
        on then_.province = rows.province and then_.on_day = rows.period_start
    left join on_day as now_
        on now_.province = rows.province and now_.on_day = current_date

)

select * from final
