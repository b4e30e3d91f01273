-- The LSCB chase lists (management information, restricted; written to <release>/quality/chase/<la_code>.csv):
-- late or missing returns to chase, judged at var('as_of'), separate from data errors. One row per item:
--   no_review_decision      an incident with no review decision a month (timescale rule decision_due) after the chair
--                           knew (chair_aware_date), or, with no review record at all, after it was notified
--   scr_past_due            a serious case review not completed by its completion due date (rule completion_due or
--                           the agreed completion date)
--   completed_no_evaluation a completed serious case review with no inspectorate evaluation
--   action_overdue          an action-plan item past its due date, neither completed nor dropped (int_actions.overdue)
with reviews as (
    select * from {{ ref('int_reviews') }}
),
decided as (
    select distinct incident_id from reviews where decision is not null or status = 'withdrawn'
),
pending_reviews as (
    -- the latest pending review of each undecided incident
    select *
    from reviews
    where incident_id not in (select incident_id from decided where incident_id is not null)
    qualify row_number() over (partition by incident_id order by chair_aware_date desc nulls last, review_id desc) = 1
),
no_decision as (
    select
        coalesce(p.lscb_la_code, i.la_code) as lscb_la_code,
        'no_review_decision' as chase,
        coalesce(case when p.review_id is not null then 'reviews' end, 'notifications') as feed,
        coalesce(p.review_id, i.incident_id) as record_id,
        i.incident_id,
        p.review_id,
        coalesce(p.decision_due_date,
                 {{ due_date('decision_due', 'coalesce(i.notified_date, i.la_aware_date, i.incident_date)') }})
            as due_date,
        p._source_file as source_file,
        p._source_line as source_line
    from {{ ref('int_incidents') }} i
    left join pending_reviews p on p.incident_id = i.incident_id
    where i.incident_id not in (select incident_id from decided where incident_id is not null)
),
scr_past_due as (
    select lscb_la_code, 'scr_past_due' as chase, 'reviews' as feed, review_id as record_id, incident_id, review_id,
           completion_due_date as due_date, _source_file as source_file, _source_line as source_line
    from reviews
    where decision = 'scr' and completion_date is null and coalesce(status, '') not in ('completed', 'withdrawn')
),
no_evaluation as (
    select r.lscb_la_code, 'completed_no_evaluation' as chase, 'reviews' as feed, r.review_id as record_id,
           r.incident_id, r.review_id, r.completion_date as due_date,
           r._source_file as source_file, r._source_line as source_line
    from reviews r
    where r.decision = 'scr' and r.status = 'completed'
      and not exists (select 1 from {{ ref('int_evaluations') }} e where e.review_id = r.review_id)
),
actions_overdue as (
    select r.lscb_la_code, 'action_overdue' as chase, 'actions' as feed, a.action_id as record_id, r.incident_id,
           a.review_id, a.due_date, a._source_file as source_file, a._source_line as source_line
    from {{ ref('int_actions') }} a
    left join reviews r on r.review_id = a.review_id
    where a.overdue
),
items as (
    select * from no_decision where due_date < {{ as_of_date() }}
    union all select * from scr_past_due where due_date < {{ as_of_date() }}
    union all select * from no_evaluation where due_date is null or due_date <= {{ as_of_date() }}
    union all select * from actions_overdue
)
select
    cast(lscb_la_code as varchar) as lscb_la_code,
    cast(chase as varchar) as chase,
    cast(feed as varchar) as feed,
    cast(record_id as varchar) as record_id,
    cast(incident_id as varchar) as incident_id,
    cast(review_id as varchar) as review_id,
    cast(due_date as date) as due_date,
    cast(case when due_date is not null then {{ as_of_date() }} - due_date end as integer) as days_overdue,
    cast(source_file as varchar) as source_file,
    cast(source_line as integer) as source_line,
    {{ as_of_date() }} as as_of_date
from items
