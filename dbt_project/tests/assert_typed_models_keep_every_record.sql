-- Typing never drops a record: every current record of each feed (staging) is in its typed intermediate model once.
{%- set pairs = [('notifications', 'notification_id'), ('reviews', 'review_id'), ('evaluations', 'evaluation_id'),
                 ('actions', 'action_id')] %}
{%- for feed, id_col in pairs %}
select '{{ feed }}' as feed, s.{{ id_col }} as record_id, count(t.{{ id_col }}) as rows_in_typed
from {{ ref('stg_' ~ feed) }} s
left join {{ ref('int_' ~ feed) }} t on t.{{ id_col }} = s.{{ id_col }}
group by s.{{ id_col }}
having count(t.{{ id_col }}) <> 1
union all
{%- endfor %}
select 'population' as feed, s.la_code || '|' || s.year as record_id, count(t._source_file) as rows_in_typed
from {{ ref('stg_population') }} s
left join {{ ref('int_population') }} t on t._source_file = s._source_file and t._source_line = s._source_line
group by s.la_code, s.year
having count(t._source_file) <> 1
