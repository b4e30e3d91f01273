-- Contract 2.7: action-plan items of serious case reviews (decision `scr`), by the financial year of the reviewed
-- incident's incident_date, at National, Regional and Local authority level (the lead LSCB's LA; the release writer
-- publishes National and Regional), unsuppressed. An action is in the statistics when its review is a known SCR in
-- the statistics of review_timeliness (known incident with a valid date, LSCB an English LA valid then).
-- Filters agency, focus and status, each with `Total`; an action whose value is missing or invalid is `Not known`.
-- Rows: every one-way breakdown (the other two filters at Total) and agency by status, the study's question
-- (Rose and Barnes, Tables 18-20: which agencies carried out their actions). Indicators: actions,
-- lead_officer_named (Y), with_due_date, overdue (int_actions, judged at var('as_of')), actions_percent (share of
-- all actions of the area and year).
with a as (
    select r.incident_financial_year as financial_year, r.lscb_la_code as la_code,
           coalesce(ag.publication_group, 'Not known') as agency,
           coalesce(fo.publication_group, 'Not known') as focus,
           coalesce(st.publication_group, 'Not known') as status,
           case when a.lead_officer_named = 'Y' then 1 else 0 end as lead_officer_named,
           case when a.due_date is not null then 1 else 0 end as with_due_date,
           case when a.overdue then 1 else 0 end as overdue
    from {{ ref('int_actions') }} a
    join {{ ref('int_reviews') }} r on r.review_id = a.review_id
    left join {{ ref('code_lists') }} ag on ag.code_list = 'agency' and ag.code = a.agency
    left join {{ ref('code_lists') }} fo on fo.code_list = 'action_focus' and fo.code = a.focus
    left join {{ ref('code_lists') }} st on st.code_list = 'action_status' and st.code = a.status
    where r.decision = 'scr' and r.incident_known and r.incident_date is not null
      and {{ in_date_window("r.incident_date") }}
      and r.incident_financial_year is not null and r.lscb_la_code is not null and r.lscb_la_valid
),
values_of (filter, value, value_order) as (
    select 'agency', 'Total', 0 union all select 'focus', 'Total', 0 union all select 'status', 'Total', 0
    union all select 'agency', publication_group, min(sort_order) from {{ ref('code_lists') }}
        where code_list = 'agency' group by all
    union all select 'focus', publication_group, min(sort_order) from {{ ref('code_lists') }}
        where code_list = 'action_focus' group by all
    union all select 'status', publication_group, min(sort_order) from {{ ref('code_lists') }}
        where code_list = 'action_status' group by all
    union all select 'agency', 'Not known', 99 union all select 'focus', 'Not known', 99
    union all select 'status', 'Not known', 99
),
categories as (  -- the published combinations: one-way breakdowns and agency by status
    select ag.value as agency, ag.value_order as agency_order, fo.value as focus, fo.value_order as focus_order,
           st.value as status, st.value_order as status_order
    from values_of ag, values_of fo, values_of st
    where ag.filter = 'agency' and fo.filter = 'focus' and st.filter = 'status'
      and ((fo.value = 'Total' and st.value = 'Total') or (ag.value = 'Total' and st.value = 'Total')
           or (fo.value = 'Total'))
),
facts as (  -- one row per action and published combination it falls in
    select a.financial_year, a.la_code, c.agency, c.focus, c.status,
           a.lead_officer_named, a.with_due_date, a.overdue
    from a
    join categories c
      on (c.agency = 'Total' or c.agency = a.agency)
     and (c.focus = 'Total' or c.focus = a.focus)
     and (c.status = 'Total' or c.status = a.status)
),
counts as (
    select f.financial_year,
           {{ geographic_level_of_grouping() }} as geographic_level,
           l.region_code, f.la_code, f.agency, f.focus, f.status,
           count(*) as actions, sum(f.lead_officer_named) as lead_officer_named,
           sum(f.with_due_date) as with_due_date, sum(f.overdue) as overdue
    from facts f
    join {{ ref('int_las') }} l on l.la_code = f.la_code
    group by {{ geography_grouping_sets(['f.agency', 'f.focus', 'f.status']) }}
),
years as (
    select distinct financial_year from a
),
joined as (
    select g.*, c.*,
           coalesce(n.actions, 0)::integer as actions,
           coalesce(n.lead_officer_named, 0)::integer as lead_officer_named,
           coalesce(n.with_due_date, 0)::integer as with_due_date,
           coalesce(n.overdue, 0)::integer as overdue
    from {{ ref('release_geography_spine') }} g
    join years y on y.financial_year = g.financial_year
    cross join categories c
    left join counts n
      on {{ on_spine_row() }}
     and n.agency = c.agency and n.focus = c.focus and n.status = c.status
)
select
    {{ release_geography_columns() }},
    agency,
    focus,
    status,
    actions,
    lead_officer_named,
    with_due_date,
    overdue,
    case when max(actions) filter (where agency = 'Total' and focus = 'Total' and status = 'Total') over w > 0
         then round(100.0 * actions
                    / max(actions) filter (where agency = 'Total' and focus = 'Total' and status = 'Total') over w, 6)
    end::double as actions_percent
from joined
window w as (partition by financial_year, geographic_level, region_code, new_la_code)
order by time_period, level_order, region_code nulls first, new_la_code nulls first, agency_order, focus_order,
         status_order
