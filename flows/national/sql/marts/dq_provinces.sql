-- One row per province folder under the root (docs/spec.md §8): how its run of today ended,
-- whether its published exports were read into the national tables, and whether they are
-- yesterday's (`stale`: the run published nothing today, or could not refresh its exports).
with

provinces as (

    select * from src_provinces

),

as_of as (

    select * from src_dim_as_of

),

names as (

    select * from int_provinces__names

),

final as (

    select
        provinces.province,
        names.province_name,
        provinces.run_status,
        provinces.run_reason,
        provinces.files_failed,
        provinces.exports_status,
        provinces.exports_reason,
        provinces.included,
        provinces.stale,
        as_of.as_of,
        provinces.exports_written_at
    from provinces
    left join as_of on as_of.province = provinces.province
    left join names on names.province = provinces.province

)

select * from final
order by province
