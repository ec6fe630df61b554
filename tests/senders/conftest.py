"""A small installation after one run: the test registry, last year's annual reports, a
science high school's stage history, a flagship base and an alliance member — published."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.cli import run_all
from pipelines.settings import Settings
from tests.conftest import KEY, put, put_registry

R5_2025 = [  # school, enrolled, vice principals, teachers, stem masters, club members, active
    ("3412000001", 1800, 2, 30, 10, 300, 900),
    ("3412000002", 2100, 1, 25, 5, 200, 1000),
    ("3112000003", 900, 1, 12, 2, 100, 500),
]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """KEJIAO_DATA_DIR of an installation whose run published a snapshot."""
    data_dir = tmp_path_factory.mktemp("senders")
    settings = Settings(data_dir)
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True)
    put_registry(inbox)
    put(inbox, "2025年科技教育年报.xlsx",
        ["学校标识码", "报告年度", "在校生数", "科学副校长人数", "科学教师数", "理工科硕士科学教师数",
         "科技社团成员数", "参加科技活动学生数"],
        [[c, 2025, e, v, t, m, k, a] for c, e, v, t, m, k, a in R5_2025], arrived="2025-11-20T08:00:00")
    put(inbox, "科学高中建设进展.xlsx", ["学校标识码", "阶段", "日期"],
        [["3412000001", "申报", "2025-03-01"], ["3412000001", "区推荐", "2025-06-01"]], arrived="2025-06-10T08:00:00")
    put(inbox, "领航学科基地2025年度报告.xlsx", ["基地编号", "依托学校标识码", "学科", "状态", "报告年度", "服务学生数"],
        [["FLB-2024-01", "3412000002", "物理", "立项建设", 2025, 420]], arrived="2025-12-01T08:00:00")
    put(inbox, "科技教育联盟成员名册.xlsx", ["单位代码", "单位名称", "类型", "所在区", "加入日期"],
        [["3412000001", "天津市和平区演示第一中学", "高中", "和平区", "2024-05-01"]], arrived="2025-01-10T08:00:00")
    previous = os.environ.get("KEJIAO_PSEUDONYM_KEY")
    os.environ["KEJIAO_PSEUDONYM_KEY"] = KEY.decode()
    try:
        result = run_all(settings, inbox, settings.warehouse_path, raise_on_error=True, log_level="WARNING")
    finally:
        if previous is None:
            os.environ.pop("KEJIAO_PSEUDONYM_KEY", None)
        else:
            os.environ["KEJIAO_PSEUDONYM_KEY"] = previous
    assert result.success
    assert (settings.published_dir / "current.duckdb").exists()
    return data_dir
