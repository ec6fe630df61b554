"""What judging knows beyond the file: the school registry, the districts and last year's
figures, as the warehouse holds them (`WarehouseContext`, fetched as a batch asks) or held whole
(`RunContext`), with what a run learns from the files it accepted before."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.intake.in_force import in_force_sql
from pipelines.intake.judge import Verdict
from pipelines.intake.schema import REPORT_TYPES
from pipelines.intake.validate import Context
from warehouse import ArrowStream, compose, registered


def _fold(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFKC").str.strip_chars().str.to_lowercase()


def name_keys(schools: pl.DataFrame) -> pl.DataFrame:
    """(name_key, school_code) of every full name and alias (folded) of the schools, once each."""
    names = pl.concat([
        schools.select(name=pl.col("school_name"), school_code="school_code"),
        schools.select(name=pl.col("aliases"), school_code="school_code").explode("name"),
    ]).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
    return names.select(name_key=_fold(pl.col("name")), school_code="school_code").unique(["name_key", "school_code"])


def names_index(schools: pl.DataFrame) -> pl.DataFrame:
    """Every full name and alias (folded) -> the school, with how many schools share it."""
    return name_keys(schools).group_by("name_key").agg(school_code=pl.col("school_code").min(), matches=pl.len())


def _frame(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    """A query's result as a Polars frame, through the Arrow C stream interface."""
    return pl.DataFrame(relation)


