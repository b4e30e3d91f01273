-- stg_actions with the stewards' applied corrections (int_corrections, status applied) on top; text values.
{{ apply_corrections('actions', 'action_id') }}
