"""Reading the spreadsheets organisers upload (.xlsx with python-calamine, the fastest reader we have; .csv).

``read_table(data, filename, columns)`` returns the rows as dicts keyed by our column names, each with its
1-based row number in the file, after matching the header row by Chinese or English names. Everything that
makes a file unreadable (not a workbook, password-protected, no such sheet, a required column missing) is
raised as one bilingual :class:`~competition.errors.Invalid`; checking the values is the caller's job.
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from competition.errors import N_, Invalid


@dataclass(frozen=True)
class Column:
    """A column we read: our ``key``, the header names we accept (any language), whether it must be there."""

    key: str
    headers: tuple[str, ...]
    required: bool = True


@dataclass(frozen=True)
class Row:
    number: int                 # the row number an organiser sees in Excel (header = 1)
    values: dict[str, Any]      # our column key → the cell value (str, int, float, date, datetime or None)


def _normalise_header(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).lower()


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime | date):
        return value
    return value


def _xlsx_rows(data: bytes, sheet: str | None) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # An OLE container: either an old .xls or an encrypted (password-protected) .xlsx.
        raise Invalid("table.encrypted", N_("The workbook is password-protected or in the old .xls format. "
                                            "Save it as an unprotected .xlsx file and upload it again."))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Invalid("table.not_xlsx", N_("The file is not an Excel workbook (.xlsx)."))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # the reader raises several error types: any failure means an unreadable file
        raise Invalid("table.unreadable", N_("The workbook cannot be read. Open it in Excel, save it again as "
                                             ".xlsx and upload it again.")) from None
    names = workbook.sheet_names
    if sheet is not None and sheet not in names:
        raise Invalid("table.no_sheet", N_("The workbook has no sheet named %(sheet)s (it has: %(names)s)."),
                      sheet=sheet, names="、".join(names))
    return workbook.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=False)


def _csv_rows(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GB18030 (GBK)
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid("table.encoding", N_("The CSV file is neither UTF-8 nor GB18030 text."))
    return [list(row) for row in csv.reader(io.StringIO(text))]


def read_table(data: bytes, filename: str, columns: Sequence[Column], *, sheet: str | None = None,
               max_rows: int = 50_000) -> list[Row]:
    """The data rows of the first (or the named) sheet, with values by column key. Blank rows are skipped.

    Raises :class:`Invalid` for an unreadable, encrypted or empty file, a missing sheet, a missing required
    column, a column given twice, or more than ``max_rows`` rows."""
    name = filename.lower()
    if name.endswith(".csv"):
        raw = _csv_rows(data)
    elif name.endswith((".xlsx", ".xlsm")):
        raw = _xlsx_rows(data, sheet)
    else:
        raise Invalid("table.type", N_("Upload an Excel workbook (.xlsx) or a CSV file."))
    header_index = next((i for i, row in enumerate(raw) if any(_cell(v) is not None for v in row)), None)
    if header_index is None:
        raise Invalid("table.empty", N_("The file is empty."))
    positions = _match_headers(raw[header_index], columns)
    rows = []
    for offset, raw_row in enumerate(raw[header_index + 1:], start=header_index + 2):
        values = {key: _cell(raw_row[i]) if i < len(raw_row) else None for key, i in positions.items()}
        if all(v is None for v in values.values()):
            continue
        rows.append(Row(offset, values))
        if len(rows) > max_rows:
            raise Invalid("table.too_many", N_("The file has more than %(n)s rows."), n=max_rows)
    return rows


def _match_headers(header_row: Sequence[Any], columns: Sequence[Column]) -> dict[str, int]:
    found: dict[str, int] = {}
    wanted: Mapping[str, Column] = {_normalise_header(h): c for c in columns for h in (*c.headers, c.key)}
    for index, text in enumerate(header_row):
        column = wanted.get(_normalise_header(text))
        if column is None:
            continue
        if column.key in found:
            raise Invalid("table.duplicate_column", N_("The column %(column)s appears twice."), column=str(text))
        found[column.key] = index
    missing = [c.headers[0] for c in columns if c.required and c.key not in found]
    if missing:
        raise Invalid("table.missing_columns", N_("The header row lacks the columns: %(columns)s."),
                      columns="、".join(missing))
    return found


def write_xlsx(headers: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str = "Sheet1") -> bytes:
    """A workbook for download (templates, exports). Text that Excel would run as a formula (starting with
    = + - @, or a tab or carriage return) is prefixed with an apostrophe so it stays text."""
    from openpyxl import Workbook
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(headers))
    for row in rows:
        worksheet.append([defuse_formula(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def defuse_formula(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """A CSV file for other systems: UTF-8 with a byte-order mark (so that Excel opens the Chinese text
    correctly), CRLF line ends, text defused as in :func:`write_xlsx` (Excel runs formulas in CSV too)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else defuse_formula(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
