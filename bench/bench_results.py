"""Benchmark: recomputing a WorldSkills-scale event's results against merely fetching its marks.

The event: 1,400 contestants in 60 skills, 100 aspects each (70 measurement marked once, 30 judgement
marked by 3 judges): 224,000 mark rows, inserted with Core bulk inserts. For each database (SQLite;
PostgreSQL when SAIPING_BENCH_POSTGRES_URL or SAIPING_TEST_POSTGRES_URL is set), in the same run:
  1. fetch: every mark row of the event (entry, aspect, judge, value) in one query;
  2. recompute: ``results.compute`` for every skill (totals, standardisation, ranks, awards, stored, audited)
     and the commit;
each repeated (the first recompute inserts the results, the later ones update them in place); the ratio of
the medians is printed as `BENCH results_recompute_sqlite …` and `BENCH results_recompute_postgres …`
(goal <= 2)."""
from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import bench_line, instance, postgres_url

SKILLS, CONTESTANTS, MEASUREMENT, JUDGEMENT, JUDGES = 60, 1400, 70, 30, 3
ROUNDS = int(os.environ.get("SAIPING_BENCH_ROUNDS", "5"))
CHUNK = 20_000


def seed(db, event_id: int) -> list[int]:
    """Skills, schemes, people, entries, panels and marks of the event, by Core bulk inserts."""
    from sqlalchemy import insert, select

    from competition.models import (
        Aspect,
        Criterion,
        Entry,
        EntryMember,
        JudgeAssignment,
        Mark,
        MarkingScheme,
        Person,
        Skill,
    )
    rng = random.Random(48)
    now = datetime.now(UTC)
    db.session.execute(insert(Skill), [
        {"event_id": event_id, "code": f"S{s:02d}", "name": f"赛项{s}", "occupation_code": "6-31-01-03",
         "occupation_name": "电工", "level_grade_code": "senior", "settings": {}, "created_at": now,
         "results_status": "none", "team_size": 1, "theory_weight": 0, "practical_weight": 100}
        for s in range(SKILLS)])
    skill_ids = list(db.session.scalars(select(Skill.id).where(Skill.event_id == event_id).order_by(Skill.id)))
    db.session.execute(insert(MarkingScheme), [{"skill_id": s, "version": 1, "status": "published",
                                                "total": Decimal(100), "created_at": now} for s in skill_ids])
    schemes = dict(db.session.execute(select(MarkingScheme.skill_id, MarkingScheme.id)).all())
    db.session.execute(insert(Criterion), [{"scheme_id": schemes[s], "code": c, "name": f"模块{c}"}
                                           for s in skill_ids for c in "ABCDE"])
    criteria = {(s, c): i for s, c, i in db.session.execute(
        select(MarkingScheme.skill_id, Criterion.code, Criterion.id).join(MarkingScheme))}
    aspects = []
    for s in skill_ids:
        for a in range(MEASUREMENT + JUDGEMENT):
            judgement = a >= MEASUREMENT
            aspects.append({"criterion_id": criteria[(s, "ABCDE"[a % 5])], "code": f"{'ABCDE'[a % 5]}{a:03d}",
                            "description": f"aspect {a}", "kind": "judgement" if judgement else "measurement",
                            "method": None if judgement else "yes_no", "max_mark": Decimal(1),
                            "descriptors": ["0", "1", "2", "3"] if judgement else [], "bands": []})
    db.session.execute(insert(Aspect), aspects)
    aspect_rows = db.session.execute(select(MarkingScheme.skill_id, Aspect.id, Aspect.kind).join(
        Criterion, Aspect.criterion_id == Criterion.id).join(MarkingScheme, Criterion.scheme_id == MarkingScheme.id))
    by_skill: dict[int, list[tuple[int, str]]] = {}
    for s, a, kind in aspect_rows:
        by_skill.setdefault(s, []).append((a, kind))
    people = [{"name": f"选手{p}", "id_type": "passport", "id_number": f"C{p:06d}", "nationality": "TH",
               "created_at": now} for p in range(CONTESTANTS)]
    people += [{"name": f"裁判{j}", "id_type": "passport", "id_number": f"J{j:06d}", "nationality": "TH",
                "created_at": now} for j in range(SKILLS * JUDGES)]
    db.session.execute(insert(Person), people)
    person_ids = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    contestants, judges = person_ids[:CONTESTANTS], person_ids[CONTESTANTS:]
    entries = []
    for p in range(len(contestants)):
        s = skill_ids[p % SKILLS]
        entries.append({"skill_id": s, "status": "approved", "competitor_number": f"{p // SKILLS + 1:03d}",
                        "created_at": now})
    db.session.execute(insert(Entry), entries)
    entry_rows = db.session.execute(select(Entry.id, Entry.skill_id).order_by(Entry.id)).all()
    db.session.execute(insert(EntryMember), [{"entry_id": e, "skill_id": s, "person_id": contestants[i]}
                                             for i, (e, s) in enumerate(entry_rows)])
    db.session.execute(insert(JudgeAssignment), [
        {"skill_id": s, "person_id": judges[i * JUDGES + j], "role": "scorer", "created_at": now}
        for i, s in enumerate(skill_ids) for j in range(JUDGES)])
    panel = {s: judges[i * JUDGES:(i + 1) * JUDGES] for i, s in enumerate(skill_ids)}
    marks, n = [], 0
    for entry_id, s in entry_rows:
        for aspect_id, kind in by_skill[s]:
            markers = panel[s] if kind == "judgement" else panel[s][:1]
            for judge in markers:
                value = Decimal(rng.randint(0, 3)) if kind == "judgement" else Decimal(rng.randint(0, 1))
                n += 1
                marks.append({"client_id": f"m{n}", "aspect_id": aspect_id, "entry_id": entry_id,
                              "judge_person_id": judge, "value": value, "recorded_at": now})
                if len(marks) == CHUNK:
                    db.session.execute(insert(Mark), marks)
                    marks = []
    if marks:
        db.session.execute(insert(Mark), marks)
    db.session.commit()
    with db.engine.connect() as connection:  # the statistics a live database keeps (autovacuum, analyze)
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return skill_ids


