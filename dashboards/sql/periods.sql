select distinct period from indicators.indicator_values order by period
