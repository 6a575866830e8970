-- severity: error
-- Each national table holds exactly its provinces' rows (docs/spec.md §8): per table and
-- province, the same number of rows and the same totals as the province's own published
-- table. A crosswalk join that duplicated or lost rows would show here.
with

national as (

    select 'rpt_bieu06' as tbl, province, count(*) as n, sum(received_total) as total
    from rpt_bieu06 group by all
    union all
    select 'ind_late', province, count(*), sum(resolved_late + pending_overdue)
    from ind_late group by all
    union all
    select 'ind_channels', province, count(*), sum(received_online)
    from ind_channels group by all
    union all
    select 'ind_igate_uptake', province, count(*), sum(files_received)
    from ind_igate_uptake group by all
    union all
    select 'ind_documents', province, count(*), sum(docs_e_signed)
    from ind_documents group by all

),

provinces as (

    select 'rpt_bieu06' as tbl, province, count(*) as n, sum(received_total) as total
    from src_rpt_bieu06 group by all
    union all
    select 'ind_late', province, count(*), sum(resolved_late + pending_overdue)
    from src_ind_late group by all
    union all
    select 'ind_channels', province, count(*), sum(received_online)
    from src_ind_channels group by all
    union all
    select 'ind_igate_uptake', province, count(*), sum(files_received)
    from src_ind_igate_uptake group by all
    union all
    select 'ind_documents', province, count(*), sum(docs_e_signed)
    from src_ind_documents group by all

)

select
    coalesce(national.tbl, provinces.tbl) as tbl,
    coalesce(national.province, provinces.province) as province,
    national.n as national_rows,
    provinces.n as province_rows,
    national.total as national_total,
    provinces.total as province_total
from national
full join provinces
    on provinces.tbl = national.tbl and provinces.province = national.province
where national.n is distinct from provinces.n
    or national.total is distinct from provinces.total
