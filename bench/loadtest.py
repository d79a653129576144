"""Venue-day load test: many marking tablets, a faulty network and a server killed twice; nothing acknowledged lost.

    .venv/bin/python bench/loadtest.py --database sqlite --tablets 300 --seconds 180 --kills 2
    make loadtest                         (both databases when SAIPING_TEST_POSTGRES_URL is set)

1. A fresh database (a SQLite file in a temporary folder, or the PostgreSQL schema ``--schema`` of
   SAIPING_BENCH_POSTGRES_URL / SAIPING_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test),
   migrated; a venue: one event in marking, a skill per panel of judges, published schemes, contestants.
2. gunicorn (``--workers`` × ``--threads``, gthread) and the scheduler process on loopback.
3. ``--tablets`` simulated tablets (``bench/_tablets.py``) sign in through ``POST /api/v1/auth/token`` and
   mark for ``--seconds``, each through the fault injector (drops requests, drops responses after the server
   processed them, delays, sends copies later). ``--kills`` times, evenly spread, the whole gunicorn
   process group gets SIGKILL and is started again.
4. The judges stop; every tablet sends what it still holds (``--drain`` seconds at most); the copies still
   on the wire land; gunicorn stops gracefully.
5. Checks, against the database: every mark a tablet saw acknowledged (accepted or duplicate) was stored
   with its value; each cell holds the last mark its tablet made (a later stale copy must not overwrite an
   acknowledged change); no mark is stored twice (two rows, or written again by a late retry or copy after
   its cell changed: a history row nobody made) or without a tablet having made it; no refused mark is
   stored; no valid mark was refused and no conflict reported (the tablets never reuse an id); every queue
   drained; the audit chain verifies.

Prints the figures and ends with
``LOADTEST <database> sent=<n> acked=<n> stored=<n> lost=<n> duplicated=<n> kills=<n>``;
exits 1 when any check fails."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import PYTHON_BIN, ROOT, free_port, postgres_url
from bench._loadtest_venue import PASSWORD, build_venue
from bench._tablets import FaultRates, FaultyNetwork, Pace, QueuedMark, Tablet, http

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
# The load test's own instance settings: 300 tablets sign in from one loopback address within seconds,
# which the per-address sign-in limit would rightly refuse; request logs would only cost CPU.
INSTANCE_CONFIG = 'SAIPING_LOGIN_LIMIT = "100000 per minute"\nSAIPING_QUIET_REQUESTS = True\n'


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"),
                        default=os.environ.get("SAIPING_TEST_DATABASE", "sqlite"))
    parser.add_argument("--schema", default="saiping_load", help="PostgreSQL schema (dropped and recreated)")
    parser.add_argument("--tablets", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=180, help="marking time")
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs of the whole gunicorn process group")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--judges-per-panel", type=int, default=5)
    parser.add_argument("--contestants", type=int, default=30, help="contestants per skill")
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean seconds between a judge's marks (a real judge takes 10–30 s)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds before a tablet gives a request up (a reverse proxy's usual read timeout; "
                             "the tablet page itself waits as long as the connection lives)")
    parser.add_argument("--down", type=float, default=1.0, help="seconds the server stays dead after a kill")
    parser.add_argument("--drain", type=float, default=120.0, help="seconds allowed to empty the queues")
    parser.add_argument("--fault-scale", type=float, default=1.0,
                        help="multiplies every fault rate (default: 3%% of requests dropped, 3%% of responses "
                             "dropped, 5%% delayed, 3%% sent twice); 0 is a perfect network (kills still happen)")
    parser.add_argument("--correct-now", type=float, default=Pace.correct_now,
                        help="share of marks the judge changes at once (a slip of the finger)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and schema")
    return parser.parse_args(argv)


# --- the database and the processes --------------------------------------------------------------------

def database_url(args: argparse.Namespace, folder: Path) -> str:
    if args.database == "sqlite":
        return f"sqlite:///{folder / 'loadtest.db'}"
    if not (os.environ.get("SAIPING_BENCH_POSTGRES_URL") or os.environ.get("SAIPING_TEST_POSTGRES_URL")):
        os.environ["SAIPING_TEST_POSTGRES_URL"] = DEFAULT_POSTGRES_URL
    return postgres_url(args.schema)


def drop_schema(schema: str) -> None:
    import psycopg
    url = os.environ.get("SAIPING_BENCH_POSTGRES_URL") or os.environ["SAIPING_TEST_POSTGRES_URL"]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def make_app(env: dict):
    os.environ.update(env)
    from competition import create_app
    return create_app()


class Server:
    """gunicorn in a process group of its own, so that one killpg takes the master and every worker."""

    def __init__(self, env: dict, port: int, args: argparse.Namespace, log: Path) -> None:
        self.env, self.port, self.args, self.log_path = env, port, args, log
        self.process: subprocess.Popen | None = None
        self.starts = 0

    async def start(self) -> float:
        """Start and wait until it answers /livez; returns the seconds that took."""
        started = time.monotonic()
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [str(PYTHON_BIN / "gunicorn"), "--workers", str(self.args.workers), "--threads",
                 str(self.args.threads), "--worker-class", "gthread", "--bind", f"127.0.0.1:{self.port}",
                 "--backlog", "2048", "--graceful-timeout", "30", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        self.starts += 1
        while time.monotonic() - started < 90:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_path.read_text()[-3000:])
            try:
                status, _ = await http(self.port, "GET", "/livez", timeout=2)
                if status == 200:
                    return time.monotonic() - started
            except (OSError, TimeoutError):
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("gunicorn did not answer /livez:\n" + self.log_path.read_text()[-3000:])

    def kill(self) -> None:
        """SIGKILL to the master and all its workers at once, as a power cut or the OOM killer would."""
        group = self.process.pid
        os.killpg(group, signal.SIGKILL)
        self.process.wait()
        for _ in range(100):  # the workers are gone too before anything starts again
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise RuntimeError("gunicorn workers survived SIGKILL")

    def stop(self) -> None:
        """Graceful stop: requests being served finish (stale copies included) before the checks."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@dataclass
