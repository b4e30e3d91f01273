{#- Date arithmetic used by the intermediate models. Rules (amounts) come from seeds/policy/timescale_rules.csv. -#}

{#- Financial year as six digits: 200910 = 1 April 2009 to 31 March 2010. NULL for a NULL date. -#}
{% macro financial_year(date_expr) -%}
(case when {{ date_expr }} is null then null
      when month({{ date_expr }}) >= 4 then year({{ date_expr }}) * 100 + (year({{ date_expr }}) + 1) % 100
      else (year({{ date_expr }}) - 1) * 100 + year({{ date_expr }}) % 100 end)::integer
{%- endmacro %}

{#- Calendar-month arithmetic: same day n months later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb). -#}
{% macro add_months(date_expr, months_sql) -%}
(({{ date_expr }}) + to_months(({{ months_sql }})::integer))::date
{%- endmacro %}

{#- The due date of a working-day rule: the n-th working day after a date, n the rule's amount on that date
    (weekends and England and Wales bank holidays are not working days), using int_calendar (2000-2030; NULL outside
    it). From a non-working day the count starts at the next working day. Written as joins inside one subquery
    correlated on the date alone, so DuckDB looks up each distinct date once (a calendar index nested in the filter
    made it join every distinct date with every working day: 29 M rows at 1.8 M landing rows). -#}
{% macro add_working_days(rule, date_expr) -%}
(select min(c2.date_day)
   from {{ ref('int_calendar') }} c1
   join {{ ref('timescale_rules') }} tr on tr.rule = '{{ rule }}' and {{ rule_applies_on('tr', 'c1.date_day') }}
   join {{ ref('int_calendar') }} c2 on c2.is_working_day and c2.working_day_index = c1.working_day_index + tr.amount
  where c1.date_day = {{ date_expr }})
{%- endmacro %}

{#- The amount of a timescale rule that applies on a date (timescale_rules.applies_from/applies_to; empty = open). -#}
{% macro timescale_amount(rule, date_expr) -%}
(select tr.amount from {{ ref('timescale_rules') }} tr
  where tr.rule = '{{ rule }}' and {{ rule_applies_on('tr', date_expr) }})
{%- endmacro %}

{#- TRUE when the timescale_rules row `tr` applies on the date (applies_from/applies_to; empty = open). -#}
{% macro rule_applies_on(tr, date_expr) -%}
(({{ tr }}.applies_from is null or {{ date_expr }} >= {{ tr }}.applies_from)
 and ({{ tr }}.applies_to is null or {{ date_expr }} <= {{ tr }}.applies_to))
{%- endmacro %}

{#- Due date of a rule measured from a date, in the rule's unit (calendar_month or working_day). The unit is read
    from the timescale_rules seed when the model runs, so only that branch is computed; while parsing (no
    warehouse) both branches are emitted. -#}
{% macro due_date(rule, date_expr) -%}
{%- set unit = rule_unit(rule) -%}
{%- if unit == 'working_day' -%}
{{ add_working_days(rule, date_expr) }}
{%- elif unit == 'calendar_month' -%}
{{ add_months(date_expr, timescale_amount(rule, date_expr)) }}
{%- else -%}
(case (select max(tr.unit) from {{ ref('timescale_rules') }} tr where tr.rule = '{{ rule }}')
    when 'working_day' then {{ add_working_days(rule, date_expr) }}
    when 'calendar_month' then {{ add_months(date_expr, timescale_amount(rule, date_expr)) }}
 end)
{%- endif -%}
{%- endmacro %}

{#- The unit of a timescale rule (one unit per rule), from the seed at run time; none while parsing. -#}
{% macro rule_unit(rule) -%}
    {%- set rel = ref('timescale_rules') -%}
    {%- if execute -%}
        {%- set res = run_query("select max(unit) from " ~ rel ~ " where rule = '" ~ rule ~ "'") -%}
        {{ return(res.columns[0].values()[0]) }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}

{#- The as-of date (var as_of) that "overdue" and "in progress" are judged at. -#}
{% macro as_of_date() -%}
cast('{{ var("as_of") }}' as date)
{%- endmacro %}

{#- True when an event date lies in the plausible window: on or after publication_settings.earliest_plausible_date
    and on or before the as-of date (records dated later stay out of that release's figures). -#}
{% macro in_date_window(date_expr) -%}
({{ date_expr }} >= cast((select value from {{ ref('publication_settings') }}
                          where setting = 'earliest_plausible_date') as date)
 and {{ date_expr }} <= {{ as_of_date() }})
{%- endmacro %}
