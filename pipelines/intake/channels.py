"""Who may send what through which door of the inbox: each channel's policy, applied at intake.

The upload page already refuses what a sender may not send, but the inbox is a file share that
others write too; intake applies the same rules again, by the channel a file came through:

- `inbox/datateam/…` — the data team's folder (only the data team's account may write it): any
  report, the school registry (R0) and the alliance roster (R4) included.
- `inbox/uploads/…` — files sent on the dashboard, each with its sender's record beside it
  (pipelines/intake/upload.py; only the dashboard's account writes this folder): the recorded
  sender's scope — a school only for itself, a district bureau for its district's schools,
  R0/R4 only from the data team. A file there without a matching record is refused.
- `inbox/<district code>/…` (e.g. `inbox/120101/`) — a district bureau's folder: only that
  district's schools (its reports, and rosters of its universities); never R0 or R4.
- anything else (the root of the share, other folders) — no channel: refused, unless the
  deployment says its inbox root is written by the data team alone
  (`KEJIAO_INBOX_ROOT_CHANNEL=data_team`, as the demo, `KEJIAO_DEMO=1`, does).

A refusal is recorded like any rejection: the submission is rejected with the rule
`channel_refused`, saying which channel and why, and none of its rows are taken in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

import polars as pl

from pipelines.access.deployment import demo_requested
from pipelines.access.roles import Role, Scope
from pipelines.intake.batch import ISSUE_SCHEMA
from pipelines.intake.judge import with_messages
from pipelines.settings import root_channel_is_data_team

DATA_TEAM_DIR = "datateam"
UPLOAD_DIR = "uploads"  # as pipelines/intake/upload.UPLOAD_DIR
_DISTRICT = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Channel:
    zh: str
    en: str
    scope: Scope | None  # None: nothing may come this way
    why_zh: str = ""
    why_en: str = ""


def root_is_data_team() -> bool:
    """The inbox root counts as the data team's folder (`KEJIAO_INBOX_ROOT_CHANNEL=data_team`, or
    the demo); read when asked."""
    return root_channel_is_data_team() or demo_requested()


DATA_TEAM = Channel("数据组文件夹", "the data team's folder", Scope(Role.DATA_TEAM))
NO_CHANNEL_WHY = (
    ("文件不在任何报送渠道中。区教育局请放入 inbox/<区代码>/（如 inbox/120101/），数据组请放入 inbox/datateam/，"
    "学校请在仪表盘“报送”页上传"),
    ("the file came through no channel. District bureaus: put it in inbox/<district code>/ (e.g. inbox/120101/); "
    "the data team: inbox/datateam/; schools: upload it on the dashboard's Upload page"),
)


def channel_of(relative: str, sender: str | None, districts: set[str]) -> Channel:
    """The channel of a file by its path in the inbox (and, for an upload, its sender's record)."""
    parts = relative.split("/")
    top = parts[0] if len(parts) > 1 else ""
    if top == DATA_TEAM_DIR:
        return DATA_TEAM
    if top == UPLOAD_DIR:
        if not sender:
            return Channel("仪表盘上传", "a dashboard upload", None, "没有与文件内容一致的报送人记录",
                           "it has no sender's record that matches its content")
        record = json.loads(sender)
        role = Role(record["role"]) if record.get("role") in {r.value for r in Role} else Role.COMMISSION
        scope = Scope(role, districts=tuple(record.get("districts") or ()) if role is Role.DISTRICT else (),
                      schools=tuple(record.get("schools") or ()) if role is Role.SCHOOL else ())
        return Channel(f"仪表盘上传（{record.get('identity', '?')}）", f"an upload by {record.get('identity', '?')}",
                       scope)
    if top and _DISTRICT.match(top) and top in districts:
        return Channel(f"区教育局文件夹 {top}", f"the district bureau folder {top}", Scope(Role.DISTRICT, districts=(top,)))
    if root_is_data_team():
        return DATA_TEAM
    return Channel("共享收件箱", "the shared inbox", None, *NO_CHANNEL_WHY)


def refusals(verdict, channel: Channel, registry: pl.DataFrame) -> list[tuple[str, str]]:
    """Why this file may not come through this channel (empty: it may). `registry`: school_code,
    school_name, district_code of (at least) the schools the file reports for."""
    from pipelines.intake.upload import scope_refusals

    if channel.scope is None:
        return [(channel.why_zh, channel.why_en)]
    if channel.scope.role is Role.DATA_TEAM:
        return []
    return scope_refusals(verdict, channel.scope, registry)


def _refused(verdict, channel: Channel, reasons: list[tuple[str, str]]):
    detail = "；".join(zh for zh, _ in reasons) + " / " + "; ".join(en for _, en in reasons)
    issue = with_messages(pl.DataFrame([{"severity": "error", "rule_code": "channel_refused", "sheet_name": None,
                                         "row_number": None, "column_letter": None, "column_name": None,
                                         "column_header": channel.zh, "value_seen": None, "detail": detail}],
                                       schema=ISSUE_SCHEMA))
    counts = dict(verdict.counts or {})
    counts["error"] = counts.get("error", 0) + 1
    return replace(verdict, status="rejected", issues=pl.concat([verdict.issues, issue], how="diagonal_relaxed"),
                   counts=counts,
                   message_zh=f"退回：{channel.zh}不允许报送该文件：" + "；".join(zh for zh, _ in reasons),
                   message_en=f"Rejected: not allowed through {channel.en}: " + "; ".join(en for _, en in reasons)), issue


def enforce(verdicts, relatives: list[str], ctx, senders: dict[str, str] | None):
    """The verdicts of a judged batch with each channel's policy applied: a file its channel does
    not allow becomes a rejection (its rows are not taken in). `verdicts` is judge_batch's
    Verdicts (in the order of `relatives`); the batch's issue frame gets the refusals too."""
    from pipelines.intake.upload import sending_schools

    districts = set(ctx.districts["district_code"].to_list())
    channels = [channel_of(relative, (senders or {}).get(relative), districts) if v.status == "accepted" else None
                for v, relative in zip(verdicts, relatives)]
    # the schools every file held to a scope reports for, looked up once for the batch
    codes = sorted({code for v, c in zip(verdicts, channels)
                    if c is not None and c.scope is not None and c.scope.role is not Role.DATA_TEAM
                    for found in sending_schools(v).values() for code in found})
    registry, _ = ctx.registry_for(pl.Series(codes, dtype=pl.String), pl.Series([], dtype=pl.String))
    out, added = [], []
    for i, (verdict, channel) in enumerate(zip(verdicts, channels)):
        if channel is None:
            out.append(verdict)
            continue
        reasons = refusals(verdict, channel, registry)
        if not reasons:
            out.append(verdict)
            continue
        refused, issue = _refused(verdict, channel, reasons)
        out.append(refused)
        added.append(issue.with_columns(_file=pl.lit(i, dtype=pl.Int32)))
    if not added:
        return verdicts
    whole = type(verdicts)(out, verdicts.rows, pl.concat([verdicts.issues, *added], how="diagonal_relaxed"))
    return whole
