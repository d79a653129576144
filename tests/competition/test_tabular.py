"""The column-wise reading of large uploads (``read_columns``) gives exactly the values of the
row-by-row reading: full-width text normalised, blanks as None, whole floats as ints, True kept apart from 1,
short CSV rows padded, blank rows skipped with the right row numbers."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from competition.errors import DomainError
from competition.services import tabular
from competition.services.tabular import Column

COLUMNS = (Column("a", ("甲", "A")), Column("b", ("乙", "B"), required=False), Column("c", ("丙", "C"), required=False),
           Column("d", ("丁", "D"), required=False))


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for values in rows:
        sheet.append(list(values))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def both(data: bytes, filename: str, columns=COLUMNS):
    rows = tabular.read_full_table(data, filename, columns).rows
    fast = tabular.read_columns(data, filename, columns)
    return rows, fast


@pytest.mark.parametrize("data, filename", [
    (workbook([["甲", "乙", "丙", "丁"], ["１２３ｘ", " 男 ", 1.0, True], [None, None, None, None], ["a", "", 1, 2.5],
               ["Ｂ", "女", True, datetime(2020, 1, 2, 3, 4)], [None, None, 0, None], ["x", date(1998, 5, 17), 3, 1]]),
     "t.xlsx"),
    ("甲,乙,丙\n１,男,3\n\n,,\nb\n c ,\u3000,x\n".encode(), "t.csv"),
])
def test_columns_hold_the_same_values_as_dicts(data, filename):
    rows, fast = both(data, filename)
    fast_rows = list(zip(*fast.columns, strict=True))
    assert fast.numbers == [r.number for r in rows]
    assert [tuple(r.values[c.key] if c.key in r.values else None for c in COLUMNS) for r in rows] == fast_rows
    assert all(type(a) is type(b) for r, f in zip(rows, fast_rows, strict=True)
               for a, b in zip((r.values.get(c.key) for c in COLUMNS), f, strict=True))


def test_the_column_wise_conversion_keeps_true_apart_from_one():
    assert tabular._cells([True, 1, 1.0, "１", " a "]) == [True, 1, 1, "1", "a"]
    assert tabular._cells([float("nan"), "x"])[1] == "x"


def test_too_many_rows_column_wise_too():
    data = workbook([["甲"], *[[str(n)] for n in range(6)]])
    with pytest.raises(DomainError) as error:
        tabular.read_columns(data, "t.xlsx", COLUMNS, max_rows=5)
    assert error.value.code == "table.too_many"


def test_a_header_without_rows_gives_empty_columns():
    table = tabular.read_columns(workbook([["甲", "乙"]]), "t.xlsx", COLUMNS)
    assert table.numbers == [] and table.columns == [[], [], [], []]
