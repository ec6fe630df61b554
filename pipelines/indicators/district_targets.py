"""District targets (目标分解): each district's latest value of a city count target against the
share the commission assigned it (ref.district_targets, seeds/district_targets.csv), with a status
by the same rules as the city's (progress.py). Every district is listed for every count target; a
district without a share is `no_share`, never a share made up (no equal split of the city target).

progress_ratio: for a stock target the linear method's R (distance covered over time elapsed,
from the district's own first year); for a yearly quota the latest value over the district's quota.
"""

from __future__ import annotations

import duckdb
import polars as pl

import warehouse
from pipelines.indicators.progress import quota_progress, stock_progress

TABLE = "indicators.district_progress"
NO_SHARE = "no_share"


def district_progress(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per count target × district (see the module's docstring)."""
    targets = con.sql("select indicator_id, kind, direction, target_year from ref.targets where unit <> '%'").pl()
    shares = con.sql("select * from ref.district_targets").pl()
    districts = con.sql("select district_code from ref.districts order by district_code").pl()["district_code"]
    values = con.sql(
        """select indicator_id, geo_code as district_code, period, value from indicators.indicator_values
           where breakdown = '' and geo_code in (select district_code from ref.districts)
             and indicator_id in (select indicator_id from ref.targets where unit <> '%')"""
    ).pl()
    as_of = warehouse.scalar(con, "select max(as_of) from indicators.indicator_values")
    as_of_year = as_of.year if as_of is not None else None
    rows = []
    for target in targets.iter_rows(named=True):
        mine = values.filter(pl.col("indicator_id") == target["indicator_id"])
        for district in districts.to_list():
            series = mine.filter(pl.col("district_code") == district).sort("period")
            known = series.filter(pl.col("value").is_not_null())
            latest = known.row(-1, named=True) if known.height else None
            share = shares.filter((pl.col("indicator_id") == target["indicator_id"])
                                  & (pl.col("district_code") == district))
            row = {"indicator_id": target["indicator_id"], "district_code": district,
                   "period": latest["period"] if latest else None, "value": latest["value"] if latest else None,
                   "has_share": share.height > 0, "district_target": None, "target_year": None, "is_example": None,
                   "status": NO_SHARE, "progress_ratio": None}
            if share.height:
                s = share.row(0, named=True)
                row.update(district_target=s["target_value"], target_year=s["target_year"], is_example=s["is_example"])
                if target["kind"] == "stock":
                    p = stock_progress(zip(series["period"].to_list(), series["value"].to_list()),
                                       s["target_value"], s["target_year"], target["direction"])
                    row.update(status=p.status, progress_ratio=p.ratio)
                else:
                    p = quota_progress(latest["value"] if latest else None, s["target_value"],
                                       latest["period"] if latest else 0, as_of_year or 0, target["direction"])
                    ratio = (latest["value"] / s["target_value"]) if latest and s["target_value"] else None
                    row.update(status=p.status, progress_ratio=ratio)
            rows.append(row)
    schema = {"indicator_id": pl.String, "district_code": pl.String, "period": pl.Int32, "value": pl.Float64,
              "has_share": pl.Boolean, "district_target": pl.Float64, "target_year": pl.Int32, "is_example": pl.Boolean,
              "status": pl.String, "progress_ratio": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


def rebuild_district_progress(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    frame = district_progress(con)
    with warehouse.transaction(con):
        con.execute(f"delete from {TABLE}")
        con.register("district_frame", frame)
        try:
            con.execute(f"insert into {TABLE} by name select * from district_frame")
        finally:
            con.unregister("district_frame")
    return frame
