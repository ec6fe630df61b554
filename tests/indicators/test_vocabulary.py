"""One vocabulary (issue 14): what users read about an indicator — its name, its unit's word, its
status — is the catalog's (pipelines.indicators.catalog), in the dashboard, the exports and the
briefing alike. The briefing once said 已达成 / 需加快进度 / 出现倒退 and 建成科学高中 where the
exports said 已实现 / 需加快 / 倒退 and 已命名科学高中, and students were 名 in one and 人 in the other."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from dashboards import i18n
from pipelines.exports import indicators_export
from pipelines.indicators.catalog import INDICATORS, INDICATORS_BY_ID, STATUS_LABELS, UNIT_NAMES, UNIT_WORDS
from pipelines.operations.briefing import data as briefing

ROOT = Path(__file__).resolve().parents[2]
# words once used beside the catalog's for the same thing; none may come back
RETIRED = ["已达成", "需加快进度", "出现倒退", "建成科学高中", "选拔人数", "每届100名"]


def test_the_briefing_speaks_the_catalogs_words():
    assert briefing.STATUS_ZH == {s: words[0] for s, words in STATUS_LABELS.items()}
    assert briefing.UNIT_ZH == {u: words[0] for u, words in UNIT_WORDS.items()}
    assert briefing.INDICATOR_ZH == {i.id: i.name_zh for i in INDICATORS}


def test_the_exports_speak_the_catalogs_words():
    assert indicators_export.UNIT_ZH == {u: words[0] for u, words in UNIT_WORDS.items()}


def test_the_dashboard_speaks_the_catalogs_words():
    for status, (zh, en) in STATUS_LABELS.items():
        assert (i18n.t(f"status_{status}", "zh"), i18n.t(f"status_{status}", "en")) == (zh, en)
    for unit, (zh, en) in UNIT_WORDS.items():
        if unit != "%":
            assert (i18n.t(f"unit_{unit}", "zh"), i18n.t(f"unit_{unit}", "en")) == (zh, en)
    for unit, words in UNIT_NAMES.items():
        assert i18n.TEXT[f"unit_name_{unit}"] == words


def test_the_targets_name_each_indicator_as_the_catalog_does():
    targets = pl.read_csv(ROOT / "seeds" / "targets.csv")
    for row in targets.iter_rows(named=True):
        indicator = INDICATORS_BY_ID[row["indicator_id"]]
        assert (row["label_zh"], row["label_en"]) == (indicator.name_zh, indicator.name_en), row["indicator_id"]
        assert UNIT_WORDS[row["unit"]] and row["unit"] == indicator.unit


def test_no_output_uses_a_retired_word():
    sources = [p for folder in ("pipelines", "dashboards", "warehouse", "seeds")
               for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".sql", ".j2", ".csv", ".html"}
               and "demo" not in p.relative_to(ROOT).parts]
    assert len(sources) > 100
    found = [(p.relative_to(ROOT).as_posix(), w) for p in sources for w in RETIRED
             if w in p.read_text(encoding="utf-8", errors="replace")]
    assert not found


def test_a_key_defined_twice_differently_stops_the_dashboard(monkeypatch):
    monkeypatch.setattr(i18n, "TEXT", dict(i18n.TEXT))
    i18n._join({"col_year": i18n.TEXT["col_year"]}, "same words")  # the same words twice are fine
    with pytest.raises(RuntimeError, match=re.escape("'col_year' is defined twice")):
        i18n._join({"col_year": ("年份", "Year")}, "a page's own table")
