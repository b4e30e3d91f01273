-- Current version of each notifications record (raw.notifications, latest by _source_file, _source_line), text values, lineage.
{{ stg_current('notifications', ['notification_id']) }}
