-- Current version of each record of raw.notifications: the last by (_loaded_at, _source_file, _source_line)
-- per identifier (macro stg_current), text values, lineage.
{{ stg_current('notifications', ['notification_id']) }}
