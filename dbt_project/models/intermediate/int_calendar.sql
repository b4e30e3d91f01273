-- One row per day 2000-01-01..2030-12-31 (the span of the bank_holidays seed) with working-day flags and a running
-- working-day index, for working-day arithmetic (macro add_working_days). Weekends and England and Wales bank
-- holidays are not working days.
with days as (
    select d::date as date_day
    from generate_series(date '2000-01-01', date '2030-12-31', interval 1 day) g (d)
),
flags as (
    select
        days.date_day,
        isodow(days.date_day) >= 6 as is_weekend,
        bh.holiday_date is not null as is_bank_holiday,
        isodow(days.date_day) < 6 and bh.holiday_date is null as is_working_day
    from days
    left join (select distinct holiday_date from {{ ref('bank_holidays') }}) bh on bh.holiday_date = days.date_day
)
select
    *,
    sum(case when is_working_day then 1 else 0 end) over (order by date_day rows unbounded preceding)::integer
        as working_day_index
from flags
