-- The stewards' audit trail: every correction, who made it, when, why, what it changed and what became of it.
select
    steward,
    corrected_at,
    corrected_at_ts,
    steward_reason as why,
    feed,
    record_id,
    column_name,
    old_value,
    new_value,
    status,
    reason as status_reason,
    correction_id,
    _source_file,
    _source_line
from {{ ref('int_corrections') }}
