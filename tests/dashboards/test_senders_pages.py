"""The senders' loop on the dashboard (issue 13 #2, #3), in AppTest over a small inbox run through
the whole graph: a school that signs in after a refusal sees it first, with every problem, the error
list to download and the way to send again; what it owes; which file replaced which. A district
bureau sees its schools' refusals and obligations on the reporting page; the scope holds the rest back."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import auth, scope
from dashboards.pages import PAGES as APP_PAGES
from pipelines.access.roles import Role, Scope
from tests.dashboards.dashboard_support import APP
from tests.small_inbox import put_heping_correction, run_small_inbox

PAGES = {url: path for path, _, url, _ in APP_PAGES}
HEXI_SCHOOL = "hexi2@demo.kejiao.invalid"  # 3412000002: its 2025 report refused
HEPING_SCHOOL = "heping1@demo.kejiao.invalid"  # 3412000001: accepted, then corrected
HEXI_BUREAU = "hexi-bureau@demo.kejiao.invalid"
ROLES = f"""match_by,identity,role,scope_code,display_name
email,{HEXI_SCHOOL},school,3412000002,演示·河西二中
email,{HEPING_SCHOOL},school,3412000001,演示·和平一中
email,{HEXI_BUREAU},district,120103,演示·河西区教育局
email,team@demo.kejiao.invalid,data_team,,演示·数据组
email,commission@demo.kejiao.invalid,commission,,演示·市教委
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    settings = run_small_inbox(tmp_path_factory.mktemp("senders_pages"), put_heping_correction).settings
    (settings.data_dir / "access").mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "access" / "role_assignments.csv").write_text(ROLES, encoding="utf-8")
    return settings.data_dir


@pytest.fixture
def env(data_dir, monkeypatch):
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("KEJIAO_DEMO", "1")
    return data_dir


