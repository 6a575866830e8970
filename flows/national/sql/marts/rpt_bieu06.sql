-- Every province's Biểu số 06/VPCP/KSTT rows (its published rpt_bieu06, docs/spec.md §5), with
-- the province (its folder), its name, the province it was part of in the period and the one
-- it is part of today (docs/spec.md §8). The rows are the province's own, unchanged: summing
-- them by province gives back the province's table (audit national_tables_match_provinces).
with

rows as (

    select * from src_rpt_bieu06

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
        rows.sector,
        rows.received_online,
        rows.received_direct_postal,
        rows.received_total,
        rows.carried_over,
        rows.resolved_early,
        rows.resolved_on_time,
        rows.resolved_late,
        rows.resolved_total,
        rows.pending_not_due,
        rows.pending_overdue,
        rows.pending_total,
        rows.other_ended
    from rows
    left join provinces
        on provinces.province = rows.province and provinces.period_start = rows.period_start

)

select * from final