def districts_index(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    d = _frame(con.sql("select district_code, district_name_zh, district_name_en from ref.districts"))
    keys = pl.concat([
        d.select(k="district_code", district_code="district_code"),
        d.select(k="district_name_zh", district_code="district_code"),
        d.select(k=pl.col("district_name_zh").str.replace("(新区|区)$", ""), district_code="district_code"),
        d.select(k="district_name_en", district_code="district_code"),
    ])
    return keys.select(district_key=_fold(pl.col("k")), district_code="district_code").unique("district_key")


SCHOOL_COLUMNS = ["school_code", "school_name", "school_type", "district_code", "aliases", "valid_from", "valid_to"]
PREVIOUS_SCHEMA = {"school_code": pl.String, "report_year": pl.Int64, "enrolled_students": pl.Int64,
                   "students_in_st_activities": pl.Int64}


def _accepted(verdicts: list[Verdict], code: str) -> list[pl.DataFrame]:
    table = REPORT_TYPES[code].table
    return [v.rows[table] for v in verdicts if v.rows.get(table) is not None and v.rows[table].height]


def _newest_schools(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Registry rows, a later frame's row of a school winning."""
    return pl.concat([f.select(SCHOOL_COLUMNS) for f in frames], how="diagonal_relaxed").unique(
        "school_code", keep="last", maintain_order=True)


def _newest_figures(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Annual figures, a later frame's row of a school and year winning."""
    return pl.concat([f.select(list(PREVIOUS_SCHEMA)) for f in frames], how="vertical_relaxed").unique(
        ["school_code", "report_year"], keep="last", maintain_order=True)


class RunContext(Context):
    """A Context that learns from files accepted before: the registry and last year's figures."""

    def accept(self, verdict: Verdict) -> None:
        self.accept_many([verdict])

    def accept_many(self, verdicts: list[Verdict]) -> None:
        """Learn from accepted files, in order (a later file's row of a school wins); the name
        index is rebuilt once, not once per file."""
        r0 = _accepted(verdicts, "R0")
        if r0:
            self.schools = _newest_schools([self.schools, *r0])
            self.names = names_index(self.schools)
        r5 = _accepted(verdicts, "R5")
        if r5:
            self.previous_r5 = _newest_figures([self.previous_r5, *r5])


# A name made only of these characters is its own folded key (NFKC, trimmed, lower case): CJK
# unified ideographs and printable ASCII but capitals have no compatibility form, no space to
# trim and no capital. Any other name may fold to another text; those few are folded by Polars.
NEEDS_FOLDING = r"[^\x{4E00}-\x{9FFF}\x{21}-\x{40}\x{5B}-\x{7E}]"

# the queries of a WarehouseContext: {names} are filled by warehouse.compose, values bound ($name)
IN_FORCE_COLUMNS = "select {columns} from ({rows})"
PREVIOUS_FIGURES = ("select school_code, report_year::bigint as report_year, enrolled_students, "
                    "students_in_st_activities from ({rows})")
# schools of the warehouse that go by one of the names {keys} holds (`v`), in any version (a
# superset of those whose name in force does): a name that is its own key must equal one of the
# keys; the others (NEEDS_FOLDING) are folded by the caller, as names_index folds them
NAMED = ("with names as (select school_code, school_name as name from staging.r0_schools "
         "union all select school_code, unnest(aliases) as name from staging.r0_schools) "
         "select distinct school_code, name from names "
         "where name in (select v from {keys}) or regexp_matches(name, $needs_folding)")


class WarehouseContext(RunContext):
    """The context of a warehouse, fetched as validation asks: only the schools and the last
    year's figures that a batch refers to, selected in DuckDB (the rows in force of those keys,
    never the whole history), with what this run has learnt from the files it accepted before
    (which wins over the warehouse). The cost follows the batch, not the warehouse.

    `schools`, `names` and `previous_r5` (all of them) are still there for callers that want
    the whole registry, fetched when asked; `materialise` makes a RunContext of them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, key: bytes, today: date):
        self.con, self.key, self.today = con, key, today
        self.districts = districts_index(con)
        self._learnt = pl.DataFrame(schema={"school_code": pl.String, "school_name": pl.String,
                                            "school_type": pl.String, "district_code": pl.String,
                                            "aliases": pl.List(pl.String), "valid_from": pl.Date,
                                            "valid_to": pl.Date})
        self._learnt_keys = name_keys(self._learnt)
        self._learnt_figures = pl.DataFrame(schema=PREVIOUS_SCHEMA)
        # an empty registry or annual table (a first run) needs no query at all (the warehouse
        # does not change under a context: ingest writes once it has judged everything)
        self._has_schools, self._has_figures = con.sql(compose(
            "select exists (select 1 from {registry}), exists (select 1 from {annual})",
            registry=REPORT_TYPES["R0"].table, annual=REPORT_TYPES["R5"].table)).fetchall()[0]

    # --- learning ------------------------------------------------------------------------
    def accept_many(self, verdicts: list[Verdict]) -> None:
        r0 = _accepted(verdicts, "R0")
        if r0:
            self._learnt = _newest_schools([self._learnt, *r0])
            self._learnt_keys = name_keys(self._learnt)
        r5 = _accepted(verdicts, "R5")
        if r5:
            self._learnt_figures = _newest_figures([self._learnt_figures, *r5])

    # --- what a batch asks for -------------------------------------------------------------
    def _query(self, template: str, params: dict | None = None, **frames: pl.DataFrame) -> pl.DataFrame:
        """A query with frames as views: `{name}` in `template` stands for the frame `name`."""
        with registered(self.con, **{name: ArrowStream(frame) for name, frame in frames.items()}) as views:
            return _frame(self.con.sql(compose(template, **views), params=params))

    def _schools_in_force(self, candidates: pl.DataFrame | None = None) -> pl.DataFrame:
        """Schools in force in the warehouse; with `candidates` (a frame of codes, `v`), only those."""
        if candidates is None:
            return _frame(self.con.sql(compose(IN_FORCE_COLUMNS, columns=SCHOOL_COLUMNS, rows=in_force_sql("R0"))))
        with registered(self.con, candidates=ArrowStream(candidates)) as views:
            rows = in_force_sql("R0", schools_in=views["candidates"])
            return _frame(self.con.sql(compose(IN_FORCE_COLUMNS, columns=SCHOOL_COLUMNS, rows=rows)))

    def registry_for(self, codes: pl.Series, name_keys_: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
        codes_f = pl.DataFrame({"v": codes.cast(pl.String)}).unique()
        keys_f = pl.DataFrame({"v": name_keys_.cast(pl.String)}).unique()
        if codes_f.is_empty() and keys_f.is_empty():
            return self._learnt.clear(), names_index(self._learnt.clear())
        found = self._schools_of(codes_f, keys_f) if self._has_schools else self._learnt.clear()
        # what this run learnt wins over the warehouse
        learnt_keys = self._learnt_keys.filter(pl.col("name_key").is_in(keys_f["v"].implode()))
        learnt = self._learnt.filter(pl.col("school_code").is_in(pl.concat([codes_f["v"], learnt_keys["school_code"]])
                                                                 .implode()))
        found = found.filter(~pl.col("school_code").is_in(self._learnt["school_code"].implode()))
        schools = pl.concat([found, learnt], how="diagonal_relaxed")
        # the name index of these schools (learnt names folded once, when learnt), for the keys
        keys = pl.concat([name_keys(found).filter(pl.col("name_key").is_in(keys_f["v"].implode())), learnt_keys])
        names = (keys.unique(["name_key", "school_code"])
                 .group_by("name_key").agg(school_code=pl.col("school_code").min(), matches=pl.len()))
        return schools, names

    def _schools_of(self, codes_f: pl.DataFrame, keys_f: pl.DataFrame) -> pl.DataFrame:
        """Schools in force in the warehouse with one of the codes, or going by one of the names."""
        named = self._query(NAMED, {"needs_folding": NEEDS_FOLDING}, keys=keys_f
                            ).filter(_fold(pl.col("name")).is_in(keys_f["v"].implode()))
        candidates = pl.concat([codes_f["v"], named["school_code"]])
        return self._schools_in_force(pl.DataFrame({"v": candidates}).unique())

    def previous_for(self, codes: pl.Series) -> pl.DataFrame:
        codes_f = pl.DataFrame({"v": codes.cast(pl.String)}).unique()
        if codes_f.is_empty():
            return self._learnt_figures.clear()
        learnt = self._learnt_figures.filter(pl.col("school_code").is_in(codes_f["v"].implode()))
        if not self._has_figures:
            return learnt
        with registered(self.con, codes=ArrowStream(codes_f)) as views:
            found = _frame(self.con.sql(compose(PREVIOUS_FIGURES, rows=in_force_sql("R5", schools_in=views["codes"]))))
        return _newest_figures([found.cast(PREVIOUS_SCHEMA), learnt])

    # --- the whole of it, for who wants it ---------------------------------------------------
    @property
    def schools(self) -> pl.DataFrame:  # type: ignore[override]
        return _newest_schools([self._schools_in_force(), self._learnt])

    @property
    def names(self) -> pl.DataFrame:  # type: ignore[override]
        return names_index(self.schools)

    @property
    def previous_r5(self) -> pl.DataFrame:  # type: ignore[override]
        found = _frame(self.con.sql(compose(PREVIOUS_FIGURES, rows=in_force_sql("R5"))))
        return _newest_figures([found.cast(PREVIOUS_SCHEMA), self._learnt_figures])

    def materialise(self) -> RunContext:
        """A RunContext holding all of it, that no longer needs the connection."""
        schools = self.schools
        return RunContext(schools=schools, names=names_index(schools), districts=self.districts,
                          previous_r5=self.previous_r5, key=self.key, today=self.today)


def load_context(con: duckdb.DuckDBPyConnection, key: bytes, today: date) -> WarehouseContext:
    """The validation context of a warehouse; it fetches what each batch refers to (see
    WarehouseContext), so it needs `con` open for as long as it is used."""
    return WarehouseContext(con, key, today)
