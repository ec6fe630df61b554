"""The fast paths of intake give what the plain ones give: the context fetched for a batch
from the warehouse (WarehouseContext) judges as the whole registry in memory does, the
narrowed in-force query is the in-force query narrowed, and the shortcuts in reading (the
restricted CSV sniffer, NFKC on non-ASCII cells only, footers without trimming, the scan by
os.scandir, parse helper processes) are the standard behaviour, faster."""

from __future__ import annotations

import csv
import os
import random
import shutil

import polars as pl
import pytest

from pipelines.intake import context as C
from pipelines.intake import ingest as I
from pipelines.intake import read, scan
from pipelines.intake import values as V
from pipelines.intake import workers as W
from pipelines.intake.batch import FOOTER, FOOTER_UNTRIMMED
from pipelines.intake.checking import check_many
from pipelines.intake.in_force import in_force_sql
from pipelines.intake.readers import _Sniffer
from tests.conftest import KEY, R0_HEADER, REGISTRY, TODAY, put, put_registry
from tests.intake.conftest import bytes_of
from tests.intake.test_formats import REPORTS
from tests.intake.test_rules import R5_HEADER


def run(con, inbox, tmp_path):
    return I.ingest(con, inbox, tmp_path / "archive", KEY, today=TODAY)


# names that need folding (full-width, capitals, spaces, compatibility forms), shared names
ODD_REGISTRY = [
    *REGISTRY,
    ["3412000007", "天津市ＴＥＤＡ演示中学（分校）", "TEDA一中", "滨海新区", "完全中学", "公办", 900, None, None],
    ["2112000011", "天津市泰达演示小学", "  泰达 演示 ", "滨海新区", "小学", "公办", 900, None, None],
    ["3412000008", "天津市演示实验中学", "实验中学", "和平区", "完全中学", "公办", 800, None, None],
    ["3412000009", "天津市河西区演示实验中学", "实验中学", "河西区", "完全中学", "公办", 700, None, None],
    ["3412000010", "天津市⼀中", "", "和平区", "完全中学", "公办", 700, None, None],  # ⼀ = KANGXI RADICAL ONE
]
LATER_REGISTRY = [["3412000008", "天津市演示实验中学（新校区）", "新实验;实验中学", "和平区", "完全中学", "公办", 800, None, None]]


def judged_files() -> list[tuple[str, bytes]]:
    r5 = [["", "天津市teda演示中学(分校)", 2025, 900, 1, 10, 2, 90],  # a folded full name
          ["", "teda一中", 2025, 900, 1, 10, 2, 90],  # a folded alias
          ["", "泰达 演示", 2024, 900, 1, 10, 2, 90],
          ["", "实验中学", 2025, 800, 1, 10, 2, 90],  # two schools go by it
          ["", "新实验", 2025, 800, 1, 10, 2, 90],  # learnt in this run
          ["", "天津市一中", 2025, 700, 1, 10, 2, 90],
          ["3412000001", "天津市和平区演示第一中学", 2025, 5000, 1, 10, 2, 900],  # far from last year
          ["3412000002", "天津市南开区演示初级中学", 2025, 2100, 1, 10, 2, 900],  # name of another school
          ["3412000099", "", 2025, 100, 1, 1, 0, 10]]  # unknown code
    r3 = [[2025, "G1", "张三", "男", "3412000001", "", "高一", "津沽演大", "物理", "李", "王", "2025-09-01", "",
           "在读", "", "是"],
          [2025, "G2", "李四", "女", "3412000002", "", "高二", "天津市演示实验中学", "物理", "李", "王", "2025-09-01",
           "", "在读", "", "是"]]
    return [("r0.xlsx", bytes_of(None, R0_HEADER, LATER_REGISTRY, "xlsx", "utf-8")),
            ("r5.xlsx", bytes_of(None, R5_HEADER, r5, "xlsx", "utf-8")),
            ("r3.xlsx", bytes_of(None, REPORTS["R3"][0], r3, "xlsx", "utf-8"))]


def summary(verdicts) -> list:
    return [(v.status, v.issues.drop("message_en").sort(v.issues.columns[:6], nulls_last=True).rows(),
             {t: f.sort(f.columns[:3], nulls_last=True).rows() for t, f in v.rows.items()}) for v in verdicts]


def test_the_warehouse_context_judges_as_the_whole_registry(con, inbox, tmp_path):
    put(inbox, "学校名录.xlsx", R0_HEADER, ODD_REGISTRY, arrived="2024-01-10T08:00:00")
    put(inbox, "年报2024.xlsx", R5_HEADER, [["3412000001", "", 2024, 1800, 1, 10, 2, 900]],
        arrived="2025-01-10T08:00:00")
    run(con, inbox, tmp_path)
    fetched = C.load_context(con, KEY, TODAY)
    whole = fetched.materialise()
    assert type(whole) is C.RunContext and whole.schools.height == len(ODD_REGISTRY)
    assert whole.previous_r5.height == 1
    by_batch, by_whole = check_many(judged_files(), fetched), check_many(judged_files(), whole)
    assert summary(by_batch) == summary(by_whole)
    rules = set(by_batch[1].issues["rule_code"]) | set(by_batch[2].issues["rule_code"])
    assert {"ambiguous_school", "unknown_school", "name_code_mismatch", "far_from_last_year"} <= rules
    resolved = by_batch[1].rows["staging.r5_school_annual_reports"]["school_code"].to_list()
    assert {"3412000007", "3412000008", "3412000010", "2112000011"} <= set(resolved)


