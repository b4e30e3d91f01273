{{ config(tags=['after_quality']) }}
{#- The correctable feeds and their identifiers (the no-longer-sent, case-twin and versions parts). -#}
{%- set record_feeds = [('notifications', 'notification_id'), ('reviews', 'review_id'),
                        ('evaluations', 'evaluation_id'), ('actions', 'action_id')] %}
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
latest_load as (  -- the content last loaded under each file name (a file sent again under its name replaces it)
    select feed, source_file, arg_max(file_hash, loaded_at) as file_hash, max(loaded_at) as loaded_at
    from {{ source('raw', 'load_log') }}
    where status = 'loaded'
    group by feed, source_file
),
no_longer_sent as (
    -- Records whose current version comes from a file since sent again under the same name without them: they stay
    -- as last sent (nothing is deleted in silence) and are reported.
    {%- for feed, id_col in record_feeds %}
    select '{{ feed }}' as feed, s.{{ id_col }} as record_id, rl.la_code, s._source_file as source_file,
           s._source_line as source_line, '{{ id_col }}' as column_name, 'rejected_row' as problem,
           'no longer in ' || s._source_file || ' as sent again on ' || strftime(l.loaded_at, '%Y-%m-%d')
               || ': the record stays as last sent' as value,
           null as rule, null as other_column, null as other_value
    from {{ ref('stg_' ~ feed) }} s
    join latest_load l on l.feed = '{{ feed }}' and l.source_file = s._source_file and l.file_hash <> s._file_hash
    left join record_la rl on rl.feed = '{{ feed }}' and rl.record_id = s.{{ id_col }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
case_twins as (
    -- Identifiers that differ from an earlier record's only in letter case: two records where the LA probably
    -- meant one (the later is reported; both stay, as sent)
    {%- for feed, id_col in record_feeds %}
    select '{{ feed }}' as feed, s.{{ id_col }} as record_id, rl.la_code, s._source_file as source_file,
           s._source_line as source_line, '{{ id_col }}' as column_name, 'invalid_value' as problem,
           s.{{ id_col }} as value,
           'the same identifier as "' || o.{{ id_col }} || '" (' || o._source_file || ' line ' || o._source_line
               || ') except for letter case: identifiers are compared exactly, so these are two records'
               as rule,
           null as other_column, null as other_value
    from {{ ref('stg_' ~ feed) }} s
    join {{ ref('stg_' ~ feed) }} o
      on lower(o.{{ id_col }}) = lower(s.{{ id_col }}) and o.{{ id_col }} <> s.{{ id_col }}
     and (o._loaded_at, o._source_file, o._source_line) < (s._loaded_at, s._source_file, s._source_line)
    left join record_la rl on rl.feed = '{{ feed }}' and rl.record_id = s.{{ id_col }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
raw_versions as (
    -- Every loaded version of every record (a later one is a resubmission).
    {%- for feed, id_sql in record_feeds + [('corrections', 'correction_id'),
                                            ('population', "la_code || '|' || year")] %}
    select '{{ feed }}' as feed, {{ id_sql }} as record_id, _source_file, _loaded_at from {{ source('raw', feed) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
gx as (
    select feed, record_id, la_code, source_file, source_line, column_name, problem, value, rule, other_column,
           other_value
    from {{ source('quality', 'gx_failures') }}
),
rejected_files as (
    select distinct
        f.feed, null as record_id, null as la_code, f.source_file, cast(null as integer) as source_line,
        null as column_name, 'rejected_file' as problem, f.reason as value, null as rule, null as other_column,
        null as other_value
    from {{ source('raw', 'rejected_files') }} f
    -- fixed when a file of the same name has since been loaded
    where not exists (
        select 1 from {{ source('raw', 'load_log') }} l
        where l.feed = f.feed and l.source_file = f.source_file and l.status = 'loaded' and l.loaded_at > f.loaded_at)
),
untaken_files as (  -- files in the landing folder the ingest does not take, as the folder is now
    select feed, null as record_id, null as la_code, source_file, cast(null as integer) as source_line,
           null as column_name, 'rejected_file' as problem, reason as value, null as rule,
           null as other_column, null as other_value
    from {{ source('raw', 'untaken_files') }}
),
rejected_rows as (
    select distinct
        r.feed, r.record_id, rl.la_code, r.source_file, r.source_line, r.column_name,
        'rejected_row' as problem, r.reason as value, null as rule, null as other_column, null as other_value
    from {{ source('raw', 'rejected_rows') }} r
    left join record_la rl on rl.feed = r.feed and rl.record_id = r.record_id
    -- fixed when a later file resubmits the record
    where r.record_id is null or not exists (
        select 1 from raw_versions v
        where v.feed = r.feed and v.record_id = r.record_id
          and (v._loaded_at > r.loaded_at or (v._loaded_at = r.loaded_at and v._source_file > r.source_file)))
),
rejected_corrections as (
    select
        -- keyed by the record the correction names (its id is in the value), so it sits beside that record's problems
        'corrections' as feed, c.record_id, rl.la_code, c._source_file as source_file,
        c._source_line as source_line, c.column_name, 'rejected_correction' as problem,
        'correction ' || coalesce(c.correction_id, '(no id)') || ': ' || coalesce(c.reason, 'it could not be applied')
            as value,
        null as rule, null as other_column, null as other_value
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
    union all select * from untaken_files
    union all select * from no_longer_sent
    union all select * from case_twins
    union all select * from rejected_rows
    union all select * from rejected_corrections
),
allowed as (  -- what a column accepts, in words, from the landing-column and code-list seeds
    select lc.feed, lc.column_name,
           case when lc.kind = 'code' then 'allowed values: ' || (
                    select string_agg(c.code, ', ' order by c.sort_order) from {{ ref('code_lists') }} c
                    where c.code_list = lc.code_list)
                when lc.kind = 'int' and lc.min_value is not null and lc.max_value is not null
                    then 'a whole number from ' || lc.min_value || ' to ' || lc.max_value
                when lc.kind = 'int' and lc.min_value is not null
                    then 'a whole number of at least ' || lc.min_value
                when lc.kind = 'int' then 'a whole number'
                when lc.kind = 'la_code' then 'the ONS code of an English local authority valid on the date of '
                    || 'the incident (E06..., E08..., E09..., E10...)'
                when lc.kind = 'date' then 'a real date written YYYY-MM-DD or DD/MM/YYYY'
                when lc.is_identifier = 'Y' then 'an identifier used once in its feed'
           end as accepts
    from {{ ref('landing_columns') }} lc
),
worded as (
    select q.*, l.la_name,
           case q.problem
             when 'missing_required' then coalesce(q.column_name, 'A required value') || ' is empty'
                 || coalesce(' (' || nullif(q.rule, 'a required value is empty') || ')', '')
                 || ' but is required' || coalesce(': ' || a.accepts, '')
                 || '. Fill it in and send the record again, or correct the value in the explorer'
                 || ' (Correct on this row).'
             when 'invalid_value' then '"' || coalesce(q.value, '') || '" is not allowed in ' || q.column_name
                 || ': ' || case when q.rule like 'the same identifier%' or q.rule like 'a date from%' then q.rule
                                 when q.rule = 'identifiers are unique within their feed'
                                     then 'identifiers must be unique within their feed'
                                 else coalesce(a.accepts, q.rule, 'a valid value') end
                 || '. Send the record again with a correct value, or correct the value in the explorer'
                 || ' (Correct on this row).'
             when 'invalid_date' then '"' || coalesce(q.value, '') || '" in ' || q.column_name
                 || ' is not a real date: write dates as YYYY-MM-DD or DD/MM/YYYY (for example 2009-04-01).'
             when 'date_order' then q.column_name || ' ' || coalesce(q.value, '') || ' is before '
                 || coalesce(q.other_column, 'the earlier date') || ' ' || coalesce(q.other_value, '')
                 || ': ' || coalesce(q.rule, 'the dates are in an impossible order')
                 || '. Check both dates and send the record again, or correct the value in the explorer'
                 || ' (Correct on this row).'
             when 'unknown_reference' then '"' || coalesce(q.value, '') || '" in ' || q.column_name
                 || ' is not ' || coalesce(a.accepts, replace(coalesce(q.rule, 'a known record'), '_', ' '))
                 || '. Check the code or identifier against the records already sent.'
             when 'rejected_file' then 'The whole file was not loaded: ' || coalesce(q.value, 'it could not be read')
                 || '. Fix it and send it again.'
             when 'rejected_row' then case when q.value like 'no longer in %'
                 then 'This record is ' || q.value || '. Send it again if it should stay.'
                 else 'This row was not loaded: ' || coalesce(q.value, 'it could not be read')
                      || '. Send the record again in a later file with one row per identifier.' end
             when 'rejected_correction' then 'This correction was not applied: '
                 || coalesce(q.value, 'it could not be applied') || '. Send a new correction with the reason fixed.'
           end as message
    from queue q
    left join {{ ref('int_las') }} l on l.la_code = q.la_code
    left join allowed a on a.feed = q.feed and a.column_name = q.column_name
)
select
    cast(feed as varchar) as feed,
    cast(record_id as varchar) as record_id,
    cast(la_code as varchar) as la_code,
    cast(la_name as varchar) as la_name,
    cast(source_file as varchar) as source_file,
    cast(source_line as integer) as source_line,
    cast(column_name as varchar) as column_name,
    cast(problem as varchar) as problem,
    cast(value as varchar) as value,
    cast(message as varchar) as message
from worded
