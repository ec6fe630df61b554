"""The rules of shared/spec/reports.md beyond each cell's type: small functions over a Batch
(batch.py), registered per report type in REPORT_RULES and run in that order after `required`.
A rule records issues with `Batch.add_issues` (evaluated together, one pass over the rows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from pipelines.intake.batch import ISSUE_SCHEMA, MASK, SCHOOL_CODE, Batch, render_issues
from pipelines.intake.schema import CODE_LISTS, REPORT_TYPES, SHS_STAGE_ORDER

if TYPE_CHECKING:
    from pipelines.intake.validate import Context

Rule = Callable[[Batch], None]

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


# --- rules of several report types, made for a column ---------------------------------------


def part_of_whole(part: str, whole: str) -> Rule:
    """A count no larger than the count it is part of."""
    def rule(b: Batch) -> None:
        b.add_issues(part, pl.when(pl.col(f"v_{part}") > pl.col(f"v_{whole}")).then(pl.lit("part_exceeds_whole")),
                     detail=pl.lit(f"“{b.report.column(whole).zh}”（") + pl.col(f"v_{whole}").cast(pl.String)
                     + pl.lit("）"))
    return rule


def not_before(later: str, earlier: str) -> Rule:
    """An end date not before its start date."""
    def rule(b: Batch) -> None:
        b.add_issues(later, pl.when(pl.col(f"v_{later}") < pl.col(f"v_{earlier}")).then(pl.lit("end_before_start")),
                     detail=pl.lit(f"“{b.report.column(earlier).zh}”（") + pl.col(f"v_{earlier}").cast(pl.String)
                     + pl.lit("）"))
    return rule


def plausible_year(name: str) -> Rule:
    """A year from 2000 to next year."""
    def rule(b: Batch) -> None:
        y = pl.col(f"v_{name}")
        b.add_issues(name, pl.when(y.is_not_null() & ~y.is_between(2000, b.ctx.today.year + 1))
                     .then(pl.lit("implausible_year")))
    return rule


def future(name: str) -> Rule:
    """A date not after today."""
    def rule(b: Batch) -> None:
        b.add_issues(name, pl.when(pl.col(f"v_{name}") > pl.lit(b.ctx.today)).then(pl.lit("future_date")))
    return rule


# --- rules of every report type -------------------------------------------------------------


def required(b: Batch) -> None:
    """Every required cell filled (a stand-in name column counts for a school column)."""
    for col in b.report.columns:
        if not col.required or col.name == "guardian_consent":
            continue
        stand_in = b.stand_in(col)
        present = pl.col(f"t_{col.name}").is_not_null()
        sheet_has = b.has(col.name)
        if stand_in is not None:
            present = present | pl.col(f"t_{stand_in.name}").is_not_null()
            sheet_has = sheet_has | b.has(stand_in.name)
        # a column missing from the whole sheet is reported once, at the header
        b.add_issues(col.name, pl.when(sheet_has & ~present).then(pl.lit("missing_value")))


def duplicate_keys(b: Batch) -> None:
    """One row per key within a file, across its sheets."""
    key = [f"v_{k}" if k != "student_id" else "t_student_id" for k in b.report.row_key]
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in key])
    # the first row of each key in the file: the least (sheet, row), without sorting the frame
    place = pl.col("_sheet").cast(pl.Int64) * (1 << 32) + pl.col("row_number").cast(pl.Int64)
    first = place.min().over("_file", *key)
    first_sheet = (first // (1 << 32)).cast(pl.Int32)
    first_row = (first % (1 << 32)).cast(pl.Int32)
    is_dup = complete & ((pl.col("_sheet") != first_sheet) | (pl.col("row_number") != first_row))
    sheet_name = first_sheet.replace_strict(dict(zip(b.sheets["_sheet"], b.sheets["sheet_name"])),
                                        return_dtype=pl.String)
    detail = pl.when(pl.col("_sheet") == first_sheet).then(first_row.cast(pl.String)).otherwise(
        first_row.cast(pl.String) + pl.lit(" (工作表 sheet “") + sheet_name + pl.lit("”)"))
    col = b.report.row_key[-1]
    label = "/".join(b.report.column(k).zh for k in b.report.row_key)
    b.add_issues(col, pl.when(is_dup).then(pl.lit("duplicate_key")),
                 value=pl.lit(MASK) if col == "student_id" else None, detail=detail, header=label)


def stage_order(b: Batch) -> None:
    """Stages of a candidate go forward, except after 整改 (rectification) or 退出 (withdrawn)."""
    order = {s: i for i, s in enumerate(SHS_STAGE_ORDER)}
    group = ["_file", "v_school_code"]
    df = b.df.with_columns(
        _idx=pl.col("v_stage").replace_strict(order, default=None, return_dtype=pl.Int32),
        _exit=pl.col("v_stage").is_in(["rectification", "withdrawn"]).fill_null(False),
    ).sort(*group, "v_event_date", "_idx", nulls_last=True)
    df = df.with_columns(_grp=pl.col("_exit").cast(pl.Int32).cum_sum().over(group))
    df = df.with_columns(_prev=pl.col("_idx").cum_max().shift(1).over(*group, "_grp"))
    b.df = df.with_columns(_prev_stage=pl.col("_prev").replace_strict(
        {i: s for s, i in order.items()}, default=None, return_dtype=pl.String).replace_strict(
        {s: zh for s, (zh, _, _) in CODE_LISTS["shs_stage"].items()}, default=None, return_dtype=pl.String))
    b.add_issues(
        "stage", pl.when(pl.col("_idx") < pl.col("_prev")).then(pl.lit("stage_order")),
        detail=pl.lit("此前已到“") + pl.col("_prev_stage") + pl.lit("”"),
    )
    b.df = b.df.drop("_idx", "_exit", "_grp", "_prev", "_prev_stage")


@dataclass
class LastYear:
    """What far_from_last_year needs of one batch's annual report rows, once every file of the
    run is judged: the rows (`_file`, `_sheet`, `row_number`, the school, year and the two
    figures as values `v_*` and as shown `s_*`), the files with an error, and the sheets'
    names and columns (for the issues)."""

    rows: pl.DataFrame
    failed: list[int]
    columns: pl.DataFrame
    sheets: pl.DataFrame

    def as_file(self, i: int) -> LastYear:
        """The same, of a batch of one file, as file `i` of a larger one."""
        at = pl.lit(i, dtype=pl.Int32)
        return LastYear(self.rows.with_columns(_file=at), [i] if self.failed else [], self.columns,
                        self.sheets.with_columns(_file=at))


FAR_FIGURES = ("enrolled_students", "students_in_st_activities")


def far_from_last_year(b: Batch) -> None:
    """Warn where a figure is far from the same school's last year: last year as in force
    before this run's batch, updated by that batch's files that have no error (later files
    win). Which file is last year's may be any file of the run, judged before or after this
    batch: the rule keeps what it needs of the rows (`b.later`) and is evaluated over every
    batch at once (`last_year_issues`), once all are judged."""
    failed = b.error_files()
    rows = b.df.select("_file", "_sheet", "row_number", "v_school_code", "v_report_year",
                       *[f"v_{n}" for n in FAR_FIGURES],
                       *[b.seen(n).cast(pl.String).alias(f"s_{n}") for n in FAR_FIGURES])
    columns = b.column_info(list(range(b.sheets.height)), frozenset(FAR_FIGURES))
    b.later.append(LastYear(rows, failed, columns, b.sheets))


def last_year_issues(batches: list[list[LastYear]], ctx: Context,
                     arrival: list[list[int]] | None = None) -> list[pl.DataFrame]:
    """The far_from_last_year issues (`_file` + ISSUE_SCHEMA) of each batch of a run, given
    what each kept (`LastYear`): every row against the school's figures of the year before, as
    in force before the run, updated by the run's files that have no error in their annual
    report sheets, a later file winning. `arrival[k][i]`: the place of file i of batch k in the
    run's order of arrival; without, the batches and their files are in that order."""
    def place(k: int) -> pl.Expr:
        if arrival is None:
            return pl.lit(k, dtype=pl.Int64) * (1 << 32) + pl.col("_file").cast(pl.Int64)
        return pl.col("_file").replace_strict(list(range(len(arrival[k]))), arrival[k], return_dtype=pl.Int64)

    own = [p.rows.lazy().filter(~pl.col("_file").is_in(p.failed) & pl.col("v_school_code").is_not_null()
                                & pl.col("v_report_year").is_not_null())
           .select(_place=place(k), school_code="v_school_code",
                   report_year="v_report_year", enrolled_students="v_enrolled_students",
                   students_in_st_activities="v_students_in_st_activities")
           for k, parts in enumerate(batches) for p in parts]
    empty = pl.DataFrame(schema={"_file": pl.Int32, **ISSUE_SCHEMA})
    if not own:
        return [empty] * len(batches)
    own_figures = pl.concat(own).sort("_place", maintain_order=True).drop("_place").collect()
    codes = pl.concat([p.rows["v_school_code"] for parts in batches for p in parts]).drop_nulls().unique()
    prev = pl.concat([ctx.previous_for(codes), own_figures], how="vertical_relaxed").unique(
        ["school_code", "report_year"], keep="last", maintain_order=True)
    prev = prev.lazy().select(
        pl.col("school_code").alias("v_school_code"),
        (pl.col("report_year") + 1).alias("v_report_year"),
        *[pl.col(n).alias(f"_prev_{n}") for n in FAR_FIGURES],
    )
    out = []
    for parts in batches:
        found = []
        for p in parts:
            # a narrow join (prev is unique by school and year: the rows and their order are kept)
            flagged = p.rows.lazy().join(prev, on=["v_school_code", "v_report_year"], how="left",
                                         maintain_order="left")
            raw = []
            for n in FAR_FIGURES:
                v, last = pl.col(f"v_{n}"), pl.col(f"_prev_{n}")
                far = (last >= 20) & ((v > last * 2) | (v * 2 < last))
                # last year's value is never printed: a sender may report a row for a school not theirs
                raw.append(flagged.filter(far).select(
                    "_file", "_sheet", "row_number", column_name=pl.lit(n), rule_code=pl.lit("far_from_last_year"),
                    value_seen=f"s_{n}", detail=pl.lit(None, dtype=pl.String), _header=pl.lit(None, dtype=pl.String)))
            issues = pl.concat(raw).collect()
            if issues.height:
                found.append(render_issues(issues, p.columns, p.sheets, REPORT_TYPES["R5"]))
        out.append(pl.concat(found) if found else empty)
    return out


