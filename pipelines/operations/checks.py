"""Checks on operations assets."""


import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from pipelines.metadata import markdown_table
from pipelines.operations.assets import PREVIEW_ROWS, overdue_file, overdue_reports
from pipelines.resources import ProjectPaths


@asset_check(asset=overdue_reports, blocking=False,
             description="截止日期已过仍未报送的报表（警告，不阻断）/ Reports still owed after their deadline (warns).")
def no_overdue_reports(context: AssetCheckExecutionContext, paths: ProjectPaths) -> AssetCheckResult:
    path = overdue_file(paths.settings())
    overdue = pl.read_csv(path, schema_overrides={"sender_code": pl.String, "district_code": pl.String,
                                                  "entity_code": pl.String}) if path.exists() else pl.DataFrame()
    if overdue.is_empty():
        return AssetCheckResult(passed=True, severity=AssetCheckSeverity.WARN, metadata={"overdue": 0})
    by_type = overdue.group_by("report_type", "period").len().sort("report_type", "period")
    who = overdue.select("report_type", "period", "sender_code", "sender_name", "district_name_zh", "entity_code")
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.WARN,
        description=f"{overdue.height} 份报表逾期未报 / {overdue.height} reports overdue",
        metadata={
            "overdue": overdue.height,
            "senders": overdue["sender_code"].n_unique(),
            "by report and period": MetadataValue.md(markdown_table(by_type, PREVIEW_ROWS)),
            "who (first 50)": MetadataValue.md(markdown_table(who, PREVIEW_ROWS)),
            "examples": MetadataValue.json(who.head(5).to_dicts()),
        },
    )


operations_checks = [no_overdue_reports]
