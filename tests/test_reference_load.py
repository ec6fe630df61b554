"""The reference tables (seeds/ → ref.*) are written only when they differ from the seeds: a run
over unchanged seeds writes nothing (issue 15 #3), and anything that differs is put back."""

from __future__ import annotations

import shutil

import warehouse
from pipelines.reference.load import SEEDS_DIR, load_reference


class Spy:
    """The connection, with the statements run through it written down."""

    def __init__(self, con):
        self.con, self.statements = con, []

    def execute(self, query, *args, **kwargs):
        self.statements.append(" ".join(str(query).split()))
        return self.con.execute(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.con, name)


def writes(spy: Spy) -> list[str]:
    return [s for s in spy.statements if s.startswith(("delete", "insert"))]


def test_reference_is_written_only_when_it_differs_from_the_seeds(tmp_path):
    con = warehouse.connect(tmp_path / "warehouse.duckdb")
    first = Spy(con)
    counts = load_reference(first)
    assert writes(first) and counts["ref.districts"] == 16

    again = Spy(con)
    assert load_reference(again) == counts
    assert writes(again) == []

    con.execute("update ref.districts set district_name_zh = '改过' where district_code = '120101'")
    restored = Spy(con)
    load_reference(restored)
    assert writes(restored)
    assert warehouse.scalar(con, "select district_name_zh from ref.districts where district_code = '120101'") == "和平区"

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    targets = (seeds / "targets.csv").read_text(encoding="utf-8").replace(",25,", ",26,", 1)
    (seeds / "targets.csv").write_text(targets, encoding="utf-8")
    changed = Spy(con)
    load_reference(changed, seeds)
    assert writes(changed)
    assert warehouse.scalar(con, "select target_value from ref.targets where indicator_id = 'SHS_NAMED'") == 26
