"""The dashboard's SQL lives in dashboards/sql/*.sql, read by `dashboards.reads.sql()` (for
`data` and `senders_data`, whose files are in sql/senders/): one file per query,
values as bound parameters, and the one way text is put together (files as named relations)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from dashboards import data, senders_data

SQL_FILES = sorted(p.stem for p in data.SQL_DIR.glob("*.sql"))
FOLDER_FILES = sorted(f"{p.parent.name}/{p.stem}" for p in data.SQL_DIR.glob("*/*.sql"))
DATA_SOURCE = Path(data.__file__).read_text(encoding="utf-8")
SENDERS_SOURCE = Path(senders_data.__file__).read_text(encoding="utf-8")


def test_every_sql_file_is_read_by_the_data_module():
    chosen = {*data.OWED.values(), *(f"{owed}_listing" for owed in data.OWED.values()),
              *data.ROWS_IN_FORCE.values()}  # by report type
    unused = [name for name in SQL_FILES if f'"{name}"' not in DATA_SOURCE and name not in chosen]
    assert not unused, unused
    assert len(SQL_FILES) > 30
    assert FOLDER_FILES and not [n for n in FOLDER_FILES if f'"{n}"' not in SENDERS_SOURCE
                                 and f'"{n.removeprefix("senders/")}"' not in SENDERS_SOURCE]


@pytest.mark.parametrize("name", SQL_FILES + FOLDER_FILES)
def test_no_sql_file_holds_a_python_placeholder_or_a_value(name):
    text = data.sql(name)
    assert not re.search(r"\{[a-z_]*\}", text), "a str.format placeholder"
    assert "%s" not in text and "?" not in text
    # values come as $parameters; the only literals are constants of the query (codes, statuses)
    assert not re.search(r"'1[0-9]{5}'", text), "a district code written into the SQL"


def test_no_sql_is_left_in_the_python_module():
    strings = re.findall(r'"""(.*?)"""', DATA_SOURCE, re.DOTALL)
    assert not [s for s in strings if re.search(r"^\s*(select|with)\b", s, re.IGNORECASE | re.MULTILINE) and " from " in s]


def test_relations_are_put_first_as_ctes_in_the_order_given():
    text = data.sql("accepted_versions", accepted="accepted_files", rows_in_force="rows_in_force_r2")
    assert text.startswith("with accepted as (\n")
    assert text.index("accepted as (") < text.index("rows_in_force as (") < text.index(data.sql("accepted_versions"))
    assert data.sql("accepted_files").rstrip() in text and data.sql("rows_in_force_r2").rstrip() in text


def test_a_composed_query_runs_with_bound_values_only():
    con = duckdb.connect()
    con.execute("create schema marts; create schema raw")
    con.execute("create table raw.submissions (submission_id varchar, report_type varchar, original_name varchar, "
                "arrived_at timestamp, row_count integer, status varchar)")
    con.execute("create table marts.dim_school (submission_id varchar)")
    con.execute("insert into raw.submissions values ('a', 'R0', 'a.xlsx', '2026-01-08', 3, 'accepted'), "
                "('b', 'R0', 'b.csv', '2026-02-20', 2, 'accepted'), ('c', 'R0', 'c.csv', '2026-02-21', 1, 'rejected')")
    con.execute("insert into marts.dim_school values ('a'), ('a'), ('b'), ('b')")
    text = data.sql("accepted_versions", accepted="accepted_files", rows_in_force="rows_in_force_r0")
    rows = con.execute(text, {"report_type": "R0", "year": 2026}).fetchall()
    assert [(r[0], r[3], r[4]) for r in rows] == [("b.csv", 2, 0), ("a.xlsx", 2, 1)]
    none = data.sql("accepted_versions", accepted="accepted_files", rows_in_force="rows_in_force_none")
    assert [(r[0], r[3], r[4]) for r in con.execute(none, {"report_type": "R0", "year": None}).fetchall()] == [
        ("b.csv", 0, 2), ("a.xlsx", 0, 3)]


def test_a_query_with_its_own_ctes_cannot_take_relations():
    with pytest.raises(ValueError, match="plain select"):
        data.sql("shs_schools", owed="owed_r5")


@pytest.mark.parametrize("name", ["../data", "Owed", "owed r5", "", "senders/../data", "senders/", "/etc/passwd",
                                  "a/b/c"])
def test_names_are_plain_words(name):
    with pytest.raises(ValueError):
        data.sql(name)
    with pytest.raises(ValueError):
        data.sql("obligation_counts", **{name or "x y": "owed_r5"})
