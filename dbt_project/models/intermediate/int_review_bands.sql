-- Each review's bands for contract 2.2 (marts.release_review_timeliness counts them): decision within one month
-- (Decision pending when undecided), incident to completion in calendar months (macro add_months; NULL unless the
-- decision is an SCR), and completed within timescale ("in progress" judged at var('as_of'); NULL unless an SCR, and
-- for a withdrawn review, which is no longer under a timescale). The filters of the statistics are the mart's.
select
    review_id, incident_known, incident_date, incident_financial_year, lscb_la_code, lscb_la_valid,
    case when decision_date is null then 'Decision pending'
         when decision_on_time then 'Yes' else 'No' end as decision_band,
    case when decision <> 'scr' or decision is null then null
         when completion_date is not null then
             case when completion_date <= {{ add_months('incident_date', 6) }} then '6 months or less'
                  when completion_date <= {{ add_months('incident_date', 12) }} then 'Over 6 to 12 months'
                  when completion_date <= {{ add_months('incident_date', 18) }} then 'Over 12 to 18 months'
                  else 'Over 18 months' end
         when status = 'completed' then 'Completed, not dated'
         else 'Not completed' end as completion_band,
    case when decision <> 'scr' or decision is null or status = 'withdrawn' then null
         when completion_date is not null then case when completed_on_time then 'Yes' else 'No' end
         when status = 'completed' then 'Completed, not dated'
         when completion_due_date is null or {{ as_of_date() }} <= completion_due_date
             then 'In progress, within timescale'
         else 'In progress, overdue' end as timescale_band
from {{ ref('int_reviews') }}
