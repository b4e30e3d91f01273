-- Current version of each evaluations record (raw.evaluations, latest by _source_file, _source_line), text values, lineage.
{{ stg_current('evaluations', ['evaluation_id']) }}
