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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from competition.errors import N_, Invalid


@dataclass(frozen=True)
class Column:
    """A column we read: our ``key``, the header names we accept (any language), whether it must be there."""

    key: str
    headers: tuple[str, ...]
    required: bool = True


class Row(NamedTuple):   # a named tuple, not a frozen dataclass: one per row, and those are slow to make
    number: int                 # the row number an organiser sees in Excel (header = 1)
    values: dict[str, Any]      # our column key → the cell value (str, int, float, date, datetime or None)


def _normalise_header(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).lower()


def _cell(value: Any) -> Any:
    if value.__class__ is str:
        # NFKC turns full-width digits and letters into ASCII; ASCII text has nothing to turn (and is common).
        if not value.isascii():
            value = unicodedata.normalize("NFKC", value)
        return value.strip() or None
    if value.__class__ is float and value.is_integer():
        return int(value)
    return value


_MISSING = object()


def each_distinct(convert: Callable[[Any], Any], column: Sequence[Any]) -> list[Any]:
    """``convert`` of every value of a column, each distinct value converted once: a column of an upload repeats
    its values (the skill, the organisation, 身份证, 男/女, birth dates), so most of the work is dict look-ups."""
    kinds = set(map(type, column))
    if bool in kinds and (int in kinds or float in kinds):
        return [convert(v) for v in column]   # True == 1 == 1.0: they cannot share one table of values
    try:
        converted = {value: convert(value) for value in set(column)}
        return list(map(converted.__getitem__, column))
    except (KeyError, TypeError):              # NaN (never equal to itself) or an unhashable value
        return [convert(v) for v in column]


def _cells(column: Sequence[Any]) -> list[Any]:
    """:func:`_cell` of every value of one column (text is the common case)."""
    return each_distinct(_cell, column)


def _open_workbook(data: bytes) -> Any:
    from python_calamine import CalamineWorkbook
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # An OLE container: either an old .xls or an encrypted (password-protected) .xlsx.
        raise Invalid("table.encrypted", N_("The workbook is password-protected or in the old .xls format. "
                                            "Save it as an unprotected .xlsx file and upload it again."))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Invalid("table.not_xlsx", N_("The file is not an Excel workbook (.xlsx)."))
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # the reader raises several error types: any failure means an unreadable file
        raise Invalid("table.unreadable", N_("The workbook cannot be read. Open it in Excel, save it again as "
                                             ".xlsx and upload it again.")) from None


def _pick_sheet(names: Sequence[str], sheet: str | None, preferred: Sequence[str]) -> str:
    if sheet is not None and sheet not in names:
        raise Invalid("table.no_sheet", N_("The workbook has no sheet named %(sheet)s (it has: %(names)s)."),
                      sheet=sheet, names="、".join(names))
    if sheet is not None:
        return sheet
    wanted = {_normalise_header(name) for name in preferred}
    return next((name for name in names if _normalise_header(name) in wanted), names[0])


