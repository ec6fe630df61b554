"""The demo generator: deterministic, sized as asked, every format, fictional, self-consistent."""

import csv
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import fastexcel
import pytest

from pipelines.demo.generator import generate, read_arrivals, stage
from pipelines.intake.schema import REPORT_TYPES

SCHOOLS = 120
RULES = {
    "part_exceeds_whole",
    "unknown_school",
    "stage_order",
    "missing_guardian_consent",
    "code_not_in_list",
    "negative_count",
    "duplicate_key",
    "unparseable_date",
}
INSTITUTION = re.compile(r"^\S{4,}(小学|中学|学校|大学|研究院|研究所|有限公司)$")
HEADERS = {c.zh for r in REPORT_TYPES.values() for c in r.columns} | {
    a for r in REPORT_TYPES.values() for c in r.columns for a in c.aliases
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, schools=SCHOOLS)
    return out


@pytest.fixture(scope="module")
def truth(demo) -> dict:
    return json.loads((demo / "expected.json").read_text(encoding="utf-8"))


def _files(demo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((demo / "inbox").iterdir())}


def _cells(path: Path) -> list[str]:
    """Every text cell of a readable spreadsheet or CSV."""
    if path.suffix == ".csv":
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if _is_utf8(raw) else raw.decode("gb18030")
        return [v for row in csv.reader(text.splitlines()) for v in row]
    reader = fastexcel.read_excel(str(path))
    return [
        str(v)
        for i in range(len(reader.sheet_names))
        for row in reader.load_sheet(i, header_row=None).to_polars().rows()
        for v in row
        if v is not None
    ]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_same_seed_same_bytes_other_seed_other_bytes(demo, tmp_path):
    generate(tmp_path / "again", schools=SCHOOLS)
    assert _files(tmp_path / "again") == _files(demo)
    for name in ("arrivals.csv", "expected.json"):
        assert (tmp_path / "again" / name).read_bytes() == (demo / name).read_bytes()
    generate(tmp_path / "other", schools=SCHOOLS, seed=7)
    assert _files(tmp_path / "other") != _files(demo)


def test_size_parameters_are_respected(demo, truth, tmp_path):
    registry = next(f for f in truth["files"] if f["report"] == "R0")
    assert registry["rows"] == SCHOOLS
    codes = [c for c in _cells(demo / "inbox" / registry["file"]) if re.fullmatch(r"\d{10}", c)]
    assert len(codes) == SCHOOLS
    assert truth["parameters"]["report_years"] == [2024, 2025, 2026]

    bigger = generate(tmp_path / "bigger", schools=400, years=4)
    assert bigger["parameters"]["report_years"] == [2023, 2024, 2025, 2026]
    assert next(f for f in bigger["files"] if f["report"] == "R0")["rows"] == 400
    assert set(bigger["indicators"]["120000"]["REPORTING_COMPLETENESS"]) == {"2023", "2024", "2025", "2026"}
    assert (
        bigger["counts"]["rows_by_report"]["R5"]["accepted"]
        > 3 * truth["counts"]["rows_by_report"]["R5"]["accepted"]
    )


def test_too_small_requests_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate(tmp_path / "a", schools=50)
    with pytest.raises(ValueError):
        generate(tmp_path / "b", years=2)


def test_every_format_and_encoding_is_present(demo, truth):
    magic = {".xlsx": b"PK", ".ods": b"PK", ".xls": b"\xd0\xcf\x11\xe0"}
    seen = set()
    for f in truth["files"]:
        raw = (demo / "inbox" / f["file"]).read_bytes()
        if f["format"] in ("xlsx", "xls", "ods") and f["outcome"] != "not_a_report":
            assert raw.startswith(magic["." + f["format"]]), f["file"]
        if f["format"] == "csv":
            detected = (
                "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8" if _is_utf8(raw) else "gb18030"
            )
            assert detected == f["encoding"], f["file"]
            seen.add(f"csv:{detected}")
        else:
            seen.add(f["format"])
    assert seen == {"xlsx", "xls", "ods", "csv:utf-8", "csv:utf-8-sig", "csv:gb18030", "txt"}
    assert set(truth["counts"]["files_by_format"]) == seen


def test_names_are_fictional(demo, truth):
    names = []
    for f in truth["files"]:
        if f["outcome"] in ("accepted", "rejected", "duplicate"):
            names += [c.strip() for c in _cells(demo / "inbox" / f["file"]) if INSTITUTION.match(c.strip())]
    names = [n for n in names if n not in HEADERS]
    assert len(names) > 500
    assert [n for n in names if "演示" not in n] == []