class Kill:
    at: float            # seconds into the marking
    in_flight: int       # sync requests on the wire when it happened
    down: float = 0.0    # seconds until /livez answered again


@dataclass
class RunResult:
    tablets: list[Tablet]
    network: FaultyNetwork
    kills: list[Kill]
    drain_seconds: float
    drained: bool
    scheduler_alive: bool


async def play(args: argparse.Namespace, plans: list[dict], env: dict, folder: Path) -> RunResult:
    port = free_port()
    server = Server(env, port, args, folder / "gunicorn.log")
    await server.start()
    with open(folder / "scheduler.log", "w") as log:
        scheduler = subprocess.Popen([str(PYTHON_BIN / "flask"), "--app", "wsgi", "scheduler"], cwd=ROOT, env=env,
                                     stdout=log, stderr=log, start_new_session=True)
    try:
        network = FaultyNetwork(port, FaultRates().scaled(args.fault_scale), timeout=args.timeout, seed=args.seed)
        pace = Pace(think=args.think, correct_now=args.correct_now)
        tablets = [Tablet(plan, network, pace, seed=args.seed * 100_003 + i) for i, plan in enumerate(plans)]
        gate = asyncio.Semaphore(20)

        async def sign_in(tablet: Tablet) -> None:
            async with gate:
                await tablet.sign_in(port, PASSWORD)
        await asyncio.gather(*(sign_in(t) for t in tablets))
        print(f"{len(tablets)} tablets signed in; marking for {args.seconds:g} s", flush=True)

        loop = asyncio.get_running_loop()
        begin = loop.time()
        until = begin + args.seconds
        judges = [asyncio.create_task(t.judge(until)) for t in tablets]
        senders = [asyncio.create_task(t.send()) for t in tablets]
        kills: list[Kill] = []
        for i in range(args.kills):
            await asyncio.sleep(max(0.0, begin + args.seconds * (i + 1) / (args.kills + 1) - loop.time()))
            for _ in range(300):  # kill while the server is serving someone, if anyone comes within 3 s
                if network.in_flight:
                    break
                await asyncio.sleep(0.01)
            kill = Kill(round(loop.time() - begin, 1), network.in_flight)
            server.kill()
            await asyncio.sleep(args.down)
            kill.down = round(args.down + await server.start(), 1)
            kills.append(kill)
            print(f"SIGKILL {i + 1} at {kill.at} s with {kill.in_flight} sync requests in flight; "
                  f"serving again after {kill.down} s", flush=True)
        await asyncio.gather(*judges)
        drain_start = loop.time()
        _done, unfinished = await asyncio.wait(senders, timeout=args.drain)
        drain_seconds = loop.time() - drain_start
        for task in unfinished:
            task.cancel()
        await network.settle()
        for task in senders:
            if task.done() and not task.cancelled() and task.exception():
                raise task.exception()
        return RunResult(tablets, network, kills, drain_seconds, not unfinished, scheduler.poll() is None)
    finally:
        server.stop()
        if scheduler.poll() is None:
            os.killpg(scheduler.pid, signal.SIGTERM)
            scheduler.wait(timeout=30)