def test_a_context_of_an_empty_warehouse_learns_from_the_run(con):
    ctx = C.load_context(con, KEY, TODAY)
    registry = check_many([("r0.xlsx", bytes_of(None, R0_HEADER, ODD_REGISTRY, "xlsx", "utf-8"))], ctx)[0]
    assert registry.status == "accepted"
    ctx.accept(registry)
    whole = ctx.materialise()
    assert summary(check_many(judged_files()[1:], ctx)) == summary(check_many(judged_files()[1:], whole))


@pytest.mark.parametrize("code", ["R0", "R5"])
def test_in_force_of_some_keys_is_in_force_narrowed(con, inbox, tmp_path, code):
    put_registry(inbox)
    for i, year in enumerate((2024, 2025, 2025)):
        put(inbox, f"年报{i}.xlsx", R5_HEADER, [["3412000001", "", year, 1800, 1, 10, 2, 900 + i],
                                               ["3412000002", "", year, 2100, 1, 10, 2, 800 + i]],
            arrived=f"2025-0{i + 1}-10T08:00:00")
    put(inbox, "学校名录2.xlsx", R0_HEADER, [["3412000001", "天津市和平区演示第一中学（新）", "", "和平区", "高级中学",
                                          "公办", 1800, None, None]], arrived="2025-06-01T08:00:00")
    run(con, inbox, tmp_path)
    whole = con.sql(in_force_sql(code)).pl().filter(pl.col("school_code") == "3412000001")
    con.execute("create temp table wanted as select '3412000001' as v")
    narrowed = con.sql(in_force_sql(code, schools_in="wanted")).pl()
    assert whole.height >= 1 and whole.sort(whole.columns).equals(narrowed.sort(narrowed.columns))


def test_names_that_need_no_folding_are_their_own_key():
    random.seed(6)
    plain = "中学天津演示0123456789abcxyz()-_.,;:!?#@[]{}~"
    texts = ["".join(random.choice(plain) for _ in range(random.randint(1, 12))) for _ in range(3000)]
    names = pl.Series(texts)
    assert not names.str.contains(C.NEEDS_FOLDING).any()
    assert pl.select(C._fold(pl.lit(names))).to_series().to_list() == texts
    odd = pl.Series(["Ａ", "A", " a", "（", "⼀", "ｶ", "a\u00a0b", "Ⅻ"])
    assert odd.str.contains(C.NEEDS_FOLDING).all()


def test_sniffer_agrees_with_the_standard_one():
    random.seed(4)
    samples = ["a,b\nc", "a;b,c\n1;2,3\n", "x\ty;z\n1\t2;3\n4\t5;6\n", '"a","b"\n"1","2"\n', "a, b, c\n1, 2, 3\n",
               "学校,年度\n1,2\n", "a;b;c\n1;2;3\n4;5\n", "", "a\n\n\nb"]
    alphabet = [",", ";", "\t", " ", "\n", "a", "1", '"', "中"]
    samples += ["".join(random.choice(alphabet) for _ in range(random.randint(0, 200))) for _ in range(3000)]

    def verdict(sniffer, text):
        try:
            d = sniffer.sniff(text, delimiters=",\t;")
            return d.delimiter, d.skipinitialspace, d.quotechar, d.doublequote
        except csv.Error as exc:
            return str(exc)

    assert [verdict(_Sniffer(), s) for s in samples] == [verdict(csv.Sniffer(), s) for s in samples]


def test_clean_in_parts_and_footers_untrimmed_are_the_same():
    random.seed(5)
    alphabet = ["1", "２", "Ａ", "a", " ", "\u3000", "（", "ｶ", "ﾞ", "①", "中", "e\u0301", "\u00a0", "\t", "合计", "填表人",
                "：", ":", "注", "\n"]
    cells = pl.Series(["".join(random.choice(alphabet) for _ in range(random.randint(0, 6))) for _ in range(20000)]
                      + [None])
    assert pl.select(V.clean(pl.lit(cells))).to_series().equals(pl.select(V.trimmed(pl.lit(V.nfkc(cells)))).to_series())
    assert V.nfkc(cells.head(3).str.replace_all("[^0-9a]", "")).equals(cells.head(3).str.replace_all("[^0-9a]", ""))
    trimmed = cells.str.strip_chars().str.contains(FOOTER).fill_null(False)
    assert trimmed.equals(cells.str.contains(FOOTER_UNTRIMMED).fill_null(False)) and trimmed.any()


