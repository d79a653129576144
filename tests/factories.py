"""Test data, built through the services (as real use builds it). One place for every factory."""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from competition.extensions import db
from competition.models import AspectKind, EventKind, JudgeRole, Organisation, OrgKind, Person, Role, Tier
from competition.rules.identity import resident_id_check_char
from competition.services import accounts, entries, events, judging, marking, publication, results

PASSWORD = "saiping2026"
DESCRIPTORS = ["below standard", "meets standard", "exceeds in places", "excellent"]


def id_number(birth: date = date(1998, 5, 17), sequence: int = 123, region: str = "500107") -> str:
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + resident_id_check_char(body)


def organisation(name: str = "重庆渝江机械制造有限公司", kind: str = OrgKind.ENTERPRISE, **extra) -> Organisation:
    org = Organisation(name=name, kind=kind, **extra)
    db.session.add(org)
    db.session.flush()
    return org


def evaluation_body() -> Organisation:
    return organisation("重庆市渝才职业技能评价中心", OrgKind.EVALUATION_BODY, body_kind="S", body_code="0000",
                        province_code="50", site_code="123456")


def user(username: str, *roles: tuple, person=None):
    return accounts.create_user(username, PASSWORD, username, person=person, roles=tuple(roles))


def organiser(username: str = "organiser", event_id: int | None = None):
    return user(username, (Role.ORGANISER, event_id, None))


def contestant(username: str = "contestant", name: str = "张三丰", sequence: int = 123, org=None,
               birth: date = date(1998, 5, 17)):
    return entries.register_contestant(username=username, password=PASSWORD, name=name, id_type="resident_id",
                                       id_number=id_number(birth, sequence=sequence),
                                       organisation_id=org.id if org else None)


def judge(username: str = "judge", name: str = "陈建国", sequence: int = 311):
    person = entries.find_or_create_person(name=name, id_type="resident_id",
                                           id_number=id_number(date(1975, 3, 9), sequence))
    return user(username, (Role.JUDGE, None, None), person=person)


def event(code: str = "bayu-test", kind: str = EventKind.BAYU_CUP, **fields):
    values = {"name": "测试赛", "name_en": "Test competition", "tier": Tier.PROVINCIAL_1, "year": 2026} | fields
    return events.create_event(code=code, kind=kind, **values)


def skill_with_scheme(ev, code: str = "B01"):
    """A skill with a published two-aspect scheme: A1 measurement (60), A2 judgement (40)."""
    skill = events.add_skill(ev, code=code, name="电工", name_en="Electrician", occupation_code="6-31-01-03",
                             occupation_name="电工", level_grade_code="senior")
    events.add_aspect(skill, criterion_code="A", criterion_name="安装", code="A1", description="接线正确",
                      kind=AspectKind.MEASUREMENT, max_mark=Decimal(60))
    events.add_aspect(skill, criterion_code="A", criterion_name="安装", code="A2", description="布线工艺",
                      kind=AspectKind.JUDGEMENT, max_mark=Decimal(40), descriptors=DESCRIPTORS)
    events.publish_scheme(skill)
    return skill


def assign(skill, judge_user, role: str = JudgeRole.SCORER):
    return judging.assign_judge(skill, judge_user.person, role)


def open_marking(ev):
    """Move an event on from registration to marking (marks are accepted only then)."""
    for status in ("registration_closed", "competition", "marking"):
        if ev.status != "marking":
            events.change_status(ev, status)
    return ev


def marked_skill(judges: int = 1, contestants: int = 1):
    """An event in marking with ``contestants`` approved entries (numbers 001, 002 …), ``judges`` scorers and a
    chief judge. Returns (skill, first entry, [scorer users], chief user)."""
    ev = event()
    skill = skill_with_scheme(ev)
    scorers = [judge(f"judge{i + 1}", f"裁判{i + 1}", 311 + 2 * i) for i in range(judges)]
    chief = judge("chief", "陈裁判长", 399)
    for scorer in scorers:
        assign(skill, scorer)
    assign(skill, chief, JudgeRole.CHIEF)
    events.change_status(ev, "registration_open")
    approved = []
    for i in range(contestants):
        user_ = contestant() if i == 0 else contestant(f"contestant{i + 1}", f"选手{i + 1}", 123 + 2 * i)
        entry = entries.enter_skill(user_, skill)
        db.session.flush()
        entries.decide_entry(entry, True)
        approved.append(entry)
    open_marking(ev)
    return skill, approved[0], scorers, chief


# --- evaluation (issue #7) -------------------------------------------------------------------------

def officer(body, username: str = "officer"):
    """An evaluation officer of ``body``."""
    return user(username, (Role.EVALUATION_OFFICER, None, body.id))


def person(name: str = "张三丰", sequence: int = 123, birth: date = date(1990, 5, 17)):
    """A person with a valid resident ID (no account)."""
    return entries.find_or_create_person(name=name, id_type="resident_id", id_number=id_number(birth, sequence))


