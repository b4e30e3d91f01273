-- Contract 2.3: evaluated serious case reviews by the financial year of evaluation_date, at National, Regional and
-- Local authority level (the lead LSCB's LA), unsuppressed. A review evaluated more than once in a year counts once,
-- at its latest grade in that year (latest evaluation_date, then evaluation_id). In the statistics: a valid
-- evaluation date and grade, a known review whose LSCB is an English LA valid at the review's incident (int_reviews).
with e as (
    select e.review_id, e.evaluation_id, e.evaluation_date, e.evaluation_financial_year as financial_year, e.grade,
           r.lscb_la_code as la_code
    from {{ ref('int_evaluations') }} e
    join {{ ref('int_reviews') }} r on r.review_id = e.review_id
    where e.review_known and e.evaluation_date is not null and {{ in_date_window("e.evaluation_date") }}
      and e.grade is not null
      and r.lscb_la_code is not null and r.lscb_la_valid
),
latest as (
    select * from e
    qualify row_number() over (partition by review_id, financial_year
                               order by evaluation_date desc, evaluation_id desc) = 1
),
grades as (
    select publication_group as grade, min(sort_order) as grade_order
    from {{ ref('code_lists') }} where code_list = 'grade' group by all
),
categories as (
    select 'Total' as grade, 0 as grade_order union all select grade, grade_order from grades
),
facts as (
    select l.financial_year, l.la_code, g.publication_group as grade
    from latest l join {{ ref('code_lists') }} g on g.code_list = 'grade' and g.code = l.grade
    union all select financial_year, la_code, 'Total' from latest
),
counts as (
    select f.financial_year,
           {{ geographic_level_of_grouping() }} as geographic_level,
           l.region_code, f.la_code, f.grade, count(*) as reviews
    from facts f
    join {{ ref('int_las') }} l on l.la_code = f.la_code
    group by {{ geography_grouping_sets(['f.grade']) }}
),
years as (
    select distinct financial_year from latest
),
spine as (  -- the release's geographies, and any LA whose review is evaluated in a year after its code ended
            -- (a region must be the sum of its LAs, or the difference would give that LA's count away)
    select g.* from {{ ref('release_geography_spine') }} g join years y on y.financial_year = g.financial_year
    union
    select n.financial_year, 'Local authority', 3, l.region_code, l.region_name, l.la_code, l.old_la_code, l.la_name
    from counts n join {{ ref('int_las') }} l on l.la_code = n.la_code
    where n.geographic_level = 'Local authority'
),
joined as (
    select g.*, c.grade, c.grade_order, coalesce(n.reviews, 0)::integer as reviews
    from spine g
    cross join categories c
    left join counts n
      on {{ on_spine_row() }}
     and n.grade = c.grade
)
select
    {{ release_geography_columns() }},
    grade,
    reviews,
    case when max(reviews) filter (where grade = 'Total') over w > 0
         then round(100.0 * reviews / max(reviews) filter (where grade = 'Total') over w, 6)
    end::double as reviews_percent
from joined
window w as (partition by financial_year, geographic_level, region_code, new_la_code)
order by time_period, level_order, region_code nulls first, new_la_code nulls first, grade_order
