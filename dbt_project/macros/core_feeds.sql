{#- Staging and corrections helpers shared by the feed models. -#}

{#- Current version of each record of a raw feed: the last by (_loaded_at, _source_file, _source_line) per
    identifier (docs/architecture.md, raw layer: the files of one load supersede in name order, a later load
    supersedes an earlier one, so a file sent again under its name is a new submission), with `_versions` = how
    many versions the record has. -#}
{% macro stg_current(feed, id_columns) -%}
with versions as (
    select
        r.*,
        row_number() over (partition by {{ id_columns | join(', ') }}
                           order by r._loaded_at desc, r._source_file desc, r._source_line desc) as _version_rank,
        count(*) over (partition by {{ id_columns | join(', ') }}) as _versions
    from {{ source('raw', feed) }} r
    where {% for c in id_columns %}r.{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
)
select * exclude (_version_rank)
from versions
where _version_rank = 1
{%- endmacro %}

{#- Column names of a feed from the landing_columns seed where a seed column is 'Y' (correctable, required), read at
    run time (empty while parsing). -#}
{% macro landing_columns_where(feed, flag) -%}
    {%- set rel = ref('landing_columns') -%}
    {%- if execute -%}
        {%- set res = run_query("select column_name from " ~ rel ~ " where feed = '" ~ feed ~ "' and " ~ flag ~ " = 'Y' order by ordinal") -%}
        {{ return(res.columns[0].values() | list) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{%- endmacro %}

{% macro correctable_columns(feed) -%}
    {{ return(landing_columns_where(feed, 'correctable')) }}
{%- endmacro %}

{#- stg_<feed> with the applied corrections of int_corrections on top (text), plus `_corrected_columns`
    (comma-separated names of corrected columns, NULL when none). A correction that clears a value sets NULL. -#}
{% macro apply_corrections(feed, id_column) -%}
{%- set cols = correctable_columns(feed) -%}
with applied as (
    select record_id, column_name, new_value
    from {{ ref('int_corrections') }}
    where feed = '{{ feed }}' and status = 'applied'
),
per_record as (
    select
        record_id,
        string_agg(column_name, ',' order by column_name) as _corrected_columns
        {%- for c in cols %},
        bool_or(column_name = '{{ c }}') as has__{{ c }},
        max(case when column_name = '{{ c }}' then new_value end) as new__{{ c }}
        {%- endfor %}
    from applied
    group by record_id
)
select
    s.*{% if cols %} replace (
        {%- for c in cols %}
        case when p.has__{{ c }} then p.new__{{ c }} else s.{{ c }} end as {{ c }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    ){% endif %},
    p._corrected_columns
from {{ ref('stg_' ~ feed) }} s
left join per_record p on p.record_id = s.{{ id_column }}
{%- endmacro %}
