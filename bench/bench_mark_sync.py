"""Benchmark: the tablets' mark sync endpoint under 200 concurrent tablets, against gunicorn on this machine.

For each database (SQLite; PostgreSQL when SAIPING_BENCH_POSTGRES_URL or SAIPING_TEST_POSTGRES_URL is set):
  1. a bare endpoint (/livez, a constant) of the same server, 200 connections: requests/s;
  2. POST /api/v1/marks/sync, one mark per request, each from one of 200 judges with its own bearer token,
     through authentication, permission and conflict checks, validation and the audit row: requests/s;
  3. the ratio of the two, and p50/p99 latencies; every response is checked to be an accepted mark.
Then one tablet's backlog of 500 marks in one request, timed.

Prints `BENCH mark_sync_sqlite …`, `BENCH mark_sync_postgres …` and `BENCH backlog_500 ratio=<seconds> …`.
Needs wrk (Debian package wrk; `make bench` installs it when run as root)."""
from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import bench_line, gunicorn, instance, postgres_url, wrk

JUDGES, SKILLS, ENTRIES_PER_SKILL, ASPECTS_PER_SKILL = 200, 20, 30, 10
SECONDS = int(os.environ.get("SAIPING_BENCH_SECONDS", "8"))
CONNECTIONS = 200


