-- Contract 2.2: review decisions by the financial year of the reviewed incident's incident_date (the earliest, where
-- the incident has several children), at National, Regional and Local authority level (the lead LSCB's LA),
-- unsuppressed. A review is in the statistics when its incident is known with a valid date and its LSCB is an
-- English LA valid then. Each measure has a `Total` band (the reviews it applies to); measure Total / band Total is
-- every review decision. Each review's bands are int_review_bands (unit-tested there).
with banded as (
    select review_id, incident_financial_year as financial_year, lscb_la_code as la_code, decision_band,
           completion_band, timescale_band
    from {{ ref('int_review_bands') }}
    where incident_known and incident_date is not null and {{ in_date_window("incident_date") }}
      and incident_financial_year is not null
      and lscb_la_code is not null and lscb_la_valid
),
categories (measure, band) as (
    -- every band of every measure, for the zero rows (their order is the configuration's, config/release_datasets.yml
    -- values_by_group, which the release writer sorts by; tests/models/test_release_config.py checks they agree)
    values ('Total', 'Total'),
           ('Decision within one month', 'Total'),
           ('Decision within one month', 'Yes'),
           ('Decision within one month', 'No'),
           ('Decision within one month', 'Decision pending'),
           ('Incident to completion', 'Total'),
           ('Incident to completion', '6 months or less'),
           ('Incident to completion', 'Over 6 to 12 months'),
           ('Incident to completion', 'Over 12 to 18 months'),
           ('Incident to completion', 'Over 18 months'),
           ('Incident to completion', 'Completed, not dated'),
           ('Incident to completion', 'Not completed'),
           ('Completed within timescale', 'Total'),
           ('Completed within timescale', 'Yes'),
           ('Completed within timescale', 'No'),
           ('Completed within timescale', 'Completed, not dated'),
           ('Completed within timescale', 'In progress, within timescale'),
           ('Completed within timescale', 'In progress, overdue')
),
facts as (
    select financial_year, la_code, 'Total' as measure, 'Total' as band from banded
    union all select financial_year, la_code, 'Decision within one month', 'Total' from banded
    union all select financial_year, la_code, 'Decision within one month', decision_band from banded
    union all select financial_year, la_code, 'Incident to completion', 'Total' from banded
              where completion_band is not null
    union all select financial_year, la_code, 'Incident to completion', completion_band from banded
              where completion_band is not null
    union all select financial_year, la_code, 'Completed within timescale', 'Total' from banded
              where timescale_band is not null
    union all select financial_year, la_code, 'Completed within timescale', timescale_band from banded
              where timescale_band is not null
),
counts as (
    select f.financial_year,
           {{ geographic_level_of_grouping() }} as geographic_level,
           l.region_code, f.la_code, f.measure, f.band, count(*) as reviews
    from facts f
    join {{ ref('int_las') }} l on l.la_code = f.la_code
    group by {{ geography_grouping_sets(['f.measure', 'f.band']) }}
),
years as (
    select distinct financial_year from banded
),
joined as (
    select g.*, c.measure, c.band, coalesce(n.reviews, 0)::integer as reviews
    from {{ ref('release_geography_spine') }} g
    join years y on y.financial_year = g.financial_year
    cross join categories c
    left join counts n
      on {{ on_spine_row() }}
     and n.measure = c.measure and n.band = c.band
)
select
    {{ release_geography_columns() }},
    measure,
    band,
    reviews,
    case when max(reviews) filter (where band = 'Total') over w > 0
         then round(100.0 * reviews / max(reviews) filter (where band = 'Total') over w, 6)
    end::double as reviews_percent
from joined
window w as (partition by financial_year, geographic_level, region_code, new_la_code, measure)
order by time_period, level_order, region_code nulls first, new_la_code nulls first, measure, band
