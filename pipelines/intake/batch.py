"""All sheets of one report type as one frame: the data rows below each header stacked, every
cell typed (`v_*`) and checked, districts and schools resolved, issues recorded as rules flag
them; then the staging rows and the issue list. The rules of each report type are in rules.py;
validate.py runs them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from pipelines.intake import values as V
from pipelines.intake.headers import HeaderMatch
from pipelines.intake.messages import RULES
from pipelines.intake.readers import Grid
from pipelines.intake.schema import CODE_LISTS, Column, ReportType, is_code_column, staging_name

if TYPE_CHECKING:
    from pipelines.intake.validate import Context

# notes and totals below the data: 合计/总计 rows, and "label: value" lines (填表人：…, 填报日期:…)
FOOTER = r"^(合计|总计|小计|累计|填表人|填报人|联系人|联系电话|审核人|负责人|单位负责人|备注|注[:：]|说明[:：]|制表|[\p{Han}]{2,8}\s*[:：])"
SPARSE_NFKC_ROWS = 20_000  # from this many rows, NFKC is applied to the non-ASCII cells alone
FOOTER_UNTRIMMED = r"^\s*" + FOOTER.removeprefix("^")
SCHOOL_CODE = r"^\d{10}$"
MASK = "＊＊＊"
MINORS_ROSTERS = frozenset({"R3"})

ISSUE_SCHEMA = {
    "severity": pl.String,
    "rule_code": pl.String,
    "sheet_name": pl.String,
    "row_number": pl.Int32,
    "column_letter": pl.String,
    "column_name": pl.String,
    "column_header": pl.String,
    "value_seen": pl.String,
    "detail": pl.String,
}


@dataclass
class SheetInput:
    """A recognised sheet of file number `file` in the batch."""

    file: int
    grid: Grid
    header_idx: int
    match: HeaderMatch


def name_pairs(schools: pl.DataFrame) -> pl.DataFrame:
    """(name_key, school_code, valid_from, valid_to): every full name and alias (folded) of the
    schools, with the dates the school was in service (null: open-ended)."""
    dated = schools.with_columns([pl.lit(None, dtype=pl.Date).alias(c) for c in ("valid_from", "valid_to")
                                  if c not in schools.columns])
    parts = [dated.select(name=pl.col("school_name"), school_code="school_code", valid_from="valid_from",
                          valid_to="valid_to")]
    if "aliases" in schools.columns:
        parts.append(dated.select(name=pl.col("aliases"), school_code="school_code", valid_from="valid_from",
                                  valid_to="valid_to").explode("name"))
    return (pl.concat(parts).filter(pl.col("name").is_not_null() & (pl.col("name") != ""))
            .select(pl.col("name").str.normalize("NFKC").str.strip_chars().str.to_lowercase().alias("name_key"),
                    "school_code", "valid_from", "valid_to")
            .unique(["name_key", "school_code"]))


# the year a row speaks of, by report type: a name shared by two schools is the one in service then
ROW_YEAR = {
    "R1": lambda: pl.col("v_event_date").dt.year().cast(pl.Int64),
    "R2": lambda: pl.col("v_report_year"),
    "R3": lambda: pl.col("v_cohort_year"),
    "R5": lambda: pl.col("v_report_year"),
}


def pseudonymise(values: pl.Series, key: bytes) -> pl.Series:
    """Keyed hash (HMAC-SHA256) of identifiers; the same identifier always gives the same key.
    Each distinct identifier is hashed once, from a keyed state prepared once."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def one(v: str) -> str:
        h = keyed.copy()
        h.update(v.upper().encode("utf-8"))
        return h.hexdigest()[:32]

    distinct = values.drop_nulls().unique().to_list()
    mapping = {v: one(v) for v in distinct}
    return values.replace_strict(mapping, default=None, return_dtype=pl.String).alias(values.name)


def _issue_frame(file: int, sheet: int | None, rule: str, row: int | None, column: str | None,
                 header: str | None = None, detail: str | None = None) -> pl.DataFrame:
    return pl.DataFrame([{"_file": file, "_sheet": sheet, "row_number": row, "column_name": column, "rule_code": rule,
                          "value_seen": None, "detail": detail, "_header": header}], schema=_RAW_ISSUE)


