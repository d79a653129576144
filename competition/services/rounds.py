"""世赛选拔 rounds chained (issue #6 item 2): a round names its previous round, starts from that round's
squad (the entries whose published result is "advanced"), and may carry the previous round's scores
(the skill's ``selection.carry_weight`` setting; the arithmetic is :func:`competition.rules.awards.carry_scores`).

Skills of two rounds match by skill code, or else by occupation code. People match by Person: an entry of the
previous round and one of this round are "the same" when they have the same set of members."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from competition.errors import N_, Invalid, StateConflict
from competition.extensions import db
from competition.models import (
    VISIBLE_RESULTS,
    Entry,
    EntryMember,
    EntryStatus,
    Event,
    EventKind,
    Person,
    Result,
    Skill,
    User,
)
from competition.rules import awards
from competition.services import audit
from competition.services.entries import _next_competitor_number

ADVANCED = awards.AwardCode.ADVANCED.value


def set_previous_round(event: Event, previous_id: int | None, actor: User | None = None) -> Event:
    """Name (or, with None, clear) the round ``event`` starts from: another 世赛选拔 event, not forming a cycle."""
    if previous_id is not None:
        if event.kind != EventKind.WORLDSKILLS_SELECTION:
            raise Invalid("rounds.kind", N_("Only a WorldSkills selection event can have a previous round."))
        previous = db.session.get(Event, previous_id)
        if previous is None or previous.kind != EventKind.WORLDSKILLS_SELECTION:
            raise Invalid("rounds.previous_kind",
                          N_("The previous round must be another WorldSkills selection event."))
        seen, step = {event.id}, previous
        while step is not None:  # walking back from the new previous round must never reach this event
            if step.id in seen:
                raise Invalid("rounds.cycle", N_("Rounds cannot form a cycle: %(name)s already comes after this "
                                                 "event."), name=previous.name)
            seen.add(step.id)
            step = step.previous_round
    before = {"previous_round_id": event.previous_round_id}
    if before["previous_round_id"] == previous_id:
        return event
    event.previous_round_id = previous_id
    db.session.flush()
    db.session.expire(event, ["previous_round"])
    audit.record("event.previous_round", event, actor=actor, before=before, after={"previous_round_id": previous_id})
    return event


def previous_skill(skill: Skill) -> Skill | None:
    """The skill of the previous round that ``skill`` continues: same skill code, else same occupation code."""
    previous = skill.event.previous_round
    if previous is None:
        return None
    by_code = [s for s in previous.skills if s.code == skill.code]
    if by_code:
        return by_code[0]
    by_occupation = [s for s in previous.skills if s.occupation_code == skill.occupation_code]
    return by_occupation[0] if len(by_occupation) == 1 else None


def entry_members(skill_id: int) -> dict[int, frozenset[int]]:
    """Entry id → its set of member person ids, for one skill."""
    out: dict[int, set[int]] = {}
    for entry_id, person_id in db.session.execute(select(EntryMember.entry_id, EntryMember.person_id)
                                                  .where(EntryMember.skill_id == skill_id)):
        out.setdefault(entry_id, set()).add(person_id)
    return {k: frozenset(v) for k, v in out.items()}


def previous_totals(skill: Skill) -> dict[frozenset[int], Decimal]:
    """The previous round's published (or final) result totals of ``skill``'s previous skill, by the set of
    member person ids. Refused when there is no previous skill or its results are not published."""
    before = _checked_previous(skill)
    members = entry_members(before.id)
    return {members[entry_id]: total for entry_id, total in db.session.execute(
        select(Result.entry_id, Result.total).where(Result.skill_id == before.id)) if entry_id in members}


def _checked_previous(skill: Skill) -> Skill:
    before = previous_skill(skill)
    if before is None:
        raise StateConflict("rounds.no_match", N_("The previous round has no skill matching %(skill)s (same skill "
                                                  "code or occupation code)."), skill=skill.code)
    if before.results_status not in VISIBLE_RESULTS:
        raise StateConflict("rounds.unpublished", N_("The previous round's results for %(skill)s are not "
                                                     "published yet."), skill=before.code)
    return before


def start_from_previous(organiser: User | None, event: Event) -> int:
    """Enter the previous round's squad in every skill of ``event``: each entry whose published result is
    "advanced", as an approved entry with the same person(s), organisation and team name. The registration
    window, quotas and age rule are not applied (the squad is fixed); a person is still entered once per skill.
    Idempotent (an entry already here with the same members is left as it is); all or nothing (any refusal
    is raised before anything is written). Returns how many entries were added."""
    if event.kind != EventKind.WORLDSKILLS_SELECTION or event.previous_round is None:
        raise StateConflict("rounds.no_previous", N_("This event does not name a previous round."))
    if not event.skills:
        raise StateConflict("rounds.no_skills", N_("This event has no skills yet."))
    plan: list[tuple[Skill, Entry]] = []
    for skill in event.skills:
        before = _checked_previous(skill)
        if before.team_size != skill.team_size:
            raise StateConflict("rounds.team_size", N_("%(skill)s: the team size differs from the previous round's."),
                                skill=skill.code)
        here = entry_members(skill.id)
        present = set(here.values())
        entered = {p for members in present for p in members}
        squad = db.session.scalars(select(Entry).join(Result, Result.entry_id == Entry.id).where(
            Result.skill_id == before.id, Result.award == ADVANCED).order_by(Result.place, Entry.id)).all()
        for entry in squad:
            members = frozenset(m.person_id for m in entry.members)
            if members in present:
                continue  # already started from the previous round (or entered the same way)
            if members & entered:
                name = db.session.get(Person, min(members & entered)).name
                raise StateConflict("rounds.member_entered", N_("%(name)s has already entered %(skill)s in another "
                                                                "entry."), name=name, skill=skill.code)
            plan.append((skill, entry))
    for skill, source in plan:
        entry = Entry(skill_id=skill.id, organisation_id=source.organisation_id, status=EntryStatus.APPROVED,
                      team_name=source.team_name if skill.team_size > 1 else None,
                      created_by_id=getattr(organiser, "id", None),
                      competitor_number=_next_competitor_number(skill.id))
        for member in source.members:
            entry.members.append(EntryMember(skill_id=skill.id, person_id=member.person_id))
        db.session.add(entry)
        db.session.flush()
        audit.record("entry.from_previous_round", entry, actor=organiser, after={
            "skill_id": skill.id, "person_ids": [m.person_id for m in source.members],
            "organisation_id": source.organisation_id, "team_name": entry.team_name,
            "previous_entry_id": source.id, "status": entry.status, "competitor_number": entry.competitor_number})
    return len(plan)

