-- severity: error
-- The Biểu 06 identity on every national row (docs/spec.md §5): carried over + received =
-- resolved + pending + other endings, and each total the sum of its parts. Each province's
-- build checks it already; failing here means an export was changed after it was published.
select
    province,
    period,
    unit_name,
    sector,
    carried_over + received_total as came_in,
    resolved_total + pending_total + other_ended as went_out
from rpt_bieu06
where carried_over + received_total <> resolved_total + pending_total + other_ended
    or received_total <> received_online + received_direct_postal
    or resolved_total <> resolved_early + resolved_on_time + resolved_late
    or pending_total <> pending_not_due + pending_overdue
