-- stg_notifications with the stewards' applied corrections (int_corrections, status applied) on top; text values.
{{ apply_corrections('notifications', 'notification_id') }}