def published_result(skill, contestant_user, place: int, award: str | None = None):
    """A published result of ``contestant_user`` in ``skill``: the entry is made and approved through the
    services; the result row is stored as ``results.compute`` stores it (marks are the results side's tests)."""
    from datetime import UTC, datetime

    from competition.models import EventStatus, Result, ResultsStatus
    if skill.event.status == EventStatus.DRAFT:
        events.change_status(skill.event, EventStatus.REGISTRATION_OPEN)
    entry = entries.enter_skill(contestant_user, skill)
    db.session.flush()
    entries.decide_entry(entry, True)
    result = Result(skill_id=skill.id, entry_id=entry.id, practical=Decimal(90) - place, total=Decimal(90) - place,
                    place=place, award=award)
    db.session.add(result)
    skill.results_status = ResultsStatus.PUBLISHED
    skill.results_published_at = datetime.now(UTC)
    db.session.flush()
    return result


# --- judges: the pool, entries with facts, an event to judge (issue 4) -----------------------------------

def pool_judge(name: str, sequence: int, *, level: str = "national", occupations: tuple[str, ...] = ("6-31-01-03",),
               chair: bool = True, org=None, district: str | None = None, max_panels: int = 2,
               username: str | None = None, passport: str | None = None, nationality: str | None = None):
    """A person with a judge pool record (and an account with the judge role when ``username`` is given).
    ``passport``/``nationality`` make a foreign judge; otherwise a resident ID born 1970-01-01."""
    if passport:
        person = entries.find_or_create_person(name=name, id_type="passport", id_number=passport,
                                               nationality=nationality, name_latin=name,
                                               organisation_id=org.id if org else None)
    else:
        person = entries.find_or_create_person(name=name, id_type="resident_id",
                                               id_number=id_number(date(1970, 1, 1), sequence),
                                               organisation_id=org.id if org else None)
    if username:
        user(username, (Role.JUDGE, None, None), person=person)
    judging.save_profile(person, level=level, occupations=occupations, district=district, may_chair=chair,
                         max_panels=max_panels)
    return person


def entry(skill, username: str, name: str, sequence: int, *, org=None, district: str | None = None,
          approve: bool = True, birth: date = date(1998, 5, 17)):
    """A new contestant's entry in ``skill`` (its event open for registration), approved by default."""
    contestant_user = contestant(username, name, sequence, org, birth)
    contestant_user.person.district = district
    new = entries.enter_skill(contestant_user, skill)
    db.session.flush()
    if approve:
        entries.decide_entry(new, True)
    return new


def judged_event(code: str = "judges-test", kind: str = EventKind.BAYU_CUP, *, starts_on: date = date(2026, 10, 20),
                 ends_on: date = date(2026, 10, 21)):
    """An event open for registration, on two days, with one skill (电工, a judgement aspect: panels need 3
    scorers). Returns (event, skill)."""
    ev = event(code, kind, starts_on=starts_on, ends_on=ends_on)
    skill = skill_with_scheme(ev)
    events.change_status(ev, "registration_open")
    return ev, skill


# --- results: a marked, locked, computed (and published) skill (issue 6) -------------------------------------

def _accepted_mark(judge, entry, aspect_id, value):
    outcome = marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspect_id, "value": str(value),
                                            "client_id": str(uuid.uuid4())}])[0]
    assert outcome.status == "accepted", outcome


def scored_skill(contestants, *, kind=EventKind.BAYU_CUP, code="pub-test", publish=True, judge_districts=None,
                 settings=None, first_scores=None, conflicts=None):
    """An event of ``kind`` with skill B01 (A1 measurement /60, A2 judgement /40, three judges and a chief), one
    approved entry per (name, organisation, A1 mark, (A2 scores of judges 1-3)); marked, locked, computed and
    (unless ``publish`` is false) published, all through the services. ``settings``: event settings by section;
    ``conflicts``: the event's conflict settings; ``judge_districts``: judge index → the 区县 of their pool
    record; ``first_scores``: (contestant index, judge index) → a first A2 score, re-scored to the final one.
    Returns (skill, entries, judges, chief)."""
    ev = event(code, kind, name="第五届测试大赛", name_en="5th Test Championship")
    base = 2 * db.session.scalar(select(func.count()).select_from(Person))  # fresh ID numbers per build
    # Several contestants of one country may share a skill here (a setting; 一带一路 defaults to one).
    settings = {"registration": {"one_per_country": False}, **(settings or {})}
    for section, values in settings.items():
        events.update_settings(ev, section, values)
    if conflicts:
        judging.update_conflict_settings(ev, conflicts)
    skill = skill_with_scheme(ev)
    scorers = [judge(f"{code}-j{i + 1}", f"裁判{'甲乙丙'[i]}", 301 + base + 2 * i) for i in range(3)]
    for index, district in (judge_districts or {}).items():
        judging.save_profile(scorers[index].person, level="national", occupations=["6-31-01-03"], district=district)
    chief = judge(f"{code}-chief", "陈裁判长", 309 + base)
    for scorer in scorers:
        assign(skill, scorer)
    assign(skill, chief, JudgeRole.CHIEF)
    events.change_status(ev, "registration_open")
    # born in 2005: within the WorldSkills age rule (born in or after year − 22) as well as the Chinese one
    made = [entry(skill, f"{code}-c{i}", name, 101 + base + 2 * i, org=org, birth=date(2005, 5, 17))
            for i, (name, org, _a1, _a2) in enumerate(contestants)]
    open_marking(ev)
    aspects = {a.code: a.id for a in events.published_scheme(skill.id).aspects}
    for i, (marked, (_name, _org, a1, a2)) in enumerate(zip(made, contestants, strict=True)):
        _accepted_mark(scorers[0], marked, aspects["A1"], a1)
        for j, (scorer, score) in enumerate(zip(scorers, a2, strict=True)):
            first = (first_scores or {}).get((i, j))
            _accepted_mark(scorer, marked, aspects["A2"], score if first is None else first)
            if first is not None:
                _accepted_mark(scorer, marked, aspects["A2"], score)
    marking.lock_skill(chief, skill)
    results.compute(skill)
    if publish:
        publication.review(chief, skill)
        publication.publish(None, skill)
    db.session.commit()
    return skill, made, scorers, chief


