"""One sheet of one report: from text cells to typed staging rows and a list of issues.

Every rule of shared/spec/reports.md runs over the whole sheet at once (Polars expressions,
joins for school look-ups), so that a school sees every problem of its file in one pass.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from pipelines.intake import values as V
from pipelines.intake.headers import HeaderMatch
from pipelines.intake.readers import Grid
from pipelines.intake.schema import SHS_STAGE_ORDER, Column, ReportType

FOOTER = r"^(合计|总计|小计|累计|填表人|填报人|联系人|联系电话|审核人|负责人|单位负责人|备注|注[:：]|说明[:：]|制表)"
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
    def empty(districts: pl.DataFrame, key: bytes, today: date) -> "Context":
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
class SheetResult:
    report: ReportType
    sheet_name: str
    rows: pl.DataFrame  # staging columns + sheet_name, row_number
    issues: pl.DataFrame
    header_row: int  # spreadsheet row number of the header
    meta: dict = field(default_factory=dict)


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


class _Sheet:
    """Working state for one sheet: the frame grows typed `v_*` and error `e_*` columns."""

    def __init__(self, grid: Grid, header_idx: int, match: HeaderMatch, ctx: Context):
        self.report = match.report
        self.grid = grid
        self.ctx = ctx
        self.header = [grid.frame.row(header_idx)[i] for i in range(grid.frame.width)]
        self.positions = {col.name: pos for pos, col in match.columns.items()}
        self.issues: list[pl.DataFrame] = []
        body = grid.frame.slice(header_idx + 1).with_row_index("row_number", offset=header_idx + 2)
        cells = [pl.col(f"c{j}") for j in range(grid.frame.width)]
        footer = pl.any_horizontal([V.clean(c).str.contains(FOOTER).fill_null(False) for c in cells])
        mapped = [V.clean(pl.col(f"c{p}")) for p in self.positions.values()]
        blank = pl.all_horizontal([m.is_null() for m in mapped]) if mapped else pl.lit(True)
        self.skipped_footer = body.filter(footer & ~blank).height
        body = body.filter(~footer & ~blank)
        self.df = body.select(
            pl.col("row_number").cast(pl.Int32),
            *[V.clean(pl.col(f"c{p}")).alias(f"t_{name}") for name, p in self.positions.items()],
        )

    # --- bookkeeping -------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name in self.positions

    def header_of(self, name: str) -> str:
        if name in self.positions:
            return str(self.header[self.positions[name]]).strip()
        return self.report.column(name).zh

    def letter_of(self, name: str) -> str | None:
        return self.grid.letters[self.positions[name]] if name in self.positions else None

    def add_issues(self, name: str, rule: pl.Expr, value: pl.Expr | None = None,
                   detail: pl.Expr | None = None, severity: str | None = None) -> None:
        """Record, for every row where `rule` is not null, an issue on column `name`."""
        from pipelines.intake.messages import RULES

        col = self.report.column(name)
        seen = value if value is not None else (pl.col(f"t_{name}") if self.has(name) else pl.lit(None))
        if col.private or col.pseudonymise:
            seen = pl.when(seen.is_not_null()).then(pl.lit(MASK))
        found = self.df.with_columns(
            _rule=rule, _seen=seen.cast(pl.String),
            _detail=(detail if detail is not None else pl.lit(None)).cast(pl.String),
        ).filter(pl.col("_rule").is_not_null())
        if found.is_empty():
            return
        sev = pl.col("_rule").replace_strict(
            {k: r.severity for k, r in RULES.items()}, default="error", return_dtype=pl.String
        ) if severity is None else pl.lit(severity)
        self.issues.append(found.select(
            severity=sev,
            rule_code=pl.col("_rule"),
            sheet_name=pl.lit(self.grid.name),
            row_number=pl.col("row_number"),
            column_letter=pl.lit(self.letter_of(name), dtype=pl.String),
            column_name=pl.lit(name),
            column_header=pl.lit(self.header_of(name)),
            value_seen=pl.col("_seen"),
            detail=pl.col("_detail"),
        ))

    def file_issue(self, rule: str, name: str | None = None, detail: str | None = None, row: int | None = None):
        from pipelines.intake.messages import RULES

        self.issues.append(pl.DataFrame([{
            "severity": RULES[rule].severity, "rule_code": rule, "sheet_name": self.grid.name,
            "row_number": row, "column_letter": self.letter_of(name) if name else None,
            "column_name": name, "column_header": self.header_of(name) if name else None,
            "value_seen": None, "detail": detail,
        }], schema=ISSUE_SCHEMA))

    # --- parsing -----------------------------------------------------------------------
    def parse(self) -> None:
        for col in self.report.columns:
            if col.private:
                continue
            if not self.has(col.name):
                self.df = self.df.with_columns(pl.lit(None, dtype=pl.String).alias(f"t_{col.name}"))
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
            stand_in = next((c for c in self.report.columns if c.school_name_for == col.name), None)
            t = pl.col(f"t_{col.name}")
            name_text = pl.col(f"t_{stand_in.name}") if stand_in else pl.lit(None, dtype=pl.String)
            # what to look up by name: the code column when it holds no code, else the stand-in
            df = self.df.with_columns(
                _code=pl.when(t.str.contains(SCHOOL_CODE)).then(t),
                _by_name=pl.when(t.is_null() | ~t.str.contains(r"^\d+$")).then(pl.coalesce(t, name_text)),
            )
            df = df.with_columns(_nk=pl.col("_by_name").str.to_lowercase())
            df = df.join(names.rename({"school_code": "_named", "matches": "_matches"}),
                         left_on="_nk", right_on="name_key", how="left")
            df = df.join(known.rename({"school_code": "_known"}), left_on="_code", right_on="_known",
                         how="left", coalesce=False)
            resolved = pl.coalesce(
                pl.when(pl.col("_known").is_not_null()).then(pl.col("_known")),
                pl.when(pl.col("_code").is_null() & (pl.col("_matches") == 1)).then(pl.col("_named")),
            )
            df = df.with_columns(resolved.alias(f"v_{col.name}"))
            self.df = df
            shown = pl.coalesce(t, name_text)
            self.add_issues(col.name, pl.when(t.is_not_null() & t.str.contains(r"^\d+$") & ~t.str.contains(SCHOOL_CODE))
                            .then(pl.lit("bad_school_code")))
            self.add_issues(
                col.name,
                pl.when(pl.col("_code").is_null() & (pl.col("_matches") > 1)).then(pl.lit("ambiguous_school")),
                value=shown,
                detail=pl.col("_matches").cast(pl.String) + pl.lit("所/schools"),
            )
            self.add_issues(
                col.name,
                pl.when(shown.is_not_null() & pl.col(f"v_{col.name}").is_null()
                        & ~(t.is_not_null() & t.str.contains(r"^\d+$") & ~t.str.contains(SCHOOL_CODE))
                        & ~(pl.col("_code").is_null() & (pl.col("_matches") > 1)).fill_null(False))
                .then(pl.lit("unknown_school")),
                value=shown,
            )
            if stand_in is not None and self.has(stand_in.name):
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
            self.df = self.df.drop("_code", "_by_name", "_nk", "_named", "_matches", "_known", strict=False)

    # --- rules -------------------------------------------------------------------------
    def required(self) -> None:
        for col in self.report.columns:
            if not col.required or col.name == "guardian_consent":
                continue
            stand_in = next((c for c in self.report.columns if c.school_name_for == col.name), None)
            if not self.has(col.name) and not (stand_in and self.has(stand_in.name)):
                continue  # the whole column is missing: reported once for the file
            present = pl.col(f"t_{col.name}").is_not_null()
            if stand_in is not None:
                present = present | pl.col(f"t_{stand_in.name}").is_not_null()
            self.add_issues(col.name, pl.when(~present).then(pl.lit("missing_value")))

    def part_of_whole(self, part: str, whole: str) -> None:
        self.add_issues(part, pl.when(pl.col(f"v_{part}") > pl.col(f"v_{whole}")).then(pl.lit("part_exceeds_whole")),
                        detail=pl.lit(f"“{self.header_of(whole)}”（") + pl.col(f"v_{whole}").cast(pl.String) + pl.lit("）"))

    def not_before(self, later: str, earlier: str) -> None:
        self.add_issues(later, pl.when(pl.col(f"v_{later}") < pl.col(f"v_{earlier}")).then(pl.lit("end_before_start")),
                        detail=pl.lit(f"“{self.header_of(earlier)}”（") + pl.col(f"v_{earlier}").cast(pl.String) + pl.lit("）"))

    def plausible_year(self, name: str) -> None:
        y = pl.col(f"v_{name}")
        self.add_issues(name, pl.when(y.is_not_null() & ~y.is_between(2000, self.ctx.today.year + 1))
                        .then(pl.lit("implausible_year")))

    def future(self, name: str) -> None:
        self.add_issues(name, pl.when(pl.col(f"v_{name}") > pl.lit(self.ctx.today)).then(pl.lit("future_date")))

    def duplicate_keys(self) -> None:
        key = [f"v_{k}" if k != "student_id" else "t_student_id" for k in self.report.row_key]
        complete = pl.all_horizontal([pl.col(k).is_not_null() for k in key])
        first = pl.col("row_number").min().over(key)
        label = "/".join(self.header_of(k) for k in self.report.row_key)
        rule = pl.when(complete & (pl.col("row_number") != first)).then(pl.lit("duplicate_key"))
        col = self.report.row_key[-1]
        self.add_issues(col, rule, value=pl.lit(MASK) if col == "student_id" else None, detail=first.cast(pl.String))
        if self.issues and self.issues[-1]["rule_code"][0] == "duplicate_key":
            self.issues[-1] = self.issues[-1].with_columns(column_header=pl.lit(label))

    def rules(self) -> None:
        code = self.report.code
        if code == "R0":
            c = pl.col("t_school_code")
            self.add_issues("school_code", pl.when(c.is_not_null() & ~c.str.contains(SCHOOL_CODE)).then(pl.lit("bad_school_code")))
            category = c.str.slice(0, 2)
            expected = pl.col("v_school_type")
            mismatch = pl.lit(False)
            for cat, types in CATEGORY_TYPES.items():
                mismatch = mismatch | ((category == cat) & expected.is_not_null() & ~expected.is_in(list(types)))
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
                            .then(pl.lit("not_a_university")), value=pl.coalesce("t_host_university"))
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
            self.far_from_last_year()
        self.duplicate_keys()

    def stage_order(self) -> None:
        order = {s: i for i, s in enumerate(SHS_STAGE_ORDER)}
        df = self.df.with_columns(
            _idx=pl.col("v_stage").replace_strict(order, default=None, return_dtype=pl.Int32),
            _exit=pl.col("v_stage").is_in(["rectification", "withdrawn"]).fill_null(False),
        ).sort("v_school_code", "v_event_date", "_idx", nulls_last=True)
        df = df.with_columns(_grp=pl.col("_exit").cast(pl.Int32).cum_sum().over("v_school_code"))
        df = df.with_columns(_prev=pl.col("_idx").cum_max().shift(1).over("v_school_code", "_grp"))
        df = df.with_columns(
            _prev_stage=pl.col("_prev").replace_strict({i: s for s, i in order.items()}, default=None, return_dtype=pl.String)
        )
        self.df = df.sort("row_number")
        self.add_issues(
            "stage", pl.when(pl.col("_idx") < pl.col("_prev")).then(pl.lit("stage_order")),
            detail=pl.lit("此前已到“") + pl.col("_prev_stage") + pl.lit("”"),
        )
        self.df = self.df.drop("_idx", "_exit", "_grp", "_prev", "_prev_stage")

    def far_from_last_year(self) -> None:
        prev = self.ctx.previous_r5.select(
            pl.col("school_code").alias("v_school_code"),
            (pl.col("report_year") + 1).alias("v_report_year"),
            pl.col("enrolled_students").alias("_prev_enrolled"),
            pl.col("students_in_st_activities").alias("_prev_active"),
        )
        self.df = self.df.join(prev, on=["v_school_code", "v_report_year"], how="left")
        for name, prev_col in (("enrolled_students", "_prev_enrolled"), ("students_in_st_activities", "_prev_active")):
            v, p = pl.col(f"v_{name}"), pl.col(prev_col)
            far = (p >= 20) & ((v > p * 2) | (v * 2 < p))
            self.add_issues(name, pl.when(far).then(pl.lit("far_from_last_year")), detail=p.cast(pl.String))
        self.df = self.df.drop("_prev_enrolled", "_prev_active")

    # --- output ------------------------------------------------------------------------
    def rows(self) -> pl.DataFrame:
        out = [pl.lit(self.grid.name).alias("sheet_name"), pl.col("row_number")]
        for col in self.report.columns:
            if col.private:
                continue
            if col.pseudonymise:
                continue  # added below
            out.append(pl.col(f"v_{col.name}").alias(staging_name(col)))
            if col.kind == "date" and self.report.code == "R1":
                out.append(pl.col(f"p_{col.name}").alias(f"{col.name}_precision"))
        frame = self.df.select(out)
        for col in self.report.columns:
            if col.pseudonymise:
                frame = frame.with_columns(pseudonymise(self.df[f"v_{col.name}"], self.ctx.key).alias(staging_name(col)))
        return frame

    def issue_frame(self) -> pl.DataFrame:
        if not self.issues:
            return pl.DataFrame(schema=ISSUE_SCHEMA)
        return pl.concat([i.cast(ISSUE_SCHEMA) for i in self.issues]).sort("row_number", "column_letter", nulls_last=False)


def validate_sheet(grid: Grid, header_idx: int, match: HeaderMatch, ctx: Context) -> SheetResult:
    sheet = _Sheet(grid, header_idx, match, ctx)
    report = match.report
    for col in report.columns:
        if col.required and col.name not in sheet.positions:
            stand_in = next((c for c in report.columns if c.school_name_for == col.name), None)
            if stand_in is None or stand_in.name not in sheet.positions:
                sheet.file_issue("missing_column", col.name, row=header_idx + 1)
    for pos, col in match.duplicated:
        sheet.file_issue("duplicate_column", col.name, row=header_idx + 1)
    for pos, text in match.unknown:
        sheet.issues.append(pl.DataFrame([{
            "severity": "info", "rule_code": "unknown_column", "sheet_name": grid.name, "row_number": header_idx + 1,
            "column_letter": grid.letters[pos], "column_name": None, "column_header": text, "value_seen": None,
            "detail": None}], schema=ISSUE_SCHEMA))
    if sheet.df.is_empty():
        sheet.file_issue("no_rows", row=header_idx + 1)
        return SheetResult(report, grid.name, pl.DataFrame(), sheet.issue_frame(), header_idx + 1)
    sheet.parse()
    sheet.required()
    sheet.rules()
    return SheetResult(report, grid.name, sheet.rows(), sheet.issue_frame(), header_idx + 1,
                       meta={"footer_rows_skipped": sheet.skipped_footer})
