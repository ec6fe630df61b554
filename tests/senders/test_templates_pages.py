"""The dashboard offers each sender its own template: a school on its page 本校, a district bureau
its schools' templates as a zip on the page 报送 (AppTest over the demo snapshot)."""

from __future__ import annotations

from dashboards.i18n import t
from tests.dashboards.conftest import _demo_runs_on_loopback, demo_data_dir, demo_env  # noqa: F401 - the shared demo run (slow)
from tests.dashboards.test_glance_pages import DISTRICT_BUREAU, SCHOOL, open_as


def labels(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_a_school_downloads_its_own_template(demo_env):  # noqa: F811
    at = open_as(SCHOOL, "my_school")
    from pipelines.senders.templates import reporting_year

    assert t("tpl_download_period", report=t("report_R5"), period=reporting_year()) in labels(at)
    assert any("template R5" in str(b.proto) or "3412000534" in str(b.proto) for b in at.get("download_button"))


def test_a_district_downloads_its_schools_templates(demo_env):  # noqa: F811
    at = open_as(DISTRICT_BUREAU, "upload")
    assert t("tpl_district_zip", report=t("report_R5")) in labels(at)
    at = open_as(SCHOOL, "upload")  # a school's upload page offers no district zip
    assert t("tpl_district_zip", report=t("report_R5")) not in labels(at)
