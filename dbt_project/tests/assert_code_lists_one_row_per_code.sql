-- A code appears once in its code list (the release models join each child's code to its publication group:
-- a repeated code would count the child twice).
select code_list, code, count(*) as rows_for_code
from {{ ref('code_lists') }}
group by code_list, code
having count(*) > 1
