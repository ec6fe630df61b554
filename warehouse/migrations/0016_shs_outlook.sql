-- 0016 (issue 16, "one outlook"): the science-high-school outlook states one central estimate with a
-- range, from a simulation over the observed stage-transition rates and durations in which the
-- candidates still in a stage count (a school that has waited longer than any observed move counts
-- against its stage's rate). Columns of the total row ('' stage); null on the stage rows.
alter table indicators.shs_forecast add column outlook_central double;   -- median of the simulated totals
alter table indicators.shs_forecast add column outlook_low double;       -- 10th percentile
alter table indicators.shs_forecast add column outlook_high double;      -- 90th percentile
alter table indicators.shs_forecast add column outlook_runs integer;     -- simulated runs (fixed seed)
alter table indicators.shs_forecast add column stuck_in_stage integer;   -- candidates waiting past every observed move
