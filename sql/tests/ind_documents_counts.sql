-- severity: error
-- ind_documents adds up on every row: the counts over non-secret documents never exceed the
-- non-secret documents, each rate is its numerator over its denominator (NULL when that is
-- 0) and lies in [0, 1], and no row is all zeros.
select *
from ind_documents
where docs_total <= 0
   or docs_secret > docs_total
   or docs_e_signed > docs_total - docs_secret
   or docs_e_issued > docs_total - docs_secret
   or docs_with_published_on > docs_total - docs_secret
   or docs_published_late > docs_with_published_on
   or e_signed_rate is distinct from docs_e_signed / nullif(docs_total - docs_secret, 0)::double
   or e_issued_rate is distinct from docs_e_issued / nullif(docs_total - docs_secret, 0)::double
   or published_late_rate
       is distinct from docs_published_late / nullif(docs_with_published_on, 0)::double
   or e_signed_rate not between 0 and 1
   or e_issued_rate not between 0 and 1
   or published_late_rate not between 0 and 1
