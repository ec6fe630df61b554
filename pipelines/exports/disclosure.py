"""Small counts of minors: the one rule the dashboard and every export apply.

The youth programme's participants are minors. A count of them from 1 to 4 is not published
(shown as "<5"); zero is not disclosive. Where a total is published and exactly one cell of a set
would be hidden, the smallest other non-zero cell is hidden too, so that the hidden one cannot be
worked out by subtraction. A share is not given when its numerator or denominator is hidden.
Pure functions, no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from pipelines.reference.codes import CITY

SMALL_COUNT = 5
SUPPRESSED = f"<{SMALL_COUNT}"
MINORS_PREFIX = "YIP_"  # the indicators counting minors (the youth programme)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def is_small(count) -> bool:
    """True for a count of people that must not be published (1–4). Zero is not disclosive."""
    return not _is_missing(count) and 0 < count < SMALL_COUNT


def suppress_counts(counts: Sequence, has_total: bool = True) -> list[bool]:
    """Which cells of one set of counts to suppress: every count from 1 to 4 and, when a total is
    published and exactly one cell would be hidden, the smallest other non-zero cell too."""
    hide = [is_small(c) for c in counts]
    if has_total and sum(hide) == 1:
        others = [(c, i) for i, c in enumerate(counts) if not hide[i] and not _is_missing(c) and c > 0]
        if others:
            hide[min(others)[1]] = True
    return hide


def _secondary(frame: pl.DataFrame, column: str, hidden: list[bool], keys: list[str], among: pl.Expr) -> None:
    """Hide a second cell of every set (rows alike on `keys`, among the rows `among` selects) that
    has exactly one hidden cell and a published total."""
    index = frame.with_row_index("_row").filter(among)
    for _, group in index.group_by(keys, maintain_order=True):
        rows = group["_row"].to_list()
        counts = group[column].to_list()
        now = [hidden[r] for r in rows]
        if sum(now) != 1:
            continue
        others = [(c, r) for c, r, h in zip(counts, rows, now) if not h and not _is_missing(c) and c > 0]
        if others:
            hidden[min(others)[1]] = True


def suppression_flags(values: pl.DataFrame) -> pl.DataFrame:
    """Three boolean columns for indicator values (indicator_id, period, geo_code, breakdown,
    breakdown_dimension, value, numerator, denominator, unit): which of value, numerator and
    denominator must not be published. Only the minors' indicators are ever hidden."""
    minors = values["indicator_id"].str.starts_with(MINORS_PREFIX).to_list()
    counts = {
        "value": [m and u == "students" for m, u in zip(minors, values["unit"].to_list())],
        "numerator": minors,
        "denominator": minors,
    }
    hidden: dict[str, list[bool]] = {}
    for column, applies in counts.items():
        cells = values[column].to_list()
        hide = [a and is_small(c) for a, c in zip(applies, cells)]
        frame = values.with_columns(pl.Series("_applies", applies))
        # a breakdown's cells beside their total; the districts' cells beside the city's
        _secondary(frame, column, hide, ["indicator_id", "period", "geo_code", "breakdown_dimension"],
                   pl.col("_applies") & (pl.col("breakdown") != ""))
        _secondary(frame, column, hide, ["indicator_id", "period", "breakdown"],
                   pl.col("_applies") & (pl.col("geo_code") != CITY))
        hidden[column] = hide
    share = [u == "%" for u in values["unit"].to_list()]
    value_hidden = [h or (s and (n or d))
                    for h, s, n, d in zip(hidden["value"], share, hidden["numerator"], hidden["denominator"])]
    return pl.DataFrame({"value_suppressed": value_hidden, "numerator_suppressed": hidden["numerator"],
                         "denominator_suppressed": hidden["denominator"]},
                        schema={name: pl.Boolean for name in ("value_suppressed", "numerator_suppressed",
                                                              "denominator_suppressed")})


def suppressed_values(values: pl.DataFrame) -> pl.DataFrame:
    """The values with hidden cells emptied (null) and `is_suppressed` saying where: for files that
    keep numbers as numbers (Parquet), and as the start of the text files' "<5"."""
    flags = suppression_flags(values)
    return values.with_columns(
        *(pl.when(flags[f"{c}_suppressed"]).then(None).otherwise(pl.col(c)).alias(c)
          for c in ("value", "numerator", "denominator")),
        is_suppressed=flags["value_suppressed"] | flags["numerator_suppressed"] | flags["denominator_suppressed"],
        **{f"{c}_suppressed": flags[f"{c}_suppressed"] for c in ("value", "numerator", "denominator")},
    )


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """value, numerator and denominator of `suppressed_values` as text cells with "<5" where hidden
    (for CSV); the other numbers written as before."""
    return frame.with_columns(
        pl.when(pl.col(f"{c}_suppressed")).then(pl.lit(SUPPRESSED)).otherwise(pl.col(c).cast(pl.String)).alias(c)
        for c in ("value", "numerator", "denominator"))
