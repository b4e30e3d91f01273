-- English local authority codes with the dates each was valid, old LA number, name and region.
-- From reference.ref_las: rows joining two authorities (' / ' in the code) and 'z' (not an LA) are excluded.
-- date_of_operation 01/01/2009 means "in force when ONS codes began": valid_from is NULL (valid before 2009 too).
select
    l.new_la_code as la_code,
    l.la_name,
    l.old_la_code,
    case when l.date_of_operation = '01/01/2009' then null
         else {{ parse_date('l.date_of_operation') }} end as valid_from,
    {{ parse_date('l.date_of_termination') }} as valid_to,
    l.parent_geography_code as region_code,
    r.region_name,
    l.entity_code,
    l.status
from {{ ref('ref_las') }} l
left join (
    select distinct region_code, region_name from {{ ref('ref_region_la_hierarchy') }}
) r on r.region_code = l.parent_geography_code
where l.new_la_code is not null
  and l.new_la_code not like '% / %'
  and lower(l.new_la_code) <> 'z'
