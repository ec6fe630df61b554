"""The whole loop for a school's template: written from the published snapshot, filled as the
school fills it, uploaded through the dashboard's channel (inbox/uploads with its sender) and,
after the next run, in force with exactly the figures typed in."""

from __future__ import annotations

import os
import shutil

import duckdb

from pipelines.cli import run_all
from pipelines.intake import upload
from pipelines.senders import templates as T
from pipelines.senders.filling import fill
from pipelines.settings import Settings
from tests.conftest import KEY
from tests.senders.test_templates import VALID


def test_a_filled_template_uploaded_is_in_force_after_the_next_run(installed, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    shutil.copytree(installed, data_dir)  # the module's installation stays as it was
    settings = Settings(data_dir)
    sources = T.Sources.open(settings.published_dir / "current.duckdb")
    name, template = T.template_for(sources, "R5", 2026, "3412000002")
    sender = upload.Sender("hexi@school.example", "school", schools=("3412000002",))
    upload.deliver(fill(template, {"3412000002": VALID}), upload.generated_name(name, "xlsx"), settings.inbox_dir, sender,
                   name)
    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", KEY.decode())
    monkeypatch.delenv("KEJIAO_INBOX_ROOT_CHANNEL", raising=False)  # the upload channel's rules, as deployed
    os.environ.pop("DAGSTER_HOME", None)
    result = run_all(settings, settings.inbox_dir, settings.warehouse_path, raise_on_error=True, log_level="WARNING")
    assert result.success
    con = duckdb.connect(str(settings.published_dir / "current.duckdb"), read_only=True)
    try:
        # stored under the name the upload generated: <time>_<token>_<the school's file name>
        status = con.sql("select status from raw.submissions where inbox_path like 'uploads/%' "
                         "and ends_with(original_name, $n)", params={"n": name}).fetchall()
        row = con.sql("select * from staging.r5_school_annual_reports_in_force "
                      "where school_code = '3412000002' and report_year = 2026").pl().to_dicts()
    finally:
        con.close()
    assert status == [("accepted",)]
    assert len(row) == 1 and {k: row[0][k] for k in VALID} == VALID
