"""Sheets of reports: from text cells to typed staging rows and a list of issues.

Every rule of shared/spec/reports.md runs over all sheets of one report type at once — the
sheets of many files stacked in one frame, with their file and sheet as columns (batch.py) —
as Polars expressions and joins; the rules of each report type are registered in rules.py. A
school still sees every problem of its file in one pass; the cost per file stays small, whatever
the number of files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from pipelines.intake.batch import ISSUE_SCHEMA, Batch, SheetInput, name_pairs
from pipelines.intake.rules import run_rules


@dataclass
class Context:
    """What validation needs beyond the file: the registry, districts, last year's figures.

    Validation asks only for the part of the registry and of last year's figures that a batch
    refers to (`registry_for`, `previous_for`), so that a context may fetch just that part
    (see context.WarehouseContext); this one holds them whole and filters."""

    schools: pl.DataFrame  # school_code, school_name, school_type, district_code, aliases, valid_from,
    # valid_to (the registry in force)
    names: pl.DataFrame  # name_key, school_code, matches (names and aliases, folded)
    districts: pl.DataFrame  # district_key, district_code (codes and names, folded)
    previous_r5: pl.DataFrame  # school_code, report_year, enrolled_students, students_in_st_activities
    key: bytes
    today: date

    def registry_for(self, codes: pl.Series, name_keys: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(schools, names) for a batch that writes these school codes and these folded names:
        at least every school with one of the codes, every entry of the name index with one of
        the keys, and every school that goes by one of the keys (all of those sharing a name)."""
        names = self.names.filter(pl.col("name_key").is_in(name_keys.implode()))
        named = name_pairs(self.schools).filter(pl.col("name_key").is_in(name_keys.implode()))
        wanted = pl.concat([codes.cast(pl.String), named["school_code"]])
        return self.schools.filter(pl.col("school_code").is_in(wanted.implode())), names

    def previous_for(self, codes: pl.Series) -> pl.DataFrame:
        """Last year's figures (previous_r5) of these schools, at least."""
        return self.previous_r5.filter(pl.col("school_code").is_in(codes.implode()))


@dataclass
class BatchResult:
    rows: dict[str, pl.DataFrame]  # report code -> rows (_file, sheet_name, row_number, staging columns)
    issues: pl.DataFrame  # _file + ISSUE_SCHEMA
    later: list = field(default_factory=list)  # what the rules across a run's batches keep (rules.LastYear)


def _validate_type(group: list[SheetInput], ctx: Context) -> tuple[pl.DataFrame | None, pl.DataFrame, list]:
    """(rows, issues, kept for later) of the sheets of one report type."""
    batch = Batch(group[0].match.report, group, ctx)
    rows = None
    if batch.df.height:
        batch.parse()
        run_rules(batch)
        rows = batch.rows()
    return rows, batch.issue_frame(), batch.later


def validate_batch(sheets: list[SheetInput], ctx: Context) -> BatchResult:
    """Validate the recognised sheets of many files together; rows and issues carry `_file`.
    The report types in a fixed order (their codes): a file's issues are in the same order
    whichever files it is judged with."""
    by_type: dict[str, list[SheetInput]] = {}
    for s in sheets:
        by_type.setdefault(s.match.report.code, []).append(s)
    results = [_validate_type(by_type[code], ctx) for code in sorted(by_type)]
    rows = {code: r for code, (r, _, _) in zip(sorted(by_type), results) if r is not None}
    issues = [i for _, i, _ in results]
    issue_frame = pl.concat(issues) if issues else pl.DataFrame(schema={"_file": pl.Int32, **ISSUE_SCHEMA})
    return BatchResult(rows, issue_frame, [part for _, _, later in results for part in later])
