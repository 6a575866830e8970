-- severity: error
-- Nothing is lost (docs/spec.md §2): rows read = loaded + rejected + skipped, and superseded
-- rows are a part of the loaded ones.
select *
from dq_files
where rows_read <> rows_loaded + rows_rejected + rows_skipped
   or rows_superseded > rows_loaded
