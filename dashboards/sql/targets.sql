select indicator_id, target_value, target_year, kind, direction, unit, deadline_assumed,
    label_zh, label_en, source_quote_zh, source
from ref.targets
