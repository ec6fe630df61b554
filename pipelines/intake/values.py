"""Cell values as schools write them, to typed values: vectorised Polars expressions.

Each parser takes an expression of cleaned text (see `clean`) and returns a pair
(value, error): the typed value, and a rule code where the text was present but could not be
read (null where all is well). Nothing here loops over rows in Python.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import polars as pl

from pipelines.intake.schema import CODE_LISTS, GRADE_WORDS

TRUE_WORDS = ("是", "y", "yes", "true", "1", "√", "✓", "✔", "同意", "有", "t")
FALSE_WORDS = ("否", "n", "no", "false", "0", "×", "✗", "不同意", "无", "f")

_DAY = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_MONTH = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_SERIAL = r"^(\d{5})(?:\.0+)?$"


def clean(expr: pl.Expr) -> pl.Expr:
    """NFKC (full-width digits, letters, spaces and brackets to their plain forms), trimmed;
    empty text becomes null. (`trimmed(nfkc(series))` is the same, faster on a big column.)"""
    return trimmed(expr.str.normalize("NFKC"))


def trimmed(expr: pl.Expr) -> pl.Expr:
    """Trimmed; empty text becomes null."""
    return expr.str.strip_chars().replace("", None)


def unquoted(expr: pl.Expr) -> pl.Expr:
    """Cleaned text of a code cell without the leading apostrophe by which Excel users keep a
    code as text (`'3412000001`; Excel hides it, a CSV typed by hand keeps it): the code is what
    follows. An apostrophe alone is an empty cell; one inside a code stays (and fails there)."""
    return trimmed(expr.str.replace(r"^'", ""))


def nfkc(values: pl.Series) -> pl.Series:
    """NFKC of a column, normalising only the cells that are not ASCII (NFKC leaves ASCII as
    it is): most cells of a report are plain digits or codes, and NFKC is the costliest step
    of reading a cell."""
    wide = (values.str.len_bytes() != values.str.len_chars()).fill_null(False)
    if not wide.any():
        return values
    at = wide.arg_true()
    return values.scatter(at, values.gather(at).str.normalize("NFKC"))


def fold(text: str) -> str:
    """The Python twin of `clean` + lower case, for building lookup keys."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def _number_text(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"[,\s]", "")


def parse_int(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    t = _number_text(text)
    integral = t.str.contains(r"^[+-]?\d+(?:\.0+)?$")
    numeric = t.str.contains(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
    value = pl.when(integral).then(t.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False))
    error = (
        pl.when(text.is_null()).then(None)
        .when(numeric & ~integral).then(pl.lit("not_integer"))
        .when(~integral).then(pl.lit("unparseable_number"))
        .when(value < 0).then(pl.lit("negative_count"))
    )
    return value, error


def parse_float(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    t = _number_text(text)
    numeric = t.str.contains(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
    value = pl.when(numeric).then(t.cast(pl.Float64, strict=False))
    error = (
        pl.when(text.is_null()).then(None)
        .when(~numeric).then(pl.lit("unparseable_number"))
        .when(value < 0).then(pl.lit("negative_count"))
    )
    return value, error


def parse_date(text: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(date, precision 'day'|'month', error). Accepts 2026-03-05, 2026/3/5, 2026.3.5,
    2026年3月5日, 20260305, Excel serial numbers and, with month precision, 2026年3月 / 2026-03."""
    def ymd(pattern: str, group: int) -> pl.Expr:
        return text.str.extract(pattern, group)

    year = pl.coalesce(ymd(_DAY, 1), ymd(_COMPACT, 1), ymd(_MONTH, 1))
    month = pl.coalesce(ymd(_DAY, 2), ymd(_COMPACT, 2), ymd(_MONTH, 2))
    day = pl.coalesce(ymd(_DAY, 3), ymd(_COMPACT, 3), pl.when(ymd(_MONTH, 1).is_not_null()).then(pl.lit("1")))
    iso = pl.concat_str([year, month.str.zfill(2), day.str.zfill(2)], separator="-")
    from_text = iso.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    serial = ymd(_SERIAL, 1).cast(pl.Int64, strict=False)
    from_serial = pl.when(serial.is_between(20000, 80000)).then(
        pl.lit(date(1899, 12, 30)) + pl.duration(days=serial)
    )
    value = pl.coalesce(from_text, from_serial.cast(pl.Date))
    precision = pl.when(value.is_null()).then(None).when(ymd(_MONTH, 1).is_not_null()).then(
        pl.lit("month")
    ).otherwise(pl.lit("day"))
    error = pl.when(text.is_not_null() & value.is_null()).then(pl.lit("unparseable_date"))
    return value, precision, error


def parse_bool(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    t = text.str.to_lowercase()
    value = pl.when(t.is_in(TRUE_WORDS)).then(True).when(t.is_in(FALSE_WORDS)).then(False)
    error = pl.when(text.is_not_null() & value.is_null()).then(pl.lit("unparseable_boolean"))
    return value, error


def code_lookup(code_list: str) -> dict[str, str]:
    """Every accepted spelling (folded) -> code."""
    lookup: dict[str, str] = {}
    for code, (zh, en, others) in CODE_LISTS[code_list].items():
        for word in (code, zh, en, *others):
            lookup[fold(word)] = code
    return lookup


def parse_lookup(text: pl.Expr, lookup: dict[str, str], rule: str) -> tuple[pl.Expr, pl.Expr]:
    """Map folded text through a dictionary; a present value not in it is an error `rule`."""
    value = text.str.to_lowercase().replace_strict(lookup, default=None, return_dtype=pl.String)
    error = pl.when(text.is_not_null() & value.is_null()).then(pl.lit(rule))
    return value, error


def parse_code(text: pl.Expr, code_list: str) -> tuple[pl.Expr, pl.Expr]:
    return parse_lookup(text, code_lookup(code_list), "not_in_code_list")


def parse_grade(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    words = {fold(k): str(v) for k, v in GRADE_WORDS.items()}
    words.update({str(i): str(i) for i in range(1, 13)})
    t = text.str.replace(r"\.0+$", "")
    value = t.replace_strict(words, default=None, return_dtype=pl.String).cast(pl.Int64)
    error = pl.when(text.is_not_null() & value.is_null()).then(pl.lit("unparseable_grade"))
    return value, error


def parse_list(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"\s*[;；,，、]\s*", ";").str.split(";")
