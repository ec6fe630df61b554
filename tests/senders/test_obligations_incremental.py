"""The senders' tables follow the new data (issue 15 #3): nothing changed, nothing is rebuilt; new
files of a few schools replace only those schools' rows (and say so in meta.table_builds, for the
snapshot); anything else (a new day, new deadlines, a registry file, a new period, a file no
longer accepted, changed SQL) rebuilds whole. What the school-by-school path leaves is what a
whole rebuild gives."""

from __future__ import annotations

import shutil
from datetime import date, datetime

import polars as pl
import pytest

import warehouse
from pipelines.demo.writers import Sheet
from pipelines.intake.ingest import ingest
from pipelines.intake.schema import REPORT_TYPES
from pipelines.senders.deadlines import Deadline, load_deadlines
from pipelines.senders.obligations import ERROR_LISTS_TABLE, OBLIGATIONS_TABLE, SUPERSESSIONS_TABLE, rebuild
from pipelines.staging.tables import refresh_in_force
from tests.conftest import KEY, R0_HEADER, REGISTRY, TODAY, put
from tests.intake.test_rules import R5_HEADER
from tests.small_inbox import R2_HEADER, put_nankai_correction, run_small_inbox

AS_OF = date(2025, 12, 10)
TABLES = (OBLIGATIONS_TABLE, ERROR_LISTS_TABLE, SUPERSESSIONS_TABLE)
ORDER = {OBLIGATIONS_TABLE: "report_type, period, school_code, entity_code",
         ERROR_LISTS_TABLE: "submission_id",
         SUPERSESSIONS_TABLE: "report_type, school_code, period, entity_code, submission_id"}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return run_small_inbox(tmp_path_factory.mktemp("senders_incremental"))


class Installation:
    """A copy of the small run's warehouse and inbox that a test can send more files into."""

    def __init__(self, small, root):
        self.inbox = root / "inbox"
        shutil.copytree(small.inbox, self.inbox)
        self.archive = root / "archive"
        shutil.copyfile(small.settings.warehouse_path, root / "warehouse.duckdb")
        self.con = warehouse.connect(root / "warehouse.duckdb")
        self.sends = 0

    def send(self, *puts) -> None:
        """Put files into the inbox, take them in (a second later than anything before) and
        bring the rows in force up to date, as a run does before the obligations step."""
        for put_file in puts:
            put_file(self.inbox)
        self.sends += 1
        ingest(self.con, self.inbox, self.archive, KEY, now=datetime(2030, 1, 1, 0, 0, self.sends), today=TODAY)
        for report in REPORT_TYPES.values():
            refresh_in_force(self.con, report)

    def tables(self) -> dict[str, pl.DataFrame]:
        return {t: self.con.sql(f"select * from {t} order by {ORDER[t]}").pl() for t in TABLES}

    def assert_equals_whole(self, as_of: date = AS_OF, deadlines=None) -> None:
        """The tables as they stand equal what a whole rebuild makes of the same inputs."""
        kept = self.tables()
        assert rebuild(self.con, as_of, deadlines, force=True).how == "whole"
        for table, frame in self.tables().items():
            assert kept[table].equals(frame), table


@pytest.fixture
def site(small, tmp_path):
    found = Installation(small, tmp_path)
    yield found
    found.con.close()


def r5(school: str, year: int, active: int, enrolled: int = 900):
    def put_it(inbox):
        return put(inbox, f"{year}年报_{school}_{active}.xlsx", R5_HEADER,
                   [[school, "", year, enrolled, 1, 5, 0, active]], arrived="2025-12-02T08:00:00")
    return put_it


def test_nothing_changed_nothing_is_rebuilt(site):
    first = rebuild(site.con, AS_OF)
    assert first.how == "whole"
    before = site.tables()
    fingerprints = {t: warehouse.stored_fingerprint(site.con, t) for t in TABLES}
    assert all(fingerprints.values())
    again = rebuild(site.con, AS_OF)
    assert again.how == "skipped" and again.schools == ()
    assert {t: warehouse.stored_fingerprint(site.con, t) for t in TABLES} == fingerprints
    assert all(before[t].equals(frame) for t, frame in site.tables().items())
    # a file that changes nothing for the senders (a duplicate of one already taken in) skips too
    shutil.copyfile(site.inbox / "2025年报_一中.xlsx", site.inbox / "2025年报_一中_副本.xlsx")
    site.send()
    assert rebuild(site.con, AS_OF).how == "skipped"


