"""Benchmark: the tablets' mark sync endpoint under 200 concurrent tablets, against gunicorn on this machine
(configured as the README's Deployment section says: sync workers, one per core).

For each database (SQLite; PostgreSQL when SAIPING_BENCH_POSTGRES_URL or SAIPING_TEST_POSTGRES_URL is set):
  1. a bare endpoint (/livez, a constant) of the same server, 200 connections: requests/s;
  2. POST /api/v1/marks/sync, one mark per request, each from one of 200 judges with its own bearer token,
     through authentication, permission and conflict checks, validation and the audit row: requests/s;
  3. the ratio of the two, and p50/p99 latencies. The endpoints are measured in three alternating rounds
     (summed), so that other work on the machine weighs on both alike. One request in 20 re-sends the
     thread's previous mark (as a tablet does when an answer is lost): it must come back a duplicate; every
     other answer must be an accepted mark. Both endpoints are warmed up first (sync on other cells).
Then one tablet's backlog of 500 marks in one request (300 cells, then 200 of them re-scored), timed.
Afterwards the database must hold every accepted mark once, each with its audit row, the backlog's
re-scores as revisions, and an audit chain that verifies.

Prints `BENCH mark_sync_sqlite …`, `BENCH mark_sync_postgres …` and `BENCH backlog_500 ratio=<seconds> …`.
Needs wrk (Debian package wrk; `make bench` installs it when run as root). The PostgreSQL schema is
SAIPING_BENCH_PG_SCHEMA (default saiping_bench), dropped and made again."""
from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import bench_line, gunicorn, instance, postgres_url, wrk

JUDGES, SKILLS, ENTRIES_PER_SKILL, ASPECTS_PER_SKILL = 200, 20, 30, 10
SECONDS = int(os.environ.get("SAIPING_BENCH_SECONDS", "9"))
ROUNDS = 3  # each endpoint measured in turns, SECONDS in all
CONNECTIONS = 200
# A Belt and Road style field: the event checks same-country conflicts, so the judges come from countries
# that have no competitor here (a judge sharing a competitor's country may not mark them at all).
CONTESTANT_COUNTRIES = ("TH", "VN", "LA", "KH", "MY")
JUDGE_COUNTRIES = ("SG", "ID", "PH")


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
                                nationality=CONTESTANT_COUNTRIES[e % len(CONTESTANT_COUNTRIES)])
                db.session.add(person)
                entry = Entry(skill_id=skill.id, status=EntryStatus.APPROVED, competitor_number=f"{e + 1:03d}")
                entry.members.append(EntryMember(skill_id=skill.id, person=person))
                db.session.add(entry)
                db.session.flush()
                entry_ids.append(entry.id)
            aspect_ids = sorted(a.id for a in events.published_scheme(skill.id).aspects)
            # a panel that seats them all (the default panel holds 3 or 4); skill 0 has one more judge, whose
            # tablet comes back with the backlog (no other traffic for them)
            seated = JUDGES // SKILLS + (1 if s == 0 else 0)
            judging.create_panel(skill, scorers_max=seated, scorers_target=seated)
            for j in range(seated):
                person = Person(name=f"裁判{s}-{j}", id_type="passport", id_number=f"J{s:02d}{j:04d}",
                                nationality=JUDGE_COUNTRIES[j % len(JUDGE_COUNTRIES)])
                user = User(username=f"judge-{s}-{j}", password_hash=password_hash, display_name=person.name,
                            person=person)
                user.grants.append(RoleGrant(role=Role.JUDGE))
                db.session.add(user)
                db.session.flush()
                judging.assign_judge(skill, person)
                token, _row = accounts.issue_token(user, device=f"tablet-{s}-{j}")
                if j == JUDGES // SKILLS:
                    layout["backlog"] = {"token": token, "entry_base": entry_ids[0], "aspect_base": aspect_ids[0]}
                    continue
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
  sent = 0
  accepted = 0
  duplicate = 0
  other = 0
