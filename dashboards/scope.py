"""The viewer's scope, enforced where the data is read.

Every query of the dashboard runs on a connection made for one (snapshot, scope): an in-memory
DuckDB database that attaches the published snapshot read-only and offers each of its tables
as a view of the same name (`marts.dim_school`, `raw.submissions`, …) holding only the rows the
scope may see. The queries (dashboards/sql/*.sql) are written for the whole snapshot, yet a
district bureau's connection simply has no row of another district's schools, whatever a filter,
a URL or a page asks for. The scope's codes sit in small tables (`access.scope_districts`,
`access.scope_schools`, and `access.own_schools` for a school's own page), as do the city's geo code
(`access.city`) and the report types whose values nobody reads (`access.masked_report_types`), and
the views read them: no value is ever written into SQL text. Which files the scope may see (`access.visible_submissions`)
is worked out once, when the connection is made, not by every query of raw.submissions.

What each role's views hold:

| table | data team | commission | district bureau | school / university |
| --- | --- | --- | --- | --- |
| ref.*, meta.*, indicator definitions | all | all | all | all |
| indicators.indicator_values | all | all | city totals (no per-university rows of other districts) and its district | none |
| indicators.shs_forecast | all | all | all (a city aggregate) | none |
| indicators.value_lineage | all | all | its district's values | none |
| school-level marts and staging rows | all | all | its district's schools | its own rows (a university: the roster it hosts) |
| marts.agg_yip_district_equity | all | all | the city's row and its district's | none |
| raw.submissions | all | all | files of its district's schools only | its own files only |
| raw.issues (errors of files) | all | none | of those files | of those files |
| senders.obligations, senders.supersessions | all | all | its district's schools | its own |
| senders.error_lists (refused files' error lists) | all | none | of the files it sees | of its own files |
| a table this module does not know | all | all | by `district_code` / `geo_code` / `school_code` if it has one, else none | by `school_code`, else none |

Whatever the role, `raw.issues.value_seen` is null for every issue of a file that holds a roster of
minors (report types `MINORS_ROSTERS`, R3; a file of several report types among them too): the row and
column of a problem are shown, never what the roster's cell held. Intake keeps no such value either;
this holds for any snapshot, older ones included, and for every query that reads raw.issues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb

from pipelines.access.roles import CITY, Permission, Role, Scope
from pipelines.intake.batch import MINORS_ROSTERS

SOURCE = "published_source"  # the attached snapshot's catalog name inside a scoped connection
PUBLIC_SCHEMAS = ("ref", "meta")


class ScopedSnapshot(NamedTuple):
    """A published snapshot as one viewer may see it: the file (a new file under the same name
    is a new key) and the scope. The first argument of every query in dashboards/data.py."""

    path: str
    inode: int
    mtime_ns: int
    size: int
    role: str
    districts: tuple[str, ...] = ()
    schools: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def scope(self) -> Scope:
        return Scope(Role(self.role), self.districts, self.schools)


def scoped(snap, scope: Scope) -> ScopedSnapshot:
    """Bind a snapshot (anything with path, inode, mtime_ns, size) to a scope."""
    return ScopedSnapshot(snap.path, snap.inode, snap.mtime_ns, snap.size, scope.role.value,
                          tuple(scope.districts), tuple(scope.schools))


# ---------------------------------------------------------------- row rules

@dataclass(frozen=True)
class Rule:
    """Which rows of one table a scope may see: a SQL predicate per role kind (None: all rows)."""

    district: str | None  # predicate for a district bureau
    school: str | None  # predicate for a school
    commission: str | None = None  # predicate for commission staff (None: all)


NONE = "false"
ALL = Rule(district=None, school=None)
CITY_ONLY = Rule(district=NONE, school=NONE)

IN_DISTRICTS = "{col} in (select district_code from access.scope_districts)"
IS_CITY = "{col} in (select geo_code from access.city)"
IN_SCHOOLS = "{col} in (select school_code from access.scope_schools)"
VISIBLE_SUBMISSION = "submission_id in (select submission_id from access.visible_submissions)"


def school_rule(school_col: str, district_col: str | None) -> Rule:
    district = (IN_DISTRICTS.format(col=district_col) if district_col else IN_SCHOOLS.format(col=school_col))
    return Rule(district=district, school=IN_SCHOOLS.format(col=school_col))


RULES: dict[str, Rule] = {
    "indicators.indicator_definitions": ALL,
    "indicators.indicator_values": Rule(
        district=(IN_DISTRICTS.format(col="geo_code") + " or (" + IS_CITY.format(col="geo_code") + " and ("
                  "breakdown_dimension is distinct from 'host_university' or "
                  "breakdown_value in (select school_code from access.scope_schools)))"),
        school=NONE),
    "indicators.shs_forecast": Rule(district=None, school=NONE),
    # a district bureau reads its own district's row and the city's own (never the other districts')
    "marts.agg_yip_district_equity": Rule(
        district=IN_DISTRICTS.format(col="geo_code") + " or " + IS_CITY.format(col="geo_code"), school=NONE),
    "indicators.value_lineage": Rule(district=IN_DISTRICTS.format(col="geo_code"), school=NONE),
    "marts.dim_school": school_rule("school_code", "district_code"),
    "marts.dim_school_history": school_rule("school_code", "district_code"),
    "marts.fct_alliance_member_year": school_rule("member_code", "district_code"),
    "marts.fct_alliance_membership": school_rule("member_code", "district_code"),
    "marts.fct_annual_report_obligation": school_rule("school_code", "district_code"),
    "marts.fct_base_year": school_rule("host_school_code", "district_code"),
    "marts.fct_school_annual_report": school_rule("school_code", "district_code"),
    "marts.fct_shs_school_year": school_rule("school_code", "district_code"),
    "marts.fct_shs_stage_events": school_rule("school_code", "district_code"),
    "marts.fct_yip_participants": Rule(
        district=IN_DISTRICTS.format(col="district_code"),
        school=(IN_SCHOOLS.format(col="school_code") + " or " + IN_SCHOOLS.format(col="host_university_code"))),
    "raw.submissions": Rule(district=VISIBLE_SUBMISSION, school=VISIBLE_SUBMISSION),
    # the senders' loop (issue 13): what a school owes, which file replaced which, its refused files'
    # error lists (the problems of a file: like raw.issues, not for commission staff)
    "senders.obligations": school_rule("school_code", "district_code"),
    "senders.supersessions": school_rule("school_code", "district_code"),
    "senders.error_lists": Rule(district=VISIBLE_SUBMISSION, school=VISIBLE_SUBMISSION, commission=NONE),
    "raw.issues": Rule(district=VISIBLE_SUBMISSION, school=VISIBLE_SUBMISSION, commission=NONE),
    "staging.r0_schools_in_force": school_rule("school_code", "district_code"),
    "staging.r1_shs_stage_events_in_force": school_rule("school_code", None),
    "staging.r2_flagship_base_reports_in_force": school_rule("host_school_code", None),
    "staging.r4_alliance_members_in_force": school_rule("member_code", "district_code"),
    "staging.r5_school_annual_reports_in_force": school_rule("school_code", None),
}


def rule_for(table: str, columns: list[str]) -> Rule:
    """The rule of a known table, else one from its columns (and none when unsure)."""
    if table in RULES:
        return RULES[table]
    if table.split(".")[0] in PUBLIC_SCHEMAS:
        return ALL
    if "district_code" in columns:
        school = next((c for c in ("school_code", "host_school_code", "member_code") if c in columns), None)
        return Rule(district=IN_DISTRICTS.format(col="district_code"),
                    school=IN_SCHOOLS.format(col=school) if school else NONE)
    if "geo_code" in columns:
        return Rule(district=IN_DISTRICTS.format(col="geo_code"), school=NONE)
    if "school_code" in columns:
        return school_rule("school_code", None)
    return CITY_ONLY


def predicate(rule: Rule, scope: Scope) -> str | None:
    if scope.role is Role.DATA_TEAM:
        return None
    if scope.role is Role.COMMISSION:
        return rule.commission
    if scope.role is Role.DISTRICT:
        return rule.district
    return rule.school


# ---------------------------------------------------------------- which submissions are whose

# (table, the column naming the school that sent the rows): R1, R2, R3 and R5. The registry (R0)
# and the alliance roster (R4) are the commission's own files: city-wide roles only.
SENDING_ROWS = (
    ("marts.fct_school_annual_report", "school_code"),
    ("marts.fct_shs_stage_events", "school_code"),
    ("marts.fct_base_year", "host_school_code"),
    ("marts.fct_yip_participants", "host_university_code"),
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qualified(table: str, catalog: str | None = None) -> str:
    schema, name = table.split(".", 1)
    prefix = f"{_quote(catalog)}." if catalog else ""
    return f"{prefix}{_quote(schema)}.{_quote(name)}"


def _named_sql() -> str:
    """The schools a file's rows were sent for as intake judged it, refused files included
    (raw.submissions.schools_named, migration 0017)."""
    return (f"(select submission_id, unnest(schools_named) as school_code "
            f"from {_qualified('raw.submissions', SOURCE)} where schools_named is not null)")


def _links_sql(tables: set[str], named: bool = False) -> str:
    """submission_id, school_code, district_code: whose rows each submission carries, the schools
    a file (refused ones too) was judged to be sent for (`named`: the snapshot records them), and,
    for files sent on the upload page, the schools its sender sent it for."""
    parts = [f"select submission_id, {_quote(col)} as school_code from {_qualified(t, SOURCE)}"
             for t, col in SENDING_ROWS if t in tables]
    if named:
        parts.append(f"select submission_id, school_code from {_named_sql()} as named")
    if "raw.submissions" in tables:
        parts.append(
            f"select submission_id, unnest(json_extract_string(sender, '$.schools[*]')) as school_code "
            f"from {_qualified('raw.submissions', SOURCE)} where sender is not null and json_valid(sender)")
    if not parts:
        return "select null::varchar as submission_id, null::varchar as school_code, null::varchar as district_code where false"
    registry = (_qualified("marts.dim_school", SOURCE) if "marts.dim_school" in tables
                else _qualified("staging.r0_schools_in_force", SOURCE) if "staging.r0_schools_in_force" in tables
                else None)
    links = " union ".join(parts)
    if registry is None:
        return f"select links.*, null::varchar as district_code from ({links}) as links"
    return (f"select links.submission_id, links.school_code, schools.district_code from ({links}) as links "
            f"left join {registry} as schools using (school_code)")


def _issues_sql(issue_columns: list[str], submission_columns: list[str]) -> str:
    """raw.issues with `value_seen` null for the issues of a file holding a roster of minors (the
    report types of access.masked_report_types); every value when which files those are cannot be
    told (no raw.submissions or no report_type in the snapshot)."""
    source = _qualified("raw.issues", SOURCE)
    if "value_seen" not in issue_columns:
        return f"select * from {source}"
    if "report_type" not in submission_columns:
        return f"select * replace (null::varchar as value_seen) from {source}"
    rosters = (f"select submission_id from {_qualified('raw.submissions', SOURCE)} "
               "where list_has_any(string_split(report_type, ','), "
               "(select list(report_type) from access.masked_report_types))")
    return (f"select * replace (case when submission_id in ({rosters}) then null else value_seen end "
            f"as value_seen) from {source}")


IN_SCOPE_SCHOOLS = "coalesce(school_code in (select school_code from access.scope_schools), false)"


def _visible_by_school_sql(tables: set[str], named: bool = False) -> str:
    """The submissions every link of which names a school of access.scope_schools: the same as
    `bool_and(school in scope)` over access.submission_links, read without building every link of
    every file (a school's files are found first, then only their links are checked)."""
    sources = [(_qualified(t, SOURCE), _quote(col)) for t, col in SENDING_ROWS if t in tables]
    senders = None
    if "raw.submissions" in tables:
        senders = (f"(select submission_id, unnest(json_extract_string(sender, '$.schools[*]')) as school_code "
                   f"from {_qualified('raw.submissions', SOURCE)} where sender is not null and json_valid(sender))")
    touching = [f"select submission_id from {t} where {col} in (select school_code from access.scope_schools)"
                for t, col in sources]
    links = [f"select submission_id, {col} as school_code from {t} "
             f"where submission_id in (select submission_id from touching)" for t, col in sources]
    if named:
        touching.append(f"select submission_id from {_named_sql()} as named "
                        f"where school_code in (select school_code from access.scope_schools)")
        links.append(f"select submission_id, school_code from {_named_sql()} as named "
                     f"where submission_id in (select submission_id from touching)")
    if senders is not None:
        touching.append(f"select submission_id from {senders} as senders "
                        f"where school_code in (select school_code from access.scope_schools)")
        links.append(f"select submission_id, school_code from {senders} as senders "
                     f"where submission_id in (select submission_id from touching)")
    if not touching:
        return "select null::varchar as submission_id where false"
    return (f"with touching as ({' union '.join(touching)}), links as ({' union all '.join(links)}) "
            f"select submission_id from links group by submission_id having bool_and({IN_SCOPE_SCHOOLS})")


def open_scoped(path: str | Path, scope: Scope) -> duckdb.DuckDBPyConnection:
    """An in-memory database whose tables are the snapshot's, as views limited to the scope."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach $path as {SOURCE} (read_only)", {"path": str(path)})
        catalog = con.execute(
            "select schema_name, table_name, list(column_name order by column_index) as columns "
            "from duckdb_columns() where database_name = $db group by all order by all", {"db": SOURCE}).fetchall()
        columns = {f"{s}.{t}": cols for s, t, cols in catalog}
        con.execute("create schema access")
        con.execute("create table access.scope_districts (district_code varchar primary key)")
        con.execute("create table access.scope_schools (school_code varchar primary key)")
        con.execute("create table access.city (geo_code varchar primary key)")
        con.execute("insert into access.city values ($city)", {"city": CITY})
        if scope.districts:
            con.executemany("insert into access.scope_districts values (?)", [[d] for d in scope.districts])
        if scope.role is Role.DISTRICT and "marts.dim_school" in columns:
            con.execute(f"insert into access.scope_schools select distinct school_code from "
                        f"{_qualified('marts.dim_school', SOURCE)} where district_code in "
                        f"(select district_code from access.scope_districts)")
        elif scope.schools:
            con.executemany("insert into access.scope_schools values (?)", [[s] for s in scope.schools])
        # whose own figures the viewer reads (a school's page): a school's or university's codes, else none
        con.execute("create table access.own_schools (school_code varchar primary key)")
        if scope.may(Permission.OWN_FIGURES) and scope.schools:
            con.executemany("insert into access.own_schools values (?)", [[s] for s in scope.schools])
        # the report types whose cell values no viewer is shown (raw.issues below)
        con.execute("create table access.masked_report_types (report_type varchar primary key)")
        con.executemany("insert into access.masked_report_types values (?)", [[r] for r in sorted(MINORS_ROSTERS)])
        named = "schools_named" in columns.get("raw.submissions", [])  # older snapshots lack it
        con.execute(f"create view access.submission_links as {_links_sql(set(columns), named)}")
        # a file is the scope's when every school it carries rows of (or was sent for) is the scope's
        if scope.role is Role.DISTRICT and "marts.dim_school" not in columns:
            in_scope = "coalesce(district_code in (select district_code from access.scope_districts), false)"
            visible = ("select submission_id from access.submission_links "
                       f"group by submission_id having bool_and({in_scope})")
        else:
            # a school's own codes; a district's: every school the registry places in it, which is
            # what the district of a link (looked up in that registry) would say
            visible = _visible_by_school_sql(set(columns), named)
        if scope.role in (Role.DATA_TEAM, Role.COMMISSION):
            con.execute(f"create view access.visible_submissions as {visible}")  # their views never read it
        else:
            # worked out once per connection (the snapshot never changes under it), not again by
            # every query that reads raw.submissions or raw.issues
            con.execute(f"create table access.visible_submissions as {visible}")
        for table, cols in columns.items():
            schema = table.split(".")[0]
            con.execute(f"create schema if not exists {_quote(schema)}")
            where = predicate(rule_for(table, cols), scope)
            select = (_issues_sql(cols, columns.get("raw.submissions", [])) if table == "raw.issues"
                      else f"select * from {_qualified(table, SOURCE)}")
            body = select + (f" where {where}" if where else "")
            con.execute(f"create view {_qualified(table)} as {body}")
        con.execute("use memory")
    except BaseException:
        con.close()
        raise
    return con


# ---------------------------------------------------------------- pages

# url path of a page -> the permission it needs (None: every signed-in role)
PAGE_PERMISSIONS: dict[str, Permission | None] = {
    "overview": Permission.CITY_FIGURES,
    "science_high_schools": Permission.CITY_FIGURES,
    "flagship_bases": Permission.CITY_FIGURES,
    "youth_programme": Permission.CITY_FIGURES,
    "everyone": Permission.CITY_FIGURES,
    "reporting": Permission.SCHOOL_TABLES,
    "methodology": None,
    "export": Permission.EXPORTS,
    "my_school": Permission.OWN_FIGURES,
    "upload": Permission.UPLOAD,
    "audit": Permission.AUDIT,
    "access": Permission.MANAGE_ROLES,
}


def may_open(scope: Scope, url_path: str) -> bool:
    """Pages nobody listed here may open are closed (deny by default)."""
    if url_path not in PAGE_PERMISSIONS:
        return False
    needed = PAGE_PERMISSIONS[url_path]
    return needed is None or scope.may(needed)


def allowed(pages: list, scope: Scope, url_path_of: Callable[[object], str]) -> list:
    return [p for p in pages if may_open(scope, url_path_of(p))]
