-- One row per incident_id (children harmed in the same incident share it), from int_notifications.
-- The incident's LA is the notifying LA of its earliest child (incident_date, then notification_id).
with ordered as (
    select
        *,
        row_number() over (partition by incident_id
                           order by incident_date nulls last, notification_id) as child_order
    from {{ ref('int_notifications') }}
    where incident_id is not null
),
agg as (
    select
        incident_id,
        count(*)::integer as children,
        count(*) filter (where incident_type = 'death')::integer as deaths,
        count(*) filter (where incident_type = 'serious_injury')::integer as serious_injuries,
        min(incident_date) as incident_date,
        min(la_aware_date) as la_aware_date,
        min(notified_date) as notified_date
    from ordered
    group by incident_id
),
first_child as (
    select * from ordered where child_order = 1
),
joined as (
    select
        a.incident_id,
        f.la_code,
        a.incident_date,
        {{ financial_year('a.incident_date') }} as financial_year,
        f.region_code,
        f.region_name,
        f.la_name,
        f.old_la_code,
        a.children,
        a.deaths,
        a.serious_injuries,
        case when a.deaths > 0 then 'death'
             when a.serious_injuries > 0 then 'serious_injury' end as incident_type,
        {{ la_valid_at('f.la_code', 'a.incident_date') }} as la_valid,
        a.la_aware_date,
        a.notified_date
    from agg a
    join first_child f on f.incident_id = a.incident_id
),
with_due as (
select
    j.incident_id,
    j.la_code,
    j.incident_date,
    j.financial_year,
    j.region_code,
    j.region_name,
    j.la_name,
    j.old_la_code,
    j.children,
    j.deaths,
    j.serious_injuries,
    j.incident_type,
    j.incident_date is not null and j.la_valid and {{ in_date_window("j.incident_date") }} as in_statistics,
    j.la_valid,
    j.la_aware_date,
    j.notified_date,
    {{ due_date('notification_due', 'j.la_aware_date') }} as notification_due_date
from joined j
)
select
    *,
    case when notified_date is not null and notification_due_date is not null
         then notified_date <= notification_due_date end as notified_on_time
from with_due