def test_scan_walks_regular_files_only_and_lists_the_rest(tmp_path):
    root = tmp_path / "inbox"
    (root / "b" / "c").mkdir(parents=True)
    for d in ("a", ".hidden", "~tmp"):
        (root / d).mkdir()
    for rel in ("z.csv", "a.xlsx", "b/x.csv", "b/c/y.xlsx", "a/q.xls", ".hidden/h.csv", "~tmp/w.csv", "~$lock.xlsx",
                ".DS_Store"):
        (root / rel).write_text(rel)
    os.symlink(root / "b", root / "linked")  # a linked folder is not walked into
    os.symlink(root / "a.xlsx", root / "link.xlsx")  # a linked file is never read (issue 11)
    os.symlink(root / "gone", root / "dangling.xlsx")
    os.mkfifo(root / "pipe")
    (root / "folder.xlsx").mkdir()  # a folder named like a report is listed, not walked
    not_regular: list = []
    files = scan.scan_inbox(root, not_regular=not_regular)
    assert [f.relative for f in files] == ["a.xlsx", "z.csv", "a/q.xls", "b/x.csv", "b/c/y.xlsx"]
    assert files[3].path == root / "b" / "x.csv"
    assert sorted(not_regular) == [("dangling.xlsx", "symlink"), ("folder.xlsx", "folder"), ("link.xlsx", "symlink"),
                                   ("linked", "symlink"), ("pipe", "fifo")]


def test_workers_that_cannot_start_fail_the_run_and_judge_nothing(inbox, monkeypatch):
    """No worker process is the pipeline broken, not a file's fault: raised, never a verdict."""
    put_registry(inbox)
    files = scan.scan_inbox(inbox)
    monkeypatch.setattr(W, "READY", "not what the worker says")  # every worker is refused at once
    with pytest.raises(RuntimeError, match="parse workers could not run"):
        read.parse_all(files)


def test_a_run_in_parts_equals_a_run_at_once(con, inbox, tmp_path):
    """The warehouse after ingesting files in two runs equals that after one run of all of
    them, where the files of the second run come later (the context of the second run is
    fetched from the warehouse, that of one run is learnt as it goes)."""
    put(inbox, "学校名录.xlsx", R0_HEADER, ODD_REGISTRY, arrived="2024-01-10T08:00:00")
    put(inbox, "年报2024.xlsx", R5_HEADER, [["3412000001", "", 2024, 1800, 1, 10, 2, 900]],
        arrived="2025-01-10T08:00:00")
    later = tmp_path / "later"
    later.mkdir()
    for i, (name, data) in enumerate(judged_files()):
        (later / name).write_bytes(data)
        stamp = 1767225600 + i * 3600  # 2026-01-01, after the others
        os.utime(later / name, (stamp, stamp))
    run(con, inbox, tmp_path)
    for p in later.iterdir():
        shutil.copy2(p, inbox / p.name)
    run(con, inbox, tmp_path)
    import warehouse
    from pipelines.reference.load import load_reference

    other = warehouse.connect(tmp_path / "other.duckdb")
    load_reference(other)
    I.ingest(other, inbox, tmp_path / "archive2", KEY, today=TODAY)
    for table in ("raw.issues", "staging.r0_schools", "staging.r3_yip_participants",
                  "staging.r5_school_annual_reports"):
        a, b = con.sql(f"select * from {table}").pl(), other.sql(f"select * from {table}").pl()
        keys = [c for c, t in a.schema.items() if not isinstance(t, pl.List)]
        assert a.sort(keys, nulls_last=True).equals(b.sort(keys, nulls_last=True)), table
    other.close()


def test_a_worker_process_parses_as_this_one_would(inbox):
    put_registry(inbox)
    put(inbox, "年报.xlsx", R5_HEADER, [["3412000001", "", 2025, 1800, 1, 10, 2, 900]], title_rows=[["标题"]])
    put(inbox, "年报.csv", R5_HEADER, [["3412000002", "", 2025, 2100, 1, 10, 2, 900]], encoding="gb18030")
    (inbox / "通知.txt").write_text("不是报表", encoding="utf-8")
    files = scan.scan_inbox(inbox)
    from pipelines.intake.parsing import parse

    here = [parse(f.path.read_bytes(), f.name) for f in files]
    there = read.parse_all(files)
    for a, b in zip(here, there, strict=True):
        assert (a.name, a.file_format, a.report_types, a.skipped, a.not_a_report) == \
            (b.name, b.file_format, b.report_types, b.skipped, b.not_a_report)
        for (ga, ia, ma), (gb, ib, mb) in zip(a.sheets, b.sheets):
            assert ia == ib and ma == mb and ga.letters == gb.letters and ga.name == gb.name
            assert ga.frame.equals(gb.frame)
