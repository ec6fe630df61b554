"""Finding 7b: Dagster's previews of private tables. The staging preview of the youth-programme
roster (R3) showed the free-text `outputs` column and the keyed hashes of student and mentor
IDs in the asset's metadata, where anyone with the Dagster UI reads them. The attack: an
accepted roster through the whole graph, then every materialization's metadata scanned for the
hashes and the free text. Previews of private tables now show counts only."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.cli import run_all
from pipelines.settings import Settings
from tests.access.support import R3_HEADER
from tests.conftest import put, put_registry

OUTPUTS = "张小明同学的机器人论文获市一等奖"
STUDENTS = ["G120101200801010011", "G120101200801010022"]
ROSTER = [[2025, STUDENTS[0], "张小明", "男", "3412000001", "高一", "4112000005", "T00917", "S00423", "2025-09-01",
           None, "在读", "是", OUTPUTS],
          [2025, STUDENTS[1], "李小红", "女", "3412000002", "高二", "4112000005", "T00917", None, "2025-09-01",
           None, "在读", "是", None]]


@pytest.fixture(scope="module")
def metadata(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("previews")
    settings = Settings(root / "data")
    settings.inbox_dir.mkdir(parents=True)
    put_registry(settings.inbox_dir)
    put(settings.inbox_dir, "名册.xlsx", [*R3_HEADER, "成果"], ROSTER, arrived="2025-10-15T08:00:00")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KEJIAO_DATA_DIR", str(settings.data_dir))
        result = run_all(settings, settings.inbox_dir, settings.warehouse_path, raise_on_error=True)
    found = {}
    for event in result.get_asset_materialization_events():
        m = event.event_specific_data.materialization
        found[m.asset_key.to_user_string()] = "\n".join(f"{k}: {v.value}" for k, v in m.metadata.items())
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    hashes = [v for row in con.sql("select student_key, university_mentor_key, school_mentor_key "
                                   "from staging.r3_yip_participants").fetchall() for v in row if v]
    con.close()
    assert len(hashes) == 5
    return found, hashes


def test_no_preview_shows_a_hashed_id_or_the_free_text(metadata):
    metadata, hashes = metadata
    leaked = {asset: [h for h in hashes if h[:12] in text] + ([OUTPUTS] if OUTPUTS[:6] in text else [])
              for asset, text in metadata.items()}
    assert not {a: v for a, v in leaked.items() if v}, leaked


def test_the_roster_still_reports_its_counts(metadata):
    text = metadata[0]["yip_participants"]
    assert "rows in force: 2" in text and "preview" not in text
