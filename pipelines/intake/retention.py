"""How long the archive keeps originals that hold minors' data.

The rule: the original of a roster (R3: names, student and mentor IDs) and of a file not
recognised as any report, or that could not be read (which may be a roster with a header
gone wrong, or one that broke a limit), is deleted from the
archive `KEJIAO_ROSTER_RETENTION_DAYS` days after intake (pipelines/settings.py; default 30).
By then an accepted roster's rows are in staging, pseudonymised (keyed hashes, no names), and a
rejected one's sender has had its error workbook, which never reproduces a roster. Every other
original is kept: it holds no personal data and `kejiao explain` traces figures back to it.

Each deletion is recorded in `raw.archive_purges` (submission, archive path, when); the
submission itself stays, with its issues and its rows. The intake asset purges on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.intake.schema import REPORT_TYPES

TABLE = "raw.archive_purges"


def private_report_codes() -> list[str]:
    """Report types about people: a column that is private or pseudonymised (R3)."""
    return [code for code, report in REPORT_TYPES.items()
            if any(col.private or col.pseudonymise for col in report.columns)]


def purge_expired(con: duckdb.DuckDBPyConnection, archive_dir: Path, days: int,
                  now: datetime | None = None) -> list[str]:
    """Delete the originals whose retention has ended; returns their submission ids."""
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    con.execute(f"create table if not exists {TABLE} (submission_id varchar primary key, archive_path varchar, "
                "purged_at timestamp not null, retention_days integer not null)")
    due = con.sql(
        f"""select submission_id, archive_path from raw.submissions
            where (status = 'not_a_report' or report_type is null  -- no type: unreadable files too
                   or list_has_any(string_split(coalesce(report_type, ''), ','), $codes::varchar[]))
              and first_seen_at <= $cutoff
              and submission_id not in (select submission_id from {TABLE})
            order by submission_id""",
        params={"codes": private_report_codes(), "cutoff": now - timedelta(days=days)},
    ).fetchall()
    root = Path(archive_dir).resolve()
    for _, relative in due:
        if not relative:  # over the size limit: never copied into the archive
            continue
        path = (root / relative).resolve()
        if path.is_relative_to(root) and path != root:
            path.unlink(missing_ok=True)
    if due:
        con.executemany(f"insert into {TABLE} values ($1, $2, $3, $4)",
                        [(sid, relative, now, days) for sid, relative in due])
    return [sid for sid, _ in due]
