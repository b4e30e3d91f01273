-- Contract 2.1: children in notified incidents by the financial year of incident_date, at National, Regional and
-- Local authority level (the notifying LA), unsuppressed. Only children `in_statistics` (valid incident_date and an
-- English LA valid at that date). A missing value and `U` both count as Not known (Unknown for ethnicity); a
-- missing or invalid incident type is outcome `Not known`, so the parts of every filter add up to its Total.
-- Every level is kept here (the restricted tier); the release writer publishes National and Regional only.
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
    union all select 6, 'Incident type', 'Not known', 4
    union all select 7, 'Harm category', publication_group, sort_order from groups where code_list = 'harm_category'
    union all select 8, 'Known to children''s social care', publication_group, sort_order
        from groups where code_list = 'yes_no_unknown'
    union all select 9, 'Child in need', publication_group, sort_order from groups where code_list = 'yes_no_unknown'
    union all select 10, 'Child protection plan', publication_group, sort_order
        from groups where code_list = 'yes_no_unknown'
    union all select 11, 'Legal status', publication_group, sort_order from groups where code_list = 'legal_status'
),
outcomes as (  -- a child whose incident type is missing or invalid is counted under `Not known` (contract 2.1)
    select 0 as outcome_order, 'Total' as outcome
    union all select sort_order, publication_group from groups where code_list = 'incident_type'
    union all select 99, 'Not known'
),
coded as (  -- each child's published group per topic; missing -> the group of `U` (code lists and age bands are
            -- unique per code and non-overlapping per band set: seed tests)
    select k.*,
           coalesce(o.publication_group, 'Not known') as outcome,
           sex.publication_group as sex,
           eth.publication_group as ethnicity,
           case dis.publication_group when 'Yes' then 'Disabled' when 'No' then 'Not disabled'
                else dis.publication_group end as disability_group,
           harm.publication_group as harm,
           csc.publication_group as csc,
           cin.publication_group as cin,
           cpp.publication_group as cpp,
           legal.publication_group as legal,
           coalesce(band.band, band_nk.band) as age_band,
           under_1.band as age_under_1,
           case when k.incident_type = 'death' and k.suicide = 'Y' then 'Suicide'
                when k.incident_type = 'death' then 'Death (excluding suicide)'
                when k.incident_type = 'serious_injury' then 'Serious injury' else 'Not known' end as incident_group
    from kids k
    left join cl o on o.code_list = 'incident_type' and o.code = k.incident_type
    left join cl sex on sex.code_list = 'child_sex' and sex.code = coalesce(k.child_sex, 'U')
    left join cl eth on eth.code_list = 'ethnicity' and eth.code = coalesce(k.child_ethnicity, 'U')
    left join cl dis on dis.code_list = 'yes_no_unknown' and dis.code = coalesce(k.disability, 'U')
    left join cl harm on harm.code_list = 'harm_category' and harm.code = coalesce(k.harm_category, 'U')
    left join cl csc on csc.code_list = 'yes_no_unknown' and csc.code = coalesce(k.known_to_csc, 'U')
    left join cl cin on cin.code_list = 'yes_no_unknown' and cin.code = coalesce(k.cin_status, 'U')
    left join cl cpp on cpp.code_list = 'yes_no_unknown' and cpp.code = coalesce(k.cp_plan, 'U')
    left join cl legal on legal.code_list = 'legal_status' and legal.code = coalesce(k.legal_status, 'U')
    left join ab band on band.band_set = 'age_band' and k.child_age_months between band.min_months and band.max_months
    left join ab band_nk on band_nk.band_set = 'age_band' and band_nk.min_months is null
    left join ab under_1 on under_1.band_set = 'age_under_1'
                        and k.child_age_months between under_1.min_months and under_1.max_months
),
facts as (  -- one row per child and topic
    select financial_year, la_code, outcome, 'Total' as breakdown_topic, 'Total' as breakdown from coded
    union all select financial_year, la_code, outcome, 'Age band', age_band from coded
    union all select financial_year, la_code, outcome, 'Age under 1', age_under_1 from coded
              where age_under_1 is not null
    union all select financial_year, la_code, outcome, 'Sex', sex from coded
    union all select financial_year, la_code, outcome, 'Ethnicity', ethnicity from coded
    union all select financial_year, la_code, outcome, 'Disability', disability_group from coded
    union all select financial_year, la_code, outcome, 'Incident type', incident_group from coded
    union all select financial_year, la_code, outcome, 'Harm category', harm from coded
    union all select financial_year, la_code, outcome, 'Known to children''s social care', csc from coded
    union all select financial_year, la_code, outcome, 'Child in need', cin from coded
    union all select financial_year, la_code, outcome, 'Child protection plan', cpp from coded
    union all select financial_year, la_code, outcome, 'Legal status', legal from coded
),
counts as (  -- each child under its own outcome and under Total, at all three levels
    select f.financial_year,
           {{ geographic_level_of_grouping() }} as geographic_level,
           l.region_code, f.la_code, f.outcome, f.breakdown_topic, f.breakdown, count(*) as children
    from (select f.financial_year, f.la_code, f.breakdown_topic, f.breakdown,
                 case when t.is_total then 'Total' else f.outcome end as outcome
            from facts f join (values (false), (true)) t (is_total) on true) f
    join {{ ref('int_las') }} l on l.la_code = f.la_code
    group by {{ geography_grouping_sets(['f.outcome', 'f.breakdown_topic', 'f.breakdown']) }}
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
