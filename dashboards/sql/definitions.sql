select indicator_id, indicator_group, group_name_zh, name_zh, name_en, unit, value_kind, has_districts,
    is_additive, breakdown_dimensions, definition_zh, definition_en, sort_order
from indicators.indicator_definitions
order by sort_order
