-- Contract 2.4: notified incidents by the financial year of incident_date, at National, Regional and Local authority
-- level (the notifying LA: of the incident's earliest child, int_incidents), unsuppressed. incident_type: Total,
-- Death (any child died; a suicide is a death), Serious injury. `children` counts children by their own outcome
-- (int_notifications); `scr_initiated` counts incidents with a review decision `scr`; notified_on_time_percent is
-- the share of children with a known on-time flag notified within five working days of la_aware_date.
-- children_rate_per_10000: children per (publication_settings.rate_per) children aged 0-17 of that area and year;
-- NULL (published `x`) when the area has no population for the year. A region's (England's) population is the sum
-- over its LAs only when every LA valid that year has one: a partial sum would be a guess.
with settings as (
    select max(case when setting = 'rate_per' then value end)::double as rate_per
    from {{ ref('publication_settings') }}
),
incidents as (
    select incident_id, financial_year, la_code, incident_type
    from {{ ref('int_incidents') }}
    where in_statistics and financial_year is not null
),
scr as (
    select distinct incident_id from {{ ref('int_reviews') }} where decision = 'scr'
),
kids as (
    select financial_year, la_code, incident_type, notified_on_time
    from {{ ref('int_notifications') }}
    where in_statistics and financial_year is not null
),
types as (
    select label as incident_type, sort_order from {{ ref('code_lists') }} where code_list = 'incident_type'
),
categories as (  -- an incident or child whose type is missing or invalid is `Not known` (contract 2.4)
    select 'Total' as incident_type, 0 as type_order union all select incident_type, sort_order from types
    union all select 'Not known', 99
),
label as (
    select code, label from {{ ref('code_lists') }} where code_list = 'incident_type'
),
facts as (  -- one row per incident or child, under its own type and under Total (a two-row join: a lateral
            -- subquery made DuckDB materialise every row once more)
    select i.financial_year, i.la_code,
           case when t.is_total then 'Total' else coalesce(lb.label, 'Not known') end as incident_type,
           1 as incidents, 0 as children,
           case when s.incident_id is not null then 1 else 0 end as scr_initiated,
           0 as on_time, 0 as on_time_known
    from incidents i
    left join scr s on s.incident_id = i.incident_id
    left join label lb on lb.code = i.incident_type
    join (values (false), (true)) t (is_total) on true
    union all
    select k.financial_year, k.la_code, case when t.is_total then 'Total' else coalesce(lb.label, 'Not known') end,
           0, 1, 0,
           case when k.notified_on_time then 1 else 0 end,
           case when k.notified_on_time is not null then 1 else 0 end
    from kids k
    left join label lb on lb.code = k.incident_type
    join (values (false), (true)) t (is_total) on true
),
counts as (
    select f.financial_year,
           {{ geographic_level_of_grouping() }} as geographic_level,
           l.region_code, f.la_code, f.incident_type,
           sum(incidents) as incidents, sum(children) as children, sum(scr_initiated) as scr_initiated,
           sum(on_time) as on_time, sum(on_time_known) as on_time_known
    from facts f
    join {{ ref('int_las') }} l on l.la_code = f.la_code
    group by {{ geography_grouping_sets(['f.incident_type']) }}
),
years as (
    select distinct financial_year from kids
),
la_population as (
    select g.financial_year, g.region_code, g.new_la_code, p.population_0_17
    from {{ ref('release_geography_spine') }} g
    join years y on y.financial_year = g.financial_year
    left join {{ ref('int_population') }} p on p.la_code = g.new_la_code and p.financial_year = g.financial_year
    where g.geographic_level = 'Local authority'
),
population as (
    select financial_year,
           {{ geographic_level_of_grouping('region_code', 'new_la_code') }} as geographic_level,
           region_code, new_la_code,
           case when count(*) = count(population_0_17) then sum(population_0_17) end as population_0_17
    from la_population
    group by {{ geography_grouping_sets([], 'financial_year', 'region_code', 'new_la_code') }}
),
joined as (
    select g.*, c.incident_type, c.type_order,
           coalesce(n.incidents, 0)::integer as incidents,
           coalesce(n.children, 0)::integer as children,
           coalesce(n.scr_initiated, 0)::integer as scr_initiated,
           coalesce(n.on_time, 0) as on_time,
           coalesce(n.on_time_known, 0) as on_time_known,
           p.population_0_17
    from {{ ref('release_geography_spine') }} g
    join years y on y.financial_year = g.financial_year
    cross join categories c
    left join counts n
      on {{ on_spine_row() }}
     and n.incident_type = c.incident_type
    left join population p
      on p.financial_year = g.financial_year and p.geographic_level = g.geographic_level
     and p.region_code is not distinct from g.region_code and p.new_la_code is not distinct from g.new_la_code
)
select
    {{ release_geography_columns() }},
    incident_type,
    incidents,
    children,
    case when population_0_17 > 0
         then round(children * (select rate_per from settings) / population_0_17, 6) end::double
        as children_rate_per_10000,
    scr_initiated,
    case when on_time_known > 0 then round(100.0 * on_time / on_time_known, 6) end::double
        as notified_on_time_percent,
    -- not published: the counts behind notified_on_time_percent, which disclosure control protects as it does
    -- published counts (a percentage beside a published count gives both away)
    on_time::integer as notified_on_time,
    (on_time_known - on_time)::integer as notified_late
from joined
order by time_period, level_order, region_code nulls first, new_la_code nulls first, type_order
