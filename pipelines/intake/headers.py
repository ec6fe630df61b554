"""Finding the header row, mapping its cells to canonical columns, recognising the report type."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from pipelines.intake.schema import REPORT_TYPES, Column, ReportType

HEADER_SCAN_ROWS = 30
_UNIT = re.compile(r"\([^()]*\)$")  # a unit in brackets at the end: 在校生数(人)
_NOISE = re.compile(r"[\s*＊:：#.。、_\-]+")


@lru_cache(maxsize=1 << 16)
def normalise_header(text: str | None) -> str:
    """Fold a header cell to a comparable key: NFKC (full-width → half-width), no spaces, no
    `*` marks or punctuation, no trailing unit in brackets, lower case."""
    if text is None:
        return ""
    if type(text) is str and text.isascii() and text.isalnum():  # codes, numbers: nothing to fold
        return text.lower()
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = s.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    s = re.sub(r"[\s*]+", "", s)
    while True:
        stripped = _UNIT.sub("", s)
        if stripped == s or not stripped:
            break
        s = stripped
    return _NOISE.sub("", s).lower()


@cache
def _vocabulary() -> dict[str, dict[str, Column]]:
    """header key -> {report code: column} for every name a column may go by."""
    vocab: dict[str, dict[str, Column]] = {}
    for rt in REPORT_TYPES.values():
        for col in rt.columns:
            for name in (col.zh, col.name, *col.aliases):
                vocab.setdefault(normalise_header(name), {})[rt.code] = col
    return vocab


def known_header_count(cells: list[str | None]) -> int:
    vocab = _vocabulary()
    return sum(1 for c in cells if normalise_header(c) in vocab)


def find_header_row(rows: list[list[str | None]]) -> int | None:
    """Index of the row with the most known headers among the first rows (at least two)."""
    best, best_count = None, 1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        n = known_header_count(row)
        if n > best_count:
            best, best_count = i, n
    return best


_NAME_HINTS = {
    "R0": ("名录", "registry"),
    "R1": ("科学高中", "shs"),
    "R2": ("基地", "base"),
    "R3": ("学员", "科创计划", "roster"),
    "R4": ("联盟", "成员", "alliance"),
    "R5": ("年报", "annual"),
}


@dataclass(frozen=True)
class HeaderMatch:
    report: ReportType
    columns: dict[int, Column]  # position in the row -> column
    unknown: list[tuple[int, str]]  # positions and texts of headers that map to nothing
    duplicated: list[tuple[int, Column]]  # a second column mapping to the same canonical name


def recognise(header: list[str | None], file_name: str = "") -> HeaderMatch | None:
    """Which report this header belongs to: the type whose columns it names most, its
    identifying columns first; the file name only breaks ties."""
    vocab = _vocabulary()
    keys = [normalise_header(c) for c in header]
    scores = []
    for rt in REPORT_TYPES.values():
        matched = {vocab[k][rt.code].name for k in keys if k in vocab and rt.code in vocab[k]}
        if len(matched) < 2:
            continue
        signature = sum(1 for s in rt.signature if s in matched)
        hint = any(h in file_name.lower() for h in _NAME_HINTS[rt.code])
        scores.append((signature == len(rt.signature), len(matched), signature, hint, rt.code))
    if not scores:
        return None
    scores.sort(reverse=True)
    rt = REPORT_TYPES[scores[0][-1]]
    columns: dict[int, Column] = {}
    seen: set[str] = set()
    unknown, duplicated = [], []
    for i, (cell, key) in enumerate(zip(header, keys)):
        if not key:
            continue
        col = vocab.get(key, {}).get(rt.code)
        if col is None:
            unknown.append((i, str(cell)))
        elif col.name in seen:
            duplicated.append((i, col))
        else:
            seen.add(col.name)
            columns[i] = col
    return HeaderMatch(rt, columns, unknown, duplicated)
