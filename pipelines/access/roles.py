"""Roles, scopes and the role-assignment table.

Who may see and do what is not in code but in a table the data team keeps:
`$KEJIAO_DATA_DIR/access/role_assignments.csv` (edited on the dashboard's admin page). Outside
the demo a missing table lets nobody in (and says so) and demo rows are never loaded; only the
demo (`KEJIAO_DEMO=1`) falls back to the committed `seeds/role_assignments.csv`. A row gives one identity one role and, for a
district bureau or a school, one district or school it answers for (several rows give several):

    match_by   email | subject | group   (the signed-in identity's email, OIDC `sub`, or a group claim)
    identity   the email address (matched only when the provider says email_verified), the
               subject as `issuer|subject` (a bare subject matches only while a single provider
               is configured), or the group name
    role       data_team | commission | district | school
    scope_code district code (district) or school code (school); empty for the city-wide roles
    display_name  how the admin page and the demo switcher name the row

An identity that matches no row is denied everything. Rows at the reserved `.invalid` domain
(RFC 6761) are demo identities: only the demo switcher uses them, a signed-in identity never
matches them.
"""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pipelines.access.deployment import demo_requested
from pipelines.reference.codes import CITY  # noqa: F401  (read from here by the dashboard's scope)
from pipelines.settings import SEEDS_DIR, Settings, get_settings

SEED_ASSIGNMENTS = SEEDS_DIR / "role_assignments.csv"
COLUMNS = ("match_by", "identity", "role", "scope_code", "display_name")
MATCH_BY = ("subject", "email", "group")  # also the precedence: the most specific match wins
DEMO_SUFFIX = ".invalid"
GROUP_CLAIMS = ("groups", "roles")

_SCHOOL_CODE = re.compile(r"^(\d{10}|[0-9A-HJ-NPQRTUWXY]{18})$")
_DISTRICT_CODE = re.compile(r"^1201\d\d$")


class Role(StrEnum):
    DATA_TEAM = "data_team"
    COMMISSION = "commission"
    DISTRICT = "district"
    SCHOOL = "school"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.DATA_TEAM: ("数据组", "Data team"),
    Role.COMMISSION: ("市教委", "Commission staff"),
    Role.DISTRICT: ("区教育局", "District bureau"),
    Role.SCHOOL: ("学校/高校", "School or university"),
}


class Permission(StrEnum):
    CITY_FIGURES = "city_figures"          # city totals and every district's figures
    SCHOOL_TABLES = "school_tables"        # school-level tables (within the scope)
    OWN_FIGURES = "own_figures"            # a school's own rows
    REJECTION_ERRORS = "rejection_errors"  # per-cell errors of rejected files (within the scope)
    RUN_STATE = "run_state"                # inbox, intake runs, snapshot
    EXPORTS = "exports"                    # the export files (within the scope)
    BRIEFINGS = "briefings"
    UPLOAD = "upload"                      # send reports for the schools of the scope
    MANAGE_ROLES = "manage_roles"
    AUDIT = "audit"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.DATA_TEAM: frozenset(Permission) - {Permission.OWN_FIGURES},
    Role.COMMISSION: frozenset({Permission.CITY_FIGURES, Permission.SCHOOL_TABLES, Permission.EXPORTS,
                                Permission.BRIEFINGS}),
    Role.DISTRICT: frozenset({Permission.CITY_FIGURES, Permission.SCHOOL_TABLES, Permission.REJECTION_ERRORS,
                              Permission.EXPORTS, Permission.UPLOAD}),
    Role.SCHOOL: frozenset({Permission.OWN_FIGURES, Permission.REJECTION_ERRORS, Permission.UPLOAD}),
}


@dataclass(frozen=True)
class Scope:
    """What a viewer may reach: a role and, for a district bureau or a school, its codes.

    Hashable and small: the dashboard's data module takes it with every query."""

    role: Role
    districts: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()

    @property
    def is_city_wide(self) -> bool:
        return self.role in (Role.DATA_TEAM, Role.COMMISSION)

    def may(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    def key(self) -> str:
        codes = ",".join(self.districts or self.schools)
        return f"{self.role.value}:{codes}" if codes else self.role.value


@dataclass(frozen=True)
class Viewer:
    """A signed-in (or, in demo mode, chosen) identity with its scope."""

    identity: str  # the email, else the subject
    name: str
    scope: Scope
    mode: str  # "oidc" | "demo"
    matched_by: str = ""
    email: str | None = None
    subject: str | None = None

    @property
    def role(self) -> Role:
        return self.scope.role


@dataclass(frozen=True)
class Assignment:
    match_by: str
    identity: str
    role: Role
    scope_code: str = ""
    display_name: str = ""

    @property
    def is_demo(self) -> bool:
        return self.match_by == "email" and self.identity.lower().endswith(DEMO_SUFFIX)


@dataclass
class AssignmentTable:
    rows: list[Assignment] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, zh, en)
    path: Path | None = None
    missing: bool = False  # the live table does not exist (outside the demo: nobody gets in)