end
function request()
  k = k + 1
  if k %% %(resend_every)d == 0 and last then
    return last  -- a tablet sending a mark again because the answer was lost: must be a duplicate
  end
  -- this thread's judges in turn, each judge its next cell (entry, aspect), each mark a new client id
  local per = %(judges)d / %(threads)d
  local j = tid + %(threads)d * (sent %% per)
  local cell = %(first_cell)d + math.floor(sent / per)
  sent = sent + 1
  local e = entry_base[j + 1] + (cell %% %(entries)d)
  local a = aspect_base[j + 1] + (math.floor(cell / %(entries)d) %% %(aspects)d)
  local body = string.format('{"marks":[{"client_id":"%(run)s-%%d-%%d-%%d","entry_id":%%d,"aspect_id":%%d,"value":"%%d"}]}',
                             tid, j, cell, e, a, (cell %% 10) + 1)
  last = wrk.format("POST", "/api/v1/marks/sync",
                    {["Authorization"] = "Bearer " .. tokens[j + 1], ["Content-Type"] = "application/json"}, body)
  return last
end
function response(status, headers, body)
  if status == 200 and string.find(body, '"accepted"', 1, true) then accepted = accepted + 1
  elseif status == 200 and string.find(body, '"duplicate"', 1, true) then duplicate = duplicate + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local a, d, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("accepted"); d = d + thread:get("duplicate"); o = o + thread:get("other")
  end
  io.write(string.format("ACCEPTED %%d DUPLICATE %%d OTHER %%d\\n", a, d, o))
