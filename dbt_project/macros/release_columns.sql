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

{#- Counting at the three geographic levels of a release: England, each region, each LA, in one aggregation.
    `dims` are the filter columns every level is grouped by. -#}
{% macro geography_grouping_sets(dims, year='f.financial_year', region='l.region_code', la='f.la_code') -%}
    {%- set rest = (', ' ~ dims | join(', ')) if dims else '' -%}
    grouping sets (({{ year }}{{ rest }}), ({{ year }}, {{ region }}{{ rest }}), ({{ year }}, {{ region }}, {{ la }}{{ rest }}))
{%- endmacro %}

{#- The geographic_level of a row of geography_grouping_sets. -#}
{% macro geographic_level_of_grouping(region='l.region_code', la='f.la_code') -%}
    case when grouping({{ region }}) = 1 then 'National'
         when grouping({{ la }}) = 1 then 'Regional' else 'Local authority' end
{%- endmacro %}

{#- Join condition from a counts relation (financial_year, geographic_level, region_code, la_code) to its row of
    the geography spine. -#}
{% macro on_spine_row(counts='n', spine='g') -%}
    {{ counts }}.financial_year = {{ spine }}.financial_year and {{ counts }}.geographic_level = {{ spine }}.geographic_level
     and {{ counts }}.region_code is not distinct from {{ spine }}.region_code
     and {{ counts }}.la_code is not distinct from {{ spine }}.new_la_code
{%- endmacro %}
