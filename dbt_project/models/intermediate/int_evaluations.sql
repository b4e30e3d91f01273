-- One row per current evaluation, corrected and typed (invalid -> NULL, never dropped), with the evaluated review's
-- lead LSCB geography.
with typed as (
    select
        evaluation_id,
        review_id,
        {{ parse_date('evaluation_date') }} as evaluation_date,
        {{ typed_code('evaluations', 'grade') }} as grade,
        _source_file,
        _source_line,
        _versions,
        _corrected_columns
    from {{ ref('int_evaluations_corrected') }} src
)
select
    t.evaluation_id,
    t.review_id,
    t.evaluation_date,
    t.grade,
    {{ financial_year('t.evaluation_date') }} as evaluation_financial_year,
    r.review_id is not null as review_known,
    r.lscb_la_code,
    r.region_code,
    r.region_name,
    r.la_name,
    r.old_la_code,
    r.incident_id,
    r.decision as review_decision,
    t._source_file,
    t._source_line,
    t._versions,
    t._corrected_columns
from typed t
left join {{ ref('int_reviews') }} r on r.review_id = t.review_id
