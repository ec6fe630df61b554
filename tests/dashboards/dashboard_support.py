"""What the dashboard tests share beside their fixtures: the app, its pages, and how the demo
snapshot is built (the real pipeline over seeds/demo)."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.cli import run_all
from pipelines.demo.generator import stage
from pipelines.settings import DEMO_DIR, PROJECT_ROOT, Settings

APP = PROJECT_ROOT / "dashboards" / "streamlit_app.py"
PAGES = {
    "overview": "app_pages/overview.py",
    "science_high_schools": "app_pages/science_high_schools.py",
    "flagship_bases": "app_pages/flagship_bases.py",
    "youth_programme": "app_pages/youth_programme.py",
    "everyone": "app_pages/everyone.py",
    "reporting": "app_pages/reporting.py",
    "methodology": "app_pages/methodology.py",
    "export": "app_pages/export.py",
}
DEMO_KEY = "dashboard-tests-pseudonym-key-of-32-bytes-or-more"


def build_demo_snapshot(data_dir: Path) -> Path:
    """Stage seeds/demo into an inbox and run the whole asset graph once (pipelines.cli.run_all)."""
    settings = Settings(data_dir)
    inbox = settings.inbox_dir
    stage(DEMO_DIR, inbox)
    previous = os.environ.get("KEJIAO_PSEUDONYM_KEY")
    os.environ["KEJIAO_PSEUDONYM_KEY"] = DEMO_KEY
    try:
        result = run_all(settings, inbox, settings.warehouse_path, raise_on_error=True)
    finally:
        if previous is None:
            os.environ.pop("KEJIAO_PSEUDONYM_KEY", None)
        else:
            os.environ["KEJIAO_PSEUDONYM_KEY"] = previous
    assert result.success
    current = settings.published_dir / "current.duckdb"
    assert current.exists(), "the pipeline published no snapshot"
    return current


