-- Every registry unit valid in each period of the case tables (docs/spec.md §3.4: its validity
-- overlaps the period — `Hiệu lực từ` ≤ period_end and `Hiệu lực đến` empty or ≥
-- period_start; an empty `Hiệu lực từ` is valid from the start). A unit that ended or began
-- inside a period belongs to it.
with

units as (

    select * from stg_reference__units

),

periods as (

    select * from int_periods

),

final as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        units.unit_code,
        units.unit_name,
        units.unit_level,
        units.unit_kind,
        units.valid_from,
        units.valid_to
    from periods
    join units
        on (units.valid_from is null or units.valid_from <= periods.period_end)
        and (units.valid_to is null or units.valid_to >= periods.period_start)

)

select * from final