def test_new_files_replace_only_their_schools_rows(site):
    rebuild(site.con, AS_OF)
    before = {t: warehouse.stored_fingerprint(site.con, t) for t in TABLES}
    # 南开's refused report corrected (accepted); 河西二中 refused once more, naming itself; 一中's
    # 2025 report corrected (a supersession)
    site.send(lambda inbox: put_nankai_correction(inbox, "2025-12-02T08:00:00"),
              r5("3412000002", 2025, -5, 2100), r5("3412000001", 2025, 700, 1800))
    rows_before = site.tables()[OBLIGATIONS_TABLE]
    built = rebuild(site.con, AS_OF)
    assert built.how == "schools"
    assert built.schools == ("3112000003", "3412000001", "3412000002")
    # recorded so that the snapshot follows: these schools, from the fingerprint each table had
    assert warehouse.changed_keys(site.con, OBLIGATIONS_TABLE, before[OBLIGATIONS_TABLE]) == (
        "school_code", ["3112000003", "3412000001", "3412000002"])
    assert warehouse.changed_keys(site.con, SUPERSESSIONS_TABLE, before[SUPERSESSIONS_TABLE]) == (
        "school_code", ["3112000003", "3412000001"])  # only accepted files supersede
    owed = {(r["report_type"], r["period"], r["school_code"]): r
            for r in site.tables()[OBLIGATIONS_TABLE].iter_rows(named=True)}
    assert owed["R5", 2025, "3112000003"]["status"] == "accepted"
    assert owed["R5", 2025, "3412000002"]["status"] == "refused"
    assert owed["R5", 2025, "3412000002"]["refused_submission_id"] != \
        rows_before.filter((pl.col("school_code") == "3412000002") & (pl.col("report_type") == "R5"))[
            "refused_submission_id"][0]
    # the other schools' rows were left as they were
    untouched = pl.col("school_code").is_in(["3112000003", "3412000001", "3412000002"]).not_()
    assert rows_before.filter(untouched).equals(site.tables()[OBLIGATIONS_TABLE].filter(untouched))
    site.assert_equals_whole()


def test_school_by_school_twice_in_a_row_and_then_nothing(site):
    rebuild(site.con, AS_OF)
    site.send(lambda inbox: put_nankai_correction(inbox, "2025-12-02T08:00:00"))
    assert rebuild(site.con, AS_OF).schools == ("3112000003",)
    site.send(r5("3412000002", 2025, 800, 2100))
    assert rebuild(site.con, AS_OF).schools == ("3412000002",)
    assert rebuild(site.con, AS_OF).how == "skipped"
    site.assert_equals_whole()


def test_a_base_that_changes_host_replaces_both_hosts_rows(site):
    rebuild(site.con, AS_OF)
    owed = site.tables()[OBLIGATIONS_TABLE]
    assert owed.filter(pl.col("entity_code") == "LH-2025-002")["school_code"].to_list() == ["3412000002"]
    site.send(lambda inbox: put(inbox, "基地2025_更正.xlsx", R2_HEADER,
                                [["LH-2025-002", "3412000001", "信息技术与人工智能", "中期评估", 2025, "", 320, 3, 2, 12]],
                                arrived="2025-12-03T08:00:00"))
    built = rebuild(site.con, AS_OF)
    assert built.how == "schools" and built.schools == ("3412000001", "3412000002")
    owed = site.tables()[OBLIGATIONS_TABLE]
    assert owed.filter(pl.col("entity_code") == "LH-2025-002")["school_code"].to_list() == ["3412000001"]
    site.assert_equals_whole()


def later(deadlines: dict[str, Deadline]) -> dict[str, Deadline]:
    moved = dict(deadlines)
    moved["R5"] = Deadline("R5", 12, 5, moved["R5"].label_zh, moved["R5"].label_en)
    return moved


RENAMED = "天津市南开区演示初级中学(新址)"


def registry_beside_a_report(inbox):
    """One workbook holding the registry (南开 renamed) and 河西二中's annual report."""
    renamed = [[*r[:1], RENAMED, *r[2:]] if r[0] == "3112000003" else r for r in REGISTRY]
    return put(inbox, "名录和年报.xlsx", R5_HEADER, [["3412000002", "", 2025, 2100, 1, 10, 2, 850]],
               arrived="2025-12-04T08:00:00", extra_sheets=[Sheet("学校名录", [R0_HEADER, *renamed])])


# what else changed -> whether the supersessions (which read no day, deadline or period) go whole too
CHANGES = {"new day": False, "deadlines": False, "registry": True, "registry beside a report": True,
           "new period": False, "no longer accepted": True, "sql": False}


