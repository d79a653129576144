"""Benchmark: a published skill's public results page under 200 concurrent clients, against gunicorn on this
machine, compared with a bare endpoint of the same server in the same run.

  1. a bare endpoint (/livez, a constant) of the same server, 200 connections: requests/s;
  2. GET /skills/<id>/results of a published skill (40 contestants), 200 anonymous connections: requests/s.
     Each request makes the one query that reads the results' version, then serves the page from the
     worker's cache (``competition.services.results_public``); every response is checked to be the page;
  3. the ratio of the two (mean requests/s over three alternating rounds of each, so that a change in the
     shared machine's load hits both alike), the ratio of each round, and p50/p99 latencies.

Prints `BENCH results_page ratio=<x> goal=>=0.5 met=…` (SQLite). With SAIPING_BENCH_POSTGRES_URL or
SAIPING_TEST_POSTGRES_URL set, the same run on PostgreSQL is printed as an extra line (not a BENCH line).
Needs wrk (Debian package wrk; `make bench` installs it when run as root)."""
from __future__ import annotations

import os
import sys
import urllib.request
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import bench_line, gunicorn, instance, postgres_url, wrk

CONTESTANTS = 40
SECONDS = int(os.environ.get("SAIPING_BENCH_SECONDS", "4"))  # per measurement; ROUNDS of each
ROUNDS = 3
CONNECTIONS = 200
GOAL = 0.5


def seed(env: dict) -> int:
    """An event with one skill whose results are published: 40 contestants from 10 organisations. The
    result rows are stored as ``results.compute`` stores them (computing them is another benchmark)."""
    os.environ.update(env)
    from competition import create_app
    from competition.extensions import db
    from competition.models import Entry, EntryMember, EntryStatus, Organisation, Person, Result, ResultsStatus
    from competition.services import events
    app = create_app({"SAIPING_QUIET_REQUESTS": True})
    with app.test_request_context():
        event = events.create_event(code="bench-results", name="基准测试赛", kind="bayu_cup", tier="provincial_1",
                                    year=2026)
        skill = events.add_skill(event, code="B01", name="电工", name_en="Electrician", occupation_code="6-31-01-03",
                                 occupation_name="电工", level_grade_code="senior")
        organisations = [Organisation(name=f"重庆第{i + 1}机械有限公司", kind="enterprise") for i in range(10)]
        db.session.add_all(organisations)
        for n in range(CONTESTANTS):
            person = Person(name=f"选手{n + 1:02d}", id_type="passport", id_number=f"E{n:07d}", nationality="CN")
            entry = Entry(skill_id=skill.id, status=EntryStatus.APPROVED, competitor_number=f"{n + 1:03d}",
                          organisation=organisations[n % 10])
            entry.members.append(EntryMember(skill_id=skill.id, person=person))
            db.session.add(entry)
            db.session.flush()
            total = Decimal(95) - Decimal(n) * Decimal("1.25")
            db.session.add(Result(skill_id=skill.id, entry_id=entry.id, practical=total, total=total, place=n + 1,
                                  award="first" if n < 4 else "second" if n < 12 else "third" if n < 24 else
                                  "excellence"))
        for status in ("registration_open", "registration_closed", "competition", "marking", "results"):
            events.change_status(event, status)
        skill.results_status = ResultsStatus.PUBLISHED
        skill.results_published_at = datetime.now(UTC)
        db.session.commit()
        return skill.id


def run(label: str, database_url: str | None) -> float:
    with instance(database_url) as env:
        skill_id = seed(env)
        with gunicorn(env, workers=2, threads=4, worker_class="gthread") as base:
            page_url = f"{base}/skills/{skill_id}/results"
            body = urllib.request.urlopen(page_url, timeout=10).read().decode()
            assert "选手01" in body and "选手40" in body, "the results page does not list the contestants"
            wrk(base + "/livez", connections=CONNECTIONS, seconds=2)  # warm up
            wrk(page_url, connections=CONNECTIONS, seconds=2)
            # Alternating rounds: the machine is shared, and its load drifts within a run.
            bare, page = [], []
            for _round in range(ROUNDS):
                bare.append(wrk(base + "/livez", connections=CONNECTIONS, seconds=SECONDS))
                page.append(wrk(page_url, connections=CONNECTIONS, seconds=SECONDS))
            bare_rps = sum(r["rps"] for r in bare) / ROUNDS
            page_rps = sum(r["rps"] for r in page) / ROUNDS
            ratio = page_rps / bare_rps
            pairs = ", ".join(f"{p['rps'] / b['rps']:.2f}" for b, p in zip(bare, page, strict=True))
            print(f"{label}: bare {bare_rps:.0f} req/s (p50 {bare[-1]['p50']:.1f} ms, p99 {bare[-1]['p99']:.1f} ms); "
                  f"results page {page_rps:.0f} req/s (p50 {page[-1]['p50']:.1f} ms, p99 {page[-1]['p99']:.1f} ms, "
                  f"{len(body)} bytes); ratio {ratio:.3f} (rounds: {pairs})")
            if any(r["non2xx"] for r in bare + page):
                print("WARNING: some responses were not 2xx")
                return 0.0
            return ratio


def main() -> None:
    ratio = run("sqlite", None)
    pg = postgres_url("saiping_public_bench")
    if pg:
        print(f"postgres: ratio {run('postgres', pg):.3f} (goal >={GOAL:g})")
    else:
        print("PostgreSQL leg skipped: set SAIPING_BENCH_POSTGRES_URL to run it")
    print(bench_line("results_page", ratio, ">=", GOAL))


if __name__ == "__main__":
    main()
