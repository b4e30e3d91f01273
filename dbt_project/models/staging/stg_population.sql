-- Current version of each population record (raw.population, latest by _source_file, _source_line), text values, lineage.
{{ stg_current('population', ['la_code', 'year']) }}
