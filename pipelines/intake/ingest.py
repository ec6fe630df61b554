"""From files in the inbox to versioned submissions and staging rows, in one transaction:
the inbox scanned (scan.py), what is new archived (store.py), read in worker processes
(read.py), judged against what the warehouse knows (judge.py, context.py) and written (store.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.intake import channels, files
from pipelines.intake.context import load_context
from pipelines.intake.judge import Verdict, finish, judge_safely
from pipelines.intake.limits import Limits
from pipelines.intake.parsing import Parsed
from pipelines.intake.progress import JUDGE, Progress, ignore
from pipelines.intake.read import parse_all
from pipelines.intake.scan import InboxFile, observed_files, scan_inbox
from pipelines.intake.store import archive, submission_row, tagged, write

log = logging.getLogger(__name__)


@dataclass
class IntakeSummary:
    files_seen: int = 0
    new_submissions: int = 0
    duplicates: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # name, first error
    not_a_report: list[tuple[str, str]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    not_regular: list[tuple[str, str]] = field(default_factory=list)  # path, kind: never opened
    vanished: list[str] = field(default_factory=list)  # listed, gone before it could be read

    def as_metadata(self) -> dict:
        return {
            "files_seen": self.files_seen, "new_submissions": self.new_submissions,
            "accepted": len(self.accepted), "rejected": len(self.rejected),
            "not_a_report": len(self.not_a_report), "duplicates": len(self.duplicates),
            "unchanged": self.unchanged, "rows": self.rows,
            "not_regular": [f"{path} ({kind})" for path, kind in self.not_regular], "vanished": self.vanished,
        }


def ingest(con: duckdb.DuckDBPyConnection, inbox: Path, archive_dir: Path, key: bytes,
           now: datetime | None = None, today: date | None = None,
           senders: dict[str, str] | None = None, limits: Limits | None = None,
           progress: Progress = ignore) -> IntakeSummary:
    """Take in what is new in the inbox. All warehouse writes happen in one transaction: a run
    that dies leaves the warehouse as it was; a second run over the same inbox changes nothing.
    `senders` maps inbox paths to who sent them (the upload page). No file's content can stop
    it (issue 11): a file that cannot be read is rejected as "could not be read" with the
    reason, and the others go on; it raises only when the pipeline itself fails. `progress` hears
    how many of the new files are read and judged (pipelines/intake/progress.py)."""
    now = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    today = today or date.today()
    limits = limits or Limits.from_env()
    summary = IntakeSummary()
    files_ = scan_inbox(inbox, observed_files(con), summary.not_regular) if inbox.exists() else []
    summary.files_seen = len(files_)
    known = {r[0] for r in con.sql("select submission_id from raw.submissions").fetchall()}
    observed = set(con.sql("select inbox_path, submission_id from raw.file_observations").fetchall())

    # new bytes are copied into the archive first, hashed as copied: what is archived is what
    # is judged, whatever happens to the inbox file meanwhile
    for f in files_:
        if (f.relative, f.sha256) in observed or f.sha256 in known:
            continue
        try:
            archive(f, archive_dir, limits)
        except FileNotFoundError:
            summary.vanished.append(f.relative)
        except files.NotRegular as exc:
            summary.not_regular.append((f.relative, exc.kind))
    gone = set(summary.vanished) | {path for path, _ in summary.not_regular}
    files_ = [f for f in files_ if f.relative not in gone]

    observations, new_files = [], {}
    for f in sorted(files_, key=lambda f: (f.modified_at, f.relative)):
        if (f.relative, f.sha256) in observed:
            summary.unchanged += 1
            continue
        duplicate = f.sha256 in known or f.sha256 in new_files
        observations.append({"inbox_path": f.relative, "submission_id": f.sha256, "size_bytes": f.size,
                             "modified_at": f.modified_at, "seen_at": now, "is_duplicate": duplicate})
        if duplicate:
            summary.duplicates.append(f.relative)
        else:
            new_files[f.sha256] = f

    parsed = dict(zip(new_files, parse_all(list(new_files.values()), archive_dir, limits, progress)))
    arrival = sorted(new_files, key=lambda h: (min(new_files[h].modified_at, now), new_files[h].relative))
    # the registry first: the other reports resolve their schools through it
    registry = [h for h in arrival if "R0" in parsed[h].report_types]
    others = [h for h in arrival if "R0" not in parsed[h].report_types]
    ctx = load_context(con, key, today)
    progress(JUDGE, 0, len(arrival))
    judged_registry = judge_safely([parsed[h] for h in registry], ctx)
    # each channel's policy (pipelines/intake/channels.py), before anything is learnt from a file
    judged_registry = channels.enforce(judged_registry, [new_files[h].relative for h in registry], ctx, senders)
    verdicts = dict(zip(registry, judged_registry))
    ctx.accept_many([verdicts[h] for h in registry if verdicts[h].status == "accepted"])
    progress(JUDGE, len(registry), len(arrival))
    # the others chunk by chunk (at most limits.judge_chunk_rows rows at once), each chunk's
    # sheets let go once judged; the rules across files, over all of them (judge.finish)
    pending, later, failures = [], [], []
    done = len(registry)
    for chunk in chunks(others, parsed, limits.judge_chunk_rows):
        batch = [parsed.pop(h) for h in chunk]
        parts: list = []
        pending.append((chunk, judge_safely(batch, ctx, later=parts, failures=failures)))
        later.append(parts)
        del batch
        done += len(chunk)
        progress(JUDGE, done, len(arrival))
    del parsed  # the sheets as read (the largest thing held): judged, they are not needed again
    if failures and len(failures) == len(others):  # every file failing alone is the pipeline failing
        raise failures[0]
    judged = [(registry, judged_registry)]
    place = {h: i for i, h in enumerate(arrival)}  # the chunks are by report type: not in arrival order
    finished = finish([v for _, v in pending], later, ctx, [[place[h] for h in chunk] for chunk, _ in pending])
    for (chunk, _), verdicts_ in zip(pending, finished):
        # each channel's policy (pipelines/intake/channels.py), on the verdicts as finished
        verdicts_ = channels.enforce(verdicts_, [new_files[h].relative for h in chunk], ctx, senders)
        verdicts.update(zip(chunk, verdicts_))
        judged.append((chunk, verdicts_))
    del pending, later, finished

    submissions = []
    for h in registry + others:
        f, verdict = new_files[h], verdicts[h]
        submissions.append(submission_row(f, verdict, archive_dir, now, (senders or {}).get(f.relative)))
        _summarise(summary, f, verdict)

    issues, rows = tagged(judged)
    del verdicts, judged_registry, judged  # their rows are in `rows` now
    write(con, observations, submissions, issues.drop("detail") if issues is not None else None, rows)
    summary.new_submissions = len(new_files)
    for path, kind in summary.not_regular:
        log.warning("不是普通文件，未读取 / not a regular file, not read: %s (%s)", path, kind)
    return summary


def chunks(hashes: list[str], parsed: dict[str, Parsed], max_rows: int) -> list[list[str]]:
    """The files to judge, in chunks of one report type (the types a file holds) and at most
    `max_rows` rows (a larger file is a chunk of its own). Which files share a chunk changes no
    verdict (the rules across files wait for judge.finish, in arrival order); the files of the
    same schools go together (by the first school a file names, then arrival), so that each
    chunk asks the registry for fewer schools: at 150,000 schools, whose reports of five years
    arrive year by year, judging took 8.8 s of CPU in chunks by arrival, 5.9 s so."""
    place = {h: i for i, h in enumerate(hashes)}
    by_type: dict[tuple[str, ...], list[str]] = {}
    for h in hashes:
        by_type.setdefault(tuple(parsed[h].report_types), []).append(h)
    out: list[list[str]] = []
    for types in sorted(by_type):
        chunk, rows = [], 0
        for h in sorted(by_type[types], key=lambda h: (_first_school(parsed[h]), place[h])):
            n = sum(grid.frame.height for grid, _, _ in parsed[h].sheets)
            if chunk and rows + n > max_rows:
                out.append(chunk)
                chunk, rows = [], 0
            chunk.append(h)
            rows += n
        if chunk:
            out.append(chunk)
    return out


def _first_school(parsed: Parsed) -> str:
    """The least school (code or name, as written) of a file's first school column of each sheet."""
    found = []
    for grid, idx, match in parsed.sheets:
        pos = next((pos for pos, col in match.columns.items() if col.kind == "school"), None)
        least = grid.frame.get_column(f"c{pos}").slice(idx + 1).min() if pos is not None else None
        if least is not None:
            found.append(str(least))
    return min(found, default="")


def _summarise(summary: IntakeSummary, f: InboxFile, verdict: Verdict) -> None:
    if verdict.status == "accepted":
        summary.accepted.append(f.relative)
        for table, rows in verdict.rows.items():
            summary.rows[table] = summary.rows.get(table, 0) + rows.height
    elif verdict.status == "rejected":
        first = verdict.issues.filter(pl.col("severity") == "error").row(0, named=True)
        where = f"{first['sheet_name'] or ''} 第{first['row_number']}行" if first["row_number"] else ""
        summary.rejected.append((f.relative, f"{where} {first['message_zh']}".strip()))
    else:
        summary.not_a_report.append((f.relative, verdict.message_zh))
