-- The geographies a release file has a row for in each financial year (contract section 2): England, every
-- region, and every English LA whose code was valid at some time in that financial year (int_las validity dates).
-- A financial year fy (200910) runs from 1 April of fy // 100 to 31 March of the next year.
-- Columns not applicable at a level (region above Regional, LA above Local authority) are NULL: the files
-- leave them empty, as the contract says ("empty where the level is above them").
with years as (
    select (t.y * 100 + (t.y + 1) % 100)::integer as financial_year,
           make_date(t.y::bigint, 4, 1) as fy_start,
           make_date((t.y + 1)::bigint, 3, 31) as fy_end
    from range(1990, 2051) t (y)
)
select y.financial_year, 'National' as geographic_level, 1 as level_order,
       null::varchar as region_code, null::varchar as region_name,
       null::varchar as new_la_code, null::varchar as old_la_code, null::varchar as la_name
from years y
union all
select y.financial_year, 'Regional', 2, r.region_code, r.region_name, null, null, null
from years y
cross join (select distinct region_code, region_name from {{ ref('int_las') }} where region_code is not null) r
union all
select y.financial_year, 'Local authority', 3, l.region_code, l.region_name, l.la_code, l.old_la_code, l.la_name
from years y
join {{ ref('int_las') }} l
  on (l.valid_from is null or l.valid_from <= y.fy_end)
 and (l.valid_to is null or l.valid_to >= y.fy_start)
where l.region_code is not null
