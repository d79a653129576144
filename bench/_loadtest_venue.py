"""The load test's venue: one event in marking, a skill per panel of judges, a published scheme per skill
(the demo's electrician scheme: measurement and judgement aspects), approved contestants, and judges who
sign in with a password (the tablets fetch their own bearer tokens through the API).

Built through the services where they carry rules (event, skills, schemes, status, seats) and with plain
rows where they do not (contestants' people and entries), so 300 judges and 1,800 contestants take seconds."""
from __future__ import annotations

from dataclasses import asdict, dataclass

PASSWORD = "loadtest-password-1"
# A cheap hash for the load test's judges only: 300 sign-ins must not cost a minute of CPU before the run.
CHEAP_HASH_METHOD = "pbkdf2:sha256:1000"


@dataclass(frozen=True)
class AspectInfo:
    id: int
    code: str
    kind: str        # measurement | judgement
    max_mark: str    # decimal text


@dataclass(frozen=True)
class TabletPlan:
    """What one tablet knows before the day starts: its judge's login and its panel's sheet."""

    name: str
    username: str
    person_id: int
    skill_id: int
    entry_ids: list[int]
    aspects: list[AspectInfo]

    def as_json(self) -> dict:
        return asdict(self)


def build_venue(*, tablets: int, judges_per_panel: int, contestants: int) -> list[TabletPlan]:
    """Create the venue in the app context of the caller's app and commit. Returns one plan per tablet."""
    from werkzeug.security import generate_password_hash

    from competition.demo import ELECTRICIAN_SCHEME
    from competition.extensions import db
    from competition.models import (
        AspectKind,
        Entry,
        EntryMember,
        EntryStatus,
        EventKind,
        JudgeRole,
        Person,
        Role,
        RoleGrant,
        Tier,
        User,
    )
    from competition.models.judging import PanelSeat
    from competition.services import events, judging

    descriptors = ["低于行业标准", "达到行业标准", "达到并部分超过行业标准", "优秀，远超行业标准"]
    password_hash = generate_password_hash(PASSWORD, method=CHEAP_HASH_METHOD)
    event = events.create_event(code="loadtest", name="赛场压力测试", name_en="Venue-day load test",
                                kind=EventKind.WORLDSKILLS_SELECTION, tier=Tier.PROVINCIAL_1, year=2026)
    panels = -(-tablets // judges_per_panel)
    plans: list[TabletPlan] = []
    for p in range(panels):
        skill = events.add_skill(event, code=f"L{p:03d}", name=f"电工{p}", name_en=f"Electrician {p}",
                                 occupation_code="6-31-01-03", occupation_name="电工", level_grade_code="senior")
        for criterion, cname, code, text, kind, max_mark in ELECTRICIAN_SCHEME:
            events.add_aspect(skill, criterion_code=criterion, criterion_name=cname, code=code, description=text,
                              kind=kind, max_mark=max_mark,
                              descriptors=descriptors if kind == AspectKind.JUDGEMENT else None)
        scheme = events.publish_scheme(skill)
        aspects = [AspectInfo(a.id, a.code, str(a.kind), str(a.max_mark)) for a in scheme.aspects]
        entry_ids = []
        for c in range(contestants):
            person = Person(name=f"选手{p}-{c}", id_type="passport", id_number=f"LC{p:03d}{c:04d}", nationality="TH")
            entry = Entry(skill_id=skill.id, status=EntryStatus.APPROVED, competitor_number=f"{c + 1:03d}")
            entry.members.append(EntryMember(skill_id=skill.id, person=person))
            db.session.add(entry)
            db.session.flush()
            entry_ids.append(entry.id)
        panel = judging.lead_panel(skill, create=True)
        for j in range(min(judges_per_panel, tablets - len(plans))):
            person = Person(name=f"裁判{p}-{j}", id_type="passport", id_number=f"LJ{p:03d}{j:04d}", nationality="CN")
            user = User(username=f"lt-judge-{p}-{j}", password_hash=password_hash, display_name=person.name,
                        person=person)
            user.grants.append(RoleGrant(role=Role.JUDGE))
            db.session.add(user)
            db.session.flush()
            # Seated as plain rows, then the judging service derives the assignments: assign_judge checks the
            # whole event's seats on every call, which is quadratic and takes minutes for 300 judges.
            panel.seats.append(PanelSeat(person_id=person.id, role=JudgeRole.SCORER))
            plans.append(TabletPlan(f"tablet-{p:03d}-{j}", user.username, person.id, skill.id, entry_ids, aspects))
        judging._sync_assignments(skill)
    for status in ("registration_open", "registration_closed", "competition", "marking"):
        events.change_status(event, status)
    db.session.commit()
    return plans
