-- Every current correction (stg_corrections) validated against the record it names (contract 1.6).
-- A correction is re-validated like a landing value with the same macros the typed models use; it is either applied
-- whole or rejected with its reason (never half-applied). Of several valid corrections of the same record and column,
-- the latest (corrected_at, then correction_id) is applied and the others are superseded.
with current_records as (
    {%- for feed, id_col in [('notifications', 'notification_id'), ('reviews', 'review_id'),
                             ('evaluations', 'evaluation_id'), ('actions', 'action_id')] %}
    {#- the current version (stg_<feed>) of only the records a correction names: the filter is on the identifier
        stg_current partitions by, so DuckDB applies it before the window and the ranks are unchanged #}
    select '{{ feed }}' as feed, s.{{ id_col }} as record_id, to_json(s) as record_json
    from {{ ref('stg_' ~ feed) }} s
    where s.{{ id_col }} in (select record_id from {{ ref('stg_corrections') }} where feed = '{{ feed }}')
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
corrections as (
    select
        c.*,
        {{ parse_timestamp('c.corrected_at') }} as corrected_at_ts
    from {{ ref('stg_corrections') }} c
),
checked as (
    select
        c.correction_id,
        c.feed,
        c.record_id,
        c.column_name,
        c.new_value,
        c.reason as steward_reason,
        c.steward,
        c.corrected_at,
        c.corrected_at_ts,
        lc.kind as column_kind,
        case when r.record_id is not null and lc.column_name is not null
             then json_extract_string(r.record_json, '$."' || c.column_name || '"') end as old_value,
        case
            when c.feed is null then 'feed is missing'
            when not {{ is_code_in_list('c.feed', "'correctable_feed'") }}
                then 'unknown feed (must be notifications, reviews, evaluations or actions)'
            when c.record_id is null then 'record_id is missing'
            when c.column_name is null then 'column_name is missing'
            when c.reason is null then 'reason is missing'
            when c.steward is null then 'steward is missing'
            when c.corrected_at is null then 'corrected_at is missing'
            when c.corrected_at_ts is null then 'corrected_at is not a date or timestamp'
            when r.record_id is null then 'unknown record: no current ' || c.feed || ' record with this identifier'
            when lc.column_name is null then 'unknown column: ' || c.feed || ' has no column ' || c.column_name
            when lc.correctable <> 'Y' then 'column ' || c.column_name || ' cannot be corrected (identifier)'
            when c.new_value is null and lc.required = 'Y'
                then 'cannot clear ' || c.column_name || ': it is a required column'
            when c.new_value is null then null
            when not {{ value_valid_for_kind('c.new_value', 'lc.kind', 'lc.code_list', 'lc.min_value',
                                             'lc.max_value') }}
                then 'invalid value for ' || c.column_name || ': ' || case lc.kind
                    when 'date' then 'not a real date in YYYY-MM-DD or DD/MM/YYYY'
                    when 'timestamp' then 'not a date or timestamp'
                    when 'int' then 'not a whole number'
                        || case when lc.min_value is not null or lc.max_value is not null
                             then ' in ' || coalesce(lc.min_value::varchar, '') || '..'
                                 || coalesce(lc.max_value::varchar, '')
                             else '' end
                    when 'code' then 'not a code of list ' || lc.code_list
                    when 'la_code' then 'not an English local authority code'
                    else 'empty' end
        end as rejection_reason,
        c._source_file,
        c._source_line,
        c._versions
    from corrections c
    left join current_records r on r.feed = c.feed and r.record_id = c.record_id
    left join {{ ref('landing_columns') }} lc on lc.feed = c.feed and lc.column_name = c.column_name
),
ranked as (
    select
        *,
        case when rejection_reason is null then
            row_number() over (partition by feed, record_id, column_name, (rejection_reason is null)
                               order by corrected_at_ts desc, correction_id desc) end as valid_rank,
        case when rejection_reason is null then
            first_value(correction_id) over (partition by feed, record_id, column_name, (rejection_reason is null)
                                             order by corrected_at_ts desc, correction_id desc) end as winner_id
    from checked
)
select
    correction_id,
    feed,
    record_id,
    column_name,
    column_kind,
    old_value,
    new_value,
    steward,
    steward_reason,
    corrected_at,
    corrected_at_ts,
    case when rejection_reason is not null then 'rejected'
         when valid_rank = 1 then 'applied'
         else 'superseded' end as status,
    case when rejection_reason is not null then rejection_reason
         when valid_rank = 1 then null
         else 'superseded by later correction ' || winner_id end as reason,
    _source_file,
    _source_line,
    _versions
from ranked