def _xlsx_rows(data: bytes, sheet: str | None, preferred: Sequence[str] = ()) -> tuple[list[list[Any]], Sheet]:
    workbook = _open_workbook(data)
    names = workbook.sheet_names
    if not names:
        raise Invalid("table.empty", N_("The file is empty."))
    name = _pick_sheet(names, sheet, preferred)
    try:
        worksheet = workbook.get_sheet_by_name(name)
        rows = worksheet.to_python(skip_empty_area=False)
        merged = tuple((r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in (worksheet.merged_cell_ranges or ()))
    except Exception:  # a damaged sheet inside a readable zip
        raise Invalid("table.unreadable", N_("The workbook cannot be read. Open it in Excel, save it again as "
                                             ".xlsx and upload it again.")) from None
    return rows, Sheet(name, tuple(names), merged)


@dataclass(frozen=True)
class Sheet:
    """Which sheet was read, which sheets the workbook has, and its merged ranges (1-based rows, 0-based
    columns: first row, first column, last row, last column)."""

    name: str
    names: tuple[str, ...]
    merged: tuple[tuple[int, int, int, int], ...] = ()


@dataclass(frozen=True)
class Table:
    """What :func:`read_full_table` read: the rows, the header texts it did not know (with their
    positions), where each column is, and the sheet (``None`` for CSV)."""

    rows: list[Row]
    unknown_headers: list[tuple[int, str]]
    positions: dict[str, int]
    sheet: Sheet | None


@dataclass(frozen=True)
class ColumnTable:
    """What :func:`read_columns` read: the values column by column (in the order of the columns asked for;
    ``None`` all down for a column the file lacks) for the rows that are not blank, and each row's number."""

    numbers: list[int]
    columns: list[list[Any]]
    unknown_headers: list[tuple[int, str]]
    positions: dict[str, int]
    sheet: Sheet | None


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
    return read_full_table(data, filename, columns, sheet=sheet, max_rows=max_rows).rows


def read_full_table(data: bytes, filename: str, columns: Sequence[Column], *, sheet: str | None = None,
                    preferred_sheets: Sequence[str] = (), max_rows: int = 50_000) -> Table:
    """Like :func:`read_table`, also telling the caller the header texts it did not recognise and the merged
    ranges, for importers that refuse them. Without ``sheet``, the first sheet named in ``preferred_sheets``
    is read (else the first sheet); a missing required column names the sheet and the other sheets."""
    raw, header_index, positions, unknown, sheet_info = _read(data, filename, columns, sheet, preferred_sheets)
    rows = []
    for offset, raw_row in enumerate(raw[header_index + 1:], start=header_index + 2):
        width = len(raw_row)
        values = {key: _cell(raw_row[i]) if i < width else None for key, i in positions.items()}
        if all(v is None for v in values.values()):
            continue
        rows.append(Row(offset, values))
        if len(rows) > max_rows:
            raise Invalid("table.too_many", N_("The file has more than %(n)s rows."), n=max_rows)
    return Table(rows, unknown, positions, sheet_info)


def read_columns(data: bytes, filename: str, columns: Sequence[Column], *, sheet: str | None = None,
                 preferred_sheets: Sequence[str] = (), max_rows: int = 50_000) -> ColumnTable:
    """:func:`read_full_table` column by column, for large imports: the same values (each distinct value of a
    column converted once), no object per row."""
    raw, header_index, positions, unknown, sheet_info = _read(data, filename, columns, sheet, preferred_sheets)
    body = raw[header_index + 1:]
    if len({len(r) for r in body}) > 1:   # CSV rows may be short; a sheet from the reader is rectangular
        width = max(map(len, body))
        body = [r if len(r) == width else [*r, *([None] * (width - len(r)))] for r in body]
    if not body:
        return ColumnTable([], [[] for _ in columns], unknown, positions, sheet_info)
    transposed = list(zip(*body, strict=True))
    nothing = [None] * len(body)
    values = [_cells(transposed[positions[c.key]]) if c.key in positions else nothing for c in columns]
    numbers = list(range(header_index + 2, header_index + 2 + len(body)))
    # A blank row (every cell None; a row of zeros or False is not blank) is left out. There is none when a
    # column has no None (the usual case: a required column is filled all the way down).
    if any(None not in column for column in values):
        blank = []
    else:
        blank = [i for i, row in enumerate(zip(*values, strict=True)) if not any(row) and all(v is None for v in row)]
    if blank:
        keep = sorted(set(range(len(body))) - set(blank))
        numbers = [numbers[i] for i in keep]
        values = [[column[i] for i in keep] for column in values]
    if len(numbers) > max_rows:
        raise Invalid("table.too_many", N_("The file has more than %(n)s rows."), n=max_rows)
    return ColumnTable(numbers, values, unknown, positions, sheet_info)


def _read(data: bytes, filename: str, columns: Sequence[Column], sheet: str | None, preferred_sheets: Sequence[str]
          ) -> tuple[list[list[Any]], int, dict[str, int], list[tuple[int, str]], Sheet | None]:
    """The raw rows, the header row's index, where each column is, the unknown headers, and the sheet."""
    name = filename.lower()
    sheet_info = None
    if name.endswith(".csv"):
        raw = _csv_rows(data)
    elif name.endswith((".xlsx", ".xlsm")):
        raw, sheet_info = _xlsx_rows(data, sheet, preferred_sheets)
    else:
        raise Invalid("table.type", N_("Upload an Excel workbook (.xlsx) or a CSV file."))
    header_index = next((i for i, row in enumerate(raw) if any(_cell(v) is not None for v in row)), None)
    if header_index is None:
        raise Invalid("table.empty", N_("The file is empty."))
    try:
        positions = _match_headers(raw[header_index], columns)
    except Invalid as error:
        if sheet_info is not None and len(sheet_info.names) > 1 and error.code == "table.missing_columns":
            raise Invalid("table.missing_columns_sheet", N_("The sheet %(sheet)s lacks the columns: %(columns)s. "
                                                            "Is the list on another sheet (%(names)s)?"),
                          sheet=sheet_info.name, columns=error.params["columns"],
                          names="、".join(sheet_info.names)) from None
        raise
    known = set(positions.values())
    unknown = [(i, str(_cell(text))) for i, text in enumerate(raw[header_index])
               if i not in known and _cell(text) is not None]
    return raw, header_index, positions, unknown, sheet_info


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
