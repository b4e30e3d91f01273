-- One row per current review decision, corrected, typed (invalid or missing -> NULL, never dropped), with the reviewed
-- incident, due dates from the timescale_rules seed, and the lead LSCB's geography.
with typed as (
    select
        review_id,
        incident_id,
        case when {{ is_english_la_code('src.lscb_la_code') }} then src.lscb_la_code end as lscb_la_code,
        {{ parse_date('chair_aware_date') }} as chair_aware_date,
        {{ parse_date('decision_date') }} as decision_date,
        {{ typed_code('reviews', 'decision') }} as decision,
        {{ typed_code('reviews', 'status') }} as status,
        {{ parse_date('agreed_completion_date') }} as agreed_completion_date,
        {{ parse_date('completion_date') }} as completion_date,
        {{ typed_code('reviews', 'author_status') }} as author_status,
        {{ typed_int('reviews', 'report_pages') }} as report_pages,
        {{ typed_int('reviews', 'recommendations') }} as recommendations,
        {{ typed_int('reviews', 'action_points') }} as action_points,
        {{ typed_code('reviews', 'family_contributed') }} as family_contributed,
        {{ parse_date('summary_published_date') }} as summary_published_date,
        _source_file,
        _source_line,
        _versions,
        _corrected_columns
    from {{ ref('int_reviews_corrected') }} src
),
with_incident as (
    select
        t.*,
        i.incident_date,
        i.financial_year as incident_financial_year,
        i.incident_id is not null as incident_known_flag,
        {{ due_date('decision_due', 't.chair_aware_date') }} as decision_due_date,
        {{ timescale_amount('completion_due', 't.decision_date') }} as completion_rule_months
    from typed t
    left join {{ ref('int_incidents') }} i on i.incident_id = t.incident_id
),
derived as (
    select
        w.*,
        case when w.decision = 'scr' then
            coalesce(w.agreed_completion_date, {{ due_date('completion_due', 'w.decision_date') }}) end
            as completion_due_date,
        case when (w.decision is distinct from 'scr') then null
             when w.agreed_completion_date is not null then 'agreed'
             when w.decision_date is not null then 'standard' end as completion_due_basis,
        {{ la_valid_at('w.lscb_la_code', 'coalesce(w.incident_date, w.chair_aware_date)') }} as lscb_la_valid
    from with_incident w
)
select
    d.review_id,
    d.incident_id,
    d.lscb_la_code,
    d.chair_aware_date,
    d.decision_date,
    d.decision,
    d.status,
    d.agreed_completion_date,
    d.completion_date,
    d.author_status,
    d.report_pages,
    d.recommendations,
    d.action_points,
    d.family_contributed,
    d.summary_published_date,
    d.incident_date,
    d.incident_financial_year,
    d.incident_known_flag as incident_known,
    d.decision_due_date,
    case when d.decision_date is not null and d.decision_due_date is not null
         then d.decision_date <= d.decision_due_date end as decision_on_time,
    d.completion_due_date,
    d.completion_due_basis,
    case when d.decision = 'scr' and d.decision_date is not null and d.agreed_completion_date is null
         then d.completion_rule_months end as completion_rule_months,
    case when d.completion_date is not null and d.completion_due_date is not null
         then d.completion_date <= d.completion_due_date end as completed_on_time,
    l.region_code,
    l.region_name,
    l.la_name,
    l.old_la_code,
    d.lscb_la_valid,
    d._source_file,
    d._source_line,
    d._versions,
    d._corrected_columns
from derived d
left join {{ ref('int_las') }} l on l.la_code = d.lscb_la_code
