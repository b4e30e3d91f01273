-- Current version of each record of raw.population: the last by (_loaded_at, _source_file, _source_line)
-- per identifier (macro stg_current), text values, lineage.
{{ stg_current('population', ['la_code', 'year']) }}
