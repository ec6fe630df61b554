"""Templates out (issue 13 #1): what `kejiao templates` writes, filled as a school fills it
(openpyxl) and judged by `kejiao check` exactly as intake would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.intake import template_layout
from pipelines.intake.messages import render
from pipelines.intake.parsing import parse
from pipelines.intake.schema import PART_OF_WHOLE, REPORT_TYPES
from pipelines.senders import templates as T
from pipelines.senders.filling import fill

runner = CliRunner()
VALID = {"enrolled_students": 1850, "science_vice_principals": 2, "science_teachers": 31,
         "stem_master_science_teachers": 11, "st_club_members": 320, "students_in_st_activities": 950,
         "science_hours_planned": 72, "science_hours_delivered": 70.5, "labs": 5}


def write(installed: Path, out: Path, report: str, year: int = 2026, *extra: str) -> list[Path]:
    result = runner.invoke(app, ["templates", "--report", report, "--year", str(year), "--out", str(out),
                                 "--warehouse", str(installed / "warehouse.duckdb"), *extra])
    assert result.exit_code == 0, result.output
    return sorted((out / f"{report}-{year}").rglob("*.xlsx"))


def check(installed: Path, path: Path):
    return runner.invoke(app, ["check", str(path), "--warehouse", str(installed / "warehouse.duckdb")])


def one(paths: list[Path], code: str) -> Path:
    return next(p for p in paths if f"-{code}-" in p.name)


def test_r5_templates_per_school_and_district(installed, tmp_path):
    paths = write(installed, tmp_path, "R5")
    names = [p.name for p in paths]
    # every primary and secondary school active in 2026 (the 小学 closed in 2025 and universities owe none)
    assert sorted(n.split("-")[1] for n in names if "汇总" not in n) == ["3112000003", "3412000001", "3412000002"]
    assert sum("汇总" in n for n in names) == 3  # 和平区, 河西区, 南开区
    wb = openpyxl.load_workbook(one(paths, "3412000001"))
    assert wb.sheetnames == ["填报说明", "年报", template_layout.META_SHEET]
    assert wb[template_layout.META_SHEET].sheet_state == "veryHidden"
    ws = wb["年报"]
    header = [c.value for c in ws[3]]
    assert header[:5] == ["*学校标识码", "学校名称", "*报告年度", "*在校生数(人)", "2025年在校生数(参考)"]
    row = [c.value for c in ws[4]]
    assert row[:5] == ["3412000001", "天津市和平区演示第一中学", 2026, None, 1800]  # last year beside, this year empty
    assert ws.protection.sheet
    assert ws["A4"].protection.locked and ws["B4"].protection.locked and ws["C4"].protection.locked
    assert not ws["D4"].protection.locked and ws["E4"].protection.locked
    # data validation on every input column; the reference and prefilled ones are locked instead
    validated = {str(r).split(":")[0][:-1] if ":" in str(r) else str(r)[:-1]
                 for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
    inputs = [T.header_text(c) for c in T.template_columns(REPORT_TYPES["R5"])
              if c.name not in ("school_code", "school_name", "report_year")]
    letters = {openpyxl.utils.get_column_letter(header.index(h) + 1) for h in inputs}
    assert letters <= validated, letters - validated
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"whole", "decimal"} <= kinds
    whole = next(dv for dv in ws.data_validations.dataValidation if "D4" in str(dv.sqref))
    assert (whole.type, whole.operator, whole.formula1) == ("whole", "greaterThanOrEqual", "0")
    # a part larger than its whole turns red: one rule per pair of the schema
    rules = [r.formula[0] for rng in ws.conditional_formatting for r in rng.rules]
    for part, whole_name in PART_OF_WHOLE["R5"]:
        a = openpyxl.utils.get_column_letter(header.index(T.header_text(REPORT_TYPES["R5"].column(part))) + 1)
        b = openpyxl.utils.get_column_letter(header.index(T.header_text(REPORT_TYPES["R5"].column(whole_name))) + 1)
        assert f"AND(ISNUMBER({a}4),ISNUMBER({b}4),{a}4>{b}4)" in rules
    # 填报说明: every column with its unit and rule, generated from the schema and messages
    notes = [[c.value for c in r] for r in wb["填报说明"].iter_rows()]
    table = {r[1]: r for r in notes if r[0] and str(r[0]).isdigit()}
    assert set(table) == {c.zh for c in T.template_columns(REPORT_TYPES["R5"])}
    assert table["在校生数"][3] == "人" and table["在校生数"][4] == "是"
    assert "不得大于“在校生数”" in table["参加科技活动学生数"][5]
    assert render("part_exceeds_whole", column="参加科技活动学生数", value="…", detail="…")[0] \
        in table["参加科技活动学生数"][6]


def test_filled_template_is_accepted(installed, tmp_path):
    paths = write(installed, tmp_path, "R5")
    path = tmp_path / "filled.xlsx"
    path.write_bytes(fill(one(paths, "3412000001"), {"3412000001": VALID}))
    # intake reads the declared layout: the reference columns are not "unrecognised", the hidden sheet not listed
    parsed = parse(path.read_bytes(), path.name)
    (_, idx, match), = parsed.sheets
    assert idx == 2 and match.report.code == "R5" and match.unknown == []
    assert parsed.skipped == ["填报说明"]
    result = check(installed, path)
    assert result.exit_code == 0, result.output
    assert "通过 PASS" in result.output and "R5" in result.output


def test_filled_with_bad_values_is_refused_with_the_right_messages(installed, tmp_path):
    paths = write(installed, tmp_path, "R5")
    bad = {**VALID, "students_in_st_activities": 1900, "st_club_members": 2000, "stem_master_science_teachers": 40,
           "labs": -1, "maker_spaces": "三个", "science_vice_principals": None, "st_clubs": 2.5}
    path = tmp_path / "bad.xlsx"
    path.write_bytes(fill(one(paths, "3412000001"), {"3412000001": bad}))
    result = check(installed, path)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "退回 REJECTED" in out
    expected = [
        render("part_exceeds_whole", "*参加科技活动学生数(人)", "1900", "“在校生数”（1850）")[0],
        render("part_exceeds_whole", "科技社团成员数(人)", "2000", "“在校生数”（1850）")[0],
        render("part_exceeds_whole", "理工科硕士科学教师数(人)", "40", "“科学教师数”（31）")[0],
        render("negative_count", "实验室数(个)", "-1")[0],
        render("unparseable_number", "创客空间数(个)", "三个")[0],
        render("not_integer", "科技社团数(个)", "2.5")[0],
        render("missing_value", "*科学副校长人数(人)")[0],
    ]
    for message in expected:
        assert message in out, out
    # every part/whole pair of the schema is one intake refuses
    assert out.count("大于") == len(PART_OF_WHOLE["R5"])


def test_district_compiled_workbook_filled_is_accepted(installed, tmp_path):
    paths = write(installed, tmp_path, "R5", 2026, "--district", "120101")
    compiled = next(p for p in paths if "汇总" in p.name)
    assert [p.name.split("-")[1] for p in paths if "汇总" not in p.name] == ["3412000001"]
    path = tmp_path / "compiled.xlsx"
    path.write_bytes(fill(compiled, {"3412000001": VALID}))
    result = check(installed, path)
    assert result.exit_code == 0, result.output


def test_moved_columns_are_read_by_guessing(installed, tmp_path):
    """A school that rearranged the sheet: the declaration no longer holds, so intake reads the
    header as it reads any file (and says which columns it did not know)."""
    paths = write(installed, tmp_path, "R5")
    wb = openpyxl.load_workbook(one(paths, "3412000001"))
    ws = wb["年报"]
    ws.delete_cols(2)  # 学校名称 removed: every column moves left
    path = tmp_path / "moved.xlsx"
    wb.save(path)
    parsed = parse(path.read_bytes(), path.name)
    (_, idx, match), = parsed.sheets
    assert idx == 2 and match.report.code == "R5"
    assert any("参考" in text for _, text in match.unknown)


def test_row_templates_for_their_senders(installed, tmp_path):
    # R3: each university, its roster of the cohort; filled with two students it is accepted
    r3 = write(installed, tmp_path, "R3")
    assert sorted(p.name.split("-")[1] for p in r3) == ["4112000005", "4212000006"]
    student = {"cohort_year": 2026, "school_code": "3412000001", "grade": "高一", "host_university": "4112000005",
               "start_date": date(2026, 3, 1), "status": "在读", "guardian_consent": "是", "gender": "女"}
    rows = [{**student, "student_id": "G120101201001011234"}, {**student, "student_id": "G120101201001015678"}]
    assert "姓名" not in [c.value for c in openpyxl.load_workbook(r3[0])["学员名册"][3]]  # never asks for names
    path = tmp_path / "r3.xlsx"
    path.write_bytes(fill(one(r3, "4112000005"), {}, rows=rows))
    assert check(installed, path).exit_code == 0
    # R1: a candidate keeps its stage history (a file replaces it whole) and adds the new event
    r1 = write(installed, tmp_path, "R1")
    history = [[c.value for c in r] for r in openpyxl.load_workbook(one(r1, "3412000001"))["阶段事件"].iter_rows(
        min_row=4, max_row=5)]
    assert [r[2] for r in history] == ["申报", "区推荐"]
    path = tmp_path / "r1.xlsx"
    path.write_bytes(fill(one(r1, "3412000001"), {}, rows=[
        {"school_code": "3412000001", "stage": "市立项", "event_date": date(2026, 5, 1)}]))
    assert check(installed, path).exit_code == 0
    # R2: the host school's base, its discipline and year filled, last year's figures beside
    r2 = write(installed, tmp_path, "R2")
    assert [p.name.split("-")[1] for p in r2] == ["3412000002"]
    ws = openpyxl.load_workbook(r2[0])["基地年报"]
    header = [c.value for c in ws[3]]
    row = dict(zip(header, [c.value for c in ws[4]]))
    assert row["*基地编号"] == "FLB-2024-01" and row["*学科"] == "物理" and row["2025年服务学生数(参考)"] == 420
    assert row["2025年状态(参考)"] == "立项建设"
    path = tmp_path / "r2.xlsx"
    path.write_bytes(fill(r2[0], {"FLB-2024-01": {"status": "中期评估", "students_served": 500}}, key="base_code"))
    assert check(installed, path).exit_code == 0
    # R4: the secretariat's register with its members; a new member added is accepted
    r4 = write(installed, tmp_path, "R4")
    path = tmp_path / "r4.xlsx"
    path.write_bytes(fill(r4[0], {}, rows=[{"member_code": "3412000002", "member_name": "天津市河西区演示第二中学",
                                            "member_type": "完全中学", "district_code": "河西区",
                                            "joined_date": date(2026, 4, 1)}]))
    result = check(installed, path)
    assert result.exit_code == 0, result.output


def test_no_registry_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["templates", "--report", "R5", "--year", "2026", "--out", str(tmp_path / "o"),
                                 "--warehouse", str(tmp_path / "none" / "warehouse.duckdb")])
    assert result.exit_code == 2
    assert "尚无学校名录" in result.output


@pytest.mark.parametrize("bad", [["--report", "R0"], ["--report", "R5", "--district", "999999"]])
def test_bad_arguments(installed, tmp_path, bad):
    args = ["templates", "--year", "2026", "--out", str(tmp_path), "--warehouse", str(installed / "warehouse.duckdb")]
    result = runner.invoke(app, [*args, *bad])
    assert result.exit_code == 2, result.output


def test_a_sender_gets_only_its_own_rows(installed, tmp_path):
    """The dashboard's downloads: a school's template holds its own row only; a district's zip its
    own schools' templates and compiled workbook only."""
    import io
    import zipfile

    sources = T.Sources.open(installed / "published" / "current.duckdb")
    name, data = T.template_for(sources, "R5", 2026, "3412000001")
    assert "3412000001" in name
    ws = openpyxl.load_workbook(io.BytesIO(data))["年报"]
    assert [r[0] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]] == ["3412000001"]
    assert T.template_for(sources, "R5", 2026, "4112000005") is None  # a university owes no annual report
    assert T.reports_for(sources, 2026, "4112000005") == ["R3"]
    with zipfile.ZipFile(io.BytesIO(T.district_zip(sources, "R5", 2026, "120103"))) as zf:
        names = zf.namelist()
        assert len(names) == 2 and all("3412000002" in n or "汇总-120103" in n for n in names)
        for n in names:
            codes = [r[0] for r in openpyxl.load_workbook(io.BytesIO(zf.read(n)))["年报"].iter_rows(
                min_row=4, values_only=True) if r[0]]
            assert codes == ["3412000002"]