# --- rules of one report type ---------------------------------------------------------------


def school_code_format(b: Batch) -> None:
    """R0: a school code is 10 digits."""
    c = pl.col("t_school_code")
    b.add_issues("school_code", pl.when(c.is_not_null() & ~c.str.contains(SCHOOL_CODE)).then(pl.lit("bad_school_code")))


def category_fits_type(b: Batch) -> None:
    """R0: the category in the code's first two digits fits the school type."""
    c = pl.col("t_school_code")
    category = c.str.slice(0, 2)
    school_type = pl.col("v_school_type")
    mismatch = pl.lit(False)
    for cat, types in CATEGORY_TYPES.items():
        mismatch = mismatch | ((category == cat) & school_type.is_not_null() & ~school_type.is_in(list(types)))
    b.add_issues("school_type", pl.when(mismatch).then(pl.lit("category_mismatch")),
                 detail=pl.lit("标识码 ") + c + pl.lit(" / ") + pl.col("t_school_type"))


def guardian_consent(b: Batch) -> None:
    """R3: no minor's row without the guardian's consent."""
    consent = pl.col("v_guardian_consent")
    b.add_issues("guardian_consent", pl.when(consent.is_null() | ~consent).then(pl.lit("missing_consent")))


def host_is_university(b: Batch) -> None:
    """R3: the host is a university of the registry."""
    uni = b.registry.filter(pl.col("school_code").str.slice(0, 2).is_in(UNIVERSITY_CATEGORIES)
                            | (pl.col("school_type") == "higher_education"))
    is_uni = pl.col("v_host_university").is_in(uni["school_code"].implode())
    b.add_issues("host_university", pl.when(pl.col("v_host_university").is_not_null() & ~is_uni)
                 .then(pl.lit("not_a_university")))


