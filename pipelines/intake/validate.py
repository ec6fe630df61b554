"""Sheets of reports: from text cells to typed staging rows and a list of issues.

Every rule of shared/spec/reports.md runs over all sheets of one report type at once — the
sheets of many files stacked in one frame, with their file and sheet as columns — as Polars
expressions and joins. A school still sees every problem of its file in one pass; the cost
per file stays small, whatever the number of files.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

import polars as pl

from pipelines.intake import values as V
from pipelines.intake.headers import HeaderMatch
from pipelines.intake.messages import RULES
from pipelines.intake.readers import Grid
from pipelines.intake.schema import CODE_LISTS, SHS_STAGE_ORDER, Column, ReportType

# notes and totals below the data: 合计/总计 rows, and "label: value" lines (填表人：…, 填报日期:…)
FOOTER = r"^(合计|总计|小计|累计|填表人|填报人|联系人|联系电话|审核人|负责人|单位负责人|备注|注[:：]|说明[:：]|制表|[\p{Han}]{2,8}\s*[:：])"
SCHOOL_CODE = r"^\d{10}$"
CREDIT_CODE = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
UNIVERSITY_CATEGORIES = ("41", "42")
CATEGORY_TYPES = {
    "21": {"primary"},
    "31": {"junior_secondary", "nine_year"},
    "34": {"senior_secondary", "complete_secondary", "twelve_year"},
    "41": {"higher_education"},
    "42": {"higher_education"},
    "51": {"special_education"},
}
MASK = "＊＊＊"

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
class Context:
    """What validation needs beyond the file: the registry, districts, last year's figures."""

    schools: pl.DataFrame  # school_code, school_name, school_type, district_code (the registry in force)
    names: pl.DataFrame  # name_key, school_code, matches (names and aliases, folded)
    districts: pl.DataFrame  # district_key, district_code (codes and names, folded)
    previous_r5: pl.DataFrame  # school_code, report_year, enrolled_students, students_in_st_activities
    key: bytes
    today: date

    @staticmethod
    def empty(districts: pl.DataFrame, key: bytes, today: date) -> Context:
        return Context(
            schools=pl.DataFrame(schema={"school_code": pl.String, "school_name": pl.String,
                                         "school_type": pl.String, "district_code": pl.String}),
            names=pl.DataFrame(schema={"name_key": pl.String, "school_code": pl.String, "matches": pl.UInt32}),
            districts=districts,
            previous_r5=pl.DataFrame(schema={"school_code": pl.String, "report_year": pl.Int64,
                                             "enrolled_students": pl.Int64, "students_in_st_activities": pl.Int64}),
            key=key,
            today=today,
        )


@dataclass
class SheetInput:
    """A recognised sheet of file number `file` in the batch."""

    file: int
    grid: Grid
    header_idx: int
    match: HeaderMatch


@dataclass
class BatchResult:
    rows: dict[str, pl.DataFrame]  # report code -> rows (_file, sheet_name, row_number, staging columns)
    issues: pl.DataFrame  # _file + ISSUE_SCHEMA


def staging_name(col: Column) -> str:
    if col.pseudonymise:
        return col.name.removesuffix("_id") + "_key"
    if col.kind == "school" and not col.name.endswith("_code"):
        return col.name + "_code"
    return col.name


