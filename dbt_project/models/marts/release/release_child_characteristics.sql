-- Contract 2.1: children in notified incidents by the financial year of incident_date, at National, Regional and
-- Local authority level (the notifying LA), unsuppressed. Only children `in_statistics` (valid incident_date and an
-- English LA valid at that date). A missing value and `U` both count as Not known (Unknown for ethnicity).
-- Labels and publication groups come from the seeds code_lists and age_bands; every filter value is present for
-- every geography and year, with 0 where no child has it.
with kids as (
    select notification_id, financial_year, la_code,
           incident_type, suicide, child_age_months, child_sex, child_ethnicity, disability,
           harm_category, known_to_csc, cin_status, cp_plan, legal_status
    from {{ ref('int_notifications') }}
    where in_statistics
),
cl as (
    select code_list, code, publication_group, sort_order from {{ ref('code_lists') }}
),
groups as (  -- one row per (code list, publication group), ordered by its first code
    select code_list, publication_group, min(sort_order) as sort_order from cl group by all
),
ab as (
    select band_set, band, min_months, max_months, sort_order from {{ ref('age_bands') }}
),
-- the published values of each topic, in order (Disability and Incident type are labelled as in the contract)
categories as (
    select 0 as topic_order, 'Total' as breakdown_topic, 'Total' as breakdown, 0 as breakdown_order
    union all select 1, 'Age band', band, sort_order from ab where band_set = 'age_band'
    union all select 2, 'Age under 1', band, sort_order from ab where band_set = 'age_under_1'
    union all select 3, 'Sex', publication_group, sort_order from groups where code_list = 'child_sex'
    union all select 4, 'Ethnicity', publication_group, sort_order from groups where code_list = 'ethnicity'
    union all select 5, 'Disability',
        case publication_group when 'Yes' then 'Disabled' when 'No' then 'Not disabled' else publication_group end,
        sort_order from groups where code_list = 'yes_no_unknown'
    union all select 6, 'Incident type', 'Death (excluding suicide)', 1
    union all select 6, 'Incident type', 'Suicide', 2
    union all select 6, 'Incident type', 'Serious injury', 3
    union all select 7, 'Harm category', publication_group, sort_order from groups where code_list = 'harm_category'
    union all select 8, 'Known to children''s social care', publication_group, sort_order
        from groups where code_list = 'yes_no_unknown'
    union all select 9, 'Child in need', publication_group, sort_order from groups where code_list = 'yes_no_unknown'
    union all select 10, 'Child protection plan', publication_group, sort_order
        from groups where code_list = 'yes_no_unknown'
    union all select 11, 'Legal status', publication_group, sort_order from groups where code_list = 'legal_status'
),
outcomes as (
    select 0 as outcome_order, 'Total' as outcome
    union all select sort_order, publication_group from groups where code_list = 'incident_type'
),
coded as (  -- each child's published group per topic; missing -> the group of `U`
    select k.*,
           o.publication_group as outcome,
           (select g.publication_group from cl g where g.code_list = 'child_sex' and g.code = coalesce(k.child_sex, 'U')) as sex,
           (select g.publication_group from cl g where g.code_list = 'ethnicity' and g.code = coalesce(k.child_ethnicity, 'U')) as ethnicity,
           (select case g.publication_group when 'Yes' then 'Disabled' when 'No' then 'Not disabled' else g.publication_group end
              from cl g where g.code_list = 'yes_no_unknown' and g.code = coalesce(k.disability, 'U')) as disability_group,
           (select g.publication_group from cl g where g.code_list = 'harm_category' and g.code = coalesce(k.harm_category, 'U')) as harm,
           (select g.publication_group from cl g where g.code_list = 'yes_no_unknown' and g.code = coalesce(k.known_to_csc, 'U')) as csc,
           (select g.publication_group from cl g where g.code_list = 'yes_no_unknown' and g.code = coalesce(k.cin_status, 'U')) as cin,
           (select g.publication_group from cl g where g.code_list = 'yes_no_unknown' and g.code = coalesce(k.cp_plan, 'U')) as cpp,
           (select g.publication_group from cl g where g.code_list = 'legal_status' and g.code = coalesce(k.legal_status, 'U')) as legal,
           coalesce((select a.band from ab a where a.band_set = 'age_band'
                     and k.child_age_months between a.min_months and a.max_months),
                    (select a.band from ab a where a.band_set = 'age_band' and a.min_months is null)) as age_band,
           (select a.band from ab a where a.band_set = 'age_under_1'
                     and k.child_age_months between a.min_months and a.max_months) as age_under_1,
           case when k.incident_type = 'death' and k.suicide = 'Y' then 'Suicide'
                when k.incident_type = 'death' then 'Death (excluding suicide)'
                when k.incident_type = 'serious_injury' then 'Serious injury' end as incident_group
    from kids k
    left join cl o on o.code_list = 'incident_type' and o.code = k.incident_type
),
facts as (  -- one row per child and topic
    select financial_year, la_code, outcome, 'Total' as breakdown_topic, 'Total' as breakdown from coded
    union all select financial_year, la_code, outcome, 'Age band', age_band from coded
    union all select financial_year, la_code, outcome, 'Age under 1', age_under_1 from coded where age_under_1 is not null
    union all select financial_year, la_code, outcome, 'Sex', sex from coded
    union all select financial_year, la_code, outcome, 'Ethnicity', ethnicity from coded
    union all select financial_year, la_code, outcome, 'Disability', disability_group from coded
    union all select financial_year, la_code, outcome, 'Incident type', incident_group from coded where incident_group is not null
    union all select financial_year, la_code, outcome, 'Harm category', harm from coded
    union all select financial_year, la_code, outcome, 'Known to children''s social care', csc from coded
    union all select financial_year, la_code, outcome, 'Child in need', cin from coded
    union all select financial_year, la_code, outcome, 'Child protection plan', cpp from coded
    union all select financial_year, la_code, outcome, 'Legal status', legal from coded
),
counts as (  -- each child under its own outcome and under Total, at all three levels
    select f.financial_year,
           {{ geographic_level_of_grouping() }} as geographic_level,
           l.region_code, f.la_code, o.outcome, f.breakdown_topic, f.breakdown, count(*) as children
    from facts f
    join {{ ref('int_las') }} l on l.la_code = f.la_code
    cross join lateral (select f.outcome as outcome where f.outcome is not null union all select 'Total') o
    group by {{ geography_grouping_sets(['o.outcome', 'f.breakdown_topic', 'f.breakdown']) }}
),
years as (
    select distinct financial_year from kids where financial_year is not null
),
spine as (
    select g.*, o.outcome, o.outcome_order, c.breakdown_topic, c.topic_order, c.breakdown, c.breakdown_order
    from {{ ref('release_geography_spine') }} g
    join years y on y.financial_year = g.financial_year
    cross join outcomes o
    cross join categories c
),
joined as (
    select s.*, coalesce(n.children, 0)::integer as children
    from spine s
    left join counts n
      on {{ on_spine_row('n', 's') }}
     and n.outcome = s.outcome and n.breakdown_topic = s.breakdown_topic and n.breakdown = s.breakdown
)
select
    {{ release_geography_columns() }},
    outcome,
    breakdown_topic,
    breakdown,
    children,
    case when max(children) filter (where breakdown_topic = 'Total') over w > 0
         then round(100.0 * children / max(children) filter (where breakdown_topic = 'Total') over w, 6)
    end::double as children_percent
from joined
window w as (partition by financial_year, geographic_level, region_code, new_la_code, outcome)
order by time_period, level_order, region_code nulls first, new_la_code nulls first, outcome_order, topic_order,
         breakdown_order
