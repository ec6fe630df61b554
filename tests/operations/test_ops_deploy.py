"""Running it for real: the instance files load, the systemd units are valid, `make dev` sets up
DAGSTER_HOME."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.instance.config import dagster_instance_config

from pipelines.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
SERVER_ROOT = "/opt/kejiao2030"
ENV_VARS = {"KEJIAO_DATA_DIR", "KEJIAO_PSEUDONYM_KEY", "KEJIAO_WEBHOOK_URL", "DAGSTER_HOME"}


def test_dev_instance_uses_the_queue_with_one_warehouse_writer(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with DagsterInstance.get() as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        queue = instance.get_concurrency_config().run_queue_config
        assert {"key": "kejiao/writes_warehouse", "value": "true", "limit": 1} in queue.tag_concurrency_limits
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert Path(instance.root_directory) == home
    assert (home / "history").exists() or (home / "storage").exists()  # SQLite files under DAGSTER_HOME


def test_postgres_instance_example_is_valid_and_keeps_the_same_limits(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(DEPLOY / "dagster.postgres.yaml", home / "dagster.yaml")
    config, _ = dagster_instance_config(str(home))  # schema-validates every section
    assert set(config["storage"]) == {"postgres"}
    pg = config["storage"]["postgres"]["postgres_db"]
    assert {v["env"] for v in pg.values() if isinstance(v, dict)} == {
        "DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_DB", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD"}
    dev = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    assert config["concurrency"] == dev["concurrency"]
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    import dagster_postgres  # noqa: F401 - the storage class the example names is installed

    env_example = (DEPLOY / "kejiao.env.example").read_text()
    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_DB", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD"):
        assert re.search(rf"^{name}=", env_example, re.MULTILINE), name


def test_workspace_points_at_the_code_location():
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())
    [entry] = workspace["load_from"]
    assert entry["python_module"]["module_name"] == "pipelines.definitions"
    assert entry["python_module"]["working_directory"] == SERVER_ROOT


def _parse(unit: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read_string(unit.read_text())
    return parser


def test_units_name_their_environment_and_programs():
    assert {u.name for u in UNITS} == {
        "kejiao-dagster-daemon.service", "kejiao-dagster-webserver.service", "kejiao-streamlit.service"}
    env_example = (DEPLOY / "kejiao.env.example").read_text()
    for name in ENV_VARS:
        assert re.search(rf"^{name}=", env_example, re.MULTILINE), name
    programs = {"kejiao-dagster-daemon.service": "dagster-daemon", "kejiao-dagster-webserver.service":
                "dagster-webserver", "kejiao-streamlit.service": "streamlit"}
    for unit in UNITS:
        parsed = _parse(unit)
        assert set(parsed.sections()) == {"Unit", "Service", "Install"}
        service = parsed["Service"]
        assert service["EnvironmentFile"] == "/etc/kejiao2030/kejiao.env"
        assert service["User"] == "kejiao" and service["WorkingDirectory"] == SERVER_ROOT
        exec_start = service["ExecStart"].split()
        assert exec_start[0] == f"{SERVER_ROOT}/.venv/bin/{programs[unit.name]}"
        assert (PROJECT_ROOT / ".venv" / "bin" / programs[unit.name]).exists()
        if unit.name != "kejiao-dagster-daemon.service":  # the daemon listens on nothing
            assert "127.0.0.1" in exec_start  # behind the commission's reverse proxy, never on all interfaces
        assert service["Restart"] == "on-failure"
        assert "/var/lib/kejiao2030" in service["ReadWritePaths"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze not installed (apt-get install systemd); the units are still parsed above")
def test_units_pass_systemd_analyze_verify(tmp_path):
    """Verify the units as they would run from this checkout (paths and user mapped to it)."""
    env = tmp_path / "etc" / "kejiao.env"
    env.parent.mkdir()
    env.write_text("KEJIAO_DATA_DIR=/tmp\n")
    for unit in [*UNITS, DEPLOY / "systemd" / "kejiao.target"]:
        text = (unit.read_text().replace(SERVER_ROOT, str(PROJECT_ROOT))
                .replace("/etc/kejiao2030/kejiao.env", str(env))
                .replace("User=kejiao", "User=root").replace("Group=kejiao", "Group=root"))
        (tmp_path / unit.name).write_text(text)
    units = sorted(str(p) for p in [*tmp_path.glob("*.service"), *tmp_path.glob("*.target")])
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True,
                            cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert "kejiao" not in result.stderr, result.stderr  # no warning about our units either


def test_make_dev_copies_the_instance_file_and_runs_dagster_dev():
    dry = subprocess.run(["make", "-n", "dev", "KEJIAO_DATA_DIR=/tmp/kejiao-dev-dry"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "cp dagster.yaml /tmp/kejiao-dev-dry/dagster_home/dagster.yaml" in dry
    assert "dagster dev -m pipelines.definitions" in dry
    assert "pipelines.demo.generator import stage" in dry
