"""The package graph is the data's walk: the import-linter contracts in pyproject.toml
([tool.importlinter]) hold, imports inside functions counted. `make lint` runs them too."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          check=False, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_layers_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and of pyproject.toml, to break."""
    for package in ("pipelines", "dashboards", "warehouse"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")


@pytest.mark.parametrize(("module", "code", "contracts", "import_"), [
    # staging reaching up into marts, inside a function (the cycle issue 14 found)
    ("pipelines/staging/tables.py", "\n\ndef _up():\n    from pipelines.marts import build  # noqa\n",
     ["Pipelines follow the data's walk"], "pipelines.staging.tables -> pipelines.marts.build"),
    # the warehouse plumbing reaching up into a layer
    ("warehouse/__init__.py", "\n\ndef _up():\n    import pipelines.intake.schema  # noqa\n",
     ["Pipelines follow the data's walk", "The dashboard sits above the pipelines"],
     "warehouse -> pipelines.intake.schema"),
    # a pipeline importing the dashboard
    ("pipelines/exports/indicators_export.py", "\n\ndef _up():\n    from dashboards import i18n  # noqa\n",
     ["The dashboard sits above the pipelines", "No module of pipelines imports dashboards"],
     "pipelines.exports.indicators_export -> dashboards.i18n"),
    # sign-in importing the page helpers that build on it (the auth <-> ui cycle)
    ("dashboards/auth.py", "\n\ndef _up():\n    from dashboards import ui  # noqa\n",
     ["Dashboard: the app over the shared page helpers"], "dashboards.auth -> dashboards.ui"),
])
def test_a_back_import_breaks_a_contract(tree, module, code, contracts, import_):
    _append(tree / module, code)
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    # the summary: "<contract name> KEPT" / "<contract name> BROKEN", names wrapped over lines
    summary = " ".join(result.stdout.split("Contracts:")[0].split("dependencies.")[-1].split()).lstrip("- ")
    verdicts = dict(re.findall(r"\s*(.+?) (KEPT|BROKEN)", summary))
    assert len(verdicts) == 4, summary
    broken = [name for name, verdict in verdicts.items() if verdict == "BROKEN"]
    assert len(broken) == len(contracts) and all(
        any(name.startswith(prefix) for name in broken) for prefix in contracts), verdicts
    assert import_ in result.stdout
