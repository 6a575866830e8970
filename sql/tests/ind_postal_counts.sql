-- severity: error
-- ind_postal adds up on every row: matched `in` items are among the `in` items, postal cases
-- without an item among the postal cases, unmatched and returned items among the items, and
-- no row is all zeros.
select *
from ind_postal
where items_in_matched > items_in
   or cases_postal_without_item > cases_postal
   or items_unmatched > items_in + items_out
   or items_returned > items_in + items_out
   or items_in + items_out + cases_postal = 0
