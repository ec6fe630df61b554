"""Settings from the environment, read when asked for (never at import time).

Every deployment setting of the pipelines is read here (README, "Settings", lists them); the
modules that use one ask a function of this module.
"""

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


# ---------------------------------------------------------------- deployment switches and paths

DEMO_ENV = "KEJIAO_DEMO"
ROOT_CHANNEL_ENV = "KEJIAO_INBOX_ROOT_CHANNEL"
CHROMIUM_ENV = "KEJIAO_CHROMIUM"
WEBHOOK_ENV = "KEJIAO_WEBHOOK_URL"
PSEUDONYM_KEY_ENV = "KEJIAO_PSEUDONYM_KEY"
UPLOAD_MAX_MB_ENV = "KEJIAO_UPLOAD_MAX_MB"
REMIND_DAYS_BEFORE_ENV = "KEJIAO_REMIND_DAYS_BEFORE"


def demo_flag() -> bool:
    """`KEJIAO_DEMO=1`: the local demo is asked for (pipelines/access/deployment.py)."""
    return os.environ.get(DEMO_ENV, "").strip() == "1"


def root_channel_is_data_team() -> bool:
    """`KEJIAO_INBOX_ROOT_CHANNEL=data_team`: the inbox root is the data team's folder
    (pipelines/intake/channels.py)."""
    return os.environ.get(ROOT_CHANNEL_ENV, "").strip() == "data_team"


def chromium_path() -> str | None:
    """`KEJIAO_CHROMIUM`: the browser that prints the briefing, when not found on PATH."""
    return os.environ.get(CHROMIUM_ENV) or None


def webhook_url() -> str:
    """`KEJIAO_WEBHOOK_URL`: the group robot told of failed runs ("" when none)."""
    return os.environ.get(WEBHOOK_ENV, "").strip()


def pseudonym_key_text() -> str | None:
    """`KEJIAO_PSEUDONYM_KEY` as set (checked by `pseudonym_key`), or None."""
    return os.environ.get(PSEUDONYM_KEY_ENV) or None


def upload_max_mb_text() -> str | None:
    """`KEJIAO_UPLOAD_MAX_MB` as set (parsed by pipelines/intake/upload.py), or None."""
    return os.environ.get(UPLOAD_MAX_MB_ENV) or None


def limit_text(name: str) -> str:
    """A file limit's setting (`KEJIAO_MAX_FILE_MB`..., pipelines/intake/limits.py), trimmed; "" when unset."""
    return os.environ.get(name, "").strip()


def remind_days_before_text() -> str:
    """`KEJIAO_REMIND_DAYS_BEFORE`: how many days before a deadline reminders go out ("" when unset;
    parsed by pipelines/operations/reminders.py)."""
    return os.environ.get(REMIND_DAYS_BEFORE_ENV, "").strip()


def robot_urls() -> dict[str, str]:
    """The environment the group robots' webhook URLs are read from: each district's robot is named
    by the variable holding its URL (seeds/reminder_robots.csv), `KEJIAO_WEBHOOK_URL` the fallback.
    Only `KEJIAO_*` variables: a robot's URL is a secret kept beside the project's other settings."""
    return {name: value for name, value in os.environ.items() if name.startswith("KEJIAO_")}


def dagster_home() -> Path | None:
    """`DAGSTER_HOME`: Dagster's instance folder (set by the Makefile), or None."""
    home = os.environ.get("DAGSTER_HOME")
    return Path(home) if home else None


def streamlit_server_address() -> str | None:
    """`STREAMLIT_SERVER_ADDRESS`: the dashboard's bind address when set so (`kejiao doctor`)."""
    return os.environ.get("STREAMLIT_SERVER_ADDRESS") or None


DEFAULT_DUCKDB_MEMORY_LIMIT = "1GB"


