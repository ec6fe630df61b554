"""`kejiao doctor` passes on the documented deployment (deploy/README.md) and fails, naming the
fix, for each misconfiguration of issue 12: no secrets, an unreadable or open secrets file,
[auth] incomplete, a placeholder or short cookie secret, the role table missing or holding demo
identities, a short, open or second pseudonym key, an open data folder, a bind on every
interface, the demo flag on."""

from __future__ import annotations

import os
import secrets

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.intake.keys import pin_key
from pipelines.settings import Settings
from tests.access.support import write_assignments

runner = CliRunner()
KEY = secrets.token_hex(32)


def secrets_text(cookie: str | None = None, **overrides) -> str:
    values = {"redirect_uri": "https://kejiao.example.gov.cn/oauth2callback", "cookie_secret": cookie or secrets.token_hex(32),
              "client_id": "kejiao2030-dashboard", "client_secret": "issued-by-the-provider-4f9a",
              "server_metadata_url": "https://sso.example.gov.cn/.well-known/openid-configuration", **overrides}
    return "[auth]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items() if v is not None)


@pytest.fixture
def deployed(tmp_path, monkeypatch):
    """The documented deployment: data folder 0750, role table, key file 0600 pinned to the
    warehouse, secrets file 0600, dashboard on 127.0.0.1, demo off."""
    settings = Settings(tmp_path / "data")
    settings.data_dir.mkdir(mode=0o750)
    os.chmod(settings.data_dir, 0o750)
    monkeypatch.setenv("KEJIAO_DATA_DIR", str(settings.data_dir))
    for name in ("KEJIAO_PSEUDONYM_KEY", "KEJIAO_DEMO", "KEJIAO_INBOX_ROOT_CHANNEL", "STREAMLIT_SERVER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    write_assignments(settings.data_dir)
    settings.key_path.write_text(KEY)
    os.chmod(settings.key_path, 0o600)
    con = duckdb.connect(str(settings.warehouse_path))
    pin_key(con, KEY.encode())
    con.close()
    path = tmp_path / "secrets.toml"
    path.write_text(secrets_text())
    os.chmod(path, 0o600)
    return settings, path


def doctor(path, address="127.0.0.1"):
    return runner.invoke(app, ["doctor", "--secrets", str(path), "--address", address])


def fails_naming(result, *words) -> bool:
    failed = [line for line in result.output.splitlines() if "FAIL" in line or "修正 fix" in line]
    text = "\n".join(failed)
    return result.exit_code == 1 and all(w in text for w in words)


def test_the_documented_deployment_passes(deployed):
    _, path = deployed
    result = doctor(path)
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output


def test_no_secrets_file(deployed, tmp_path):
    assert fails_naming(doctor(tmp_path / "missing.toml"), "secrets.example.toml")


def test_unparseable_secrets(deployed):
    _, path = deployed
    path.write_text('[auth]\ncookie_secret = "unterminated\n')
    assert fails_naming(doctor(path), "TOML")


def test_secrets_readable_by_others(deployed):
    _, path = deployed
    os.chmod(path, 0o644)
    assert fails_naming(doctor(path), "chmod 0600")


def test_auth_missing_or_incomplete(deployed):
    _, path = deployed
    path.write_text("[server]\n")
    assert fails_naming(doctor(path), "[auth]")
    path.write_text(secrets_text(client_id=None))
    assert fails_naming(doctor(path), "client_id")


@pytest.mark.parametrize("cookie", ["CHANGE-ME", "x" * 64, "3f9a0c7d51e2b846"])  # the last: 8 random bytes
def test_weak_cookie_secret(deployed, cookie):
    _, path = deployed
    path.write_text(secrets_text(cookie))
    assert fails_naming(doctor(path), "cookie_secret", "token_hex(32)")


def test_example_client_secret(deployed):
    _, path = deployed
    path.write_text(secrets_text(client_secret="CHANGE-ME"))
    assert fails_naming(doctor(path), "client_secret")


def test_role_table_missing_or_with_demo_identities(deployed):
    settings, path = deployed
    table = settings.data_dir / "access" / "role_assignments.csv"
    table.unlink()
    assert fails_naming(doctor(path), "role_assignments.csv")
    write_assignments(settings.data_dir, [{"match_by": "email", "identity": "shujuzu@demo.kejiao.invalid",
                                           "role": "data_team"},
                                          {"match_by": "email", "identity": "admin@test.example", "role": "data_team"}])
    assert fails_naming(doctor(path), ".invalid")


def test_key_open_to_others_short_or_not_the_warehouses(deployed, monkeypatch):
    settings, path = deployed
    os.chmod(settings.key_path, 0o644)
    assert fails_naming(doctor(path), "chmod 0600")
    os.chmod(settings.key_path, 0o600)
    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", "short-key")
    assert fails_naming(doctor(path), "32")
    monkeypatch.setenv("KEJIAO_PSEUDONYM_KEY", secrets.token_hex(32))  # a second key
    assert fails_naming(doctor(path), "restore the original key")


def test_data_folder_open_to_others(deployed):
    settings, path = deployed
    os.chmod(settings.data_dir, 0o755)
    assert fails_naming(doctor(path), "chmod 0750")


def test_bound_to_every_interface(deployed):
    _, path = deployed
    assert fails_naming(doctor(path, "0.0.0.0"), "127.0.0.1")


def test_demo_flag_on(deployed, monkeypatch):
    _, path = deployed
    monkeypatch.setenv("KEJIAO_DEMO", "1")
    assert fails_naming(doctor(path), "KEJIAO_DEMO")


def test_a_run_holding_the_warehouse_does_not_stop_the_dashboard_starting(deployed):
    import subprocess
    import sys

    settings, path = deployed
    holder = subprocess.Popen([sys.executable, "-c", ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(60)"), str(settings.warehouse_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = doctor(path)
        assert result.exit_code == 0, result.output
        assert "in use by a run" in result.output
    finally:
        holder.kill()
        holder.wait()