def test_identifiers_fail_their_check_characters(demo, truth):
    roster = next(f for f in truth["files"] if f["file"].startswith("yip_roster_"))
    ids = [c for c in _cells(demo / "inbox" / roster["file"]) if re.fullmatch(r"G\d{17}[\dX]", c)]
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert ids and all(i.startswith("G1201") for i in ids)
    assert all("10X98765432"[sum(int(c) * w for c, w in zip(i[1:18], weights)) % 11] != i[18] for i in ids)


def test_stage_copies_files_with_arrival_mtimes(demo, tmp_path):
    arrivals = read_arrivals(demo)
    assert stage(demo, tmp_path / "inbox") == len(arrivals) == len(list((demo / "inbox").iterdir()))
    for name, arrived in arrivals.items():
        copied = tmp_path / "inbox" / name
        assert copied.read_bytes() == (demo / "inbox" / name).read_bytes()
        assert os.stat(copied).st_mtime == arrived.timestamp()
        assert os.stat(demo / "inbox" / name).st_mtime == arrived.timestamp()


def test_expected_json_agrees_with_itself_and_the_inbox(demo, truth):
    files, counts = truth["files"], truth["counts"]
    assert counts["files"] == len(files) == len(list((demo / "inbox").iterdir()))
    assert sum(counts["files_by_outcome"].values()) == sum(counts["files_by_format"].values()) == len(files)
    assert [f["file"] for f in files] == list(read_arrivals(demo))
    moments = [datetime.fromisoformat(f["arrived_at"]) for f in files]
    assert moments == sorted(moments) and len(set(moments)) == len(moments)
    assert datetime(2024, 1, 1, tzinfo=UTC) <= moments[0]
    assert moments[-1] < datetime(2026, 12, 1, tzinfo=UTC)

    by_name = {f["file"]: f for f in files}
    for f in files:
        if f["supersedes"]:
            assert f["arrived_at"] > by_name[f["supersedes"]]["arrived_at"], f["file"]
    assert {b["rule"] for b in truth["bad_files"]} == RULES
    assert all(by_name[b["file"]]["outcome"] == "rejected" for b in truth["bad_files"])
    assert {w["rule"] for w in truth["warning_files"]} == {"value_far_from_last_year", "date_in_future"}
    assert all(by_name[w["file"]]["outcome"] == "accepted" for w in truth["warning_files"])
    assert len(truth["not_a_report"]) == 3 and len(truth["duplicates"]) == 1
    for d in truth["duplicates"]:
        assert (demo / "inbox" / d["file"]).read_bytes() == (demo / "inbox" / d["same_as"]).read_bytes()
    for report, rows in counts["rows_by_report"].items():
        assert rows["in_files"] == sum(f["rows"] for f in files if f["report"] == report)
        assert rows["accepted"] == sum(
            f["rows"] for f in files if f["report"] == report and f["outcome"] == "accepted"
        )

    city = truth["indicators"]["120000"]
    for indicator in city.values():
        for value in indicator.values():
            if value.get("denominator"):
                assert value["value"] == round(100 * value["numerator"] / value["denominator"], 2)
    assert city["REPORTING_COMPLETENESS"]["2025"]["denominator"] == counts["schools_owing_r5"]["2025"]


def test_ground_truth_follows_the_storylines(truth):
    city = truth["indicators"]["120000"]
    values = {k: {y: v["value"] for y, v in years.items()} for k, years in city.items()}
    assert values["SHS_NAMED"] == {"2024": 0, "2025": 3, "2026": 7}
    assert values["FLB_ACTIVE"] == {"2024": 12, "2025": 20, "2026": 26}
    assert values["YIP_ENROLLED"] == {"2024": 90, "2025": 100, "2026": 104}
    assert values["YIP_COMPLETION"]["2026"] is None
    assert values["ALLIANCE_MEMBERS"] == {"2024": 0, "2025": 0, "2026": 63}
    assert values["ALLIANCE_DISTRICTS"]["2026"] == 14
    assert 88 <= values["REPORTING_COMPLETENESS"]["2024"] <= 96
    assert values["REPORTING_COMPLETENESS"]["2026"] < values["REPORTING_COMPLETENESS"]["2025"]
    assert values["STE_VICE_PRINCIPAL"]["2024"] < values["STE_VICE_PRINCIPAL"]["2026"]
    assert all(0 < v < 100 for v in values["STE_PARTICIPATION"].values())


def test_committed_demo_is_what_the_generator_makes(tmp_path):
    """seeds/demo must be regenerated (`make seeds`) whenever the generator changes."""
    from pipelines.settings import DEMO_DIR

    generate(tmp_path / "demo")
    committed = sorted(p.relative_to(DEMO_DIR) for p in DEMO_DIR.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path / "demo") for p in (tmp_path / "demo").rglob("*") if p.is_file())
    assert committed == fresh
    for rel in committed:
        assert (DEMO_DIR / rel).read_bytes() == (tmp_path / "demo" / rel).read_bytes(), rel