end
"""
RESEND_EVERY = 20  # one request in 20 repeats the thread's previous mark


def sync_script(layout: dict, threads: int, run: str, first_cell: int) -> str:
    return LUA % {"tokens": ",".join(f'"{t}"' for t in layout["tokens"]),
                  "entry_base": ",".join(map(str, layout["entry_base"])),
                  "aspect_base": ",".join(map(str, layout["aspect_base"])), "judges": JUDGES, "threads": threads,
                  "entries": ENTRIES_PER_SKILL, "aspects": ASPECTS_PER_SKILL, "run": run, "first_cell": first_cell,
                  "resend_every": RESEND_EVERY}


def run_sync(base: str, layout: dict, run: str, first_cell: int, seconds: int) -> dict:
    """One wrk run of the sync endpoint; adds the counts of accepted, duplicate and other answers."""
    result = wrk(base + "/api/v1/marks/sync", connections=CONNECTIONS, seconds=seconds,
                 script=sync_script(layout, 2, run, first_cell))
    counts = result["report"].split("ACCEPTED ")[-1].split()
    result.update(accepted=int(counts[0]), duplicate=int(counts[2]), other=int(counts[4]))
    return result


def verify_stored(env: dict, runs: dict[str, tuple[int, int]]) -> list[str]:
    """After the runs: run → (marks accepted, re-scores). Every stored mark has one ``mark.create`` audit row
    (a re-score keeps the row, with the new client id, and adds a revision); every accepted mark is stored,
    and at most one more per connection (a request still in flight when wrk stops is stored, its answer not
    counted); the audit chain verifies. Returns the problems found."""
    os.environ.update(env)
    from sqlalchemy import func, select

    from competition import create_app
    from competition.extensions import db
    from competition.models import AuditLog, Mark, MarkRevision
    from competition.services import audit
    app = create_app({"SAIPING_QUIET_REQUESTS": True})
    problems = []
    with app.app_context():
        for run, (expected, rescored) in runs.items():
            ours = Mark.client_id.like(f"{run}-%")
            stored = db.session.scalar(select(func.count()).select_from(Mark).where(ours))
            ids = db.session.scalar(select(func.count(func.distinct(Mark.client_id))).where(ours))
            created = db.session.scalar(select(func.count()).select_from(AuditLog).where(
                AuditLog.action == "mark.create", AuditLog.object_id.like(f"{run}-%")))
            revisions = db.session.scalar(select(func.count()).select_from(MarkRevision).join(Mark).where(ours))
            uncounted = CONNECTIONS if run != "backlog" else 0
            if not (stored == ids == created and expected <= stored <= expected + uncounted
                    and revisions == rescored):
                problems.append(f"{run}: expected {expected} marks and {rescored} re-scores; found {stored} stored "
                                f"({ids} ids), {created} mark.create audit rows, {revisions} revisions")
        broken = list(audit.verify_chain())
        if broken:
            problems.append(f"audit chain: {len(broken)} problems, first {broken[0]}")
        db.engine.dispose()
    return problems


BACKLOG, CELLS = 500, ENTRIES_PER_SKILL * ASPECTS_PER_SKILL


def backlog_seconds(base: str, layout: dict) -> float:
    """One judge's tablet comes back online with 500 queued marks: the 300 cells, then 200 re-scored."""
    judge = layout["backlog"]
    token = judge["token"]
    marks = [{"client_id": f"backlog-{i}", "entry_id": judge["entry_base"] + i % ENTRIES_PER_SKILL,
              "aspect_id": judge["aspect_base"] + (i // ENTRIES_PER_SKILL) % ASPECTS_PER_SKILL,
              "value": str((i + i // CELLS) % 10 + 1)} for i in range(BACKLOG)]
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
        accepted = {}
        # the production configuration (README, Deployment): sync workers, one per core
        with gunicorn(env, workers=os.cpu_count() or 2, threads=1, worker_class="sync") as base:
            wrk(base + "/livez", connections=CONNECTIONS, seconds=2)  # warm up
            # warm up: each process reads the judges' panels, the schemes and the conflicts once
            accepted["warmup"] = (run_sync(base, layout, "warmup", 0, 2)["accepted"], 0)
            # Bare and sync in turns, so that a load that comes and goes on the machine weighs on both alike;
            # each round marks its own cells (client ids carry the round).
            bares, syncs = [], []
            for n in range(ROUNDS):
                bares.append(wrk(base + "/livez", connections=CONNECTIONS, seconds=SECONDS // ROUNDS))
                syncs.append(run_sync(base, layout, f"bench{n}", 100 + 60 * n, SECONDS // ROUNDS))
                accepted[f"bench{n}"] = (syncs[-1]["accepted"], 0)
                print(f"{label} round {n + 1}: bare {bares[-1]['rps']:.0f} req/s (p50 {bares[-1]['p50']:.1f} ms, "
                      f"p99 {bares[-1]['p99']:.1f} ms); sync {syncs[-1]['rps']:.0f} req/s (p50 {syncs[-1]['p50']:.1f} "
                      f"ms, p99 {syncs[-1]['p99']:.1f} ms); ratio {syncs[-1]['rps'] / bares[-1]['rps']:.3f}")
            bare = {"rps": sum(r["rps"] for r in bares) / ROUNDS, "p50": median(r["p50"] for r in bares),
                    "p99": max(r["p99"] for r in bares)}
            sync = {"rps": sum(r["rps"] for r in syncs) / ROUNDS, "p50": median(r["p50"] for r in syncs),
                    "p99": max(r["p99"] for r in syncs), **{key: sum(r[key] for r in syncs)
                                                           for key in ("accepted", "duplicate", "other")}}
            print(f"{label}: bare {bare['rps']:.0f} req/s (p50 {bare['p50']:.1f} ms, p99 {bare['p99']:.1f} ms); "
                  f"sync {sync['rps']:.0f} req/s (p50 {sync['p50']:.1f} ms, p99 {sync['p99']:.1f} ms); "
                  f"{sync['accepted']} marks accepted, {sync['duplicate']} re-sent marks answered duplicate, "
                  f"{sync['other']} other responses; load average {os.getloadavg()[0]:.1f}")
            if sync["other"]:
                print(f"WARNING: {sync['other']} sync responses were neither an accepted mark nor a duplicate")
            goal = 0.30 if label == "sqlite" else 0.15
            ok = not sync["other"]
            if label == "sqlite":
                seconds = backlog_seconds(base, layout)
                accepted["backlog"] = (CELLS, BACKLOG - CELLS)
                print(f"backlog of 500 marks from one tablet: {seconds:.3f} s")
        problems = verify_stored(env, accepted)
        for problem in problems:
            print(f"WARNING: {problem}")
        ok = ok and not problems
        lines.append(bench_line(f"mark_sync_{label}", sync["rps"] / bare["rps"] if ok else 0.0, ">=", goal))
        if label == "sqlite":
            lines.append(bench_line("backlog_500", seconds if not problems else float("inf"), "<", 1))
    return lines


def main() -> None:
    lines = run("sqlite", None)
    pg = postgres_url(os.environ.get("SAIPING_BENCH_PG_SCHEMA", "saiping_bench"))
    if pg:
        lines += run("postgres", pg)
    else:
        print("PostgreSQL leg skipped: set SAIPING_BENCH_POSTGRES_URL to run it")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