@dataclass(frozen=True)
class Resolution:
    viewer: Viewer | None
    reason_zh: str = ""
    reason_en: str = ""


# ---------------------------------------------------------------- the table

def assignments_path(settings: Settings | None = None) -> Path:
    return (settings or get_settings()).data_dir / "access" / "role_assignments.csv"


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def parse_assignments(text: str, known_districts: Iterable[str] | None = None) -> AssignmentTable:
    """Rows of the table and the problems of the rows left out (a bad row never grants anything)."""
    table = AssignmentTable()
    districts = set(known_districts) if known_districts is not None else None
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        table.problems.append((1, f"缺少列：{', '.join(missing)}", f"missing columns: {', '.join(missing)}"))
        return table
    seen: set[tuple[str, str, str, str]] = set()
    for line, raw in enumerate(reader, start=2):
        row = {c: _clean(raw.get(c)) for c in COLUMNS}
        if not any(row.values()) or row["match_by"].startswith("#"):
            continue
        problem = _row_problem(row, districts)
        if problem:
            table.problems.append((line, *problem))
            continue
        identity = row["identity"].lower() if row["match_by"] == "email" else row["identity"]
        key = (row["match_by"], identity, row["role"], row["scope_code"])
        if key in seen:
            continue
        seen.add(key)
        table.rows.append(Assignment(row["match_by"], identity, Role(row["role"]), row["scope_code"],
                                     row["display_name"]))
    return table


def _row_problem(row: Mapping[str, str], districts: set[str] | None) -> tuple[str, str] | None:
    if row["match_by"] not in MATCH_BY:
        return "匹配方式须为 email、subject 或 group", "match_by must be email, subject or group"
    if not row["identity"]:
        return "身份标识为空", "identity is empty"
    if row["match_by"] == "email" and "@" not in row["identity"]:
        return f"“{row['identity']}”不是电子邮件地址", f"{row['identity']!r} is not an email address"
    if row["role"] not in {r.value for r in Role}:
        return (f"角色“{row['role']}”无效（data_team、commission、district、school）",
                f"unknown role {row['role']!r} (data_team, commission, district, school)")
    role, code = Role(row["role"]), row["scope_code"]
    if role is Role.DISTRICT:
        if not _DISTRICT_CODE.match(code) or (districts is not None and code not in districts):
            return f"区教育局须填写天津的区代码，而不是“{code}”", f"a district bureau needs a Tianjin district code, not {code!r}"
    elif role is Role.SCHOOL:
        if not _SCHOOL_CODE.match(code):
            return (f"学校须填写10位学校标识码或18位统一社会信用代码，而不是“{code}”",
                    f"a school needs its 10-digit school code or 18-character credit code, not {code!r}")
    elif code:
        return "数据组和市教委的范围是全市，范围代码应为空", "data team and commission are city-wide: leave scope_code empty"
    return None


MISSING_TABLE = ("角色分配表不存在（{path}），任何人都不能访问。请数据组恢复该文件（备份或重新创建），再运行 `kejiao doctor`。",
                 ("The role table is missing ({path}): nobody may sign in. The data team must restore it "
                  "(from a backup or anew), then run `kejiao doctor`."))


def load_assignments(path: Path | None = None, known_districts: Iterable[str] | None = None,
                     demo: bool | None = None) -> AssignmentTable:
    """The table in force: the data team's file under DATA_DIR. Only in the demo (`demo`, by default
    `KEJIAO_DEMO=1`) does a missing file fall back to the committed seed; outside it a missing
    table is empty and says so, and demo rows (`.invalid`) are dropped, never loaded."""
    demo = demo_requested() if demo is None else demo
    path = path or assignments_path()
    if not path.exists():
        if not demo:
            zh, en = MISSING_TABLE
            return AssignmentTable(problems=[(0, zh.format(path=path), en.format(path=path))], path=path,
                                   missing=True)
        path = SEED_ASSIGNMENTS
    table = parse_assignments(path.read_text(encoding="utf-8"), known_districts)
    table.path = path
    if not demo:
        table.rows = [row for row in table.rows if not row.is_demo]
    return table


