{{ config(tags=['after_quality']) }}
-- The stewards' scoreboard: completeness and timeliness of each LA's notifications, by financial year and quarter of
-- the incident date. required_values / required_present: the required landing columns (seeds/policy/
-- landing_columns.csv) of its current corrected notifications, and how many are filled in; problems_open: rows of the
-- stewards' queue on those notifications; median_days_to_notify: calendar days from la_aware_date (incident_date when
-- missing) to notified_date; notified_on_time_percent: notified within the notification_due timescale rule.
{%- set required = landing_columns_where('notifications', 'required') %}
with n as (
    select
        c.notification_id,
        c.la_code,
        t.incident_date,
        t.la_aware_date,
        t.notified_date,
        t.notified_on_time,
        {{ required | length }} as required_values,
        0{% for col in required %} + (c.{{ col }} is not null)::integer{% endfor %} as required_present
    from {{ ref('int_notifications_corrected') }} c
    left join {{ ref('int_notifications') }} t on t.notification_id = c.notification_id
),
problems as (
    select record_id as notification_id, count(*) as problems_open
    from {{ ref('steward_queue') }}
    where feed = 'notifications'
    group by record_id
),
per_record as (
    select
        n.*,
        {{ financial_year('n.incident_date') }} as financial_year,
        case when n.incident_date is null then null
             else ((month(n.incident_date) + 8) % 12) // 3 + 1 end as financial_quarter,
        coalesce(q.problems_open, 0) as problems_open,
        n.notified_date - n.la_aware_date as days_to_notify
    from n
    left join problems q using (notification_id)
)
select
    cast(r.la_code as varchar) as la_code,
    cast(l.la_name as varchar) as la_name,
    cast(r.financial_year as integer) as financial_year,
    cast(r.financial_quarter as integer) as financial_quarter,
    cast(count(*) as integer) as notifications,
    cast(sum(r.required_values) as integer) as required_values,
    cast(sum(r.required_present) as integer) as required_present,
    round(100.0 * sum(r.required_present) / nullif(sum(r.required_values), 0), 1) as required_present_percent,
    cast(sum(r.problems_open) as integer) as problems_open,
    cast(count(*) filter (where r.problems_open > 0) as integer) as notifications_with_problems,
    median(r.days_to_notify) as median_days_to_notify,
    round(100.0 * count(*) filter (where r.notified_on_time)
          / nullif(count(*) filter (where r.notified_on_time is not null), 0), 1) as notified_on_time_percent
from per_record r
left join {{ ref('int_las') }} l on l.la_code = r.la_code
group by all
