-- stg_reviews with the stewards' applied corrections (int_corrections, status applied) on top; text values.
{{ apply_corrections('reviews', 'review_id') }}
