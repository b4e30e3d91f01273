{#- Parsing and validation of landing text values. The typed intermediate models AND the correction validation
    (int_corrections) use these same macros, so a value is valid in one place iff it is valid in the other. -#}

{#- A landing date: ISO YYYY-MM-DD or DD/MM/YYYY (data contract section 1). Anything else, and impossible dates
    such as 2009-02-30, give NULL. -#}
{% macro parse_date(expr) -%}
(case
    when regexp_full_match({{ expr }}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') then try_strptime({{ expr }}, '%Y-%m-%d')::date
    when regexp_full_match({{ expr }}, '[0-9]{2}/[0-9]{2}/[0-9]{4}') then try_strptime({{ expr }}, '%d/%m/%Y')::date
 end)
{%- endmacro %}

{#- A date or timestamp (corrections.corrected_at): ISO timestamp, ISO date or DD/MM/YYYY; NULL otherwise. -#}
{% macro parse_timestamp(expr) -%}
(case
    when regexp_full_match({{ expr }}, '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?')
        then try_cast({{ expr }} as timestamp)
    else {{ parse_date(expr) }}::timestamp
 end)
{%- endmacro %}

{#- A whole number in [min_value, max_value] (either bound may be NULL = open); NULL otherwise.
    min_sql / max_sql are SQL expressions (typically columns or subqueries on landing_columns). -#}
{% macro parse_int_in_range(expr, min_sql='null', max_sql='null') -%}
(case
    when regexp_full_match({{ expr }}, '[+-]?[0-9]{1,9}')
     and ({{ min_sql }} is null or try_cast({{ expr }} as integer) >= {{ min_sql }})
     and ({{ max_sql }} is null or try_cast({{ expr }} as integer) <= {{ max_sql }})
    then try_cast({{ expr }} as integer)
 end)
{%- endmacro %}

{#- The bounds of an int landing column, read from seeds/policy/landing_columns.csv. -#}
{% macro landing_min(feed, column) -%}
(select lc.min_value from {{ ref('landing_columns') }} lc where lc.feed = '{{ feed }}' and lc.column_name = '{{ column }}')
{%- endmacro %}
{% macro landing_max(feed, column) -%}
(select lc.max_value from {{ ref('landing_columns') }} lc where lc.feed = '{{ feed }}' and lc.column_name = '{{ column }}')
{%- endmacro %}

{#- Callers must pass qualified column references (the subqueries have their own columns); by default the
    typed_* macros read column `src.<column>`, so the typed models select `from ... src`. -#}

{#- Typed int column of a feed: whole number within the range landing_columns gives it, else NULL. -#}
{% macro typed_int(feed, column, expr=none) -%}
{{ parse_int_in_range(expr or ('src.' ~ column), landing_min(feed, column), landing_max(feed, column)) }}
{%- endmacro %}

{#- TRUE when value is a code of the code list code_list_sql (an SQL expression giving the list name). -#}
{% macro is_code_in_list(expr, code_list_sql) -%}
(exists (select 1 from {{ ref('code_lists') }} cl where cl.code_list = {{ code_list_sql }} and cl.code = {{ expr }}))
{%- endmacro %}

{#- Typed code column of a feed: the landing code when it is in the column's code list (landing_columns.code_list
    joined to code_lists), else NULL. -#}
{#- The codes are an uncorrelated IN list, not a correlated EXISTS: DuckDB then probes one small hash table instead of
    materialising every row once per code column (int_notifications at 1.8 M landing rows: 1.5 s -> 1.1 s). -#}
{% macro typed_code(feed, column, expr=none) -%}
(case when {{ expr or ('src.' ~ column) }} in (
        select cl.code from {{ ref('code_lists') }} cl
        join {{ ref('landing_columns') }} lc on lc.code_list = cl.code_list
        where lc.feed = '{{ feed }}' and lc.column_name = '{{ column }}')
      then {{ expr or ('src.' ~ column) }} end)
{%- endmacro %}

{#- TRUE when the text is an English LA code (any date) in reference.ref_las (joint ' / ' rows and 'z' excluded,
    see int_las). -#}
{% macro is_english_la_code(expr) -%}
(coalesce({{ expr }} in (select l.la_code from {{ ref('int_las') }} l), false))
{%- endmacro %}

{#- TRUE when the code is an English LA code valid at the date (int_las.valid_from/valid_to; NULL valid_from means
    "in force when ONS codes began", so valid for earlier dates too). FALSE when either is NULL/unknown. -#}
{% macro la_valid_at(code_expr, date_expr) -%}
coalesce((exists (
    select 1 from {{ ref('int_las') }} l
    where l.la_code = {{ code_expr }}
      and (l.valid_from is null or {{ date_expr }} >= l.valid_from)
      and (l.valid_to is null or {{ date_expr }} <= l.valid_to))) and {{ date_expr }} is not null, false)
{%- endmacro %}

{#- Is a landing text value valid for a column of the given kind? kind_sql, code_list_sql, min_sql, max_sql are SQL
    expressions (columns of landing_columns in int_corrections). NULL/empty values are handled by the caller. -#}
{% macro value_valid_for_kind(expr, kind_sql, code_list_sql, min_sql, max_sql) -%}
(case {{ kind_sql }}
    when 'date' then {{ parse_date(expr) }} is not null
    when 'timestamp' then {{ parse_timestamp(expr) }} is not null
    when 'int' then {{ parse_int_in_range(expr, min_sql, max_sql) }} is not null
    when 'code' then {{ is_code_in_list(expr, code_list_sql) }}
    when 'la_code' then {{ is_english_la_code(expr) }}
    else {{ expr }} is not null
 end)
{%- endmacro %}
