-- One row per current notification (child), corrected, typed and decoded: invalid or missing -> NULL, never dropped.
with src as (
    select * from {{ ref('int_notifications_corrected') }}
),
typed as (
    select
        notification_id,
        incident_id,
        case when {{ is_english_la_code('src.la_code') }} then src.la_code end as la_code,
        {{ parse_date('src.incident_date') }} as incident_date,
        {{ parse_date('src.la_aware_date') }} as la_aware_date_reported,
        {{ parse_date('src.notified_date') }} as notified_date,
        {{ typed_code('notifications', 'incident_type') }} as incident_type,
        {{ typed_code('notifications', 'suicide') }} as suicide,
        {{ typed_code('notifications', 'harm_category') }} as harm_category,
        {{ typed_code('notifications', 'child_sex') }} as child_sex,
        {{ typed_int('notifications', 'child_age_months') }} as child_age_months,
        {{ typed_code('notifications', 'child_ethnicity') }} as child_ethnicity,
        {{ typed_code('notifications', 'parent_ethnicity') }} as parent_ethnicity,
        {{ typed_code('notifications', 'disability') }} as disability,
        {{ typed_code('notifications', 'known_to_csc') }} as known_to_csc,
        {{ typed_code('notifications', 'cin_status') }} as cin_status,
        {{ typed_code('notifications', 'cp_plan') }} as cp_plan,
        {{ typed_code('notifications', 'legal_status') }} as legal_status,
        _source_file,
        _source_line,
        _versions,
        _corrected_columns
    from src src
),
derived as (
    select
        t.*,
        coalesce(t.la_aware_date_reported, t.incident_date) as la_aware_date,
        t.la_aware_date_reported is null and t.incident_date is not null as la_aware_date_imputed,
        {{ financial_year('t.incident_date') }} as financial_year,
        {{ la_valid_at('t.la_code', 't.incident_date') }} as la_valid
    from typed t
),
due as (
    select
        dv.*,
        {{ due_date('notification_due', 'dv.la_aware_date') }} as notification_due_date
    from derived dv
)
select
    d.notification_id,
    d.incident_id,
    d.la_code,
    d.incident_date,
    d.la_aware_date,
    d.notified_date,
    d.incident_type,
    d.suicide,
    d.harm_category,
    d.child_sex,
    d.child_age_months,
    d.child_ethnicity,
    d.parent_ethnicity,
    d.disability,
    d.known_to_csc,
    d.cin_status,
    d.cp_plan,
    d.legal_status,
    d.financial_year,
    d.la_valid,
    l.region_code,
    l.region_name,
    l.la_name,
    l.old_la_code,
    d.notification_due_date,
    case when d.notified_date is not null and d.notification_due_date is not null
         then d.notified_date <= d.notification_due_date end as notified_on_time,
    d.incident_date is not null and d.la_valid and {{ in_date_window("d.incident_date") }} as in_statistics,
    d.la_aware_date_reported,
    d.la_aware_date_imputed,
    d._source_file,
    d._source_line,
    d._versions,
    d._corrected_columns
from due d
left join {{ ref('int_las') }} l on l.la_code = d.la_code
