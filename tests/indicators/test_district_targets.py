"""District targets (目标分解, issue 13 #5): a district's value against its own share, by the city's
rules; a district without a share says so; a bad seeds file is refused with the line to fix."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.indicators.district_targets import NO_SHARE, district_progress, rebuild_district_progress
from pipelines.indicators.progress import stock_progress
from pipelines.reference.load import SEEDS_DIR, SeedsError, read_district_targets, read_seeds


def put_values(con, indicator_id: str, geo: str, series: dict[int, float], unit: str = "schools") -> None:
    for period, value in series.items():
        con.execute(
            "insert into indicators.indicator_values (indicator_id, period, geo_code, breakdown, value, unit, as_of, "
            "submission_count, submission_ids) values ($i, $p, $g, '', $v, $u, $a, 0, [])",
            {"i": indicator_id, "p": period, "g": geo, "v": value, "u": unit, "a": datetime(2026, 11, 20)})


def test_a_district_against_its_own_share_and_the_others_say_none(con):
    shares = con.sql("select * from ref.district_targets where indicator_id = 'SHS_NAMED'").pl()
    assert shares.height > 0 and shares.height < 16  # the seeds assign some districts, not all
    hexi = shares.filter(pl.col("district_code") == "120103").row(0, named=True)
    put_values(con, "SHS_NAMED", "120103", {2024: 0, 2025: 0, 2026: 1})
    put_values(con, "SHS_NAMED", "120113", {2024: 0, 2026: 2})  # 北辰: no share assigned
    put_values(con, "YIP_ENROLLED", "120103", {2026: 7}, unit="students")
    frame = district_progress(con)
    assert frame.height == 16 * 3  # every count target (SHS_NAMED, FLB_ACTIVE, YIP_ENROLLED) × every district
    row = frame.filter((pl.col("indicator_id") == "SHS_NAMED") & (pl.col("district_code") == "120103")).row(0, named=True)
    expected = stock_progress([(2024, 0), (2025, 0), (2026, 1)], hexi["target_value"], hexi["target_year"])
    assert row["has_share"] and row["district_target"] == hexi["target_value"] and row["value"] == 1
    assert (row["status"], row["progress_ratio"]) == (expected.status, expected.ratio)
    assert row["period"] == 2026 and row["is_example"]
    beichen = frame.filter((pl.col("indicator_id") == "SHS_NAMED") & (pl.col("district_code") == "120113")).row(
        0, named=True)
    assert beichen["status"] == NO_SHARE and beichen["district_target"] is None and beichen["value"] == 2
    # no share of the youth programme's places is assigned anywhere: said, not invented
    yip = frame.filter(pl.col("indicator_id") == "YIP_ENROLLED")
    assert set(yip["status"]) == {NO_SHARE} and yip["district_target"].null_count() == 16
    rebuild_district_progress(con)
    assert con.sql("select count(*) from indicators.district_progress").fetchall()[0][0] == 48


def test_a_bad_share_is_refused_with_its_line(tmp_path: Path):
    seeds = read_seeds(SEEDS_DIR)
    bad = tmp_path / "district_targets.csv"
    header = "indicator_id,district_code,target_value,target_year,is_example,source\n"
    for body, words in [
        ("SHS_NAMED,129999,2,2030,false,x\n", "第2行.*不是天津市的区"),
        ("STE_VICE_PRINCIPAL,120101,100,,false,x\n", "不是有市级数量目标的指标"),
        ("SHS_NAMED,120101,-1,2030,false,x\n", "须为 0 或正数"),
        ("SHS_NAMED,120101,2,,false,x\n", "须填写目标年份"),
        ("SHS_NAMED,120101,2,2030,false,x\nSHS_NAMED,120101,3,2030,false,y\n", "重复分解"),
    ]:
        bad.write_text(header + body, encoding="utf-8")
        with pytest.raises(SeedsError, match=words):
            read_district_targets(bad, seeds["ref.targets"], seeds["ref.districts"])
    assert read_district_targets(tmp_path / "none.csv", seeds["ref.targets"], seeds["ref.districts"]).is_empty()


def test_the_briefing_ranks_districts_by_progress_ratio(tmp_path: Path):
    from datetime import date

    import warehouse
    from pipelines.operations.briefing.data import load_briefing_data
    from pipelines.operations.briefing.render import render_html
    from pipelines.reference.load import load_reference

    path = tmp_path / "snapshot.duckdb"
    con = warehouse.connect(path)
    load_reference(con)
    put_values(con, "SHS_NAMED", "120103", {2024: 0, 2026: 2})  # 河西: its share (2) reached
    put_values(con, "SHS_NAMED", "120104", {2024: 0, 2026: 1})  # 南开: 1 of 3
    put_values(con, "SHS_NAMED", "120101", {2024: 0, 2026: 0})  # 和平: none yet
    put_values(con, "SHS_NAMED", "120000", {2024: 0, 2026: 3})
    rebuild_district_progress(con)
    con.close()
    briefing = load_briefing_data(path, date(2026, 12, 1))
    shs = briefing.district_ranking.filter(pl.col("indicator_id") == "SHS_NAMED")
    assert shs["district_code"].to_list()[:3] == ["120103", "120104", "120101"]
    assert shs["rank"].to_list()[:3] == [1, 2, 3]
    html = render_html(briefing, {})
    assert "目标分解——各区对照本区目标的进展排名" in html
    page = html[html.index("目标分解——各区对照本区目标的进展排名"):]
    assert page.index("已命名科学高中") < page.index("在建领航学科基地")  # the targets in their own order
    assert page.index("河西区") < page.index("南开区") < page.index("和平区")
    assert "个区尚未分配目标份额，不参与排名，也不作推算" in html