_RAW_ISSUE = {"_file": pl.Int32, "_sheet": pl.Int32, "row_number": pl.Int32, "column_name": pl.String,
              "rule_code": pl.String, "value_seen": pl.String, "detail": pl.String, "_header": pl.String}


class Batch:
    """All sheets of one report type: one frame grows typed `v_*` columns; issues collect."""

    def __init__(self, report: ReportType, sheets: list[SheetInput], ctx: Context):
        self.report = report
        self.ctx = ctx
        self.issues: list[pl.DataFrame] = []
        self._pending: list[tuple] = []  # rules recorded, not yet evaluated (see add_issues)
        self.later: list = []  # what rules across the files of a run evaluate once all are judged (rules.py)
        self._df = pl.DataFrame()
        self.inputs = sheets
        self.present: dict[str, list[int]] = {c.name: [] for c in report.columns}
        for uid, s in enumerate(sheets):
            positions = {col.name: pos for pos, col in s.match.columns.items()}
            for name in positions:
                self.present[name].append(uid)
            self._file_level(uid, s, positions)
        self.sheets = pl.DataFrame({"_sheet": range(len(sheets)), "_file": [s.file for s in sheets],
                                    "sheet_name": [s.grid.name for s in sheets]},
                                   schema={"_sheet": pl.Int32, "_file": pl.Int32, "sheet_name": pl.String})
        self.df = self._rows(sheets)
        for uid in set(range(len(sheets))) - set(self.df["_sheet"].unique().to_list()):
            self.issues.append(_issue_frame(sheets[uid].file, uid, "no_rows", sheets[uid].header_idx + 1, None))
        missing = [f"t_{c.name}" for c in report.columns if f"t_{c.name}" not in self.df.columns and not c.private]
        self.df = self.df.with_columns([pl.lit(None, dtype=pl.String).alias(m) for m in missing])

    def column_info(self, uids: list[int], names: frozenset[str] | None = None) -> pl.DataFrame:
        """Header text and column letter of each mapped column of these sheets (for issues);
        with `names`, of those columns only."""
        rows = []
        for uid in uids:
            s = self.inputs[uid]
            header = s.grid.frame.row(s.header_idx)
            rows.extend({"_sheet": uid, "column_name": col.name, "column_header": str(header[pos]).strip(),
                         "column_letter": s.grid.letters[pos]} for pos, col in s.match.columns.items()
                        if names is None or col.name in names)
        return pl.DataFrame(rows, schema={"_sheet": pl.Int32, "column_name": pl.String,
                                          "column_header": pl.String, "column_letter": pl.String})

    def _rows(self, sheets: list[SheetInput]) -> pl.DataFrame:
        """The data rows of all sheets in one query: the cells below each header (mapped columns
        as `r_<name>`, the first three as `f_0`..`f_2`, where notes and totals stand), without
        note and total rows (合计, 填表人…, in the first columns or a mapped one) and without
        blank rows; mapped cells cleaned (`t_`). Sheets that hold the same columns in the same
        places are stacked whole, in one concat (no query or slice per sheet), and their columns
        renamed; the few such groups are then stacked."""
        if not sheets:
            return pl.DataFrame(schema={"_file": pl.Int32, "_sheet": pl.Int32, "row_number": pl.Int32})
        layouts: dict[tuple[tuple[int, str], ...], list[int]] = {}
        for uid, s in enumerate(sheets):
            layouts.setdefault(tuple((pos, col.name) for pos, col in s.match.columns.items()), []).append(uid)
        parts = [self._stack([sheets[u] for u in uids], uids, layout) for layout, uids in layouts.items()]
        stacked = pl.concat(parts, how="diagonal") if len(parts) > 1 else parts[0]
        raw = [c for c in stacked.columns if c.startswith(("f_", "r_"))]
        mapped = sorted((c for c in raw if c.startswith("r_")),
                        key=[f"r_{c.name}" for c in self.report.columns].index)
        # a column absent from a sheet is null there, so looking at every stacked column is
        # looking at that sheet's first three and mapped columns
        # FOOTER on the trimmed cell = FOOTER after any leading space (it matches a prefix that
        # neither starts nor ends with a space), without trimming every cell
        footer = pl.any_horizontal([pl.col(c).str.contains(FOOTER_UNTRIMMED).fill_null(False) for c in raw]) \
            if raw else pl.lit(False)
        body = (stacked.lazy().filter(pl.col("_row") >= pl.col("_start"))
                .filter(~footer)
                .select("_file", "_sheet", (pl.col("_row") + 1).alias("row_number"), *mapped).collect())
        # mapped cells cleaned (V.clean): NFKC only where a column has cells beyond ASCII (NFKC
        # leaves ASCII as it is); in a big column, on those cells only (V.nfkc)
        wide = body.select([(pl.col(c).str.len_bytes() != pl.col(c).str.len_chars()).any() for c in mapped]).row(0) \
            if mapped and body.height else [False] * len(mapped)
        if body.height >= SPARSE_NFKC_ROWS:
            body = body.with_columns([V.nfkc(body.get_column(c)) for c, w in zip(mapped, wide) if w])
            wide = [False] * len(mapped)
        cleaned = [(V.clean(pl.col(c)) if w else V.trimmed(pl.col(c))).alias("t_" + c.removeprefix("r_"))
                   for c, w in zip(mapped, wide)]
        # codes as Excel users force them to text (`'3412000001`): the code is what follows
        codes = {"t_" + c.name for c in self.report.columns if is_code_column(c)}
        cleaned = [V.unquoted(e) if e.meta.output_name() in codes else e for e in cleaned]
        blank = pl.all_horizontal([pl.col("t_" + c.removeprefix("r_")).is_null() for c in mapped]) \
            if mapped else pl.lit(True)
        return body.lazy().select("_file", "_sheet", "row_number", *cleaned).filter(~blank).collect()

    @staticmethod
    def _stack(sheets: list[SheetInput], uids: list[int], layout: tuple[tuple[int, str], ...]) -> pl.DataFrame:
        """Every row of these sheets (of one layout), tagged with file, sheet, row index and
        first body row; their first three columns as f_*, their mapped columns as r_*."""
        frames = [s.grid.frame for s in sheets]
        keys = pl.DataFrame({"_file": [s.file for s in sheets], "_sheet": uids,
                             "_n": [f.height for f in frames], "_start": [s.header_idx + 1 for s in sheets]},
                            schema={"_file": pl.Int32, "_sheet": pl.Int32, "_n": pl.Int32, "_start": pl.Int32})
        keys = keys.select(
            pl.col("_file").repeat_by("_n").explode(empty_as_null=False),
            pl.col("_sheet").repeat_by("_n").explode(empty_as_null=False),
            pl.col("_start").repeat_by("_n").explode(empty_as_null=False),
            pl.int_ranges(0, "_n", dtype=pl.Int32).explode(empty_as_null=False).alias("_row"),
        )
        # one chunk per column: a query over a frame of a chunk per sheet runs several times slower
        if len(frames) == 1:
            cells = frames[0]
        else:
            try:
                cells = pl.concat(frames, how="diagonal", rechunk=True)
            except pl.exceptions.PolarsError:  # a sheet not all text (sheets from readers are)
                cells = pl.concat(frames, how="diagonal_relaxed", rechunk=True)
        cells = cells.select([pl.col(f"c{j}").cast(pl.String).alias(f"f_{j}") for j in range(min(3, cells.width))]
                             + [pl.col(f"c{pos}").cast(pl.String).alias(f"r_{name}") for pos, name in layout])
        return keys.hstack(cells.get_columns())

    def _file_level(self, uid: int, s: SheetInput, positions: dict[str, int]) -> None:
        row = s.header_idx + 1
        for col in self.report.columns:
            if col.required and col.name not in positions:
                stand_in = self.stand_in(col)
                if stand_in is None or stand_in.name not in positions:
                    self.issues.append(_issue_frame(s.file, uid, "missing_column", row, col.name, header=col.zh))
        for pos, col in s.match.duplicated:
            self.issues.append(_issue_frame(s.file, uid, "duplicate_column", row, col.name,
                                            header=str(s.grid.frame.row(s.header_idx)[pos])))
        for pos, text in s.match.unknown:
            frame = _issue_frame(s.file, uid, "unknown_column", row, None, header=text)
            self.issues.append(frame.with_columns(detail=pl.lit(s.grid.letters[pos])))

    # --- bookkeeping -------------------------------------------------------------------
    def stand_in(self, col: Column) -> Column | None:
        return next((c for c in self.report.columns if c.school_name_for == col.name), None)

    def has(self, name: str) -> pl.Expr:
        """Whether the row's sheet has this column at all."""
        return pl.col("_sheet").is_in(self.present[name])

    def add_issues(self, name: str, rule: pl.Expr, value: pl.Expr | None = None,
                   detail: pl.Expr | None = None, header: str | None = None) -> None:
        """Record, for every row where `rule` is not null, an issue on column `name`. The rule
        is evaluated with the others recorded before the frame next changes (see `df`): one
        pass over the rows for many rules."""
        self._pending.append((name, rule, self.seen(name, value), detail if detail is not None else pl.lit(None),
                              header))

    def seen(self, name: str, value: pl.Expr | None = None) -> pl.Expr:
        """The value an issue on column `name` shows: `value`, else the cell as written, masked
        where the column or the report is private."""
        col = self.report.column(name)
        seen = value if value is not None else pl.col(f"t_{name}")
        # a roster of minors keeps no cell value in its issues, whatever the column: a name typed
        # into the wrong column must not reach raw.issues, a message or a log
        if col.private or col.pseudonymise or self.report.code in MINORS_ROSTERS:
            seen = pl.when(seen.is_not_null()).then(pl.lit(MASK))
        return seen

    @property
    def df(self) -> pl.DataFrame:
        return self._df

    @df.setter
    def df(self, frame: pl.DataFrame) -> None:
        self.flush_issues()  # the rules recorded so far read the frame as it is now
        self._df = frame

    def flush_issues(self) -> None:
        """Evaluate the recorded rules in one query over the frame as it is: every rule, value and
        detail over every row (a value or detail may be a window expression), then only the rows
        some rule flags are kept, and split by rule."""
        specs, self._pending = self._pending, []
        if not specs:
            return
        exprs = []
        for i, (_, rule, seen, detail, _) in enumerate(specs):
            exprs += [rule.alias(f"_r{i}"), seen.cast(pl.String).alias(f"_v{i}"), detail.cast(pl.String).alias(f"_d{i}")]
        flagged = (self._df.lazy().select("_file", "_sheet", "row_number", *exprs)
                   .filter(pl.any_horizontal([pl.col(f"_r{i}").is_not_null() for i in range(len(specs))]))
                   .collect())
        if flagged.is_empty():
            return
        counts = flagged.select([pl.col(f"_r{i}").is_not_null().sum() for i in range(len(specs))]).row(0)
        for i, (name, _, _, _, header) in enumerate(specs):
            if counts[i]:
                self.issues.append(flagged.filter(pl.col(f"_r{i}").is_not_null()).select(
                    "_file", "_sheet", "row_number",
                    column_name=pl.lit(name, dtype=pl.String),
                    rule_code=pl.col(f"_r{i}").cast(pl.String),
                    value_seen=f"_v{i}", detail=f"_d{i}",
                    _header=pl.lit(header, dtype=pl.String),
                ))

    # --- parsing -----------------------------------------------------------------------
    def parse(self) -> None:
        """Every column typed and checked in one query. A cell's value and error depend on its
        text alone, so each typed column is parsed once per distinct text (the few hundred
        spellings of a count, not its every cell) and joined back."""
        plain: list[pl.Expr] = []
        lookups: list[tuple[str, pl.LazyFrame]] = []
        errors: list[tuple[str, pl.Expr | None]] = []
        text = pl.col("_text")
        for col in self.report.columns:
            if col.private:
                continue
            t = pl.col(f"t_{col.name}")
            if col.kind == "list":
                plain.append(V.parse_list(t).alias(f"v_{col.name}"))
                continue
            if col.kind not in ("int", "float", "date", "bool", "code", "grade"):
                plain.append(t.alias(f"v_{col.name}"))  # text, school and district are resolved below
                continue
            extra, detail = [], None
            if col.kind == "int":
                value, error = V.parse_int(text)
            elif col.kind == "float":
                value, error = V.parse_float(text)
            elif col.kind == "date":
                value, precision, error = V.parse_date(text)
                extra.append(precision.alias(f"p_{col.name}"))
            elif col.kind == "bool":
                value, error = V.parse_bool(text)
            elif col.kind == "code":
                value, error = V.parse_code(text, col.code_list)
                detail = pl.lit("、".join(zh for zh, _, _ in CODE_LISTS[col.code_list].values()))
            else:
                value, error = V.parse_grade(text)
            # a missing cell (null) has no value and no error: it finds no text in the lookup
            lookups.append((f"t_{col.name}", self.df.lazy().select(t.alias("_text")).drop_nulls().unique().with_columns(
                value.alias(f"v_{col.name}"), error.alias(f"_e_{col.name}"), *extra)))
            errors.append((col.name, detail))
        # each lookup joined to its own column (a narrow join keeps the rows' order), side by side
        parts = [self.df.lazy().select(pl.col(source).alias("_text"))
                 .join(lookup, on="_text", how="left", maintain_order="left").drop("_text")
                 for source, lookup in lookups]
        self.df = pl.concat([self.df.lazy().with_columns(plain), *parts], how="horizontal").collect()
        for name, detail in errors:
            self.add_issues(name, pl.col(f"_e_{name}"), detail=detail)
        self.df = self.df.drop([f"_e_{name}" for name, _ in errors])
        self.resolve_districts()
        self.resolve_schools()

    def resolve_districts(self) -> None:
        for col in self.report.columns:
            if col.kind != "district":
                continue
            keyed = self.df.with_columns(_k=pl.col(f"t_{col.name}").str.to_lowercase())
            self.df = keyed.join(
                self.ctx.districts.rename({"district_code": "_d"}), left_on="_k", right_on="district_key", how="left"
            ).with_columns(pl.col("_d").alias(f"v_{col.name}")).drop("_k", "_d")
            self.add_issues(col.name, pl.when(pl.col(f"t_{col.name}").is_not_null() & pl.col(f"v_{col.name}").is_null())
                            .then(pl.lit("unknown_district")))

    def resolve_schools(self) -> None:
        """A school column holds a 10-digit code or a name/alias; a name column may stand in.
        The registry is asked once for what the batch's school and name columns hold."""
        cols = [c.name for c in self.report.columns if c.kind == "school"]
        if not cols:
            return
        cols += [s.name for c in self.report.columns if c.kind == "school" and (s := self.stand_in(c)) is not None]
        written = (self.df.lazy().select(pl.concat_list([pl.col(f"t_{c}") for c in cols]).alias("t")).explode("t")
                   .drop_nulls().unique().collect().to_series())
        self.registry, names = self.ctx.registry_for(written.filter(written.str.contains(SCHOOL_CODE)),
                                                     written.str.to_lowercase().unique())
        known = self.registry.select("school_code", _reg_name="school_name")
        for col in self.report.columns:
            if col.kind != "school":
                continue
            stand_in = self.stand_in(col)
            t = pl.col(f"t_{col.name}")
            name_text = pl.col(f"t_{stand_in.name}") if stand_in else pl.lit(None, dtype=pl.String)
            # the lookups run once per distinct (text, name) written, on a frame of those only; the
            # result joins back to the rows (a left join on unique keys keeps them and their
            # order) and its columns join the frame side by side
            written_pairs = self.df.lazy().select(t.alias("_t"), name_text.alias("_n"))
            lf = written_pairs.unique()
            t, name_text = pl.col("_t"), pl.col("_n")
            # what to look up by name: the code column when it holds no code, else the stand-in
            keys = {"_code": pl.when(t.str.contains(SCHOOL_CODE)).then(t),
                    "_nk": pl.when(t.is_null() | ~t.str.contains(r"^\d+$")).then(pl.coalesce(t, name_text))
                    .str.to_lowercase()}
            if stand_in is not None:
                keys["_nk2"] = name_text.str.to_lowercase()
            lf = lf.with_columns(**keys)
            lf = lf.join(names.lazy().rename({"school_code": "_named", "matches": "_matches"}),
                         left_on="_nk", right_on="name_key", how="left", maintain_order="left")
            lf = lf.join(known.lazy().select(_known="school_code"), left_on="_code", right_on="_known",
                         how="left", coalesce=False, maintain_order="left")
            resolved = pl.coalesce(
                pl.when(pl.col("_known").is_not_null()).then(pl.col("_known")),
                pl.when(pl.col("_code").is_null() & (pl.col("_matches") == 1)).then(pl.col("_named")),
            )
            lf = lf.with_columns(resolved.alias(f"v_{col.name}"))
            if stand_in is not None:
                # both given: the name should be one of the code's school's names (a name two
                # schools share included); _named2 is set where it is
                pairs = name_pairs(self.registry).lazy().select(
                    pl.col("name_key").alias("_nk2"), pl.col("school_code").alias(f"v_{col.name}"),
                    pl.col("school_code").alias("_named2"))
                lf = (lf.join(pairs, on=["_nk2", f"v_{col.name}"], how="left", maintain_order="left")
                      .join(known.lazy().rename({"school_code": "_c2"}), left_on=f"v_{col.name}", right_on="_c2",
                            how="left", maintain_order="left"))
            found = (written_pairs.join(lf, on=["_t", "_n"], how="left", nulls_equal=True, maintain_order="left")
                     .drop("_t", "_n").collect())
            self.df = self.df.drop(f"v_{col.name}").hstack(found.get_columns())
            self.in_service(col.name)
            t = pl.col(f"t_{col.name}")
            name_text = pl.col(f"t_{stand_in.name}") if stand_in else pl.lit(None, dtype=pl.String)
            digits_not_code = t.is_not_null() & t.str.contains(r"^\d+$") & ~t.str.contains(SCHOOL_CODE)
            ambiguous = (pl.col("_code").is_null() & (pl.col("_matches") > 1)).fill_null(False)
            shown = pl.coalesce(t, name_text)
            self.add_issues(col.name, pl.when(digits_not_code).then(pl.lit("bad_school_code")))
            self.add_issues(col.name, pl.when(ambiguous).then(pl.lit("ambiguous_school")), value=shown,
                            detail=pl.col("_matches").cast(pl.String) + pl.lit("所/schools"))
            self.add_issues(
                col.name,
                pl.when(shown.is_not_null() & pl.col(f"v_{col.name}").is_null() & ~digits_not_code & ~ambiguous)
                .then(pl.lit("unknown_school")),
                value=shown,
            )
            if stand_in is not None:
                mismatch = (pl.col("_code").is_not_null() & name_text.is_not_null()
                            & pl.col(f"v_{col.name}").is_not_null()
                            & (pl.col("_named2").is_null() | (pl.col("_named2") != pl.col(f"v_{col.name}"))))
                self.add_issues(stand_in.name, pl.when(mismatch).then(pl.lit("name_code_mismatch")),
                                value=name_text, detail=pl.col("_reg_name"))
            self.df = self.df.drop("_code", "_nk", "_named", "_matches", "_known", "_nk2", "_named2", "_reg_name",
                                   strict=False)

    def in_service(self, name: str) -> None:
        """A name (`_nk`, no code written) that several schools of the registry go by (`_matches`)
        is the school of the row's year, when exactly one of them was in service that year (R0's
        启用日期/停用日期: a school closed in 2024 and the one that took its name from 2024 both
        were in 2024). Otherwise it stays ambiguous."""
        year = ROW_YEAR.get(self.report.code)
        ambiguous = pl.col("_code").is_null() & (pl.col("_matches") > 1)
        if year is None or not self.df.select(ambiguous.any()).item():
            return
        rows = self.df.lazy().select(pl.when(ambiguous).then(pl.col("_nk")).alias("_nk"), year().alias("_y"))
        y = pl.col("_y")
        serving = ((pl.col("valid_from").is_null() | (pl.col("valid_from").dt.year() <= y))
                   & (pl.col("valid_to").is_null() | (pl.col("valid_to").dt.year() >= y)))
        only = (rows.drop_nulls().unique()
                .join(name_pairs(self.registry).lazy(), left_on="_nk", right_on="name_key")
                .filter(serving)
                .group_by("_nk", "_y").agg(_only=pl.col("school_code").first(), _n=pl.len())
                .filter(pl.col("_n") == 1).drop("_n"))
        # a left join on unique keys keeps the rows and their order; side by side
        found = rows.join(only, on=["_nk", "_y"], how="left", maintain_order="left").select("_only").collect()
        v = f"v_{name}"
        self.df = self.df.hstack(found.get_columns()).with_columns(
            pl.coalesce(v, "_only").alias(v),
            pl.when(pl.col("_only").is_not_null()).then(pl.lit(1, dtype=pl.UInt32)).otherwise("_matches")
            .alias("_matches"),
        ).drop("_only")

    def error_files(self) -> list[int]:
        self.flush_issues()
        if not self.issues:
            return []
        errors = [k for k, r in RULES.items() if r.severity == "error"]
        found = pl.concat(self.issues).filter(pl.col("rule_code").is_in(errors))
        return found["_file"].unique().to_list()

    # --- output ------------------------------------------------------------------------
    def rows(self) -> pl.DataFrame:
        out = [pl.col("_file"), pl.col("_sheet"), pl.col("row_number")]
        for col in self.report.columns:
            if col.private or col.pseudonymise:
                continue
            out.append(pl.col(f"v_{col.name}").alias(staging_name(col)))
            if col.kind == "date" and self.report.code == "R1":
                out.append(pl.col(f"p_{col.name}").alias(f"{col.name}_precision"))
        frame = self.df.select(out)
        for col in self.report.columns:
            if col.pseudonymise:
                frame = frame.with_columns(pseudonymise(self.df[f"v_{col.name}"], self.ctx.key).alias(staging_name(col)))
        frame = frame.join(self.sheets.select("_sheet", "sheet_name"), on="_sheet", how="left", maintain_order="left")
        return frame.drop("_sheet").sort("_file", "sheet_name", "row_number")

    def issue_frame(self) -> pl.DataFrame:
        self.flush_issues()
        if not self.issues:
            return pl.DataFrame(schema={"_file": pl.Int32, **ISSUE_SCHEMA})
        issues = pl.concat([i.cast(_RAW_ISSUE) for i in self.issues])
        columns = self.column_info(sorted(issues["_sheet"].drop_nulls().unique().to_list()))
        return render_issues(issues, columns, self.sheets, self.report)


