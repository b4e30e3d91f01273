-- Current version of each corrections record (raw.corrections, latest by _source_file, _source_line), text values, lineage.
{{ stg_current('corrections', ['correction_id']) }}