def open_as(identity: str, page: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.session_state["lang"] = lang
    at.session_state[auth.DEMO_KEY] = identity
    at.switch_page(PAGES[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def walk(node):
    """Every element of the page, in the order it is drawn."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from walk(child)


def test_a_school_sees_its_refusal_first_with_the_error_list_and_the_way_to_send_again(env):
    at = open_as(HEXI_SCHOOL, "my_school")
    drawn = list(walk(at.main))
    kinds = [getattr(e, "type", "") for e in drawn]
    refusal = next(i for i, e in enumerate(drawn) if e.type == "error" and "被退回" in str(e.value))
    first_subheader = next(i for i, e in enumerate(drawn) if kinds[i] in ("subheader", "heading", "markdown")
                           and "本校应报" in str(getattr(e, "value", "")))
    assert refusal < first_subheader, "the refusal comes before anything else of the school's"
    text = "\n".join(str(getattr(e, "value", "")) for e in drawn)
    assert "有 1 份报送文件被退回" in text
    assert "收件人：学校 3412000002" in text  # the school the file was for
    assert "**2025年报_河西二中.xlsx**（R5 学校科技教育年报）于 2025年11月21日 16:00（北京时间）到达" in text
    # the download of the error list and the way to the upload page, side by side
    buttons = [b for b in at.get("download_button") if "下载错误清单" in b.proto.label]
    assert len(buttons) == 1
    links = [e for e in at.get("page_link") if "重新报送整个改正后的文件" in e.proto.label]
    assert len(links) == 1 and links[0].proto.page.endswith("upload")
    # every problem, with its row and column
    problems = next(d.value for d in at.dataframe if "问题" in d.value.columns or "说明" in d.value.columns
                    or "列" in d.value.columns)
    assert len(problems) >= 2 and "E" in " ".join(map(str, problems.iloc[:, 3]))
    # what it owes: its 2025 annual report, refused, overdue since 1 December 2025
    owed = next(d.value for d in at.dataframe if "状态" in d.value.columns and "截止日期" in d.value.columns)
    row = owed[owed["年度/届别"] == "2025年"].iloc[0]
    assert row["状态"].startswith("被退回") and "2025年12月1日" in row["状态"]
    assert row["退回原因"]


def test_the_error_list_downloaded_is_that_files_workbook(env, data_dir):
    from dashboards import senders_data

    snap = scope.ScopedSnapshot(str(data_dir / "published" / "current.duckdb"), 0, 0, 0, Role.SCHOOL.value, (),
                                ("3412000002",))
    refusals = senders_data.standing_refusals(snap)
    assert refusals["original_name"].to_list() == ["2025年报_河西二中.xlsx"]
    name, body = senders_data.error_workbook(snap, refusals.item(0, "submission_id"))
    assert name.endswith("_2025年报_河西二中_错误清单.xlsx") and body[:2] == b"PK"
    assert body == (data_dir / "outbox" / name).read_bytes()
    # another school's file is not offered, even by its id
    other = scope.ScopedSnapshot(snap.path, 1, 0, 0, Role.SCHOOL.value, (), ("3412000001",))
    assert senders_data.standing_refusals(other).is_empty()
    assert senders_data.error_workbook(other, refusals.item(0, "submission_id")) is None


def test_a_school_without_refusal_sees_what_it_owes_and_its_corrections(env):
    at = open_as(HEPING_SCHOOL, "my_school")
    assert not [e for e in at.error if "被退回" in e.value]
    replaced = next(d.value for d in at.dataframe if "被取代的文件" in d.value.columns)
    assert replaced["被取代的文件"].tolist() == ["2025年报_一中.xlsx"]
    assert replaced["取代它的文件"].tolist() == ["2025年报_一中_更正.xlsx"]
    owed = next(d.value for d in at.dataframe if "状态" in d.value.columns and "截止日期" in d.value.columns)
    assert owed[owed["年度/届别"] == "2025年"].iloc[0]["状态"] == "已接收"


def test_a_district_bureau_sees_its_schools_obligations_and_error_lists(env):
    at = open_as(HEXI_BUREAU, "reporting")
    at.session_state["_years"] = (2025, 2026)
    text = "\n".join(str(getattr(e, "value", "")) for e in walk(at.main))
    assert "退回的文件与错误清单（1）" in text
    assert any("下载错误清单" in b.proto.label for b in at.get("download_button"))
    assert any("下载逾期清单" in b.proto.label for b in at.get("download_button"))


def test_scopes_of_the_senders_tables(data_dir):
    path = data_dir / "published" / "current.duckdb"

    def rows(sc: Scope, table: str) -> pl.DataFrame:
        con = scope.open_scoped(path, sc)
        try:
            return con.sql(f"select * from {table}").pl()
        finally:
            con.close()

    commission = Scope(Role.COMMISSION, (), ())
    assert rows(commission, "senders.error_lists").is_empty()  # the problems of files: not theirs
    assert rows(commission, "senders.obligations").height > 0
    hexi = Scope(Role.DISTRICT, ("120103",), ())
    assert set(rows(hexi, "senders.obligations")["district_code"]) == {"120103"}
    assert rows(hexi, "senders.error_lists")["original_name"].to_list() == ["2025年报_河西二中.xlsx"]
    school = Scope(Role.SCHOOL, (), ("3412000001",))
    assert set(rows(school, "senders.obligations")["school_code"]) == {"3412000001"}
    assert set(rows(school, "senders.supersessions")["school_code"]) == {"3412000001"}
    assert rows(school, "senders.error_lists").is_empty()



def test_the_refusal_in_english(env):
    at = open_as(HEXI_SCHOOL, "my_school", lang="en")
    assert any("1 of your files were refused" in e.value for e in at.error)
    assert any("Download the error list" in b.proto.label for b in at.get("download_button"))
    assert any("Send the whole corrected file again" in e.proto.label for e in at.get("page_link"))


def test_district_targets_on_the_overview(env):
    commission = open_as("commission@demo.kejiao.invalid", "overview")
    text = "\n".join(str(getattr(e, "value", "")) for e in walk(commission.main))
    assert "目标分解：各区对照本区目标" in text
    table = next(d.value for d in commission.dataframe if "本区目标" in d.value.columns)
    assert len(table) == 16  # every district, those without a share said to have none
    assert (table["本区目标"] == "未分配份额").sum() == 16 - 8
    assert table[table["区"] == "河西区"].iloc[0]["本区目标"] == "2（2030年）（示例份额）"
    assert "尚无任何区分配“青少年科创计划年度选拔人数”的目标份额。" in text or "尚无任何区分配" in text
    # a district bureau, its district chosen: its own line against its own share, or that it has none
    bureau = AppTest.from_file(str(APP), default_timeout=180)
    bureau.session_state["lang"] = "zh"
    bureau.session_state[auth.DEMO_KEY] = HEXI_BUREAU
    bureau.session_state["district"] = "120103"
    bureau.switch_page(PAGES["overview"])
    bureau.run()
    assert not bureau.exception, [e.value for e in bureau.exception]
    own = "\n".join(str(getattr(e, "value", "")) for e in walk(bureau.main))
    assert "河西区：" in own and "本区目标 2（2030年）（示例份额）" in own
    assert "市教委尚未给河西区分配“" in own  # the youth programme's places: no share, nothing estimated