# --- the checks ----------------------------------------------------------------------------------------

@dataclass
class Verdict:
    made: int = 0
    sent: int = 0
    transmissions: int = 0
    acked: int = 0
    accepted: int = 0
    duplicate_answers: int = 0
    refused_expected: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    reapplied: int = 0
    refused_stored: int = 0
    refused_unexpected: int = 0
    invalid_accepted: int = 0
    conflicts: int = 0
    pending: int = 0
    revisions: int = 0
    audit_rows: int = 0
    chain_problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        checks = {"lost": self.lost, "duplicated": self.duplicated, "refused marks stored": self.refused_stored,
                  "valid marks refused": self.refused_unexpected, "invalid marks accepted": self.invalid_accepted,
                  "conflicts": self.conflicts, "marks left in queues": self.pending,
                  "audit chain problems": len(self.chain_problems)}
        return [f"{name}={count}" for name, count in checks.items() if count]


def same(a: object, b: object) -> bool:
    return a is not None and b is not None and Decimal(str(a)) == Decimal(str(b))


def check(app, tablets: list[Tablet], network: FaultyNetwork) -> Verdict:
    """Compare what every tablet saw with what the database holds (see the module's docstring)."""
    from sqlalchemy import func, select

    from competition.extensions import db
    from competition.models import AuditLog, Mark, MarkConflict, MarkRevision
    from competition.services.audit import verify_chain

    v = Verdict()
    mine: dict[str, tuple[Tablet, QueuedMark]] = {}
    for tablet in tablets:
        for mark in tablet.queue:
            mine[mark.client_id] = (tablet, mark)
    with app.app_context():
        rows = db.session.execute(select(Mark.client_id, Mark.entry_id, Mark.aspect_id, Mark.judge_person_id,
                                         Mark.value)).all()
        applied: dict[str, list[tuple[str, str]]] = defaultdict(list)  # client id → (action, value)
        for action, object_id, after in db.session.execute(select(
                AuditLog.action, AuditLog.object_id, AuditLog.after).where(
                AuditLog.action.in_(("mark.create", "mark.rescore", "mark.conflict")))):
            if action == "mark.conflict":
                continue  # counted from the mark_conflict rows
            applied[(after or {}).get("client_id") or object_id].append((action, (after or {}).get("value")))
        v.conflicts = db.session.scalar(select(func.count()).select_from(MarkConflict))
        v.revisions = db.session.scalar(select(func.count()).select_from(MarkRevision))
        v.audit_rows = db.session.scalar(select(func.count()).select_from(AuditLog))
        v.chain_problems = [f"seq {p.seq}: {p.problem}" for p in verify_chain()]
        db.session.remove()

    by_cell: dict[tuple[int, int, int], list] = defaultdict(list)
    by_id: Counter[str] = Counter()
    for row in rows:
        by_cell[(row.judge_person_id, row.entry_id, row.aspect_id)].append(row)
        by_id[row.client_id] += 1
    v.stored = len(rows)
    duplicated = [f"cell {cell} stored {len(found)} times" for cell, found in by_cell.items() if len(found) > 1]
    duplicated += [f"client id {cid} on {n} rows" for cid, n in by_id.items() if n > 1]
    duplicated += [f"row {row.client_id} made by no tablet" for row in rows if row.client_id not in mine]
    # A mark the server had already stored, stored again (a re-score to its own value after a later change:
    # a history row the judge never made, and the cell briefly or finally back at the older value).
    reapplied = [f"{mine[cid][0].name}: mark #{mine[cid][1].seq} {mine[cid][1].value} ({cid}) stored "
                 f"{len(history)} times: {', '.join(action for action, _ in history)}"
                 for cid, history in applied.items() if len(history) > 1 and cid in mine]
    v.reapplied = len(reapplied)
    duplicated += reapplied
    v.duplicated = len(duplicated)
    v.details += duplicated[:5]

    lost: dict[str, str] = {}
    last_of_cell: dict[tuple[int, int, int], QueuedMark] = {}
    for tablet in tablets:
        for mark in tablet.queue:
            v.made += 1
            v.sent += mark.attempts > 0
            v.transmissions += mark.attempts
            v.pending += mark.status == "pending"
            if mark.status == "synced":
                v.acked += 1
                v.accepted += mark.answer == "accepted"
                v.duplicate_answers += mark.answer == "duplicate"
                v.invalid_accepted += not mark.valid
                if not any(same(value, mark.value) for _action, value in applied.get(mark.client_id, [])):
                    lost[mark.client_id] = f"{tablet.name}: acknowledged mark {mark.client_id} ({mark.value}) " \
                                           "never reached the database"
            elif mark.status == "refused":
                if mark.valid:
                    v.refused_unexpected += 1
                    v.details.append(f"{tablet.name}: valid mark {mark.value} refused ({mark.code})")
                else:
                    v.refused_expected += 1
                if by_id.get(mark.client_id) or mark.client_id in applied:
                    v.refused_stored += 1
            if mark.valid:
                key = (tablet.plan["person_id"], mark.entry_id, mark.aspect_id)
                if key not in last_of_cell or mark.seq > last_of_cell[key].seq:
                    last_of_cell[key] = mark
    for key, mark in last_of_cell.items():
        if mark.status != "synced":
            continue
        found = by_cell.get(key, [])
        if not any(row.client_id == mark.client_id and same(row.value, mark.value) for row in found):
            tablet = mine[mark.client_id][0]
            stored = found[0] if found else None
            older = mine.get(stored.client_id, (None, None))[1] if stored else None
            if stored is None:
                how = "nothing stored"
            elif older and older.seq < mark.seq:
                late = [why for why, ids in (("an injected copy", network.copied_ids),
                                             ("a request the tablet had timed out on", network.timed_out_ids))
                        if stored.client_id in ids]
                how = (f"stored {stored.value} from the same tablet's earlier mark #{older.seq} "
                       f"({stored.client_id}), re-applied by {' or '.join(late) or 'a late request'} "
                       "after the change was acknowledged")
            else:
                how = f"stored {stored.value} ({stored.client_id})"
            lost[mark.client_id] = (f"{tablet.name} entry {mark.entry_id} aspect {mark.aspect_id}: last mark "
                                    f"#{mark.seq} {mark.value} ({mark.client_id}) acknowledged, but {how}")
    v.lost = len(lost)
    v.details += list(lost.values())[:10]
    return v


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(args: argparse.Namespace, run: RunResult, v: Verdict) -> None:
    stats = run.network.stats
    print(f"\n=== load test: {args.database}, {len(run.tablets)} tablets, {args.seconds:g} s marking, "
          f"{args.workers} gunicorn workers × {args.threads} threads")
    print(f"network faults: {stats.dropped_requests} requests dropped, {stats.dropped_responses} responses "
          f"dropped after processing, {stats.delayed} delayed, {stats.duplicated} sent twice")
    print(f"sync requests: {stats.requests} reached the wire, {stats.ok} answered 200; "
          f"{stats.connection_errors} connection errors, {stats.timeouts} timeouts, "
          f"other answers {dict(sorted(stats.http_errors.items())) or 'none'}")
    print(f"server kills: {len(run.kills)} " + "; ".join(
        f"at {k.at} s ({k.in_flight} requests in flight, down {k.down} s)" for k in run.kills))
    print(f"marks: {v.made} made, {v.sent} sent ({v.transmissions} transmissions with retries), "
          f"{v.acked} acknowledged ({v.accepted} accepted, {v.duplicate_answers} duplicate), "
          f"{v.refused_expected} refused as out of range (expected)")
    print(f"database: {v.stored} marks stored, {v.revisions} history rows, {v.audit_rows} audit rows; "
          f"lost {v.lost}, duplicated {v.duplicated} (of which {v.reapplied} marks stored again by a retry or "
          f"copy after their cell had changed), refused but stored {v.refused_stored}, "
          f"valid but refused {v.refused_unexpected}, conflicts {v.conflicts}")
    print(f"queues: {'drained' if run.drained else 'NOT drained'} in {run.drain_seconds:.1f} s after the "
          f"judges stopped, {v.pending} marks left; scheduler {'ran throughout' if run.scheduler_alive else 'DIED'}")
    lat = stats.latencies
    ack = [m.acked_at - m.made_at for t in run.tablets for m in t.queue if m.acked_at is not None]
    print(f"latency: sync request p50 {percentile(lat, 0.5) * 1000:.0f} ms, p99 {percentile(lat, 0.99) * 1000:.0f} ms; "
          f"mark made → acknowledged p50 {percentile(ack, 0.5) * 1000:.0f} ms, p99 {percentile(ack, 0.99) * 1000:.0f} ms")
    print("audit chain: " + ("verifies" if not v.chain_problems else "BROKEN: " + "; ".join(v.chain_problems[:5])))
    for line in v.details[:20]:
        print("  " + line)
    failures = v.failures() + ([] if run.scheduler_alive else ["scheduler died"])
    if failures:
        print("FAILED: " + ", ".join(failures))
    print(f"LOADTEST {args.database} sent={v.sent} acked={v.acked} stored={v.stored} lost={v.lost} "
          f"duplicated={v.duplicated} kills={len(run.kills)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="saiping-loadtest-"))
    (folder / "config.py").write_text(INSTANCE_CONFIG)
    url = database_url(args, folder)
    env = dict(os.environ, SAIPING_INSTANCE_PATH=str(folder), SAIPING_SECRET_KEY="loadtest",
               SAIPING_DATABASE_URL=url)
    try:
        started = time.monotonic()
        app = make_app(env)
        import flask_migrate
        with app.app_context(), contextlib.redirect_stderr(io.StringIO()):  # alembic's progress lines
            flask_migrate.upgrade()
        with app.test_request_context():
            plans = [p.as_json() for p in build_venue(tablets=args.tablets, judges_per_panel=args.judges_per_panel,
                                                       contestants=args.contestants)]
        from competition.extensions import db
        with app.app_context():
            db.engine.dispose()
        print(f"venue built in {time.monotonic() - started:.1f} s: {len(plans)} judges on "
              f"{len({p['skill_id'] for p in plans})} skills, {args.contestants} contestants each", flush=True)
        run = asyncio.run(play(args, plans, env, folder))
        verdict = check(app, run.tablets, run.network)
        report(args, run, verdict)
        failed = bool(verdict.failures()) or not run.scheduler_alive or len(run.kills) != args.kills
        if failed:
            print(f"(logs kept in {folder})")
            args.keep = True
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
            if args.database == "postgres":
                drop_schema(args.schema)


if __name__ == "__main__":
    sys.exit(main())