# --- results: publication and appeals (issue 6) --------------------------------------------------------

def locked_skill(scores: list[tuple[str, int]], kind: str = EventKind.BAYU_CUP, lock: bool = True, org=None,
                 **event_fields):
    """A skill of a new event (kind ``kind``) with one approved entry per item of ``scores`` — (A1 mark of 60,
    A2 judgement score given by each of the 3 judges) — every mark recorded through the services and, with
    ``lock``, locked by the chief judge. Entries belong to ``org`` when given. Returns (skill, entries,
    scorers, chief)."""
    from competition.services import marking
    ev = event(code=f"{kind}-{len(scores)}", kind=kind, **event_fields)
    events.update_settings(ev, "registration", {"one_per_country": False})  # several Chinese contestants
    skill = skill_with_scheme(ev)
    scorers = [judge(f"judge{i + 1}", f"裁判{i + 1}", 311 + 2 * i) for i in range(3)]
    chief = judge("chief", "陈裁判长", 399)
    for scorer in scorers:
        assign(skill, scorer)
    assign(skill, chief, JudgeRole.CHIEF)
    events.change_status(ev, "registration_open")
    approved = []
    for i in range(len(scores)):
        # born in 2005: within the WorldSkills age rule as well as the Chinese one
        user_ = contestant(f"contestant{i + 1}" if i else "contestant", f"选手{i + 1}" if i else "张三丰", 123 + 2 * i,
                           org=org, birth=date(2005, 5, 17))
        entry = entries.enter_skill(user_, skill)
        db.session.flush()
        entries.decide_entry(entry, True)
        approved.append(entry)
    open_marking(ev)
    aspects = {a.code: a.id for a in events.published_scheme(skill.id).aspects}
    for number, (entry, (a1, a2)) in enumerate(zip(approved, scores, strict=True)):
        for index, scorer in enumerate(scorers):
            batch = [{"entry_id": entry.id, "aspect_id": aspects["A2"], "value": str(a2)}]
            if index == number % 3:  # one judge enters the measurement
                batch.append({"entry_id": entry.id, "aspect_id": aspects["A1"], "value": a1})
            outcomes = marking.record_marks(scorer, batch)
            assert {o.status for o in outcomes} == {"accepted"}, outcomes
    if lock:
        marking.lock_skill(chief, skill)
    db.session.flush()
    return skill, approved, scorers, chief


def record_jobs(monkeypatch) -> dict:
    """Replace the scheduler's ``schedule_once``/``cancel`` with a recorder: job id → (func, run_at, kwargs)."""
    from competition.services import jobs
    scheduled: dict = {}
    monkeypatch.setattr(jobs, "schedule_once", lambda job_id, func, run_at, kwargs=None: scheduled.__setitem__(
        job_id, (func, run_at, dict(kwargs or {}))))
    monkeypatch.setattr(jobs, "cancel", lambda job_id: scheduled.pop(job_id, None))
    return scheduled


# --- the scheduler process --------------------------------------------------------------------------------

def run_scheduler(app, seconds: float = 10.0, until=lambda: False) -> None:
    """A scheduler process as `flask scheduler` configures it (in a thread), stopped when ``until()`` holds."""
    import time

    from apscheduler.schedulers.background import BackgroundScheduler

    from competition import scheduler
    sched = scheduler.configure(app, BackgroundScheduler(timezone="UTC"))
    sched.remove_job("print-jobs")
    sched.add_job(lambda: None, "interval", seconds=0.2, id="wake")  # the print poll wakes it in production
    sched.start()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not until():
            time.sleep(0.1)
    finally:
        sched.shutdown(wait=True)
