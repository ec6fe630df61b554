"""Which staging rows are in force: the versioning rule of the spec as one SQL template."""

from __future__ import annotations

import warehouse
from pipelines.intake.schema import REPORT_TYPES, ReportType
from pipelines.intake.validate import staging_name


def key_columns(report: ReportType) -> list[str]:
    return [staging_name(report.column(k)) for k in report.key]


def in_force_sql(report: ReportType | str, where: str | None = None) -> str:
    """SELECT of the rows in force of a report type (table and key are schema constants).

    `where`, a condition on columns of the entity key only, selects the entities first: the
    rows in force of those entities, without ranking the versions of all the others (a
    version's rank is decided within its key, so the condition may be applied before)."""
    if isinstance(report, str):
        report = REPORT_TYPES[report]
    table = report.table if where is None else f"(select * from {report.table} where {where})"
    return warehouse.sql("staging/in_force").format(table=table, key=", ".join(key_columns(report)))
