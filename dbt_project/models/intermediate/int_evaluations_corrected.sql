-- stg_evaluations with the stewards' applied corrections (int_corrections, status applied) on top; text values.
{{ apply_corrections('evaluations', 'evaluation_id') }}
