-- One row per notified incident: every stage of its journey (incident, LA aware, notified, chair aware, decision,
-- completion, evaluations, action plan), each stage's due date, whether it was on time, and where it is stuck as of
-- var('as_of') (a stage dated after as_of has not happened yet). The incident's review is its main review
-- decision: not withdrawn first, then the latest chair_aware_date.
with reviews_ranked as (
    select
        r.*,
        row_number() over (partition by r.incident_id
                           order by (r.status = 'withdrawn') nulls last, r.chair_aware_date desc nulls last,
                                    r.review_id desc) as review_rank,
        count(*) over (partition by r.incident_id) as review_count
    from {{ ref('int_reviews') }} r
    where r.incident_id is not null
),
main_review as (
    select * from reviews_ranked where review_rank = 1
),
evaluations as (
    select
        review_id,
        count(*) as evaluations,
        count(*) filter (where evaluation_date <= {{ as_of_date() }}) as evaluations_by_as_of,
        max(evaluation_date) as latest_evaluation_date,
        arg_max(grade, coalesce(evaluation_date, date '0001-01-01')::varchar || evaluation_id) as latest_grade
    from {{ ref('int_evaluations') }}
    where review_id is not null
    group by review_id
),
actions as (
    select
        review_id,
        count(*) as action_items,
        count(*) filter (where status = 'completed') as actions_completed,
        count(*) filter (where status = 'dropped') as actions_dropped,
        count(*) filter (where overdue) as actions_overdue,
        count(*) filter (where coalesce(status, '') not in ('completed', 'dropped')) as actions_outstanding
    from {{ ref('int_actions') }}
    where review_id is not null
    group by review_id
),
journey as (
    select
        i.incident_id,
        i.la_code,
        i.la_name,
        i.old_la_code,
        i.region_code,
        i.region_name,
        i.incident_date,
        i.financial_year,
        i.incident_type,
        i.children,
        i.in_statistics,
        i.la_aware_date,
        i.notification_due_date,
        i.notified_date,
        i.notified_on_time,
        r.review_id,
        coalesce(r.review_count, 0) as reviews,
        r.lscb_la_code,
        r.chair_aware_date,
        r.decision_due_date,
        r.decision_date,
        r.decision,
        r.decision_on_time,
        r.status as review_status,
        r.completion_due_date,
        r.completion_date,
        r.completed_on_time,
        coalesce(e.evaluations, 0) as evaluations,
        coalesce(e.evaluations_by_as_of, 0) as evaluations_by_as_of,
        e.latest_evaluation_date,
        e.latest_grade,
        coalesce(a.action_items, 0) as action_items,
        coalesce(a.actions_completed, 0) as actions_completed,
        coalesce(a.actions_overdue, 0) as actions_overdue,
        coalesce(a.actions_outstanding, 0) as actions_outstanding,
        {{ as_of_date() }} as as_of_date
    from {{ ref('int_incidents') }} i
    left join main_review r on r.incident_id = i.incident_id
    left join evaluations e on e.review_id = r.review_id
    left join actions a on a.review_id = r.review_id
),
staged as (
    -- What had happened by the as-of date: a stage dated after it has not happened yet.
    select
        *,
        -- (a review whose status is unknown, NULL after typing, is neither withdrawn nor completed: without the
        -- coalesces below it fell through every stage to 'awaiting evaluation'; the unit test holds it)
        coalesce(notified_date <= as_of_date, false) as notified_by_as_of,
        review_id is not null and (coalesce(review_status = 'withdrawn', false)
            or (decision is not null and (decision_date is null or decision_date <= as_of_date))) as decided_by_as_of,
        coalesce(completion_date <= as_of_date,
                 completion_date is null and coalesce(review_status = 'completed', false))
            as completed_by_as_of
    from journey
)
select
    cast(incident_id as varchar) as incident_id,
    cast(la_code as varchar) as la_code,
    cast(la_name as varchar) as la_name,
    cast(old_la_code as varchar) as old_la_code,
    cast(region_code as varchar) as region_code,
    cast(region_name as varchar) as region_name,
    cast(incident_date as date) as incident_date,
    cast(financial_year as integer) as financial_year,
    cast(incident_type as varchar) as incident_type,
    cast(children as integer) as children,
    cast(in_statistics as boolean) as in_statistics,
    cast(la_aware_date as date) as la_aware_date,
    cast(notification_due_date as date) as notification_due_date,
    cast(notified_date as date) as notified_date,
    cast(notified_on_time as boolean) as notified_on_time,
    cast(review_id as varchar) as review_id,
    cast(reviews as integer) as reviews,
    cast(lscb_la_code as varchar) as lscb_la_code,
    cast(chair_aware_date as date) as chair_aware_date,
    cast(decision_due_date as date) as decision_due_date,
    cast(decision_date as date) as decision_date,
    cast(decision as varchar) as decision,
    cast(decision_on_time as boolean) as decision_on_time,
    cast(review_status as varchar) as review_status,
    cast(completion_due_date as date) as completion_due_date,
    cast(completion_date as date) as completion_date,
    cast(completed_on_time as boolean) as completed_on_time,
    cast(evaluations as integer) as evaluations,
    cast(latest_evaluation_date as date) as latest_evaluation_date,
    cast(latest_grade as varchar) as latest_grade,
    cast(action_items as integer) as action_items,
    cast(actions_completed as integer) as actions_completed,
    cast(actions_overdue as integer) as actions_overdue,
    cast(actions_outstanding as integer) as actions_outstanding,
    cast(as_of_date as date) as as_of_date,
    cast(case
        when not notified_by_as_of then 'awaiting notification'
        when not decided_by_as_of then
            case when decision_due_date is not null and as_of_date > decision_due_date then 'decision overdue'
                 else 'awaiting review decision' end
        when review_status = 'withdrawn' then 'closed'
        when decision <> 'scr' then 'no review needed'
        when not completed_by_as_of then
            case when completion_due_date is not null and as_of_date > completion_due_date then 'review overdue'
                 else 'review in progress' end
        when evaluations_by_as_of = 0 then 'awaiting evaluation'
        when actions_outstanding > 0 then 'actions outstanding'
        else 'closed'
    end as varchar) as stuck_at
from staged
