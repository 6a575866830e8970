-- severity: warning
-- Crosswalk rows not used, with why (dq_provinces_crosswalk, docs/spec.md §8).
select * from dq_provinces_crosswalk
