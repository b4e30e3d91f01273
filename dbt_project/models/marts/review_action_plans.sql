-- Action plans of serious case reviews, as Rose and Barnes (2008, Table 20) judged them, from the action records:
-- one row per SCR with whether a lead officer is named for each action and whether each action has a date by
-- which it is to be completed: `Yes` (every action), `No` (none), `Partly` (some), `Not clear` (no action records).
with scr as (
    select review_id, incident_id, lscb_la_code, incident_financial_year, status
    from {{ ref('int_reviews') }}
    where decision = 'scr'
),
per_review as (
    select review_id, count(*) as actions,
           count(*) filter (where lead_officer_named = 'Y') as with_lead_officer,
           count(due_date) as with_due_date
    from {{ ref('int_actions') }}
    group by review_id
)
select
    s.review_id, s.incident_id, s.lscb_la_code, s.incident_financial_year, s.status,
    coalesce(p.actions, 0) as actions,
    case when p.actions is null then 'Not clear' when p.with_lead_officer = p.actions then 'Yes'
         when p.with_lead_officer = 0 then 'No' else 'Partly' end as lead_officer_named_for_each,
    case when p.actions is null then 'Not clear' when p.with_due_date = p.actions then 'Yes'
         when p.with_due_date = 0 then 'No' else 'Partly' end as completion_date_for_each
from scr s
left join per_review p on p.review_id = s.review_id
