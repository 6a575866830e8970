-- The list an inspector reads (finding 3): per period × unit, every catalogue procedure
-- assigned to the unit for which the unit received no case in the period, with whether the
-- catalogue marks it to be received at the one-stop desk.
with

procedures as (

    select * from int_procedures__unit_periods
    where cases_received = 0

),

final as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        procedure_code,
        procedure_name,
        sector,
        one_stop
    from procedures

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code,
    one_stop desc,
    sector nulls last,
    procedure_code