def seed(env: dict) -> dict:
    """Judges with tokens, skills with a published 10-aspect scheme and approved entries, event in marking."""
    os.environ.update(env)
    from werkzeug.security import generate_password_hash

    from competition import create_app
    from competition.extensions import db
    from competition.models import Entry, EntryMember, EntryStatus, Person, Role, RoleGrant, User
    from competition.services import accounts, events, judging
    app = create_app({"SAIPING_QUIET_REQUESTS": True})
    layout = {"tokens": [], "entry_base": [], "aspect_base": []}
    with app.test_request_context():
        password_hash = generate_password_hash("bench-password-1")  # one hash: judges use tokens here
        event = events.create_event(code="bench", name="基准测试赛", kind="worldskills_selection",
                                    tier="provincial_1", year=2026)
        for s in range(SKILLS):
            skill = events.add_skill(event, code=f"S{s:02d}", name=f"赛项{s}", occupation_code="6-31-01-03",
                                     occupation_name="电工", level_grade_code="senior")
            for a in range(ASPECTS_PER_SKILL):
                events.add_aspect(skill, criterion_code="A", criterion_name="A", code=f"A{a:02d}",
                                  description=f"aspect {a}", kind="measurement", max_mark="10")
            events.publish_scheme(skill)
            entry_ids = []
            for e in range(ENTRIES_PER_SKILL):
                person = Person(name=f"选手{s}-{e}", id_type="passport", id_number=f"B{s:02d}{e:04d}",
                                nationality="TH")
                db.session.add(person)
                entry = Entry(skill_id=skill.id, status=EntryStatus.APPROVED, competitor_number=f"{e + 1:03d}")
                entry.members.append(EntryMember(skill_id=skill.id, person=person))
                db.session.add(entry)
                db.session.flush()
                entry_ids.append(entry.id)
            aspect_ids = sorted(a.id for a in events.published_scheme(skill.id).aspects)
            for j in range(JUDGES // SKILLS):
                person = Person(name=f"裁判{s}-{j}", id_type="passport", id_number=f"J{s:02d}{j:04d}",
                                nationality="TH")
                user = User(username=f"judge-{s}-{j}", password_hash=password_hash, display_name=person.name,
                            person=person)
                user.grants.append(RoleGrant(role=Role.JUDGE))
                db.session.add(user)
                db.session.flush()
                judging.assign_judge(skill, person)
                token, _row = accounts.issue_token(user, device=f"tablet-{s}-{j}")
                layout["tokens"].append(token)
                layout["entry_base"].append(entry_ids[0])
                layout["aspect_base"].append(aspect_ids[0])
        for status in ("registration_open", "registration_closed", "competition", "marking"):
            events.change_status(event, status)
        db.session.commit()
    return layout


LUA = """
local tokens = {%(tokens)s}
local entry_base = {%(entry_base)s}
local aspect_base = {%(aspect_base)s}
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  tid = tonumber(tid)
  k = 0
  accepted = 0
  other = 0
end
function request()
  local per = %(judges)d / %(threads)d
  local j = tid + %(threads)d * (k %% per)
  local cell = math.floor(k / per)
  k = k + 1
  local e = entry_base[j + 1] + (cell %% %(entries)d)
  local a = aspect_base[j + 1] + (math.floor(cell / %(entries)d) %% %(aspects)d)
  local body = string.format('{"marks":[{"client_id":"bench-%%d-%%d-%%d","entry_id":%%d,"aspect_id":%%d,"value":"%%d"}]}',
                             tid, j, cell, e, a, (cell %% 10) + 1)
  return wrk.format("POST", "/api/v1/marks/sync",
                    {["Authorization"] = "Bearer " .. tokens[j + 1], ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status == 200 and string.find(body, '"accepted"', 1, true) then accepted = accepted + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, o = 0, 0
  for _, thread in ipairs(threads) do a = a + thread:get("accepted"); o = o + thread:get("other") end
  io.write(string.format("ACCEPTED %%d OTHER %%d\\n", a, o))
end
"""


def sync_script(layout: dict, threads: int) -> str:
    return LUA % {"tokens": ",".join(f'"{t}"' for t in layout["tokens"]),
                  "entry_base": ",".join(map(str, layout["entry_base"])),
                  "aspect_base": ",".join(map(str, layout["aspect_base"])), "judges": JUDGES, "threads": threads,
                  "entries": ENTRIES_PER_SKILL, "aspects": ASPECTS_PER_SKILL}


def backlog_seconds(base: str, layout: dict) -> float:
    """One judge's tablet comes back online with 500 queued marks (the 300 cells, then re-scores)."""
    token = layout["tokens"][1]
    marks = [{"client_id": f"backlog-{i}", "entry_id": layout["entry_base"][1] + i % ENTRIES_PER_SKILL,
              "aspect_id": layout["aspect_base"][1] + (i // ENTRIES_PER_SKILL) % ASPECTS_PER_SKILL,
              "value": str(i % 10 + 1)} for i in range(500)]
    request = urllib.request.Request(base + "/api/v1/marks/sync", data=json.dumps({"marks": marks}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    elapsed = time.perf_counter() - started
    statuses = {r["status"] for r in answer["results"]}
    assert statuses == {"accepted"}, statuses
    return elapsed


def run(label: str, database_url: str | None) -> list[str]:
    lines = []
    with instance(database_url) as env:
        layout = seed(env)
        with gunicorn(env, workers=2, threads=4, worker_class="gthread") as base:
            wrk(base + "/livez", connections=CONNECTIONS, seconds=2)  # warm up
            bare = wrk(base + "/livez", connections=CONNECTIONS, seconds=SECONDS)
            sync = wrk(base + "/api/v1/marks/sync", connections=CONNECTIONS, seconds=SECONDS,
                       script=sync_script(layout, 2))
            counts = sync["report"].split("ACCEPTED ")[-1].split()
            accepted, other = int(counts[0]), int(counts[2])
            print(f"{label}: bare {bare['rps']:.0f} req/s (p50 {bare['p50']:.1f} ms, p99 {bare['p99']:.1f} ms); "
                  f"sync {sync['rps']:.0f} req/s (p50 {sync['p50']:.1f} ms, p99 {sync['p99']:.1f} ms); "
                  f"{accepted} marks accepted, {other} other responses")
            if other:
                print(f"WARNING: {other} sync responses were not an accepted mark")
            goal = 0.30 if label == "sqlite" else 0.15
            lines.append(bench_line(f"mark_sync_{label}", sync["rps"] / bare["rps"], ">=", goal))
            if label == "sqlite":
                seconds = backlog_seconds(base, layout)
                print(f"backlog of 500 marks from one tablet: {seconds:.3f} s")
                lines.append(bench_line("backlog_500", seconds, "<", 1))
    return lines


def main() -> None:
    lines = run("sqlite", None)
    pg = postgres_url("saiping_bench")
    if pg:
        lines += run("postgres", pg)
    else:
        print("PostgreSQL leg skipped: set SAIPING_BENCH_POSTGRES_URL to run it")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
