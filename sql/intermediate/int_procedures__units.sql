-- Each catalogue procedure × each unit its `Đơn vị` column names (docs/spec.md §3.4: unit
-- codes, `;`-separated), with what the uptake indicators need: online level and one-stop
-- flag. A code the registry does not know is kept (is_unit_known false) and reported by the
-- warning audit procedures_unit_codes_unknown.
with

procedures as (

    select * from stg_reference__procedures

),

units as (

    select * from stg_reference__units

),

split as (

    select
        procedure_code,
        procedure_name,
        sector,
        online_level,
        coalesce(one_stop, false) as one_stop,
        unnest(string_split(unit_codes, ';')) as listed_code
    from procedures
    where unit_codes is not null

),

assigned as (

    select distinct
        procedure_code,
        procedure_name,
        sector,
        online_level,
        one_stop,
        trim(listed_code) as unit_code
    from split
    where nullif(trim(listed_code), '') is not null

),

final as (

    select
        assigned.procedure_code,
        assigned.procedure_name,
        assigned.sector,
        assigned.online_level,
        assigned.one_stop,
        assigned.unit_code,
        units.unit_code is not null as is_unit_known
    from assigned
    left join units on units.unit_code = assigned.unit_code

)

select * from final
