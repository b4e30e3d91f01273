{{ config(tags=['after_quality']) }}
-- The stewards' queue (contract section 3): every open data problem, one row per problem, with the file and line
-- it came from. GX failures on the current corrected records (so a resubmission or correction that fixes a value
-- removes it), plus rejected files, rejected rows and rejected corrections.
with record_la as (
    -- The LA a record belongs to (as submitted): notifying LA, lead LSCB, or the evaluated/actioned review's LSCB.
    select 'notifications' as feed, notification_id as record_id, la_code from {{ ref('int_notifications_corrected') }}
    union all
    select 'reviews', review_id, lscb_la_code from {{ ref('int_reviews_corrected') }}
    union all
    select 'evaluations', e.evaluation_id, r.lscb_la_code
    from {{ ref('int_evaluations_corrected') }} e left join {{ ref('int_reviews_corrected') }} r using (review_id)
    union all
    select 'actions', a.action_id, r.lscb_la_code
    from {{ ref('int_actions_corrected') }} a left join {{ ref('int_reviews_corrected') }} r using (review_id)
),
raw_versions as (
    -- Every loaded version of every record (a later one is a resubmission).
    {%- for feed, id_sql in [('notifications', 'notification_id'), ('reviews', 'review_id'),
                             ('evaluations', 'evaluation_id'), ('actions', 'action_id'),
                             ('corrections', 'correction_id'), ('population', "la_code || '|' || year")] %}
    select '{{ feed }}' as feed, {{ id_sql }} as record_id, _source_file from {{ source('raw', feed) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
gx as (
    select feed, record_id, la_code, source_file, source_line, column_name, problem, value
    from {{ source('quality', 'gx_failures') }}
),
rejected_files as (
    select distinct
        f.feed, null as record_id, null as la_code, f.source_file, cast(null as integer) as source_line,
        null as column_name, 'rejected_file' as problem, f.reason as value
    from {{ source('raw', 'rejected_files') }} f
    -- fixed when a file of the same name has since been loaded
    where not exists (
        select 1 from {{ source('raw', 'load_log') }} l
        where l.feed = f.feed and l.source_file = f.source_file and l.status = 'loaded' and l.loaded_at > f.loaded_at)
),
rejected_rows as (
    select distinct
        r.feed, r.record_id, rl.la_code, r.source_file, r.source_line, r.column_name,
        'rejected_row' as problem, r.reason as value
    from {{ source('raw', 'rejected_rows') }} r
    left join record_la rl on rl.feed = r.feed and rl.record_id = r.record_id
    -- fixed when a later file resubmits the record
    where r.record_id is null or not exists (
        select 1 from raw_versions v
        where v.feed = r.feed and v.record_id = r.record_id and v._source_file > r.source_file)
),
rejected_corrections as (
    select
        'corrections' as feed, c.correction_id as record_id, rl.la_code, c._source_file as source_file,
        c._source_line as source_line, c.column_name, 'rejected_correction' as problem, c.reason as value
    from {{ ref('int_corrections') }} c
    left join record_la rl on rl.feed = c.feed and rl.record_id = c.record_id
    where c.status = 'rejected'
      -- fixed when a later correction of the same value was applied
      and not exists (
        select 1 from {{ ref('int_corrections') }} a
        where a.status = 'applied' and a.feed = c.feed and a.record_id = c.record_id
          and a.column_name = c.column_name and a.corrected_at_ts >= c.corrected_at_ts)
),
queue as (
    select * from gx
    union all select * from rejected_files
    union all select * from rejected_rows
    union all select * from rejected_corrections
)
select
    cast(feed as varchar) as feed,
    cast(record_id as varchar) as record_id,
    cast(la_code as varchar) as la_code,
    cast(source_file as varchar) as source_file,
    cast(source_line as integer) as source_line,
    cast(column_name as varchar) as column_name,
    cast(problem as varchar) as problem,
    cast(value as varchar) as value
from queue
