"""The pseudonym key pinned to the warehouse.

On its first use with a warehouse, the key's fingerprint — HMAC-SHA256 of a fixed label under the
key, which says nothing about the key itself — is stored in `meta.pseudonym_key`. Every later
run compares: another key stops the run before anything is written, because old and new
pseudonyms of the same student would silently stop matching and the student be counted twice.

There is no `kejiao rekey`: pseudonyms are one-way hashes of identifiers that the archive may no
longer hold (rosters are purged after acceptance, see pipelines/intake/retention.py), so the old
pseudonyms cannot be re-keyed exactly. A lost key means a new warehouse.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import duckdb

from pipelines.settings import PseudonymKeyError

LABEL = b"kejiao2030/pseudonym-key-fingerprint/v1"
TABLE = "meta.pseudonym_key"


def fingerprint(key: bytes) -> str:
    return hmac.new(key, LABEL, hashlib.sha256).hexdigest()


def pinned_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the warehouse holds, or None before its first run."""
    exists = con.sql("select count(*) from information_schema.tables where table_schema = 'meta' "
                     "and table_name = 'pseudonym_key'").fetchall()[0][0]
    if not exists:
        return None
    rows = con.sql(f"select fingerprint from {TABLE} order by pinned_at limit 1").fetchall()
    return rows[0][0] if rows else None


def pin_key(con: duckdb.DuckDBPyConnection, key: bytes) -> str:
    """Pin `key` to the warehouse on first use; raise PseudonymKeyError if another is pinned."""
    mine = fingerprint(key)
    pinned = pinned_fingerprint(con)
    if pinned is None:
        con.execute("create schema if not exists meta")
        con.execute(f"create table if not exists {TABLE} (fingerprint varchar not null, pinned_at timestamp not null)")
        con.execute(f"insert into {TABLE} values ($fingerprint, $at)",
                    {"fingerprint": mine, "at": datetime.now(UTC).replace(tzinfo=None, microsecond=0)})
        return mine
    if not hmac.compare_digest(pinned, mine):
        raise PseudonymKeyError(
            f"假名密钥与仓库不符：仓库建立时使用的密钥指纹为 {pinned[:12]}…，本次为 {mine[:12]}…。"
            "继续运行会使同一学生的新旧假名对不上、被重复计数，因此本次运行已停止，未写入任何数据。"
            "请恢复原密钥（KEJIAO_PSEUDONYM_KEY 或数据目录中的 pseudonym.key）。 / "
            f"The pseudonym key is not the warehouse's: the warehouse was built with the key whose fingerprint "
            f"begins {pinned[:12]}, this run has {mine[:12]}. Going on would split every student's pseudonym in "
            "two and count them twice, so the run stopped before writing anything. Restore the original key "
            "(KEJIAO_PSEUDONYM_KEY or DATA_DIR/pseudonym.key).")
    return mine
