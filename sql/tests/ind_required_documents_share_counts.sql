-- severity: error
-- ind_required_documents_share is ind_required_documents counted per item × level
-- (docs/spec.md §9): the same rows, the counts adding up, the share computed from the counts.
with

detail as (

    select
        year,
        label,
        unit_level,
        count(*) as units_required,
        count(*) filter (where is_issued) as units_issued,
        count(*) filter (where is_late) as units_issued_late
    from ind_required_documents
    group by all

),

share as (

    select * from ind_required_documents_share

)

select
    coalesce(detail.year, share.year) as year,
    coalesce(detail.label, share.label) as label,
    coalesce(detail.unit_level, share.unit_level) as unit_level,
    detail.units_required as detail_required,
    share.units_required as share_required
from detail
full join share
    on share.year = detail.year
    and share.label = detail.label
    and share.unit_level is not distinct from detail.unit_level
where share.units_required is distinct from detail.units_required
    or share.units_issued is distinct from detail.units_issued
    or share.units_issued_late is distinct from detail.units_issued_late
    or share.units_not_issued is distinct from share.units_required - share.units_issued
    or share.issued_rate is distinct from share.units_issued / nullif(share.units_required, 0)::double
