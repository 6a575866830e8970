-- severity: warning
-- Rows of the late-case lists whose case code is no received case of fct_filings: they are
-- kept and listed in dq_unmatched (kind `case`), but the list and iGate disagree.
select name as case_code, occurrences
from dq_unmatched
where kind = 'case'
