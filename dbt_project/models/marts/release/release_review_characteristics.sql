-- Contract 2.5: serious case reviews (decision `scr`) with status `completed`, by the financial year of the reviewed
-- incident's incident_date, at National, Regional and Local authority level (the lead LSCB's LA), unsuppressed.
-- Missing values count as Not known (overview author: Not reported). The report-length, recommendations and
-- action-point bands are those of contract 2.5 (after Rose and Barnes 2008, Appendix 2, Tables 15-18).
-- The bands are policy data: seeds/policy/review_bands.csv.
with r as (
    select financial_year, la_code, author_status, report_pages, recommendations, action_points, family_contributed
    from (
        select incident_financial_year as financial_year, lscb_la_code as la_code, author_status, report_pages,
               recommendations, action_points, family_contributed
        from {{ ref('int_reviews') }}
        where decision = 'scr' and status = 'completed'
          and incident_known and incident_date is not null and {{ in_date_window("incident_date") }}
          and incident_financial_year is not null
          and lscb_la_code is not null and lscb_la_valid
    )
),
bands as (
    select band_set, band, min_value, max_value, sort_order from {{ ref('review_bands') }}
),
cl as (
    select code_list, code, publication_group, sort_order from {{ ref('code_lists') }}
),
groups as (
    select code_list, publication_group, min(sort_order) as sort_order from cl group by all
),
categories as (
    select 0 as topic_order, 'Total' as breakdown_topic, 'Total' as breakdown, 0 as breakdown_order
    union all select 1, 'Overview author', publication_group, sort_order from groups where code_list = 'author_status'
    union all select 2, 'Report length', band, sort_order from bands where band_set = 'report_pages'
    union all select 2, 'Report length', 'Not known', 99
    union all select 3, 'Recommendations', band, sort_order from bands where band_set = 'recommendations'
    union all select 3, 'Recommendations', 'Not known', 99
    union all select 4, 'Action points', band, sort_order from bands where band_set = 'action_points'
    union all select 4, 'Action points', 'Not known', 99
    union all select 5, 'Family contributed', publication_group, sort_order from groups
              where code_list = 'yes_no_unknown'
),
coded as (
    select r.financial_year, r.la_code,
           coalesce((select g.publication_group from cl g
                     where g.code_list = 'author_status' and g.code = r.author_status),
                    (select g.publication_group from cl g
                     where g.code_list = 'author_status' and g.code = 'not_reported'))
               as author,
           coalesce((select b.band from bands b where b.band_set = 'report_pages' and r.report_pages >= b.min_value
                     and (b.max_value is null or r.report_pages <= b.max_value)), 'Not known') as pages,
           coalesce((select b.band from bands b
                     where b.band_set = 'recommendations' and r.recommendations >= b.min_value
                     and (b.max_value is null or r.recommendations <= b.max_value)), 'Not known') as recs,
           coalesce((select b.band from bands b where b.band_set = 'action_points' and r.action_points >= b.min_value
                     and (b.max_value is null or r.action_points <= b.max_value)), 'Not known') as actions,
           (select g.publication_group from cl g where g.code_list = 'yes_no_unknown'
                and g.code = coalesce(r.family_contributed, 'U')) as family
    from r
),
facts as (
    select financial_year, la_code, 'Total' as breakdown_topic, 'Total' as breakdown from coded
    union all select financial_year, la_code, 'Overview author', author from coded
    union all select financial_year, la_code, 'Report length', pages from coded
    union all select financial_year, la_code, 'Recommendations', recs from coded
    union all select financial_year, la_code, 'Action points', actions from coded
    union all select financial_year, la_code, 'Family contributed', family from coded
),
counts as (
    select f.financial_year,
           {{ geographic_level_of_grouping() }} as geographic_level,
           l.region_code, f.la_code, f.breakdown_topic, f.breakdown, count(*) as reviews
    from facts f
    join {{ ref('int_las') }} l on l.la_code = f.la_code
    group by {{ geography_grouping_sets(['f.breakdown_topic', 'f.breakdown']) }}
),
years as (
    select distinct financial_year from r
),
joined as (
    select g.*, c.breakdown_topic, c.topic_order, c.breakdown, c.breakdown_order,
           coalesce(n.reviews, 0)::integer as reviews
    from {{ ref('release_geography_spine') }} g
    join years y on y.financial_year = g.financial_year
    cross join categories c
    left join counts n
      on {{ on_spine_row() }}
     and n.breakdown_topic = c.breakdown_topic and n.breakdown = c.breakdown
)
select
    {{ release_geography_columns() }},
    breakdown_topic,
    breakdown,
    reviews,
    case when max(reviews) filter (where breakdown_topic = 'Total') over w > 0
         then round(100.0 * reviews / max(reviews) filter (where breakdown_topic = 'Total') over w, 6)
    end::double as reviews_percent
from joined
window w as (partition by financial_year, geographic_level, region_code, new_la_code)
order by time_period, level_order, region_code nulls first, new_la_code nulls first, topic_order, breakdown_order
