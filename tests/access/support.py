"""A small published snapshot over schools of three districts, and one identity per role.

The registry is tests/conftest.py's: 3412000001 和平区 (120101), 3412000002 河西区 (120103),
3112000003 南开区 (120104), 4112000005 津沽演示大学 (南开区). Each school sends its own annual
report (one file each), the university its youth-programme roster, and one school a file
that is rejected.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from pipelines.access.roles import render_assignments
from pipelines.cli import run_all
from pipelines.demo.writers import Sheet, write_workbook
from pipelines.settings import Settings
from tests.conftest import put, put_registry

KEY = "access-tests-pseudonym-key-of-32-bytes-or-more"
R5_HEADER = ["学校标识码", "报告年度", "在校生数", "科学副校长人数", "参加科技活动学生数"]
R3_HEADER = ["届别", "学生编号", "姓名", "性别", "就读学校标识码", "年级", "承办高校", "高校导师", "中学导师",
             "开始日期", "结束日期", "状态", "监护人同意"]

HEPING_SCHOOL, HEXI_SCHOOL, NANKAI_SCHOOL, UNIVERSITY = "3412000001", "3412000002", "3112000003", "4112000005"
HEPING, HEXI, NANKAI = "120101", "120103", "120104"
SCHOOL_NAMES = {HEPING_SCHOOL: "天津市和平区演示第一中学", HEXI_SCHOOL: "天津市河西区演示第二中学",
                NANKAI_SCHOOL: "天津市南开区演示初级中学", UNIVERSITY: "津沽演示大学"}

# one identity per role (plus one with no role); the browser tests sign in as each
IDENTITIES = {
    "data_team": {"sub": "u-admin", "email": "admin@test.example", "email_verified": True, "name": "数据组 测试"},
    "commission": {"sub": "u-staff", "email": "staff@test.example", "email_verified": True, "name": "市教委 测试"},
    "district": {"sub": "u-heping", "email": "heping@test.example", "email_verified": True, "name": "和平区教育局 测试"},
    "school": {"sub": "u-school1", "email": "school1@test.example", "email_verified": True, "name": "和平一中 测试"},
    "university": {"sub": "u-uni", "email": "uni@test.example", "email_verified": True, "name": "津沽大学 测试"},
    "nobody": {"sub": "u-nobody", "email": "nobody@test.example", "email_verified": True, "name": "无角色 测试"},
}
ASSIGNMENTS = [
    {"match_by": "email", "identity": "admin@test.example", "role": "data_team", "display_name": "数据组"},
    {"match_by": "subject", "identity": "u-staff", "role": "commission", "display_name": "市教委"},
    {"match_by": "email", "identity": "heping@test.example", "role": "district", "scope_code": HEPING,
     "display_name": "和平区教育局"},
    {"match_by": "email", "identity": "school1@test.example", "role": "school", "scope_code": HEPING_SCHOOL,
     "display_name": "和平演示一中"},
    {"match_by": "email", "identity": "uni@test.example", "role": "school", "scope_code": UNIVERSITY,
     "display_name": "津沽演示大学"},
]


def r5_rows(school: str, year: int = 2025, enrolled: int = 1000, active: int = 600) -> list[list]:
    return [[school, year, enrolled, 1, active]]


def r5_file(path: Path, rows: list[list], fmt: str | None = None) -> Path:
    return write_workbook(path, [Sheet("年报", [R5_HEADER, *rows], title_rows=[["学校科技教育年报"]])], fmt=fmt)


def fill_inbox(inbox: Path) -> None:
    put_registry(inbox)
    put(inbox, "和平一中_年报2025.xlsx", R5_HEADER, r5_rows(HEPING_SCHOOL, enrolled=1800, active=900),
        arrived="2025-11-20T08:00:00")
    put(inbox, "河西二中_年报2025.xlsx", R5_HEADER, r5_rows(HEXI_SCHOOL, enrolled=2100, active=1000),
        arrived="2025-11-21T08:00:00")
    put(inbox, "南开初中_年报2025.csv", R5_HEADER, r5_rows(NANKAI_SCHOOL, enrolled=900, active=300),
        arrived="2025-11-22T08:00:00")
    put(inbox, "河西二中_年报2024（错误）.xlsx", R5_HEADER, [[HEXI_SCHOOL, 2024, 2100, -1, 3000]],
        arrived="2025-11-23T08:00:00")
    put(inbox, "科创计划名册2025.xlsx", R3_HEADER, [
        [2025, "G120101200801010011", "张三", "男", HEPING_SCHOOL, "高一", UNIVERSITY, "T001", "S001",
         "2025-09-01", None, "在读", "是"],
        [2025, "G120101200801010022", "李四", "女", HEXI_SCHOOL, "高二", UNIVERSITY, "T001", None,
         "2025-09-01", None, "在读", "是"],
        [2025, "G120101200801010033", "王五", "女", NANKAI_SCHOOL, "初三", UNIVERSITY, "T002", "S002",
         "2025-09-01", None, "在读", "是"],
    ], arrived="2025-10-15T08:00:00")


def run_pipeline(data_dir: Path) -> None:
    settings = Settings(data_dir)
    previous = os.environ.get("KEJIAO_PSEUDONYM_KEY")
    os.environ["KEJIAO_PSEUDONYM_KEY"] = KEY
    try:
        result = run_all(settings, settings.inbox_dir, settings.warehouse_path, raise_on_error=True)
    finally:
        if previous is None:
            os.environ.pop("KEJIAO_PSEUDONYM_KEY", None)
        else:
            os.environ["KEJIAO_PSEUDONYM_KEY"] = previous
    assert result.success


def build_data_dir(data_dir: Path) -> Path:
    """KEJIAO_DATA_DIR with the snapshot of the small inbox and the test identities' assignments."""
    settings = Settings(data_dir)
    settings.inbox_dir.mkdir(parents=True, exist_ok=True)
    fill_inbox(settings.inbox_dir)
    run_pipeline(data_dir)
    write_assignments(data_dir)
    return data_dir


def write_assignments(data_dir: Path, rows: list[dict] | None = None) -> Path:
    path = data_dir / "access" / "role_assignments.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_assignments(rows if rows is not None else ASSIGNMENTS), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def access_data_dir(tmp_path_factory, worker_id) -> Path:
    """build_data_dir once per session, shared by the xdist workers (the first to take the lock
    builds it). Import this fixture where it is used."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent
    data_dir = root / "access_data"
    with open(root / "access_data.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (data_dir / "published" / "current.duckdb").exists():
            shutil.rmtree(data_dir, ignore_errors=True)
            build_data_dir(data_dir)
    return data_dir
