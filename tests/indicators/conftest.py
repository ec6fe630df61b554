"""The hand-made warehouses of test_indicator_values.py, shared with the other indicator tests."""

from tests.indicators.test_indicator_values import annual, flb, shs, w, yip  # noqa: F401 - fixtures
