-- One row per current action-plan item, corrected and typed (invalid -> NULL, never dropped), with `overdue` judged at
-- var('as_of'): a due date before the as-of date and the item neither completed nor dropped.
with typed as (
    select
        action_id,
        review_id,
        {{ typed_code('actions', 'agency') }} as agency,
        {{ typed_code('actions', 'focus') }} as focus,
        {{ typed_code('actions', 'lead_officer_named') }} as lead_officer_named,
        {{ parse_date('due_date') }} as due_date,
        {{ typed_code('actions', 'status') }} as status,
        {{ parse_date('completed_date') }} as completed_date,
        _source_file,
        _source_line,
        _versions,
        _corrected_columns
    from {{ ref('int_actions_corrected') }} src
)
select
    t.action_id,
    t.review_id,
    t.agency,
    t.focus,
    t.lead_officer_named,
    t.due_date,
    t.status,
    t.completed_date,
    coalesce(t.due_date < {{ as_of_date() }} and coalesce(t.status, '') not in ('completed', 'dropped'), false)
        as overdue,
    {{ as_of_date() }} as as_of_date,
    r.review_id is not null as review_known,
    t._source_file,
    t._source_line,
    t._versions,
    t._corrected_columns
from typed t
left join {{ ref('int_reviews') }} r on r.review_id = t.review_id