def render_issues(issues: pl.DataFrame, columns: pl.DataFrame, sheets: pl.DataFrame,
                  report: ReportType) -> pl.DataFrame:
    """Issues as recorded (`_RAW_ISSUE`) as the school reads them (`_file` + ISSUE_SCHEMA): with
    their sheet's name, the column's letter and header as written (`columns`, see
    Batch.column_info; `sheets`: `_sheet`, `sheet_name`) and severity; ordered by file, sheet, row
    and column, issues of one cell in the order they were recorded."""
    zh = {c.name: c.zh for c in report.columns}
    issues = (issues.cast(_RAW_ISSUE).join(columns, on=["_sheet", "column_name"], how="left", maintain_order="left")
              .join(sheets.select("_sheet", "sheet_name"), on="_sheet", how="left", maintain_order="left"))
    return issues.select(
        "_file",
        severity=pl.col("rule_code").replace_strict({k: r.severity for k, r in RULES.items()}, return_dtype=pl.String),
        rule_code="rule_code",
        sheet_name="sheet_name",
        row_number="row_number",
        column_letter=pl.coalesce("column_letter", pl.when(pl.col("rule_code") == "unknown_column").then("detail")),
        column_name="column_name",
        column_header=pl.coalesce("_header", "column_header",
                                  pl.col("column_name").replace_strict(zh, default=None, return_dtype=pl.String)),
        value_seen="value_seen",
        detail=pl.when(pl.col("rule_code") != "unknown_column").then("detail"),
    ).sort("_file", "sheet_name", "row_number", "column_letter", nulls_last=False, maintain_order=True)
