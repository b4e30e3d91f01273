{#- The primary key of a model whose key is several columns: no two rows share the values of `columns`. NULL is a
    value here, as in the published files: a release row's region_code and new_la_code are NULL (empty) above the
    level they apply to, so National, a region and an LA are three keys. The columns that are never NULL have their
    own not_null tests; with them this is dbt's unique + not_null for a one-column key. -#}
{% test primary_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_with_this_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