def run(env: dict, name: str) -> str:
    os.environ.update(env)
    from sqlalchemy import func, select

    from competition import create_app
    from competition.extensions import db
    from competition.models import Entry, Mark, Skill
    from competition.services import events, results
    app = create_app({"SAIPING_QUIET_REQUESTS": True})
    with app.test_request_context():
        event = events.create_event(code="bench-ws", name="世赛规模基准", kind="worldskills_selection",
                                    tier="national_1", year=2026)
        db.session.commit()
        event_id = event.id
        started = time.perf_counter()
        skill_ids = seed(db, event_id)
        rows = db.session.scalar(select(func.count()).select_from(Mark))
        print(f"{name}: seeded {rows} marks in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        fetches, recomputes = [], []
        for _round in range(ROUNDS):
            db.session.expunge_all()
            started = time.perf_counter()
            mark, entry, skill_table = Mark.__table__.c, Entry.__table__.c, Skill.__table__.c
            fetched = db.session.execute(
                select(mark.entry_id, mark.aspect_id, mark.judge_person_id, mark.value)
                .join(Entry.__table__, mark.entry_id == entry.id).join(Skill.__table__, entry.skill_id == skill_table.id)
                .where(skill_table.event_id == event_id)).all()
            fetches.append(time.perf_counter() - started)
            assert len(fetched) == rows
            db.session.commit()
            db.session.expunge_all()
            started = time.perf_counter()
            stored = 0
            for skill in db.session.scalars(select(Skill).where(Skill.id.in_(skill_ids)).order_by(Skill.id)):
                stored += results.compute(skill)
            db.session.commit()
            recomputes.append(time.perf_counter() - started)
            assert stored == CONTESTANTS
        fetch, recompute = statistics.median(fetches), statistics.median(recomputes)
        print(f"{name}: fetch {', '.join(f'{t * 1000:.0f}' for t in fetches)} ms; recompute "
              f"{', '.join(f'{t * 1000:.0f}' for t in recomputes)} ms", file=sys.stderr)
        db.session.remove()
        db.engine.dispose()
    return bench_line(f"results_recompute_{name}", recompute / fetch, "<=", 2)


def main() -> None:
    with instance() as env:
        print(run(env, "sqlite"), flush=True)
    url = postgres_url("saiping_results_bench")
    if url is None:
        print("BENCH results_recompute_postgres skipped: no PostgreSQL URL", flush=True)
        return
    with instance(url) as env:
        print(run(env, "postgres"), flush=True)


if __name__ == "__main__":
    main()
