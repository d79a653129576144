"""Benchmark: importing 10,000 entries from a workbook (read, validate, commit) against merely reading the same
workbook with python-calamine (the fastest reader the project uses), in the same run.

The workbook has the template's twelve columns filled as an organiser would: 10,000 contestants with valid
resident IDs, spread over 20 skills of a 巴渝工匠杯 event, typed sex and birth date (checked against the
ID numbers), one organisation. The import is timed 3 times, the read 5 times next to each import (15 in all:
it is short, and one slow read on a shared machine would flatter the ratio); the best time of each is kept.
Each import runs on a freshly migrated SQLite database (an instance folder of its own).

Prints `BENCH import_10k ratio=<import / read> goal=<=3 met=<yes|no>` and the times."""
from __future__ import annotations

import gc
import io
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import bench_line, instance

ROWS, SKILLS, REPEATS, READS = 10_000, 20, 3, 5
ORGANISATION = "重庆渝江机械制造有限公司"


def workbook() -> bytes:
    from openpyxl import Workbook

    from competition.rules.identity import resident_id_check_char
    from competition.services import entry_import
    book = Workbook()
    sheet = book.active
    sheet.title = entry_import.SHEET_NAMES[0]
    sheet.append([column.headers[0] for column in entry_import.COLUMNS])
    numbers: set[str] = set()
    i = 0
    while len(numbers) < ROWS:
        birth = date(1980 + i % 25, 1 + i % 12, 1 + i % 28)
        body = f"500107{birth:%Y%m%d}{i % 997:03d}"
        number = body + resident_id_check_char(body)
        i += 1
        if number in numbers:
            continue
        numbers.add(number)
        sex = "男" if int(number[16]) % 2 else "女"
        sheet.append([f"S{len(numbers) % SKILLS:02d}", ORGANISATION, "", f"选手{len(numbers)}", "身份证", number, "",
                      "", sex, birth.isoformat(), f"138{len(numbers):08d}", "九龙坡区"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_once(data: bytes) -> float:
    from python_calamine import CalamineWorkbook
    start = time.perf_counter()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    elapsed = time.perf_counter() - start
    assert len(rows) == ROWS + 1
    return elapsed


def import_once(data: bytes) -> float:
    """One import into a fresh database: set up the event, then time check + store + commit."""
    with instance() as env:
        os.environ.update(env)
        from competition import create_app
        from competition.extensions import db
        from competition.models import Entry, Organisation
        from competition.services import entry_import, events
        app = create_app({"SAIPING_QUIET_REQUESTS": True})
        with app.test_request_context():
            event = events.create_event(code="bench", name="基准测试赛", kind="bayu_cup", tier="provincial_1",
                                        year=2026, starts_on=date(2026, 10, 20))
            for s in range(SKILLS):
                events.add_skill(event, code=f"S{s:02d}", name=f"赛项{s}", occupation_code="6-31-01-03",
                                 occupation_name="电工", level_grade_code="senior")
            db.session.add(Organisation(name=ORGANISATION, kind="enterprise"))
            events.change_status(event, "registration_open")
            db.session.commit()
            gc.collect()
            start = time.perf_counter()
            report = entry_import.check_entry_file(event, data, "bench.xlsx")
            result = entry_import.import_entries(report, None)
            db.session.commit()
            elapsed = time.perf_counter() - start
            assert report.ok and result.entries_created == ROWS, report.problems[:3]
            assert db.session.query(Entry).count() == ROWS
            db.session.remove()
            db.engine.dispose()
        return elapsed


def main() -> None:
    data = workbook()
    reads, imports = [], []
    for _ in range(REPEATS):   # interleaved, so both sides see the same load
        reads.extend(read_once(data) for _ in range(READS))
        imports.append(import_once(data))
    read, imported = min(reads), min(imports)
    print(f"read (calamine) {read * 1000:.0f} ms; import (read + validate + commit) {imported * 1000:.0f} ms; "
          f"{ROWS / imported:,.0f} entries/s")
    print(bench_line("import_10k", imported / read, "<=", 3))


if __name__ == "__main__":
    main()
