-- Current version of each actions record (raw.actions, latest by _source_file, _source_line), text values, lineage.
{{ stg_current('actions', ['action_id']) }}
