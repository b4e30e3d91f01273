-- Within a band set, an age falls in at most one band, and at most one band (Not known) has no range: the release
-- models join each child's age to its band, so an overlap would count the child twice.
select a.band_set, a.band, b.band as other_band
from {{ ref('age_bands') }} a
join {{ ref('age_bands') }} b
  on a.band_set = b.band_set and a.band < b.band
 and a.min_months <= b.max_months and b.min_months <= a.max_months
union all
select band_set, 'bands without a range', null
from {{ ref('age_bands') }}
where min_months is null
group by band_set
having count(*) > 1
