select as_of, deadline_year, target, stage, stage_order, candidates, transitions_observed, withdrawals_observed,
    still_in_stage, transition_rate, median_days_to_next, is_pooled, probability_named, median_days_to_named,
    expected_named_by_deadline, named_now, projected_named_by_deadline, linear_projection_by_deadline,
    outlook_central, outlook_low, outlook_high, outlook_runs, stuck_in_stage, method_zh, method_en
from indicators.shs_forecast
order by stage_order
