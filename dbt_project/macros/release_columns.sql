{#- The columns every explore-education-statistics data file starts with (contract section 2), for a relation
    with financial_year, geographic_level and the geography spine's columns. time_identifier, country_code and
    country_name come from the publication settings seed, so they live once. -#}
{% macro release_geography_columns() -%}
    financial_year::integer as time_period,
    {{ publication_setting('time_identifier') }} as time_identifier,
    geographic_level,
    {{ publication_setting('country_code') }} as country_code,
    {{ publication_setting('country_name') }} as country_name,
    region_code,
    region_name,
    new_la_code,
    old_la_code,
    la_name
{%- endmacro %}

{% macro publication_setting(name) -%}
    (select value from {{ ref('publication_settings') }} where setting = '{{ name }}')
{%- endmacro %}