def duckdb_memory_limit(value: str = "") -> str:
    """What DuckDB may hold in memory before it spills to disk (`KEJIAO_DUCKDB_MEMORY_LIMIT`, e.g.
    1GB, 1500MB; default 1GB). DuckDB's own default, 80 % of the machine's memory, lets a run over
    150,000 schools grow to several GiB; the goal is under 2 GiB for the whole run."""
    value = (value or os.environ.get("KEJIAO_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT).strip().upper()
    number, unit = value[:-2].strip(), value[-2:]
    if not number.replace(".", "", 1).isdigit() or unit not in ("MB", "GB"):
        raise ValueError(f"KEJIAO_DUCKDB_MEMORY_LIMIT: a size like 1GB or 1500MB, not {value!r}")
    return f"{number}{unit}"


def get_settings() -> Settings:
    data_dir = Path(os.environ.get("KEJIAO_DATA_DIR") or PROJECT_ROOT / "data").expanduser().resolve()
    return Settings(data_dir=data_dir)


def fixed_intake_workers(value: str | None = None) -> int | None:
    """Worker processes intake parses with, when fixed (`KEJIAO_INTAKE_WORKERS`, at least 1);
    None when unset: then each batch decides (pipelines/intake/read.py)."""
    value = value if value is not None else os.environ.get("KEJIAO_INTAKE_WORKERS")
    return max(1, int(value)) if value else None


DEFAULT_ROSTER_RETENTION_DAYS = 30


def roster_retention_days(value: str | None = None) -> int:
    """Days the archive keeps the original of a roster (R3) or of an unrecognised file after
    intake (`KEJIAO_ROSTER_RETENTION_DAYS`, default 30; 0: purged by the next run). See
    pipelines/intake/retention.py."""
    value = (value if value is not None else os.environ.get("KEJIAO_ROSTER_RETENTION_DAYS", "")).strip()
    if not value:
        return DEFAULT_ROSTER_RETENTION_DAYS
    if not value.isdigit():
        raise ValueError(f"KEJIAO_ROSTER_RETENTION_DAYS: 须为 0 或正整数（天）/ a whole number of days ≥ 0, not {value!r}")
    return int(value)


MIN_KEY_BYTES = 32


def pseudonym_key(settings: Settings | None = None) -> bytes:
    """The secret for keyed hashes of student and mentor identifiers.

    `KEJIAO_PSEUDONYM_KEY` wins; otherwise a key is generated once into the data folder with
    owner-only permissions and reused, so hashes stay stable across runs. Either must hold at
    least 32 bytes: a shorter one (an empty file left by a crash included) is an error, never
    used. The generated file is written whole aside, then linked into place (another process
    that made it first wins), so no reader ever sees a half-written key. The warehouse pins the
    key it was built with (pipelines/intake/keys.py)."""
    env = pseudonym_key_text()
    if env:
        key = env.encode("utf-8")
        if len(key) < MIN_KEY_BYTES:
            raise PseudonymKeyError(
                f"假名密钥 KEJIAO_PSEUDONYM_KEY 只有 {len(key)} 字节，至少需要 {MIN_KEY_BYTES} 字节"
                "（用 python3 -c \"import secrets; print(secrets.token_hex(32))\" 生成）。 / "
                f"The pseudonym key KEJIAO_PSEUDONYM_KEY has {len(key)} bytes; it needs at least {MIN_KEY_BYTES} "
                "(make one with python3 -c \"import secrets; print(secrets.token_hex(32))\"). If a warehouse was "
                "built with the old key, keep that key.")
        return key
    settings = settings or get_settings()
    path = settings.key_path
    if not path.exists():
        _write_key_file(path)
    key = path.read_text().strip().encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"假名密钥文件 {path} 只有 {len(key)} 字节（可能是写入中断留下的空文件），至少需要 {MIN_KEY_BYTES} 字节；"
            "若仓库尚无数据可删除该文件后重新生成，否则请从备份恢复原密钥。 / "
            f"The pseudonym key file {path} holds {len(key)} bytes (perhaps left empty by an interrupted write); "
            f"it needs at least {MIN_KEY_BYTES}. With an empty warehouse delete it to make a new one; otherwise "
            "restore the original key from its backup.")
    return key


def _write_key_file(path: Path) -> None:
    """A new random key at `path`, whole or not at all: written and synced aside, then hard-linked
    into place (link fails if another process made the file first; its key wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process made it first
            pass
    finally:
        tmp.unlink(missing_ok=True)


class PseudonymKeyError(RuntimeError):
    """The pseudonym key is missing, too short, or not the warehouse's."""
