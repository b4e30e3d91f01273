-- Current version of each reviews record (raw.reviews, latest by _source_file, _source_line), text values, lineage.
{{ stg_current('reviews', ['review_id']) }}