def test_red_cells_and_intake_agree_on_parts_and_wholes(installed, tmp_path):
    """Forty fillings around the boundaries (a part equal to, below and above its whole): a file is
    refused exactly when a cell would be red (the formulas asserted above: part > whole), and then
    for that rule only."""
    import random

    import polars as pl

    from pipelines.intake.checking import check_many, reference_context

    rng = random.Random(13)
    template = one(write(installed, tmp_path, "R5"), "3412000001")
    cases = []
    for i in range(40):
        v = {**VALID, "enrolled_students": rng.randint(0, 3000), "science_teachers": rng.randint(0, 60)}
        for part, whole in PART_OF_WHOLE["R5"]:
            v[part] = rng.choice([v[whole], max(0, v[whole] - rng.randint(0, 50)), v[whole] + rng.randint(1, 50)])
        red = {part for part, whole in PART_OF_WHOLE["R5"] if v[part] > v[whole]}
        cases.append((f"case{i}.xlsx", fill(template, {"3412000001": v}), red))
    assert any(red for *_, red in cases) and any(not red for *_, red in cases)
    verdicts = check_many([(name, data) for name, data, _ in cases], reference_context(installed / "warehouse.duckdb"))
    for (name, _, red), verdict in zip(cases, verdicts):
        errors = verdict.issues.filter(pl.col("severity") == "error")
        assert (verdict.status == "rejected") == bool(red), (name, red, errors.to_dicts())
        assert set(errors["column_name"].to_list()) == red and set(errors["rule_code"].to_list()) <= {
            "part_exceeds_whole"}


def test_the_notes_rows_are_tall_enough_for_their_wrapped_text(installed, tmp_path):
    """填报说明 printed: a row holding a long rule is as tall as its wrapped lines (no office suite
    grows a row to its text when a file opens; the rules printed over each other before)."""
    [template, *_] = write(installed, tmp_path / "out", "R5")
    notes = openpyxl.load_workbook(template)[T.NOTES_SHEET]
    widths = {c: notes.column_dimensions[c].width for c in "ABCDEFG"}
    checked = 0
    for row in notes.iter_rows(min_row=10):  # below the header row of the table
        texts = [(str(cell.value), widths[cell.column_letter]) for cell in row if cell.value]
        if len(texts) < 7:
            continue
        needed = max(T.wrapped_lines(text, width) for text, width in texts)
        assert (notes.row_dimensions[row[0].row].height or 15) >= T.LINE_POINTS * needed - 1, row[0].row  # whole pixels
        checked += needed > 1
    assert checked >= 5  # rows of several lines were there to check
    assert T.wrapped_lines("一二三四五", 11) == 1 and T.wrapped_lines("一二三四五六", 11) == 2
    assert T.wrapped_lines("ab\ncd", 10) == 2