def pseudonymise(values: pl.Series, key: bytes) -> pl.Series:
    """Keyed hash (HMAC-SHA256) of identifiers; the same identifier always gives the same key."""
    def one(v: str | None) -> str | None:
        if v is None:
            return None
        return hmac.new(key, v.upper().encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    return pl.Series(values.name, [one(v) for v in values.to_list()], dtype=pl.String)



def _issue_frame(file: int, sheet: int | None, rule: str, row: int | None, column: str | None,
                 header: str | None = None, detail: str | None = None) -> pl.DataFrame:
    return pl.DataFrame([{"_file": file, "_sheet": sheet, "row_number": row, "column_name": column, "rule_code": rule,
                          "value_seen": None, "detail": detail, "_header": header}], schema=_RAW_ISSUE)


_RAW_ISSUE = {"_file": pl.Int32, "_sheet": pl.Int32, "row_number": pl.Int32, "column_name": pl.String,
              "rule_code": pl.String, "value_seen": pl.String, "detail": pl.String, "_header": pl.String}


class _Batch:
    """All sheets of one report type: one frame grows typed `v_*` columns; issues collect."""

    def __init__(self, report: ReportType, sheets: list[SheetInput], ctx: Context):
        self.report = report
        self.ctx = ctx
        self.issues: list[pl.DataFrame] = []
        frames, sheet_rows, col_rows = [], [], []
        self.present: dict[str, list[int]] = {c.name: [] for c in report.columns}
        for uid, s in enumerate(sheets):
            header = s.grid.frame.row(s.header_idx)
            positions = {col.name: pos for pos, col in s.match.columns.items()}
            sheet_rows.append({"_sheet": uid, "_file": s.file, "sheet_name": s.grid.name})
            for name, pos in positions.items():
                self.present[name].append(uid)
                col_rows.append({"_sheet": uid, "column_name": name, "column_header": str(header[pos]).strip(),
                                 "column_letter": s.grid.letters[pos]})
            self._file_level(uid, s, positions)
            frames.append(self._body(s, positions, uid))
        self.sheets = pl.DataFrame(sheet_rows, schema={"_sheet": pl.Int32, "_file": pl.Int32, "sheet_name": pl.String})
        self.columns = pl.DataFrame(col_rows, schema={"_sheet": pl.Int32, "column_name": pl.String,
                                                      "column_header": pl.String, "column_letter": pl.String})
        # one query for all sheets: per-sheet collects would cost more than the work itself
        self.df = pl.concat(frames, how="diagonal_relaxed").collect()
        for uid in set(range(len(sheets))) - set(self.df["_sheet"].unique().to_list()):
            self.issues.append(_issue_frame(sheets[uid].file, uid, "no_rows", sheets[uid].header_idx + 1, None))
        missing = [f"t_{c.name}" for c in report.columns if f"t_{c.name}" not in self.df.columns and not c.private]
        self.df = self.df.with_columns([pl.lit(None, dtype=pl.String).alias(m) for m in missing])

    @staticmethod
    def _body(s: SheetInput, positions: dict[str, int], uid: int) -> pl.LazyFrame:
        """The data rows of a sheet: below the header, without blank, note and total rows."""
        frame = s.grid.frame
        body = frame.lazy().slice(s.header_idx + 1).with_row_index("row_number", offset=s.header_idx + 2)
        # notes and totals stand in the first columns (填表人…, 合计) or in a mapped one
        looked_at = sorted({*range(min(3, frame.width)), *positions.values()})
        footer = pl.any_horizontal([pl.col(f"c{j}").str.strip_chars().str.contains(FOOTER).fill_null(False)
                                    for j in looked_at])
        mapped = [V.clean(pl.col(f"c{p}")).alias(f"t_{name}") for name, p in positions.items()]
        blank = pl.all_horizontal([pl.col(f"t_{name}").is_null() for name in positions]) if positions else pl.lit(True)
        return body.filter(~footer).select(
            pl.lit(s.file, dtype=pl.Int32).alias("_file"),
            pl.lit(uid, dtype=pl.Int32).alias("_sheet"),
            pl.col("row_number").cast(pl.Int32),
            *mapped,
        ).filter(~blank)

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
        """Record, for every row where `rule` is not null, an issue on column `name`."""
        col = self.report.column(name)
        seen = value if value is not None else pl.col(f"t_{name}")
        if col.private or col.pseudonymise:
            seen = pl.when(seen.is_not_null()).then(pl.lit(MASK))
        found = self.df.select(
            "_file", "_sheet", "row_number",
            column_name=pl.lit(name),
            rule_code=rule,
            value_seen=seen.cast(pl.String),
            detail=(detail if detail is not None else pl.lit(None)).cast(pl.String),
            _header=pl.lit(header, dtype=pl.String),
        ).filter(pl.col("rule_code").is_not_null())
        if not found.is_empty():
            self.issues.append(found)

    # --- parsing -----------------------------------------------------------------------
    def parse(self) -> None:
        for col in self.report.columns:
            if col.private:
                continue
            text = pl.col(f"t_{col.name}")
            error = None
            if col.kind == "int":
                value, error = V.parse_int(text)
            elif col.kind == "float":
                value, error = V.parse_float(text)
            elif col.kind == "date":
                value, precision, error = V.parse_date(text)
                self.df = self.df.with_columns(precision.alias(f"p_{col.name}"))
            elif col.kind == "bool":
                value, error = V.parse_bool(text)
            elif col.kind == "code":
                value, error = V.parse_code(text, col.code_list)
                options = "、".join(zh for zh, _, _ in CODE_LISTS[col.code_list].values())
                self.add_issues(col.name, error, detail=pl.lit(options))
                error = None
            elif col.kind == "grade":
                value, error = V.parse_grade(text)
            elif col.kind == "list":
                value = V.parse_list(text)
            else:  # text, school and district are resolved below
                value = text
            self.df = self.df.with_columns(value.alias(f"v_{col.name}"))
            if error is not None:
                self.add_issues(col.name, error)
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
        """A school column holds a 10-digit code or a name/alias; a name column may stand in."""
        names = self.ctx.names
        known = self.ctx.schools.select("school_code", _reg_name="school_name")
        for col in self.report.columns:
            if col.kind != "school":
                continue
            stand_in = self.stand_in(col)
            t = pl.col(f"t_{col.name}")
            name_text = pl.col(f"t_{stand_in.name}") if stand_in else pl.lit(None, dtype=pl.String)
            digits_not_code = t.is_not_null() & t.str.contains(r"^\d+$") & ~t.str.contains(SCHOOL_CODE)
            # what to look up by name: the code column when it holds no code, else the stand-in
            df = self.df.with_columns(
                _code=pl.when(t.str.contains(SCHOOL_CODE)).then(t),
                _nk=pl.when(t.is_null() | ~t.str.contains(r"^\d+$")).then(pl.coalesce(t, name_text)).str.to_lowercase(),
            )
            df = df.join(names.rename({"school_code": "_named", "matches": "_matches"}),
                         left_on="_nk", right_on="name_key", how="left")
            df = df.join(known.select(_known="school_code"), left_on="_code", right_on="_known",
                         how="left", coalesce=False)
            ambiguous = (pl.col("_code").is_null() & (pl.col("_matches") > 1)).fill_null(False)
            resolved = pl.coalesce(
                pl.when(pl.col("_known").is_not_null()).then(pl.col("_known")),
                pl.when(pl.col("_code").is_null() & (pl.col("_matches") == 1)).then(pl.col("_named")),
            )
            self.df = df.with_columns(resolved.alias(f"v_{col.name}"))
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
                # both given: the name should be the code's school
                self.df = (
                    self.df.with_columns(_nk2=name_text.str.to_lowercase())
                    .join(names.select(pl.col("name_key").alias("_nk2"), pl.col("school_code").alias("_named2")),
                          on="_nk2", how="left")
                    .join(known.rename({"school_code": "_c2"}), left_on=f"v_{col.name}", right_on="_c2", how="left")
                )
                mismatch = (pl.col("_code").is_not_null() & name_text.is_not_null()
                            & pl.col(f"v_{col.name}").is_not_null()
                            & (pl.col("_named2").is_null() | (pl.col("_named2") != pl.col(f"v_{col.name}"))))
                self.add_issues(stand_in.name, pl.when(mismatch).then(pl.lit("name_code_mismatch")),
                                value=name_text, detail=pl.col("_reg_name"))
                self.df = self.df.drop("_reg_name", "_nk2", "_named2")
            self.df = self.df.drop("_code", "_nk", "_named", "_matches", "_known")

    # --- rules -------------------------------------------------------------------------
    def required(self) -> None:
        for col in self.report.columns:
            if not col.required or col.name == "guardian_consent":
                continue
            stand_in = self.stand_in(col)
            present = pl.col(f"t_{col.name}").is_not_null()
            sheet_has = self.has(col.name)
            if stand_in is not None:
                present = present | pl.col(f"t_{stand_in.name}").is_not_null()
                sheet_has = sheet_has | self.has(stand_in.name)
            # a column missing from the whole sheet is reported once, at the header
            self.add_issues(col.name, pl.when(sheet_has & ~present).then(pl.lit("missing_value")))

    def part_of_whole(self, part: str, whole: str) -> None:
        self.add_issues(part, pl.when(pl.col(f"v_{part}") > pl.col(f"v_{whole}")).then(pl.lit("part_exceeds_whole")),
                        detail=pl.lit(f"“{self.report.column(whole).zh}”（") + pl.col(f"v_{whole}").cast(pl.String)
                        + pl.lit("）"))

    def not_before(self, later: str, earlier: str) -> None:
        self.add_issues(later, pl.when(pl.col(f"v_{later}") < pl.col(f"v_{earlier}")).then(pl.lit("end_before_start")),
                        detail=pl.lit(f"“{self.report.column(earlier).zh}”（") + pl.col(f"v_{earlier}").cast(pl.String)
                        + pl.lit("）"))

    def plausible_year(self, name: str) -> None:
        y = pl.col(f"v_{name}")
        self.add_issues(name, pl.when(y.is_not_null() & ~y.is_between(2000, self.ctx.today.year + 1))
                        .then(pl.lit("implausible_year")))

    def future(self, name: str) -> None:
        self.add_issues(name, pl.when(pl.col(f"v_{name}") > pl.lit(self.ctx.today)).then(pl.lit("future_date")))

    def duplicate_keys(self) -> None:
        """One row per key within a file, across its sheets."""
        key = [f"v_{k}" if k != "student_id" else "t_student_id" for k in self.report.row_key]
        complete = pl.all_horizontal([pl.col(k).is_not_null() for k in key])
        self.df = self.df.sort("_file", "_sheet", "row_number")
        first_sheet = pl.col("_sheet").first().over("_file", *key)
        first_row = pl.col("row_number").first().over("_file", *key)
        is_dup = complete & ((pl.col("_sheet") != first_sheet) | (pl.col("row_number") != first_row))
        sheet_name = first_sheet.replace_strict(dict(zip(self.sheets["_sheet"], self.sheets["sheet_name"])),
                                                return_dtype=pl.String)
        detail = pl.when(pl.col("_sheet") == first_sheet).then(first_row.cast(pl.String)).otherwise(
            first_row.cast(pl.String) + pl.lit(" (工作表 sheet “") + sheet_name + pl.lit("”)"))
        col = self.report.row_key[-1]
        label = "/".join(self.report.column(k).zh for k in self.report.row_key)
        self.add_issues(col, pl.when(is_dup).then(pl.lit("duplicate_key")),
                        value=pl.lit(MASK) if col == "student_id" else None, detail=detail, header=label)

    def rules(self) -> None:
        code = self.report.code
        if code == "R0":
            c = pl.col("t_school_code")
            self.add_issues("school_code", pl.when(c.is_not_null() & ~c.str.contains(SCHOOL_CODE)).then(pl.lit("bad_school_code")))
            category = c.str.slice(0, 2)
            school_type = pl.col("v_school_type")
            mismatch = pl.lit(False)
            for cat, types in CATEGORY_TYPES.items():
                mismatch = mismatch | ((category == cat) & school_type.is_not_null() & ~school_type.is_in(list(types)))
            self.add_issues("school_type", pl.when(mismatch).then(pl.lit("category_mismatch")),
                            detail=pl.lit("标识码 ") + c + pl.lit(" / ") + pl.col("t_school_type"))
            self.not_before("valid_to", "valid_from")
            self.future("valid_from")
        elif code == "R1":
            self.stage_order()
            self.future("event_date")
        elif code == "R2":
            self.plausible_year("report_year")
        elif code == "R3":
            self.plausible_year("cohort_year")
            consent = pl.col("v_guardian_consent")
            self.add_issues("guardian_consent", pl.when(consent.is_null() | ~consent).then(pl.lit("missing_consent")))
            self.not_before("end_date", "start_date")
            uni = self.ctx.schools.filter(pl.col("school_code").str.slice(0, 2).is_in(UNIVERSITY_CATEGORIES)
                                          | (pl.col("school_type") == "higher_education"))
            is_uni = pl.col("v_host_university").is_in(uni["school_code"].implode())
            self.add_issues("host_university", pl.when(pl.col("v_host_university").is_not_null() & ~is_uni)
                            .then(pl.lit("not_a_university")))
            self.future("start_date")
        elif code == "R4":
            c = pl.col("t_member_code")
            ok = c.str.contains(SCHOOL_CODE) | c.str.to_uppercase().str.contains(CREDIT_CODE)
            self.add_issues("member_code", pl.when(c.is_not_null() & ~ok).then(pl.lit("bad_member_code")))
            self.not_before("left_date", "joined_date")
            self.future("joined_date")
        elif code == "R5":
            self.plausible_year("report_year")
            self.part_of_whole("students_in_st_activities", "enrolled_students")
            self.part_of_whole("st_club_members", "enrolled_students")
            self.part_of_whole("stem_master_science_teachers", "science_teachers")
        self.duplicate_keys()
        if code == "R5":
            self.far_from_last_year()

    def stage_order(self) -> None:
        order = {s: i for i, s in enumerate(SHS_STAGE_ORDER)}
        group = ["_file", "v_school_code"]
        df = self.df.with_columns(
            _idx=pl.col("v_stage").replace_strict(order, default=None, return_dtype=pl.Int32),
            _exit=pl.col("v_stage").is_in(["rectification", "withdrawn"]).fill_null(False),
        ).sort(*group, "v_event_date", "_idx", nulls_last=True)
        df = df.with_columns(_grp=pl.col("_exit").cast(pl.Int32).cum_sum().over(group))
        df = df.with_columns(_prev=pl.col("_idx").cum_max().shift(1).over(*group, "_grp"))
        self.df = df.with_columns(_prev_stage=pl.col("_prev").replace_strict(
            {i: s for s, i in order.items()}, default=None, return_dtype=pl.String).replace_strict(
            {s: zh for s, (zh, _, _) in CODE_LISTS["shs_stage"].items()}, default=None, return_dtype=pl.String))
        self.add_issues(
            "stage", pl.when(pl.col("_idx") < pl.col("_prev")).then(pl.lit("stage_order")),
            detail=pl.lit("此前已到“") + pl.col("_prev_stage") + pl.lit("”"),
        )
        self.df = self.df.drop("_idx", "_exit", "_grp", "_prev", "_prev_stage")

    def far_from_last_year(self) -> None:
        """Warn where a figure is far from the same school's last year: last year as in force
        before this batch, updated by this batch's files that have no error (later files win)."""
        failed = self.error_files()
        own = (self.df.filter(~pl.col("_file").is_in(failed) & pl.col("v_school_code").is_not_null()
                              & pl.col("v_report_year").is_not_null())
               .sort("_file")
               .select(school_code="v_school_code", report_year="v_report_year",
                       enrolled_students="v_enrolled_students", students_in_st_activities="v_students_in_st_activities"))
        prev = pl.concat([self.ctx.previous_r5, own], how="vertical_relaxed").unique(
            ["school_code", "report_year"], keep="last", maintain_order=True)
        prev = prev.select(
            pl.col("school_code").alias("v_school_code"),
            (pl.col("report_year") + 1).alias("v_report_year"),
            pl.col("enrolled_students").alias("_prev_enrolled"),
            pl.col("students_in_st_activities").alias("_prev_active"),
        )
        self.df = self.df.join(prev, on=["v_school_code", "v_report_year"], how="left", maintain_order="left")
        for name, prev_col in (("enrolled_students", "_prev_enrolled"), ("students_in_st_activities", "_prev_active")):
            v, p = pl.col(f"v_{name}"), pl.col(prev_col)
            far = (p >= 20) & ((v > p * 2) | (v * 2 < p))
            self.add_issues(name, pl.when(far).then(pl.lit("far_from_last_year")), detail=p.cast(pl.String))
        self.df = self.df.drop("_prev_enrolled", "_prev_active")

    def error_files(self) -> list[int]:
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
        if not self.issues:
            return pl.DataFrame(schema={"_file": pl.Int32, **ISSUE_SCHEMA})
        zh = {c.name: c.zh for c in self.report.columns}
        issues = pl.concat([i.cast(_RAW_ISSUE) for i in self.issues])
        issues = (issues.join(self.columns, on=["_sheet", "column_name"], how="left")
                  .join(self.sheets.select("_sheet", "sheet_name"), on="_sheet", how="left"))
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
        ).sort("_file", "sheet_name", "row_number", "column_letter", nulls_last=False)


def validate_batch(sheets: list[SheetInput], ctx: Context) -> BatchResult:
    """Validate the recognised sheets of many files together; rows and issues carry `_file`."""
    by_type: dict[str, list[SheetInput]] = {}
    for s in sheets:
        by_type.setdefault(s.match.report.code, []).append(s)
    rows, issues = {}, []
    for code, group in by_type.items():
        batch = _Batch(group[0].match.report, group, ctx)
        if batch.df.height:
            batch.parse()
            batch.required()
            batch.rules()
            rows[code] = batch.rows()
        issues.append(batch.issue_frame())
    issue_frame = pl.concat(issues) if issues else pl.DataFrame(schema={"_file": pl.Int32, **ISSUE_SCHEMA})
    return BatchResult(rows, issue_frame)
