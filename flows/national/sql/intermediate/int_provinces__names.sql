-- Every province key the national build knows — the folders under the root, and the provinces
-- and successors of the accepted crosswalk rows — with the name to show: its own row's `Tên
-- tỉnh`, else the `Tên tỉnh kế thừa` a row gives it, else the key itself.
with

rows as (

    select * from stg_provinces__crosswalk
    where reject_reason is null

),

keys as (

    select province from src_provinces
    union
    select province from rows
    union
    select successor from rows where successor is not null

),

own_names as (

    select province, province_name as name
    from rows
    where province_name is not null

),

given_names as (

    select successor as province, min(successor_name) as name
    from rows
    where successor is not null and successor_name is not null
    group by all

),

final as (

    select
        keys.province,
        coalesce(own_names.name, given_names.name, keys.province) as province_name,
        keys.province in (select province from src_provinces) as has_data_root
    from keys
    left join own_names on own_names.province = keys.province
    left join given_names on given_names.province = keys.province

)

select * from final
