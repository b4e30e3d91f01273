-- Child population by LA and mid-year (current version), typed: invalid -> NULL, never dropped.
-- year 2009 (mid-2009) is used for financial year 200910.
select
    case when {{ is_english_la_code('src.la_code') }} then src.la_code end as la_code,
    {{ typed_int('population', 'year') }} as year,
    ({{ typed_int('population', 'year') }} * 100 + ({{ typed_int('population', 'year') }} + 1) % 100)::integer
        as financial_year,
    {{ typed_int('population', 'population_0_17') }} as population_0_17,
    source,
    la_code as la_code_reported,
    _source_file,
    _source_line,
    _versions
from {{ ref('stg_population') }} src