def render_assignments(rows: Iterable[Mapping[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: _clean(row.get(c)) for c in COLUMNS})
    return out.getvalue()


def save_assignments(text: str, path: Path | None = None) -> Path:
    """Replace the table (written aside, then renamed: a reader sees the old or the new file)."""
    path = path or assignments_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------- who is this

def _groups(claims: Mapping[str, object]) -> set[str]:
    found: set[str] = set()
    for name in GROUP_CLAIMS:
        value = claims.get(name)
        if isinstance(value, str):
            found.update(v.strip() for v in value.replace(";", ",").split(",") if v.strip())
        elif isinstance(value, (list, tuple)):
            found.update(str(v).strip() for v in value if str(v).strip())
    return found


def _scope(role: Role, rows: list[Assignment]) -> Scope:
    codes = tuple(sorted({r.scope_code for r in rows if r.scope_code}))
    if role is Role.DISTRICT:
        return Scope(role, districts=codes)
    if role is Role.SCHOOL:
        return Scope(role, schools=codes)
    return Scope(role)


def _verified(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _subject_matches(row: Assignment, issuer: str | None, subject: str | None, single_issuer: bool) -> bool:
    """A subject row names `issuer|subject` (the subject under its issuer); a bare subject names
    the subject of the only provider configured, and nothing when there are several."""
    if not subject:
        return False
    if "|" in row.identity:
        row_issuer, _, row_subject = row.identity.partition("|")
        return bool(issuer) and row_issuer.rstrip("/") == issuer.rstrip("/") and row_subject == subject
    return single_issuer and row.identity == subject


def resolve(claims: Mapping[str, object], table: AssignmentTable, *, mode: str = "oidc",
            single_issuer: bool = True) -> Resolution:
    """The viewer an identity's claims make, or why there is none.

    The most specific kind of match wins (subject, then email, then group); rows of that kind
    must agree on the role, else the identity is denied until the data team settles it. A
    subject matches under its issuer (`issuer|subject` rows; a bare subject only while one
    provider is configured, `single_issuer`); an email only when the provider says
    `email_verified` (the demo's identities need no provider)."""
    subject = _clean(claims.get("sub")) or None
    issuer = _clean(claims.get("iss")) or None
    email = _clean(claims.get("email")).lower() or None
    if email and mode != "demo" and not _verified(claims.get("email_verified")):
        email = None  # an address the provider has not verified names no one
    groups = _groups(claims)
    name = _clean(claims.get("name")) or email or subject or ""
    rows = [r for r in table.rows if mode == "demo" or not r.is_demo]
    by_kind = {
        "subject": [r for r in rows if r.match_by == "subject" and _subject_matches(r, issuer, subject, single_issuer)],
        "email": [r for r in rows if r.match_by == "email" and email and r.identity == email],
        "group": [r for r in rows if r.match_by == "group" and r.identity in groups],
    }
    who = email or subject or "?"
    for kind in MATCH_BY:
        matched = by_kind[kind]
        if not matched:
            continue
        roles = {r.role for r in matched}
        if len(roles) > 1:
            listed = ", ".join(sorted(r.value for r in roles))
            return Resolution(None, f"账号 {who} 被分配了互相冲突的角色（{listed}），请数据组更正角色分配表",
                              f"{who} has conflicting roles ({listed}); the data team must correct the assignments")
        role = roles.pop()
        display = next((r.display_name for r in matched if r.display_name), "")
        viewer = Viewer(identity=email or subject or "", name=name or display, scope=_scope(role, matched),
                        mode=mode, matched_by=kind, email=email, subject=subject)
        return Resolution(viewer)
    return Resolution(None, f"账号 {who} 尚未分配角色，无权访问。请联系市教委数据组开通。",
                      f"{who} has no role assigned and may see nothing. Ask the commission's data team.")


def demo_identities(table: AssignmentTable) -> list[Assignment]:
    """One row per demo identity (its first row), in table order: the demo role switcher's options."""
    seen, out = set(), []
    for row in table.rows:
        if row.is_demo and row.identity not in seen:
            seen.add(row.identity)
            out.append(row)
    return out
