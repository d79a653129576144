"""The venue-day load test (bench/loadtest.py), short: 40 tablets mark for 20 s through the faulty network
while gunicorn is killed with SIGKILL twice, on the suite's database (SAIPING_TEST_DATABASE; PostgreSQL in
a schema of its own, not the test schema). The full version is ``make loadtest``.

Twenty seconds hold few marks, so the faults are three times as frequent as in the full run and judges
correct 15 % of their marks at once: what goes wrong once in thousands of marks shows up here too."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOADTEST_LINE = re.compile(r"^LOADTEST (?P<database>\w+) sent=(?P<sent>\d+) acked=(?P<acked>\d+) "
                           r"stored=(?P<stored>\d+) lost=(?P<lost>\d+) duplicated=(?P<duplicated>\d+) "
                           r"kills=(?P<kills>\d+)$", re.M)


def test_short_venue_day_loses_and_duplicates_no_acknowledged_mark_across_two_kills() -> None:
    database = os.environ.get("SAIPING_TEST_DATABASE", "sqlite")
    schema = os.environ.get("SAIPING_LOADTEST_PG_SCHEMA", "saiping_load_short")
    command = [sys.executable, str(ROOT / "bench" / "loadtest.py"), "--database", database, "--schema", schema,
               "--tablets", "40", "--seconds", "20", "--kills", "2", "--workers", "2", "--think", "1.0",
               "--drain", "60", "--fault-scale", "3", "--correct-now", "0.15"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = done.stdout[-4000:] + done.stderr[-4000:]
    found = LOADTEST_LINE.search(done.stdout)
    assert found, output
    figures = {k: int(v) for k, v in found.groupdict().items() if k != "database"}
    assert found["database"] == database
    assert (figures["lost"], figures["duplicated"], figures["kills"]) == (0, 0, 2), output
    # The run did real work: marks were sent, acknowledged and stored (re-scores share a stored row).
    assert figures["sent"] >= 200 and figures["acked"] >= 0.95 * figures["sent"], output
    assert 0 < figures["stored"] <= figures["acked"], output
    assert "audit chain: verifies" in done.stdout and "queues: drained" in done.stdout, output
    assert done.returncode == 0, output
