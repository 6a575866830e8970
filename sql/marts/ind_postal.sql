-- Public postal service (BCCI) per period (of accepted_on) × unit (docs/spec.md §5 ind_postal).
-- Items are counted in the period of their accepted_on, under their unit (int_postal__items);
-- postal cases in the period of their received_date, under the case's unit. The periods are
-- the postal items' own (int_source_periods).
-- Beyond the contract: items_unmatched (items, either direction, whose case code is missing or
-- not a received case of fct_filings) and items_returned (delivery status "Chuyển hoàn").
with

items as (

    select * from int_postal__items

),

cases as (

    select * from int_cases__outcomes
    where channel = 'postal'

),

periods as (

    select * from int_source_periods
    where source = 'postal'

),

carried_in as (

    select distinct case_code
    from items
    where direction = 'in' and case_code is not null

),

events as (

    select
        accepted_on as event_date,
        unit_code,
        unit_name,
        true as is_item,
        direction = 'in' as is_in,
        direction = 'out' as is_out,
        direction = 'in' and is_case_matched as is_in_matched,
        not is_case_matched as is_unmatched,
        is_returned,
        false as is_postal_case,
        false as is_without_item
    from items

    union all

    select
        cases.received_date as event_date,
        cases.unit_code,
        cases.unit_name,
        false as is_item,
        false as is_in,
        false as is_out,
        false as is_in_matched,
        false as is_unmatched,
        false as is_returned,
        true as is_postal_case,
        carried_in.case_code is null as is_without_item
    from cases
    left join carried_in on carried_in.case_code = cases.case_code

),

counts as (

    select
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        events.unit_code,
        events.unit_name,
        count(*) filter (where events.is_in) as items_in,
        count(*) filter (where events.is_out) as items_out,
        count(*) filter (where events.is_in_matched) as items_in_matched,
        count(*) filter (where events.is_postal_case) as cases_postal,
        count(*) filter (where events.is_without_item) as cases_postal_without_item,
        count(*) filter (where events.is_unmatched) as items_unmatched,
        count(*) filter (where events.is_returned) as items_returned
    from events
    join periods
        on events.event_date between periods.period_start and periods.period_end
    group by all

),

final as (

    select
        period_type,
        period,
        period_start,
        period_end,
        unit_code,
        unit_name,
        items_in,
        items_out,
        items_in_matched,
        cases_postal,
        cases_postal_without_item,
        items_unmatched,
        items_returned
    from counts

)

select * from final
order by
    case period_type when 'month' then 1 when 'quarter' then 2 else 3 end,
    period_start,
    unit_code nulls last,
    unit_name nulls last
