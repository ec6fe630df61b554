"""Which staging rows are in force: the versioning rule of the spec as one SQL template."""

from __future__ import annotations

import warehouse
from pipelines.intake.schema import REPORT_TYPES, ReportType, staging_name


def key_columns(report: ReportType) -> list[str]:
    return [staging_name(report.column(k)) for k in report.key]


def in_force_sql(report: ReportType | str, schools_in: str | None = None) -> warehouse.Sql:
    """SELECT of the rows in force of a report type (table and key are schema constants).

    `schools_in`, the name of a table or view of school codes (column `v`), selects the entities
    first: the rows in force of those schools, without ranking the versions of all the others (a
    version's rank is decided within its key, of which `school_code` is part)."""
    if isinstance(report, str):
        report = REPORT_TYPES[report]
    rows = report.table if schools_in is None else warehouse.compose(
        "(select * from {table} where school_code in (select v from {schools}))",
        table=report.table, schools=schools_in)
    return warehouse.compose(warehouse.sql("staging/in_force"), table=rows, key=key_columns(report))