def member_code_format(b: Batch) -> None:
    """R4: a member is a school (10 digits) or an organisation (unified social credit code)."""
    c = pl.col("t_member_code")
    ok = c.str.contains(SCHOOL_CODE) | c.str.to_uppercase().str.contains(CREDIT_CODE)
    b.add_issues("member_code", pl.when(c.is_not_null() & ~ok).then(pl.lit("bad_member_code")))


# what runs after `required`, in order, for each report type
REPORT_RULES: dict[str, tuple[Rule, ...]] = {
    "R0": (school_code_format, category_fits_type, not_before("valid_to", "valid_from"), future("valid_from"),
           duplicate_keys),
    "R1": (stage_order, future("event_date"), duplicate_keys),
    "R2": (plausible_year("report_year"), duplicate_keys),
    "R3": (plausible_year("cohort_year"), guardian_consent, not_before("end_date", "start_date"), host_is_university,
           future("start_date"), duplicate_keys),
    "R4": (member_code_format, not_before("left_date", "joined_date"), future("joined_date"), duplicate_keys),
    "R5": (plausible_year("report_year"), part_of_whole("students_in_st_activities", "enrolled_students"),
           part_of_whole("st_club_members", "enrolled_students"),
           part_of_whole("stem_master_science_teachers", "science_teachers"), duplicate_keys, far_from_last_year),
}


def run_rules(b: Batch) -> None:
    """`required`, then the rules of the batch's report type."""
    for rule in (required, *REPORT_RULES[b.report.code]):
        rule(b)
