-- Two rows of the same timescale rule must not both apply on the same date (the lookup would be ambiguous).
select a.rule, a.applies_from, b.applies_from as other_applies_from
from {{ ref('timescale_rules') }} a
join {{ ref('timescale_rules') }} b
  on a.rule = b.rule
 and (a.applies_from is distinct from b.applies_from or a.applies_to is distinct from b.applies_to)
 and coalesce(a.applies_from, date '0001-01-01') <= coalesce(b.applies_to, date '9999-12-31')
 and coalesce(b.applies_from, date '0001-01-01') <= coalesce(a.applies_to, date '9999-12-31')
union all
-- one unit per rule (the macro due_date reads a rule's unit once)
select rule, null, null from {{ ref('timescale_rules') }} group by rule having count(distinct unit) > 1
