-- Funnel plot of notified children by LA and financial year (for the report and explorer; restricted tier: LA
-- counts are unsuppressed). observed: children in the statistics notified by the LA; population: int_population;
-- expected = national rate x LA population, where the national rate is the children of LAs with a population that
-- year over their total population (LAs without a population have no expected value and no row).
-- Control limits are exact Poisson quantiles around the expected count: the 95% limits are the 2.5% and 97.5%
-- quantiles of Poisson(expected), the 99.8% limits the 0.1% and 99.9% quantiles, where the q-quantile is the
-- smallest k with P(X <= k) >= q (scipy.stats.poisson.ppf). The CDF is summed from the Poisson probabilities
-- exp(k ln E - E - lgamma(k + 1)) over k = 0 .. E + 12 sqrt(E) + 20, which holds every quantile used here.
with kids as (
    select financial_year, la_code, count(*) as children
    from {{ ref('int_notifications') }}
    where in_statistics and financial_year is not null
    group by all
),
pop as (
    select p.financial_year, p.la_code, p.population_0_17, p.source
    from {{ ref('int_population') }} p
    join {{ ref('release_geography_spine') }} g
      on g.geographic_level = 'Local authority' and g.new_la_code = p.la_code and g.financial_year = p.financial_year
    where p.population_0_17 is not null and p.population_0_17 > 0
      and p.financial_year in (select financial_year from kids)
),
la as (
    select p.financial_year, p.la_code, p.population_0_17, p.source, coalesce(k.children, 0) as observed
    from pop p
    left join kids k on k.financial_year = p.financial_year and k.la_code = p.la_code
),
national as (
    select financial_year, sum(observed)::double / sum(population_0_17) as national_rate
    from la group by all
),
expected as (
    select la.*, n.national_rate, n.national_rate * la.population_0_17 as expected
    from la join national n using (financial_year)
),
cdf as (
    select e.financial_year, e.la_code, k.k,
           sum(case when e.expected > 0 then exp(k.k * ln(e.expected) - e.expected - lgamma(k.k + 1))
                    when k.k = 0 then 1.0 else 0.0 end)
               over (partition by e.financial_year, e.la_code order by k.k) as p_le
    from expected e
    cross join lateral (select range as k from range(0, (ceil(e.expected + 12 * sqrt(e.expected)) + 20)::bigint)) k
),
limits as (
    select financial_year, la_code,
           min(k) filter (where p_le >= 0.001 - 1e-12) as lower_998,
           min(k) filter (where p_le >= 0.025 - 1e-12) as lower_95,
           min(k) filter (where p_le >= 0.975 - 1e-12) as upper_95,
           min(k) filter (where p_le >= 0.999 - 1e-12) as upper_998
    from cdf group by all
)
select
    e.financial_year::integer as time_period,
    l.region_code,
    l.region_name,
    e.la_code as new_la_code,
    l.old_la_code,
    l.la_name,
    e.observed::integer as observed,
    e.population_0_17::bigint as population_0_17,
    e.source as population_source,
    e.national_rate * 10000 as national_rate_per_10000,
    e.expected,
    case when e.population_0_17 > 0 then e.observed * 10000.0 / e.population_0_17 end as rate_per_10000,
    lim.lower_998::integer as lower_998,
    lim.lower_95::integer as lower_95,
    lim.upper_95::integer as upper_95,
    lim.upper_998::integer as upper_998,
    case when e.observed > lim.upper_998 then 'above 99.8% limit'
         when e.observed > lim.upper_95 then 'above 95% limit'
         when e.observed < lim.lower_998 then 'below 99.8% limit'
         when e.observed < lim.lower_95 then 'below 95% limit'
         else 'within limits' end as funnel_position
from expected e
join limits lim using (financial_year, la_code)
join {{ ref('int_las') }} l on l.la_code = e.la_code
order by time_period, new_la_code