@pytest.mark.parametrize("change", CHANGES)
def test_anything_else_rebuilds_whole(site, change, monkeypatch):
    rebuild(site.con, AS_OF)
    as_of, deadlines = AS_OF, None
    site.send(r5("3412000002", 2025, 800, 2100))  # would go school by school on its own
    if change == "new day":
        as_of = date(2025, 12, 11)
    elif change == "deadlines":
        deadlines = later(load_deadlines())
    elif change == "registry":
        renamed = [[*REGISTRY[0][:1], "天津市和平区演示第一中学(新校区)", *REGISTRY[0][2:]], *REGISTRY[1:]]
        site.send(lambda inbox: put(inbox, "学校名录_更新.xlsx", R0_HEADER, renamed, arrived="2025-12-04T08:00:00"))
    elif change == "registry beside a report":
        site.send(registry_beside_a_report)
        assert site.con.sql("select report_type from raw.submissions where original_name = '名录和年报.xlsx'"
                            ).fetchall() == [("R0,R5",)]
    elif change == "new period":  # a 2024 report: 2024 is judged from now on
        site.send(r5("3112000003", 2024, 300))
    elif change == "no longer accepted":
        assert site.con.execute("update raw.submissions set status = 'rejected' "
                                "where original_name = '2025年报_一中.xlsx'").fetchall() == [(1,)]
        for report in REPORT_TYPES.values():
            refresh_in_force(site.con, report)
    elif change == "sql":
        text = warehouse.sql

        def changed(name):
            return text(name) + ("\n-- changed" if name == "senders/obligations" else "")
        monkeypatch.setattr(warehouse, "sql", changed)
    built = rebuild(site.con, as_of, deadlines)
    assert built.how == "whole" and built.schools == ()
    assert built.tables[SUPERSESSIONS_TABLE] == ("whole" if CHANGES[change] else "schools")
    whole = {r[0] for r in site.con.sql("select table_name from meta.table_builds where table_name like 'senders.%' "
                                        "and delta_from is null").fetchall()}
    assert whole == {OBLIGATIONS_TABLE, ERROR_LISTS_TABLE} | ({SUPERSESSIONS_TABLE} if CHANGES[change] else set())
    if change == "new period":
        assert 2024 in site.tables()[OBLIGATIONS_TABLE]["period"].to_list()
    if change == "registry beside a report":
        assert RENAMED in site.tables()[OBLIGATIONS_TABLE]["school_name"].to_list()
    if change == "registry":
        assert "天津市和平区演示第一中学(新校区)" in site.tables()[OBLIGATIONS_TABLE]["school_name"].to_list()
    site.assert_equals_whole(as_of, deadlines)


def test_a_table_whose_record_was_lost_rebuilds_whole(site):
    rebuild(site.con, AS_OF)
    site.con.execute(f"delete from meta.table_builds where table_name = '{SUPERSESSIONS_TABLE}'")
    site.send(r5("3412000001", 2025, 700, 1800))
    built = rebuild(site.con, AS_OF)
    assert built.tables == {OBLIGATIONS_TABLE: "schools", ERROR_LISTS_TABLE: "whole", SUPERSESSIONS_TABLE: "whole"}
    assert set(rebuild(site.con, AS_OF).tables.values()) == {"skipped"}
    site.assert_equals_whole()


def test_a_new_day_alone_rebuilds_the_obligations_only(site):
    rebuild(site.con, AS_OF)
    built = rebuild(site.con, date(2025, 12, 11))
    assert built.tables == {OBLIGATIONS_TABLE: "whole", ERROR_LISTS_TABLE: "skipped", SUPERSESSIONS_TABLE: "skipped"}
    assert set(site.tables()[OBLIGATIONS_TABLE]["judged_on"]) == {date(2025, 12, 11)}
    site.assert_equals_whole(date(2025, 12, 11))


def test_a_file_that_is_no_report_replaces_no_school(site):
    rebuild(site.con, AS_OF)
    before = warehouse.stored_fingerprint(site.con, OBLIGATIONS_TABLE)
    kept = site.tables()
    site.send(lambda inbox: (inbox / "通知.txt").write_text("请各校按时报送", encoding="utf-8"))
    built = rebuild(site.con, AS_OF)
    assert built.how == "schools" and built.schools == ()  # its verdict is new: the error lists take it in
    assert warehouse.changed_keys(site.con, OBLIGATIONS_TABLE, before) == ("school_code", [])
    assert kept[OBLIGATIONS_TABLE].equals(site.tables()[OBLIGATIONS_TABLE])
    assert "通知.txt" in site.tables()[ERROR_LISTS_TABLE]["original_name"].to_list()
    site.assert_equals_whole()
