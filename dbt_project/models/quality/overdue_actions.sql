-- Overdue action-plan items per LSCB (management information, restricted; written to
-- <release>/quality/overdue_actions/<la_code>.csv beside the chase lists): who is to act (agency, whether a lead
-- officer is named), on which review of which incident, what about, and how late at var('as_of'). An item is
-- overdue when it is past its due date and neither completed nor dropped (int_actions.overdue).
select
    cast(r.lscb_la_code as varchar) as lscb_la_code,
    cast(a.action_id as varchar) as action_id,
    cast(a.review_id as varchar) as review_id,
    cast(r.incident_id as varchar) as incident_id,
    cast(a.agency as varchar) as agency,
    cast(a.focus as varchar) as focus,
    cast(a.lead_officer_named as varchar) as lead_officer_named,
    cast(a.status as varchar) as status,
    a.due_date,
    cast(a.as_of_date - a.due_date as integer) as days_overdue,
    cast(a._source_file as varchar) as source_file,
    cast(a._source_line as integer) as source_line,
    a.as_of_date
from {{ ref('int_actions') }} a
left join {{ ref('int_reviews') }} r on r.review_id = a.review_id
where a.overdue
