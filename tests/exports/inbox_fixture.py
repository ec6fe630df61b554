"""A tiny inbox of real report files (one per report type) with known indicator values, for the
end-to-end and publication tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import put, put_registry

R1_HEADER = ["学校标识码", "学校名称", "阶段", "日期"]
R2_HEADER = ["基地编号", "依托学校标识码", "学科", "状态", "报告年度"]
R3_HEADER = ["届别", "学生编号", "姓名", "性别", "就读学校标识码", "年级", "承办高校", "高校导师", "中学导师",
             "开始日期", "结束日期", "状态", "监护人同意"]
R4_HEADER = ["单位代码", "单位名称", "类型", "所在区", "加入日期", "退出日期"]
R5_HEADER = ["学校标识码", "报告年度", "在校生数", "科学副校长人数", "参加科技活动学生数"]

# what the files below must give (city totals)
EXPECTED = {
    ("SHS_NAMED", 2025): 0, ("SHS_NAMED", 2026): 1,
    ("SHS_PIPELINE", 2026): 1,
    ("FLB_ACTIVE", 2025): 2, ("FLB_ACTIVE", 2026): 1,
    ("YIP_ENROLLED", 2026): 3,
    ("YIP_DUAL_MENTOR", 2026): 200 / 3,
    ("ALLIANCE_MEMBERS", 2026): 2, ("ALLIANCE_DISTRICTS", 2026): 2,
    ("STE_VICE_PRINCIPAL", 2025): 200 / 3,
    ("STE_PARTICIPATION", 2025): 100 * (900 + 1000 + 300) / (1800 + 2100 + 900),
    ("REPORTING_COMPLETENESS", 2025): 75.0,
}
AS_OF = "2026-10-15 08:00:00"


def fill_inbox(inbox: Path) -> None:
    put_registry(inbox)  # tests/conftest.py: six schools, the primary school closes 2025-08-31
    put(inbox, "科学高中进展.xlsx", R1_HEADER, [
        ["3412000001", "", "申报", "2025-01-10"],
        ["3412000001", "", "市立项", "2025-06-01"],
        ["3412000001", "", "验收命名", "2026-06-01"],
        ["3412000002", "", "申报", "2025-03-01"],
    ], arrived="2026-07-01T08:00:00")
    put(inbox, "领航基地2025.xlsx", R2_HEADER, [
        ["FLB-001", "3412000001", "数学", "立项建设", 2025],
        ["FLB-002", "3412000002", "物理", "立项建设", 2025],
    ], arrived="2025-12-10T08:00:00")
    put(inbox, "领航基地2026.csv", R2_HEADER, [
        ["FLB-002", "3412000002", "物理", "撤销", 2026],
    ], arrived="2026-10-01T08:00:00")
    put(inbox, "科创计划名册2026.xlsx", R3_HEADER, [
        [2026, "G120101200801010011", "张三", "男", "3412000001", "高一", "4112000005", "T001", "S001",
         "2026-09-01", None, "在读", "是"],
        [2026, "G120101200801010022", "李四", "女", "3412000002", "高二", "4112000005", "T001", None,
         "2026-09-01", None, "在读", "是"],
        [2026, "G120101200801010033", "王五", "女", "3112000003", "初三", "4112000005", "T002", "S002",
         "2026-09-01", None, "在读", "是"],
    ], arrived="2026-10-15T08:00:00")
    put(inbox, "联盟成员.xlsx", R4_HEADER, [
        ["3412000001", "天津市和平区演示第一中学", "高中", "和平区", "2026-02-03", None],
        ["4112000005", "津沽演示大学", "高校", "南开区", "2026-02-03", None],
    ], arrived="2026-03-01T08:00:00")
    put(inbox, "年报2025.xlsx", R5_HEADER, [
        ["3412000001", 2025, 1800, 1, 900],
        ["3412000002", 2025, 2100, 0, 1000],
        ["3112000003", 2025, 900, 2, 300],
    ], arrived="2025-11-20T08:00:00")
