"""A real office suite reads the templates: LibreOffice (headless) prints one to PDF, and a
template filled and saved again by LibreOffice is still accepted by `kejiao check`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines.senders.filling import fill
from tests.senders.test_templates import VALID, check, one, write

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                       reason="needs soffice (libreoffice-calc-nogui) and pdftotext: scripts/system-deps.sh"),
]


def soffice(tmp_path: Path, source: Path, to: str) -> Path:
    out = tmp_path / f"by-office-{to}"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
                    "--convert-to", to, "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    converted = next(out.iterdir())
    assert converted.stat().st_size > 0
    return converted


def test_libreoffice_prints_and_saves_a_template(installed, tmp_path):
    template = one(write(installed, tmp_path, "R5"), "3412000001")
    filled = tmp_path / "2026年学校科技教育年报-3412000001.xlsx"
    filled.write_bytes(fill(template, {"3412000001": VALID}))
    pdf = soffice(tmp_path, filled, "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "天津市和平区演示第一中学2026年学校科技教育年报" in text  # the title
    assert "填报说明" in text and "在校生数" in text and "1850" in text  # the notes and this year's figure
    assert "kejiao_template" not in text  # the hidden sheet is not printed
    resaved = soffice(tmp_path, filled, "xlsx")  # what a school's office suite writes back
    result = check(installed, resaved)
    assert result.exit_code == 0, result.output
