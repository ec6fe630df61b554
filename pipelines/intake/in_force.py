"""Which staging rows are in force: the versioning rule of the spec as one SQL template."""

from __future__ import annotations

import warehouse
from pipelines.intake.schema import REPORT_TYPES, ReportType
from pipelines.intake.validate import staging_name


def key_columns(report: ReportType) -> list[str]:
    return [staging_name(report.column(k)) for k in report.key]


def in_force_sql(report: ReportType | str) -> str:
    """SELECT of the rows in force of a report type (table and key are schema constants)."""
    if isinstance(report, str):
        report = REPORT_TYPES[report]
    return warehouse.sql("staging/in_force").format(table=report.table, key=", ".join(key_columns(report)))
