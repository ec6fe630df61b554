"""Settings from the environment, read when asked for (never at import time)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
DEMO_DIR = SEEDS_DIR / "demo"


@dataclass(frozen=True)
class Settings:
    data_dir: Path

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def inbox_dir(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "pseudonym.key"


DEFAULT_DUCKDB_MEMORY_LIMIT = "1GB"


def duckdb_memory_limit(value: str = "") -> str:
    """What DuckDB may hold in memory before it spills to disk (`KEJIAO_DUCKDB_MEMORY_LIMIT`, e.g.
    1GB, 1500MB; default 1GB). DuckDB's own default, 80 % of the machine's memory, let a run at
    150,000 schools reach 9 GiB on this 24 GiB machine; the goal is under 2 GiB in all."""
    value = (value or os.environ.get("KEJIAO_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT).strip().upper()
    number, unit = value[:-2].strip(), value[-2:]
    if not number.replace(".", "", 1).isdigit() or unit not in ("MB", "GB"):
        raise ValueError(f"KEJIAO_DUCKDB_MEMORY_LIMIT: a size like 1GB or 1500MB, not {value!r}")
    return f"{number}{unit}"


def get_settings() -> Settings:
    data_dir = Path(os.environ.get("KEJIAO_DATA_DIR") or PROJECT_ROOT / "data").expanduser().resolve()
    return Settings(data_dir=data_dir)


def pseudonym_key(settings: Settings | None = None) -> bytes:
    """The secret for keyed hashes of student and mentor identifiers.

    `KEJIAO_PSEUDONYM_KEY` wins; otherwise a key is generated once into the data folder with
    owner-only permissions and reused, so hashes stay stable across runs.
    """
    env = os.environ.get("KEJIAO_PSEUDONYM_KEY")
    if env:
        return env.encode("utf-8")
    settings = settings or get_settings()
    path = settings.key_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")
