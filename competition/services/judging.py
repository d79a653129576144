"""Judges: the judge pool (裁判库), conflicts of interest (回避), panels, the automatic assignment and the
printed letters. Every state change is audited in the caller's transaction; the caller commits.

The rules are pure and live elsewhere: :mod:`competition.rules.conflicts` finds conflicts from facts,
:mod:`competition.rules.assignment` seats judges (OR-Tools CP-SAT) and checks any assignment. This module
loads the facts from the database, stores what the rules decide and says it in both languages.

Facts, as this module reads them from SaiPing's data (DOMAIN.md §4):

- employer or school: the person's organisation (``person.organisation_id``) and, for a contestant, the
  organisation the entry competes for; 区县 and national delegations (organisations of kind ``district``
  and ``country``) are not employers.
- 区县: a judge's is the one recorded in the pool (``judge_profile.district``), or their delegation's; a
  contestant's is the entry's 区县 delegation and each member's own ``person.district``.
- country: a contestant's is the entry's national delegation, and a passport holder's nationality; a
  judge's is their nationality (or their national delegation). Resident-ID holders entered by no
  national delegation have none, so a domestic WorldSkills selection has no same-country conflicts.
- teacher or coach: a judge who registered an entry (``entry.created_by``), or leads (领队 grant) the
  organisation it competes for, coaches its members; teacher and relative ties are also declared.
- declared: ties the judge declares from their own page (or an organiser records), by person or name.

A judge may not sit on the panel of a skill in which they compete themselves (``self``).

``judge_assignment`` (what scoring and permissions read) is derived from the seats: see
:func:`_sync_assignments`.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from competition.errors import N_, Invalid, StateConflict
from competition.extensions import db
from competition.models import (
    Entry,
    EntryMember,
    EntryStatus,
    Event,
    IdType,
    Mark,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleGrant,
    Skill,
    User,
)
from competition.models.judging import (
    AssignmentRun,
    ConflictWaiver,
    JudgeAssignment,
    JudgeLevel,
    JudgePanel,
    JudgeProfile,
    JudgeRelation,
    JudgeRole,
    PanelSeat,
    RelationKind,
    RunStatus,
)
from competition.rules import assignment as assignment_rules
from competition.rules.assignment import AssignmentSettings, JudgeSpec, PanelSpec, Violation
from competition.rules.conflicts import (
    Conflict,
    ConflictEffect,
    ConflictError,
    ConflictSettings,
    ConflictType,
    ContestantFacts,
    JudgeFacts,
    MemberFacts,
    Waiver,
    apply_waivers,
    detect_conflicts,
)
from competition.rules.marking import MarkingRules
from competition.services import audit, draw, entries, events
from competition.services.settings import settings_for

ACTIVE_ENTRY_STATUSES = (EntryStatus.SUBMITTED.value, EntryStatus.APPROVED.value)
SELF = "self"   # marking_conflict's answer when the judge is a member of the entry
# What :func:`marking_conflict` answers, for a page or a refusal message to show.
CONFLICT_TYPE_LABELS = {
    ConflictType.SAME_EMPLOYER.value: _l("Same employer or school"),
    ConflictType.SAME_DISTRICT.value: _l("Same district delegation"),
    ConflictType.SAME_COUNTRY.value: _l("Same country"),
    ConflictType.TEACHER_OF.value: _l("Teacher or coach"),
    ConflictType.RELATIVE.value: _l("Relative"),
    ConflictType.DECLARED.value: _l("Declared interest"),
    SELF: _l("Competes in this skill"),
}
_ROLE_RANK = {JudgeRole.CHIEF.value: 0, JudgeRole.DEPUTY.value: 1, JudgeRole.SCORER.value: 2}
_DELEGATIONS = (OrgKind.DISTRICT.value, OrgKind.COUNTRY.value)


# === settings ============================================================================================

@dataclass(frozen=True)
class JudgeSettings:
    """Per-event settings of panels and the assignment (``event.settings["judges"]``), with defaults:

    - ``level_ranking``: qualification levels, highest first (国家级 > 市级 > 行业).
    - ``min_levels``: the qualification mix a new panel asks for (at least one 国家级 judge).
    - ``extra_scorers``: a new panel seats up to its minimum + this many scorers (2); its target is the
      minimum + 1. The minimum comes from the marking rules: ``judgement_team_size`` (3) for judgement
      aspects, ``subjective_judges`` (5) for subjective items, else 1.
    - ``deputies_min`` / ``deputies_max``: deputy chief judges of a new panel (0..1: optional).
    - ``time_limit_seconds``: CP-SAT deterministic time per run (15; see ``bench/bench_assign.py``).
    - ``num_workers``, ``deputy_must_be_able_to_chair`` and the ``weight_*`` of
      :class:`competition.rules.assignment.AssignmentSettings`.

    Raises :class:`Invalid` (``judges.settings``) when a value is impossible."""

    level_ranking: tuple[str, ...] = tuple(level.value for level in JudgeLevel)
    min_levels: Mapping[str, int] = field(default_factory=lambda: {JudgeLevel.NATIONAL.value: 1})
    extra_scorers: int = 2
    deputies_min: int = 0
    deputies_max: int = 1
    time_limit_seconds: float = 15.0
    num_workers: int = 2
    deputy_must_be_able_to_chair: bool = True
    weight_same_organisation: int = 20
    weight_same_region: int = 5
    weight_extra_load: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "level_ranking", tuple(self.level_ranking))
        object.__setattr__(self, "min_levels", dict(self.min_levels))
        try:
            self.assignment_settings()
        except assignment_rules.AssignmentError as error:
            raise Invalid.from_rule(error) from None
        numbers = (self.extra_scorers, self.deputies_min, self.deputies_max, *self.min_levels.values())
        ok = (all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers)
              and self.deputies_min <= self.deputies_max <= 1
              and isinstance(self.time_limit_seconds, int | float) and 0 < self.time_limit_seconds <= 600)
        if not ok:
            raise Invalid("judges.settings", N_("These judge settings are not valid: %(settings)s."),
                          settings=json.dumps(asdict(self), ensure_ascii=False, default=list))

    def assignment_settings(self) -> AssignmentSettings:
        return AssignmentSettings(
            level_ranking=self.level_ranking, deputy_must_be_able_to_chair=self.deputy_must_be_able_to_chair,
            num_workers=self.num_workers, weight_same_organisation=self.weight_same_organisation,
            weight_same_region=self.weight_same_region, weight_extra_load=self.weight_extra_load)


def judge_settings(event: Event) -> JudgeSettings:
    values = dict((event.settings or {}).get("judges", {}))
    try:
        return JudgeSettings(**values)
    except TypeError:
        raise Invalid("judges.settings", N_("These judge settings are not valid: %(settings)s."),
                      settings=json.dumps(values, ensure_ascii=False)) from None


def update_judge_settings(event: Event, values: Mapping[str, Any]) -> Event:
    """Override judge settings for one event; checked before anything is stored."""
    merged = {**(event.settings or {}).get("judges", {}), **values}
    try:
        JudgeSettings(**merged)
    except TypeError:
        raise Invalid("judges.settings", N_("These judge settings are not valid: %(settings)s."),
                      settings=json.dumps(merged, ensure_ascii=False)) from None
    before = {"judges": (event.settings or {}).get("judges")}
    event.settings = {**(event.settings or {}), "judges": merged}
    audit.record("event.settings", event, before=before, after={"judges": merged})
    return event


OFF = "off"


def conflict_settings(event: Event) -> ConflictSettings:
    """The event kind's defaults (:meth:`ConflictSettings.for_event_kind`) overridden by
    ``event.settings["conflicts"]``: conflict type → ``not_on_panel``, ``not_marking`` or ``off``."""
    base = ConflictSettings.for_event_kind(event.kind)
    overrides = (event.settings or {}).get("conflicts", {})
    values = {spec.name: getattr(base, spec.name) for spec in fields(ConflictSettings)}
    for name, value in overrides.items():
        if name in values:
            values[name] = None if value == OFF else value
    try:
        return ConflictSettings(**values)
    except ConflictError as error:
        raise Invalid.from_rule(error) from None


def update_conflict_settings(event: Event, effects: Mapping[str, str]) -> Event:
    """Set the effect of conflict types for one event: type → ``not_on_panel``, ``not_marking`` or
    ``off``. Raises :class:`Invalid` for an unknown type or effect; audited."""
    known = {kind.value for kind in ConflictType}
    allowed = {effect.value for effect in ConflictEffect} | {OFF}
    for name, value in effects.items():
        if name not in known or value not in allowed:
            raise Invalid("conflicts.invalid_setting",
                          N_("Conflict setting %(setting)s = %(value)s must be one of %(allowed)s, or off."),
                          setting=name, value=value, allowed="、".join(sorted(allowed - {OFF})))
    before = {"conflicts": (event.settings or {}).get("conflicts")}
    merged = {**(event.settings or {}).get("conflicts", {}), **effects}
    event.settings = {**(event.settings or {}), "conflicts": merged}
    audit.record("event.settings", event, before=before, after={"conflicts": merged})
    return event


# === the pool ============================================================================================

PROFILE_FIELDS = ("level", "occupations", "district", "languages", "past_events", "max_panels", "may_chair",
                  "active")
MAX_PANELS_LIMIT = 20


@dataclass(frozen=True)
class PoolMember:
    person: Person
    profile: JudgeProfile | None      # None: has the judge role but no pool record yet
    has_account: bool


def known_occupations() -> dict[str, str]:
    """Occupation code → name, from every skill and the evaluation side's occupation table."""
    from evaluation.models import OccupationRule
    found: dict[str, str] = {}
    for code, name in db.session.execute(select(OccupationRule.occupation_code, OccupationRule.occupation_name)):
        found[code] = name
    for code, name in db.session.execute(select(Skill.occupation_code, Skill.occupation_name).distinct()):
        found.setdefault(code, name)
    return dict(sorted(found.items()))


def judge_pool() -> list[Person]:
    """Everyone in the judge pool (裁判库): an active pool record, or the judge role without one yet."""
    with_profile = select(JudgeProfile.person_id).where(JudgeProfile.active.is_(True))
    with_grant = (select(User.person_id).join(RoleGrant, RoleGrant.user_id == User.id)
                  .where(RoleGrant.role == Role.JUDGE, User.person_id.is_not(None)))
    return list(db.session.scalars(select(Person).where(Person.id.in_(with_profile) | Person.id.in_(with_grant))
                                   .order_by(Person.name, Person.id)))


def pool_members(*, occupation: str | None = None, level: str | None = None, search: str | None = None,
                 include_inactive: bool = True) -> list[PoolMember]:
    """The pool for the organiser's page, filtered by occupation code, level or a name fragment."""
    people = {p.id: p for p in judge_pool()}
    profiles = {p.person_id: p for p in db.session.scalars(select(JudgeProfile))}
    if include_inactive:
        missing = [pid for pid in profiles if pid not in people]
        if missing:
            people.update({p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(missing)))})
    accounts = set(db.session.scalars(select(User.person_id).where(User.person_id.in_(list(people)))))
    found = []
    for person in sorted(people.values(), key=lambda p: (p.name, p.id)):
        profile = profiles.get(person.id)
        if occupation and (profile is None or occupation not in profile.occupations):
            continue
        if level and (profile is None or profile.level != level):
            continue
        if search and search.strip() not in person.name and search.strip().lower() not in (
                person.name_latin or "").lower():
            continue
        found.append(PoolMember(person, profile, person.id in accounts))
    return found


def profile_of(person_id: int) -> JudgeProfile | None:
    return db.session.scalar(select(JudgeProfile).where(JudgeProfile.person_id == person_id))


def profiles_by_person(person_ids: Collection[int]) -> dict[int, JudgeProfile]:
    return {p.person_id: p for p in db.session.scalars(
        select(JudgeProfile).where(JudgeProfile.person_id.in_(list(person_ids))))}


def check_profile_values(*, level: str, occupations: Iterable[str], languages: Iterable[str] = (),
                         max_panels: int = 2, known: Mapping[str, str] | None = None) -> None:
    """Refuse an unknown level, an empty or unknown occupation list, a bad language code or workload."""
    if level not in {lv.value for lv in JudgeLevel}:
        raise Invalid("judge.level", N_("%(level)s is not a judge qualification level (national, municipal or "
                                        "industry)."), level=level)
    occupations = list(occupations)
    if not occupations:
        raise Invalid("judge.no_occupation", N_("Name at least one occupation the judge may judge."))
    known = known_occupations() if known is None else known
    unknown = [code for code in occupations if code not in known]
    if unknown:
        raise Invalid("judge.unknown_occupation", N_("Unknown occupation: %(occupations)s. Use the occupation "
                                                     "codes or names of the skills in SaiPing."),
                      occupations="、".join(unknown))
    bad = [code for code in languages if not (len(code) == 2 and code.isascii() and code.isalpha())]
    if bad:
        raise Invalid("judge.language", N_("Unknown language: %(languages)s."), languages="、".join(bad))
    if not isinstance(max_panels, int) or not 0 <= max_panels <= MAX_PANELS_LIMIT:
        raise Invalid("judge.max_panels", N_("A judge sits on 0 to %(max)s panels per event."),
                      max=MAX_PANELS_LIMIT)


def save_profile(person: Person, *, level: str, occupations: Iterable[str], district: str | None = None,
                 languages: Iterable[str] = (), past_events: Iterable[str] = (), max_panels: int = 2,
                 may_chair: bool = False, active: bool = True, known: Mapping[str, str] | None = None
                 ) -> tuple[JudgeProfile, bool]:
    """Create or update a person's pool record. Returns (record, whether anything changed): saving the
    same values again changes nothing and writes no audit row. Raises :class:`Invalid` as
    :func:`check_profile_values` does."""
    occupations = sorted(set(occupations))
    languages = sorted({code.strip().lower() for code in languages if code.strip()})
    past_events = [text.strip() for text in past_events if text.strip()]
    check_profile_values(level=level, occupations=occupations, languages=languages, max_panels=max_panels,
                         known=known)
    values = {"level": level, "occupations": occupations, "district": (district or "").strip() or None,
              "languages": languages, "past_events": past_events, "max_panels": max_panels,
              "may_chair": bool(may_chair), "active": bool(active)}
    profile = profile_of(person.id)
    if profile is None:
        profile = JudgeProfile(person_id=person.id, **values)
        db.session.add(profile)
        audit.record("judge.profile_create", profile, after={"person_id": person.id, **values})
        return profile, True
    before = audit.snapshot(profile, PROFILE_FIELDS)
    if before == values:
        return profile, False
    for name, value in values.items():
        setattr(profile, name, value)
    profile.updated_at = datetime.now(UTC)
    audit.record("judge.profile_update", profile, before=before, after=values)
    return profile, True


@dataclass(frozen=True)
class PastDuty:
    event: Event
    skill: Skill
    panel: JudgePanel
    role: str


def duties_of(person_id: int) -> list[PastDuty]:
    """Every panel seat the person holds or held in SaiPing, newest event first."""
    rows = db.session.execute(
        select(PanelSeat, JudgePanel, Skill, Event).join(JudgePanel, PanelSeat.panel_id == JudgePanel.id)
        .join(Skill, JudgePanel.skill_id == Skill.id).join(Event, Skill.event_id == Event.id)
        .where(PanelSeat.person_id == person_id)
        .order_by(Event.year.desc(), Event.id.desc(), Skill.code, JudgePanel.module)).all()
    return [PastDuty(event, skill, panel, seat.role) for seat, panel, skill, event in rows]


# === relations: teacher or coach, relative, declared =======================================================

def declare_relation(judge: Person, *, kind: str, other_name: str, other_id_number: str | None = None,
                     note: str | None = None, declared_by_judge: bool = True) -> JudgeRelation:
    """Record a tie that makes a conflict: declared by the judge (at any time) or recorded by an organiser.
    The other person is found by ID number when given, else matched by name whenever conflicts are
    detected. Raises :class:`Invalid` for an unknown kind, no name or the judge themself, and
    :class:`StateConflict` for a repeat."""
    if kind not in {k.value for k in RelationKind}:
        raise Invalid("relation.kind", N_("Choose what ties you to the person: teacher or coach, relative, "
                                          "or another interest."))
    name = " ".join((other_name or "").split())
    if not name:
        raise Invalid("relation.name", N_("Enter the name of the person."))
    if len(name) > 100 or len(note or "") > 500:
        raise Invalid("relation.too_long", N_("The name or the note is too long."))
    other = None
    number = (other_id_number or "").strip().upper()
    if number:
        other = db.session.scalar(select(Person).where(Person.id_number == number))
        if other is not None and other.name != name and (other.name_latin or "") != name:
            raise Invalid("relation.name_mismatch", N_("The ID number %(number)s belongs to someone with another "
                                                       "name."), number=number)
    if other is not None and other.id == judge.id:
        raise Invalid("relation.self", N_("A conflict is declared with someone else."))
    duplicate = select(JudgeRelation.id).where(
        JudgeRelation.judge_person_id == judge.id, JudgeRelation.kind == kind, JudgeRelation.withdrawn_at.is_(None),
        (JudgeRelation.other_person_id == other.id) if other is not None
        else (JudgeRelation.other_person_id.is_(None) & (JudgeRelation.other_name == name)))
    if db.session.scalar(duplicate):
        raise StateConflict("relation.duplicate", N_("This has already been declared."))
    from flask_login import current_user
    relation = JudgeRelation(judge_person_id=judge.id, kind=kind, other_person_id=other.id if other else None,
                             other_name=name, note=(note or "").strip() or None, declared_by_judge=declared_by_judge,
                             created_by_id=getattr(current_user, "id", None))
    db.session.add(relation)
    audit.record("judge.relation_declare", relation, after={
        "judge_person_id": judge.id, "kind": kind, "other_person_id": relation.other_person_id,
        "other_name": name, "note": relation.note, "declared_by_judge": declared_by_judge})
    return relation


def withdraw_relation(relation: JudgeRelation) -> JudgeRelation:
    """An organiser takes back a recorded tie (e.g. entered against the wrong person); audited."""
    if relation.withdrawn_at is not None:
        raise StateConflict("relation.withdrawn", N_("This has already been withdrawn."))
    from flask_login import current_user
    relation.withdrawn_at = datetime.now(UTC)
    relation.withdrawn_by_id = getattr(current_user, "id", None)
    audit.record("judge.relation_withdraw", relation, before={"withdrawn_at": None},
                 after={"withdrawn_at": relation.withdrawn_at})
    return relation


def relations_of(person_id: int, *, include_withdrawn: bool = False) -> list[JudgeRelation]:
    query = select(JudgeRelation).where(JudgeRelation.judge_person_id == person_id)
    if not include_withdrawn:
        query = query.where(JudgeRelation.withdrawn_at.is_(None))
    return list(db.session.scalars(query.order_by(JudgeRelation.created_at, JudgeRelation.id)))


# === facts for the conflict rules ==========================================================================

def _is_delegation(org: Organisation | None) -> bool:
    return org is not None and org.kind in _DELEGATIONS


def _organisation(organisation_id: int | None) -> Organisation | None:
    """By id, from the session when loaded (the id is read, not the relationship, which may be stale)."""
    return None if organisation_id is None else db.session.get(Organisation, organisation_id)


def _employers(person: Person) -> frozenset[int]:
    org = _organisation(person.organisation_id)
    return frozenset() if org is None or _is_delegation(org) else frozenset({org.id})


def contestant_facts(entry: Entry) -> ContestantFacts:
    """An entry as the conflict rules see it (facts: module docstring)."""
    members = tuple(MemberFacts(member.person_id, _employers(member.person), member.person.district,
                                member.person.nationality if member.person.id_type == IdType.PASSPORT else None)
                    for member in entry.members)
    org = _organisation(entry.organisation_id)
    return ContestantFacts(
        entry.id, members,
        frozenset() if org is None or _is_delegation(org) else frozenset({org.id}),
        org.district if org is not None and org.kind == OrgKind.DISTRICT else None,
        org.country if org is not None and org.kind == OrgKind.COUNTRY else None)


@dataclass
class _Ties:
    """What ties one judge to contestants, loaded once."""

    person: Person
    profile: JudgeProfile | None = None
    user_ids: set[int] = field(default_factory=set)
    led_organisations: set[int] = field(default_factory=set)
    relations: list[JudgeRelation] = field(default_factory=list)


def _load_ties(person_ids: Collection[int], event: Event) -> dict[int, _Ties]:
    """Person, pool record, accounts, 领队 grants valid in ``event`` and relations of each judge: four queries."""
    ids = list(person_ids)
    if not ids:
        return {}
    if len(ids) == 1:       # one judge (every mark): from the session when loaded
        people = [person for person in (db.session.get(Person, ids[0]),) if person is not None]
    else:
        people = db.session.scalars(select(Person).where(Person.id.in_(ids))
                                    .options(selectinload(Person.organisation))).all()
    ties = {person.id: _Ties(person) for person in people}
    for profile in db.session.scalars(select(JudgeProfile).where(JudgeProfile.person_id.in_(ids))):
        ties[profile.person_id].profile = profile
    rows = db.session.execute(
        select(User.person_id, User.id, RoleGrant.role, RoleGrant.event_id, RoleGrant.organisation_id)
        .outerjoin(RoleGrant, RoleGrant.user_id == User.id).where(User.person_id.in_(ids)))
    for person_id, user_id, role, event_id, organisation_id in rows:
        ties[person_id].user_ids.add(user_id)
        if role == Role.TEAM_LEADER and organisation_id is not None and event_id in (None, event.id):
            ties[person_id].led_organisations.add(organisation_id)
    for relation in db.session.scalars(select(JudgeRelation).where(
            JudgeRelation.judge_person_id.in_(ids), JudgeRelation.withdrawn_at.is_(None))):
        ties[relation.judge_person_id].relations.append(relation)
    return ties


class _EntryIndex:
    """The contestants of one event, indexed for the judges' ties: by who registered them, by the
    organisation they compete for and by member name."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self.by_creator: dict[int, set[int]] = defaultdict(set)
        self.by_organisation: dict[int, set[int]] = defaultdict(set)
        self.by_name: dict[str, set[int]] = defaultdict(set)
        for entry in self.entries:
            people = {member.person_id for member in entry.members}
            if entry.created_by_id is not None:
                self.by_creator[entry.created_by_id] |= people
            if entry.organisation_id is not None:
                self.by_organisation[entry.organisation_id] |= people
            for member in entry.members:
                self.by_name[member.person.name].add(member.person_id)
                if member.person.name_latin:
                    self.by_name[member.person.name_latin].add(member.person_id)


def _judge_facts(ties: _Ties, index: _EntryIndex) -> JudgeFacts:
    person, profile = ties.person, ties.profile
    org = _organisation(person.organisation_id)
    related: dict[str, set[int]] = {kind.value: set() for kind in RelationKind}
    for relation in ties.relations:
        if relation.other_person_id is not None:
            related[relation.kind].add(relation.other_person_id)
        else:
            related[relation.kind] |= index.by_name.get(relation.other_name, set())
    students = set(related[RelationKind.TEACHER_OF])
    for user_id in ties.user_ids:
        students |= index.by_creator.get(user_id, set())
    for organisation_id in ties.led_organisations:
        students |= index.by_organisation.get(organisation_id, set())
    students.discard(person.id)
    district = profile.district if profile is not None else None
    if district is None and org is not None and org.kind == OrgKind.DISTRICT:
        district = org.district
    country = org.country if org is not None and org.kind == OrgKind.COUNTRY else person.nationality
    return JudgeFacts(person.id, _employers(person), district, country, students,
                      related[RelationKind.RELATIVE] - {person.id}, related[RelationKind.DECLARED] - {person.id})


def judge_facts(event: Event, person_ids: Collection[int]) -> list[JudgeFacts]:
    """The employer, 区县 and country facts of these judges in ``event``, as the conflict rules see them
    (without the person-to-person ties, which need the event's entries: see :func:`event_conflicts`)."""
    ties = _load_ties(person_ids, event)
    empty = _EntryIndex([])
    return [_judge_facts(ties[person_id], empty) for person_id in person_ids if person_id in ties]


def _event_entries(event: Event, skill_ids: Collection[int] | None = None) -> list[Entry]:
    query = (select(Entry).join(Skill, Entry.skill_id == Skill.id)
             .where(Skill.event_id == event.id, Entry.status.in_(ACTIVE_ENTRY_STATUSES))
             .options(selectinload(Entry.members).selectinload(EntryMember.person).selectinload(Person.organisation),
                      selectinload(Entry.organisation))
             .order_by(Entry.skill_id, Entry.competitor_number, Entry.id))
    if skill_ids is not None:
        query = query.where(Entry.skill_id.in_(list(skill_ids)))
    return list(db.session.scalars(query))


def _waivers(event: Event, person_ids: Collection[int] | None = None) -> list[ConflictWaiver]:
    query = (select(ConflictWaiver).join(Entry, ConflictWaiver.entry_id == Entry.id)
             .join(Skill, Entry.skill_id == Skill.id).where(Skill.event_id == event.id)
             .order_by(ConflictWaiver.id))
    if person_ids is not None:
        query = query.where(ConflictWaiver.judge_person_id.in_(list(person_ids)))
    return list(db.session.scalars(query))


def _as_rule_waiver(waiver: ConflictWaiver) -> Waiver:
    return Waiver(waiver.judge_person_id, waiver.entry_id, ConflictType(waiver.type), waiver.reason,
                  waiver.granted_by_id)


# === conflicts of one event ===============================================================================

@dataclass(frozen=True)
class ConflictRow:
    """One conflict between a judge and an entry, with what the page shows: who, what, why."""

    conflict: Conflict
    judge: Person
    entry: Entry
    waiver: ConflictWaiver | None = None
    organisation_names: Mapping[int, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def type(self) -> str:
        return self.conflict.type.value

    @property
    def effect(self) -> str:
        return self.conflict.effect.value

    def reason(self) -> str:
        """Why, in the current language (the conflict rules' message, with names instead of ids)."""
        reason = self.conflict.reason
        params = dict(reason.params)
        params["judge_id"] = self.judge.display_name
        params["contestant_id"] = entry_label(self.entry)
        if "organisation_ids" in params:
            names = self.organisation_names
            params["organisation_ids"] = "、".join(names.get(i, str(i)) for i in params["organisation_ids"])
        if "person_ids" in params:
            members = {member.person_id: member.person.display_name for member in self.entry.members}
            params["person_ids"] = "、".join(members.get(i, str(i)) for i in params["person_ids"])
        return gettext(reason.message, **params)


@dataclass
class ConflictReport:
    """Every conflict of an event's judges with its contestants: ``in_force`` (no waiver), ``waived``
    (with their waiver) and ``unused_waivers`` (they match no conflict any more). ``competing``: judges who
    are themselves contestants, as (judge, entry)."""

    event: Event
    in_force: list[ConflictRow]
    waived: list[ConflictRow]
    unused_waivers: list[ConflictWaiver]
    competing: list[tuple[Person, Entry]]


def entry_label(entry: Entry) -> str:
    number = entry.competitor_number or "—"
    return f"{number} {entry.display_name}"


def event_judge_ids(event: Event) -> list[int]:
    """The judges whose conflicts matter for an event: those of the active pool qualified for one of its
    skills' occupations, and everyone seated on its panels."""
    occupations = {skill.occupation_code for skill in event.skills}
    pool = {person_id for person_id, qualified in db.session.execute(
        select(JudgeProfile.person_id, JudgeProfile.occupations).where(JudgeProfile.active.is_(True)))
            if occupations.intersection(qualified)}
    seated = set(db.session.scalars(select(PanelSeat.person_id).join(JudgePanel).join(Skill)
                                    .where(Skill.event_id == event.id)))
    return sorted(pool | seated)


def event_conflicts(event: Event, person_ids: Collection[int] | None = None,
                    skill_ids: Collection[int] | None = None) -> ConflictReport:
    """The conflicts of ``person_ids`` (default :func:`event_judge_ids`) with the event's contestants
    (entries submitted or approved, optionally of ``skill_ids`` only), after the waivers on record."""
    person_ids = event_judge_ids(event) if person_ids is None else sorted(set(person_ids))
    entries = _event_entries(event, skill_ids)
    index = _EntryIndex(entries)
    ties = _load_ties(person_ids, event)
    judges = [ties[pid] for pid in person_ids if pid in ties]
    found = detect_conflicts([_judge_facts(t, index) for t in judges], [contestant_facts(e) for e in entries],
                             conflict_settings(event))
    waivers = _waivers(event, person_ids)
    waiver_rows = {(w.judge_person_id, w.entry_id, w.type): w for w in waivers}
    outcome = apply_waivers(found, [_as_rule_waiver(w) for w in waivers])
    people = {t.person.id: t.person for t in judges}
    by_id = {entry.id: entry for entry in entries}
    names = {org.id: org.name for org in map(_organisation, {
        *(t.person.organisation_id for t in judges), *(e.organisation_id for e in entries),
        *(m.person.organisation_id for e in entries for m in e.members)}) if org is not None}
    in_force = [ConflictRow(c, people[c.judge_id], by_id[c.contestant_id], None, names) for c in outcome.in_force]
    waived = [ConflictRow(w.conflict, people[w.conflict.judge_id], by_id[w.conflict.contestant_id],
                          waiver_rows[(w.conflict.judge_id, w.conflict.contestant_id, w.conflict.type.value)], names)
              for w in outcome.waived]
    unused = [waiver_rows[(w.judge_id, w.contestant_id, w.type.value)] for w in outcome.unused
              if (w.judge_id, w.contestant_id, w.type.value) in waiver_rows]
    if skill_ids is not None:   # waivers of other skills' entries are not "unused"
        unused = [w for w in unused if w.entry_id in by_id]
    wanted = set(person_ids)
    competing = [(member.person, entry) for entry in entries for member in entry.members
                 if member.person_id in wanted]
    return ConflictReport(event, in_force, waived, unused, competing)


def marking_conflict(judge_person_id: int, entry: Entry) -> str | None:
    """Why this judge may not mark this entry, or None: ``self`` when the judge is one of its members,
    else the first conflict type in force (``same_employer``, ``same_district``, ``same_country``,
    ``teacher_of``, ``relative``, ``declared``) after the waivers on record. Every type the event checks
    refuses marking, whatever its effect: a ``not_on_panel`` conflict that arose after the judge was
    seated is at least a ``not_marking`` one.

    Scoring calls this for every mark, so it looks at this one pair only: a few indexed queries (the
    entry's members come from the session), none for the waivers unless a conflict is found."""
    return marking_conflicts(judge_person_id, [entry])[entry.id]


def marking_conflicts(judge_person_id: int, entries: Sequence[Entry]) -> dict[int, str | None]:
    """:func:`marking_conflict` for many entries of one event at once (entry id → conflict type or None):
    the judge's ties are loaded once, the waivers only when a conflict is found."""
    found_for: dict[int, str | None] = {entry.id: None for entry in entries}
    others = []
    for entry in entries:
        if any(member.person_id == judge_person_id for member in entry.members):
            found_for[entry.id] = SELF
        else:
            others.append(entry)
    if not others:
        return found_for
    event = others[0].skill.event
    ties = _load_ties([judge_person_id], event).get(judge_person_id)
    if ties is None:
        return found_for
    found = detect_conflicts([_judge_facts(ties, _EntryIndex(others))], [contestant_facts(e) for e in others],
                             conflict_settings(event))
    if not found:
        return found_for
    waivers = db.session.scalars(select(ConflictWaiver).where(
        ConflictWaiver.judge_person_id == judge_person_id, ConflictWaiver.entry_id.in_([e.id for e in others])))
    for conflict in apply_waivers(found, [_as_rule_waiver(w) for w in waivers]).in_force:
        if found_for[conflict.contestant_id] is None:  # the first in force, as the rules order them
            found_for[conflict.contestant_id] = conflict.type.value
    return found_for


# === waivers ==============================================================================================

def waive_conflict(event: Event, *, judge_person_id: int, entry_id: int, conflict_type: str,
                   reason: str) -> ConflictWaiver:
    """An organiser decides that one detected conflict does not apply, with a written reason (audited).
    Raises :class:`Invalid` (``waiver.reason_required``) without a reason and :class:`StateConflict` when no
    such conflict is in force (nothing to waive, or already waived)."""
    from flask_login import current_user
    reason = (reason or "").strip()
    entry = db.session.get(Entry, entry_id)
    judge = db.session.get(Person, judge_person_id)
    if entry is None or judge is None or entry.skill.event_id != event.id:
        raise Invalid("waiver.no_conflict", N_("There is no such conflict to waive."))
    try:
        rule_waiver = Waiver(judge_person_id, entry_id, conflict_type, reason, getattr(current_user, "id", None))
    except ConflictError as error:      # said with names, not ids
        params = {**error.params, "judge_id": judge.display_name, "contestant_id": entry_label(entry)}
        raise Invalid(error.code, error.message, **params) from None
    if len(reason) > 1000:
        raise Invalid("waiver.too_long", N_("The reason is too long (at most %(n)s characters)."), n=1000)
    report = event_conflicts(event, [judge_person_id], [entry.skill_id])
    if not any(row.conflict.key == rule_waiver.key for row in report.in_force):
        raise StateConflict("waiver.no_conflict", N_("There is no such conflict to waive."))
    waiver = ConflictWaiver(judge_person_id=judge_person_id, entry_id=entry_id, type=rule_waiver.type.value,
                            reason=reason, granted_by_id=rule_waiver.granted_by)
    db.session.add(waiver)
    audit.record("conflict.waive", waiver, after={"judge_person_id": judge_person_id, "entry_id": entry_id,
                                                  "type": waiver.type, "reason": reason})
    return waiver


def revoke_waiver(waiver: ConflictWaiver) -> None:
    """The conflict applies again; the waiver stays in the audit log."""
    audit.record("conflict.waiver_revoke", waiver, before={
        "judge_person_id": waiver.judge_person_id, "entry_id": waiver.entry_id, "type": waiver.type,
        "reason": waiver.reason, "granted_by_id": waiver.granted_by_id})
    db.session.delete(waiver)


# === panels ===============================================================================================

def panels_of(skill: Skill) -> list[JudgePanel]:
    """The skill's panels, the whole-skill panel (module "") first, then modules by code."""
    return sorted(db.session.scalars(select(JudgePanel).where(JudgePanel.skill_id == skill.id)
                                     .options(selectinload(JudgePanel.seats))),
                  key=lambda panel: (panel.module != "", panel.module))


def event_panels(event: Event) -> list[JudgePanel]:
    panels = db.session.scalars(select(JudgePanel).join(Skill).where(Skill.event_id == event.id)
                                .options(selectinload(JudgePanel.seats), selectinload(JudgePanel.skill)))
    return sorted(panels, key=lambda panel: (panel.skill.code, panel.module != "", panel.module))


def panel_label(panel: JudgePanel) -> str:
    skill = panel.skill
    name = f"{skill.code} {skill.name}"
    if panel.module:
        name += f" · {panel.name or panel.module}"
    return name


def _scheme_kinds(skill: Skill, module: str = "") -> set[str]:
    scheme = events.published_scheme(skill.id) or events.latest_draft(skill.id)
    if scheme is None:
        return set()
    criteria = [c for c in scheme.criteria if module and c.code == module] or scheme.criteria
    return {aspect.kind for criterion in criteria for aspect in criterion.aspects}


def required_scorers(skill: Skill, module: str = "") -> int:
    """The fewest scorers a panel needs to mark its aspects (module: the criterion of the same code, if any):
    ``judgement_team_size`` for judgement aspects, ``subjective_judges`` for subjective items (the skill's
    marking settings), else 1."""
    rules = settings_for(skill, "marking", MarkingRules)
    kinds = _scheme_kinds(skill, module)
    needed = [1]
    if "judgement" in kinds:
        needed.append(rules.judgement_team_size)
    if "subjective" in kinds:
        needed.append(rules.subjective_judges)
    return max(needed)


def _parse_slot(text: str) -> tuple[date, str | None]:
    parts = text.split()
    day = date.fromisoformat(parts[0])
    half = parts[1].upper() if len(parts) > 1 else None
    if len(parts) > 2 or half not in (None, "AM", "PM"):
        raise ValueError(text)
    return day, half


def normalise_slots(event: Event, slots: Iterable[str]) -> list[str]:
    """Days (``2026-10-20``) or half-days (``2026-10-20 AM``/``PM``), checked and sorted. Raises
    :class:`Invalid` for another format or a day outside the event's dates."""
    cleaned = []
    for raw in slots:
        text = " ".join(str(raw).split())
        if not text:
            continue
        try:
            day, half = _parse_slot(text)
        except ValueError:
            raise Invalid("panel.slot", N_("%(slot)s is not a day (2026-10-20) or half-day (2026-10-20 AM)."),
                          slot=text) from None
        if (event.starts_on and day < event.starts_on) or (event.ends_on and day > event.ends_on):
            raise Invalid("panel.slot_outside", N_("%(slot)s is outside the event's dates."), slot=text)
        cleaned.append(day.isoformat() + (f" {half}" if half else ""))
    return sorted(set(cleaned))


def panel_slots(panel: JudgePanel, event: Event | None = None) -> frozenset[str]:
    """The half-days a panel sits in: its own days or half-days, else every day of its event, else the
    whole event (an event without dates shares no time with any other)."""
    event = event or panel.skill.event
    if panel.time_slots:
        days = [_parse_slot(text) for text in panel.time_slots]
    elif event.starts_on and event.ends_on:
        days = [(event.starts_on + timedelta(n), None) for n in range((event.ends_on - event.starts_on).days + 1)]
    else:
        return frozenset({f"event-{event.id}"})
    return frozenset(f"{day.isoformat()} {half}" for day, only in days
                     for half in ((only,) if only else ("AM", "PM")))


def panel_defaults(skill: Skill, module: str = "") -> dict[str, Any]:
    settings = judge_settings(skill.event)
    needed = required_scorers(skill, module)
    return {"scorers_min": needed, "scorers_max": needed + settings.extra_scorers,
            "scorers_target": needed + min(1, settings.extra_scorers), "deputies_min": settings.deputies_min,
            "deputies_max": settings.deputies_max, "min_levels": dict(settings.min_levels), "time_slots": []}


PANEL_FIELDS = ("module", "name", "scorers_min", "scorers_max", "scorers_target", "deputies_min", "deputies_max",
                "min_levels", "time_slots")


def _check_panel(panel: JudgePanel) -> None:
    """Refuse settings the assignment rules cannot use, a panel too small for its marking, unknown levels."""
    skill = panel.skill
    if panel.module and (len(panel.module) > 32 or not panel.module.replace("-", "").replace("_", "").isalnum()):
        raise Invalid("panel.module", N_("A module code is letters and digits, e.g. A or M1."))
    if len(panel.name or "") > 200:
        raise Invalid("panel.name", N_("The panel name is too long."))
    ranking = judge_settings(skill.event).level_ranking
    unknown = [level for level in panel.min_levels if level not in ranking]
    if unknown:
        raise Invalid("panel.level", N_("%(level)s is not a judge qualification level (national, municipal or "
                                        "industry)."), level="、".join(unknown))
    try:
        _panel_spec(panel)
    except assignment_rules.AssignmentError as error:
        raise Invalid.from_rule(error) from None
    needed = required_scorers(skill, panel.module)
    if panel.scorers_min < needed:
        raise Invalid("panel.too_small", N_("The panel needs at least %(needed)s scorers to mark %(skill)s "
                                            "(judgement aspects: teams of 3; subjective items: 5 judges)."),
                      needed=needed, skill=skill.name)


def _panel_spec(panel: JudgePanel, event: Event | None = None) -> PanelSpec:
    skill = panel.skill
    return PanelSpec(panel.id, skill.id, skill.occupation_code, panel_slots(panel, event), panel.scorers_min,
                     panel.scorers_max, panel.scorers_target, panel.deputies_min, panel.deputies_max,
                     {level: count for level, count in panel.min_levels.items() if count})


def _ensure_open(skill: Skill) -> None:
    if skill.results_published or skill.marks_locked:
        raise StateConflict("panel.closed", N_("The marks of %(skill)s are locked: its panels can no longer "
                                               "change."), skill=skill.name)


def create_panel(skill: Skill, *, module: str = "", **values: Any) -> JudgePanel:
    """A panel for the whole skill (``module`` "") or one module, with the defaults of
    :func:`panel_defaults` for whatever is not given. Raises :class:`Invalid` / :class:`StateConflict`."""
    _ensure_open(skill)
    module = (module or "").strip().upper()
    if db.session.scalar(select(JudgePanel.id).where(JudgePanel.skill_id == skill.id, JudgePanel.module == module)):
        raise StateConflict("panel.exists", N_("This skill already has a panel for %(module)s."),
                            module=module or gettext("the whole skill"))
    settings = {**panel_defaults(skill, module), **{k: v for k, v in values.items() if v is not None}}
    if "time_slots" in settings:
        settings["time_slots"] = normalise_slots(skill.event, settings["time_slots"])
    panel = JudgePanel(skill=skill, module=module, **settings)
    _check_panel(panel)
    db.session.add(panel)
    audit.record("panel.create", panel, after={"skill_id": skill.id, **audit.snapshot(panel, PANEL_FIELDS)})
    return panel


def update_panel(panel: JudgePanel, **values: Any) -> JudgePanel:
    """Change a panel's sizes, qualification mix, name or time slots. Its current seats are then checked
    against the new settings: a change that would make a seated judge break a rule is refused (the caller
    rolls back, as after every refusal)."""
    skill = panel.skill
    _ensure_open(skill)
    before = audit.snapshot(panel, PANEL_FIELDS)
    for name, value in values.items():
        if name not in PANEL_FIELDS or name == "module":
            raise Invalid("panel.field", N_("Unknown panel setting %(setting)s."), setting=name)
        if name == "time_slots":
            value = normalise_slots(skill.event, value)
        setattr(panel, name, value)
    _check_panel(panel)
    problems = [p for p in check_event_seats(skill.event) if p.blocking and p.panel_id == panel.id]
    if problems:
        raise problems[0].error()
    after = audit.snapshot(panel, PANEL_FIELDS)
    if after != before:
        audit.record("panel.update", panel, before=before, after=after)
    return panel


def delete_panel(panel: JudgePanel) -> None:
    """Remove an empty panel (remove its judges first)."""
    _ensure_open(panel.skill)
    if panel.seats:
        raise StateConflict("panel.not_empty", N_("Remove the panel's judges first."))
    audit.record("panel.delete", panel, before={"skill_id": panel.skill_id, **audit.snapshot(panel, PANEL_FIELDS)})
    db.session.delete(panel)


def lead_panel(skill: Skill, *, create: bool = False) -> JudgePanel | None:
    """The panel whose chief is the skill's 裁判长 (the whole-skill panel, else the first module);
    created with the defaults when ``create`` and the skill has none."""
    panels = panels_of(skill)
    if panels:
        return panels[0]
    return create_panel(skill) if create else None


# === seats, and the check of every change ==================================================================

# Violations that say a panel is not full yet: allowed while an organiser seats judges one by one, shown
# as "incomplete"; every other violation refuses the change that would cause it.
_INCOMPLETE = {"panel.chief_count", "panel.deputy_count", "panel.scorer_count", "panel.too_few_at_level"}

_SEAT_MESSAGES = {
    "judge.conflict": N_("%(judge_id)s may not sit on panel %(panel_id)s: %(reasons)s."),
    "judge.competes": N_("%(judge_id)s competes in %(skill)s and may not judge it."),
    "judge.busy_elsewhere": N_("%(judge_id)s already sits on panel %(other_panel)s (%(other_event)s) at the "
                               "same time (%(slot)s)."),
    "judge.no_record": N_("%(judge_id)s has no pool record: qualification, occupations and chairing are not "
                          "checked."),
    "panel.coverage": N_("Only %(found)s of the scorers of panel %(panel_id)s may mark competitor %(entry)s; "
                         "%(required)s are needed."),
}


@dataclass(frozen=True)
class SeatProblem:
    """A rule a panel's seats break (or a warning): ``code``, English msgid ``message`` and ``params``
    with names filled in; ``blocking`` problems refuse the change that causes them."""

    code: str
    message: str
    params: Mapping[str, Any]
    panel_id: int | None
    person_id: int | None
    blocking: bool

    @property
    def key(self) -> tuple[str, int | None, int | None, str]:
        return self.code, self.panel_id, self.person_id, json.dumps(self.params, sort_keys=True, default=str)

    def text(self) -> str:
        return gettext(self.message, **self.params)

    def error(self) -> StateConflict:
        return StateConflict(self.code, self.message, **self.params)


def _judge_spec(person: Person, profile: JudgeProfile | None, occupations: Iterable[str],
                capacity: int | None = None) -> JudgeSpec:
    """A judge for the rules. Without a pool record (judge role only) nothing is known of their
    qualification: they count as qualified for ``occupations``, may chair, and are flagged."""
    region = (profile.district if profile else None) or person.district or person.nationality
    if profile is None:
        return JudgeSpec(person.id, "", frozenset(occupations), person.organisation_id, region,
                         capacity if capacity is not None else MAX_PANELS_LIMIT, True)
    return JudgeSpec(person.id, profile.level, frozenset(profile.occupations), person.organisation_id, region,
                     max(0, profile.max_panels if capacity is None else capacity), profile.may_chair)


@dataclass
class _Board:
    """An event's panels, seats and the judges on them, with what checking them needs."""

    event: Event
    panels: list[JudgePanel]
    seats: dict[int, list[tuple[int, str]]]           # panel id → (person id, role)
    people: dict[int, Person]
    profiles: dict[int, JudgeProfile]
    labels: dict[int, str]

    @classmethod
    def load(cls, event: Event, proposal: Mapping[int, Sequence[tuple[int, str]]] | None = None) -> _Board:
        panels = event_panels(event)
        seats = {panel.id: [(seat.person_id, seat.role) for seat in panel.seats] for panel in panels}
        for panel_id, proposed in (proposal or {}).items():
            seats[panel_id] = [(int(person_id), str(role)) for person_id, role in proposed]
        person_ids = {person_id for seated in seats.values() for person_id, _ in seated}
        people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(list(person_ids)))
                                                       .options(selectinload(Person.organisation)))}
        profiles = {p.person_id: p for p in db.session.scalars(
            select(JudgeProfile).where(JudgeProfile.person_id.in_(list(person_ids))))}
        return cls(event, panels, seats, people, profiles, {panel.id: panel_label(panel) for panel in panels})

    def name(self, person_id: int) -> str:
        person = self.people.get(person_id)
        return person.display_name if person else str(person_id)


def _forbidden(report: ConflictReport, panels: Sequence[JudgePanel]
               ) -> tuple[frozenset[tuple[int, int]], dict[tuple[int, int], list[ConflictRow | str]]]:
    """(judge, panel) pairs barred by conflicts in force with effect not_on_panel, or because the judge
    competes in the skill (``SELF``); and for each pair why, for the message."""
    by_skill: dict[int, list[int]] = defaultdict(list)
    for panel in panels:
        by_skill[panel.skill_id].append(panel.id)
    reasons: dict[tuple[int, int], list[ConflictRow | str]] = defaultdict(list)
    for row in report.in_force:
        if row.conflict.effect is ConflictEffect.NOT_ON_PANEL:
            for panel_id in by_skill.get(row.entry.skill_id, ()):
                reasons[(row.judge.id, panel_id)].append(row)
    for person, entry in report.competing:
        for panel_id in by_skill.get(entry.skill_id, ()):
            reasons[(person.id, panel_id)].append(SELF)
    return frozenset(reasons), reasons


def _other_event_seats(event: Event, person_ids: Collection[int]) -> dict[int, list[tuple[JudgePanel, frozenset]]]:
    """Seats of these judges on other events' panels, with the half-days of each."""
    if not person_ids:
        return {}
    rows = db.session.execute(
        select(PanelSeat.person_id, JudgePanel).join(JudgePanel, PanelSeat.panel_id == JudgePanel.id)
        .join(Skill, JudgePanel.skill_id == Skill.id)
        .where(PanelSeat.person_id.in_(list(person_ids)), Skill.event_id != event.id)
        .options(selectinload(JudgePanel.skill).selectinload(Skill.event))).all()
    found: dict[int, list[tuple[JudgePanel, frozenset]]] = defaultdict(list)
    for person_id, panel in rows:
        found[person_id].append((panel, panel_slots(panel)))
    return found


def check_event_seats(event: Event, proposal: Mapping[int, Sequence[tuple[int, str]]] | None = None,
                      *, warnings: bool = False) -> list[SeatProblem]:
    """Every rule the seats of an event's panels break, with ``proposal`` (panel id → seats) replacing the
    seats of some panels: :func:`competition.rules.assignment.check_assignment` over all the event's panels
    (conflicts in force with effect not_on_panel and judges who compete bar a panel), plus a judge sitting
    at the same time on a panel of another event. With ``warnings``, also judges without a pool record and
    competitors whom too few of a panel's scorers may mark (not_marking conflicts)."""
    board = _Board.load(event, proposal)
    report = event_conflicts(event, list(board.people))
    forbidden, reasons = _forbidden(report, board.panels)
    occupations_of: dict[int, set[str]] = defaultdict(set)
    for panel in board.panels:
        for person_id, _ in board.seats[panel.id]:
            occupations_of[person_id].add(panel.skill.occupation_code)
    judges = [_judge_spec(board.people[pid], board.profiles.get(pid), occupations_of[pid])
              for pid in sorted(board.people)]
    settings = judge_settings(event).assignment_settings()
    specs = [_panel_spec(panel, event) for panel in board.panels]
    violations = assignment_rules.check_assignment(specs, judges, forbidden, board.seats, settings)
    problems = [_seat_problem(v, board, reasons) for v in violations]
    problems += _busy_elsewhere(board)
    if warnings:
        problems += [SeatProblem("judge.no_record", _SEAT_MESSAGES["judge.no_record"],
                                 {"judge_id": board.name(pid)}, None, pid, False)
                     for pid in sorted(board.people) if pid not in board.profiles]
        problems += _coverage(board, report)
    return problems


def _seat_problem(violation: Violation, board: _Board,
                  reasons: Mapping[tuple[int, int], list[ConflictRow | str]]) -> SeatProblem:
    params = dict(violation.params)
    if "panel_id" in params:
        params["panel_id"] = board.labels.get(params["panel_id"], str(params["panel_id"]))
    if "panel_ids" in params:
        params["panel_ids"] = "、".join(board.labels.get(p, str(p)) for p in params["panel_ids"])
    if "judge_id" in params:
        params["judge_id"] = board.name(params["judge_id"])
    if "occupation" in params:
        params["occupation"] = next((p.skill.occupation_name for p in board.panels
                                     if p.skill.occupation_code == params["occupation"]), params["occupation"])
    code, message = violation.code, violation.message
    if code == "judge.conflict":
        why = reasons.get((violation.judge_id, violation.panel_id), [])
        if why == [SELF]:
            panel = next(p for p in board.panels if p.id == violation.panel_id)
            code, message = "judge.competes", _SEAT_MESSAGES["judge.competes"]
            params = {"judge_id": params["judge_id"], "skill": panel.skill.name}
        else:
            message = _SEAT_MESSAGES["judge.conflict"]
            params["reasons"] = " ".join(reason.reason() for reason in why if isinstance(reason, ConflictRow))
    blocking = code not in _INCOMPLETE or _exceeds(code, violation.params)
    return SeatProblem(code, message, params, violation.panel_id, violation.judge_id, blocking)


def _exceeds(code: str, params: Mapping[str, Any]) -> bool:
    """A count violation that is too many, not too few (too many is never "incomplete")."""
    if code == "panel.chief_count":
        return params["found"] > 1
    if code in ("panel.deputy_count", "panel.scorer_count"):
        return params["found"] > params["max"]
    return False


def _busy_elsewhere(board: _Board) -> list[SeatProblem]:
    elsewhere = _other_event_seats(board.event, list(board.people))
    problems = []
    for panel in board.panels:
        slots = panel_slots(panel, board.event)
        for person_id, _ in board.seats[panel.id]:
            for other, other_slots in elsewhere.get(person_id, ()):
                shared = sorted(slots & other_slots)
                if shared:
                    problems.append(SeatProblem("judge.busy_elsewhere", _SEAT_MESSAGES["judge.busy_elsewhere"], {
                        "judge_id": board.name(person_id), "other_panel": panel_label(other),
                        "other_event": other.skill.event.name, "slot": shared[0]}, panel.id, person_id, True))
    return problems


def _coverage(board: _Board, report: ConflictReport) -> list[SeatProblem]:
    """Competitors whom fewer scorers than the marking needs may mark, because of not_marking conflicts."""
    barred: dict[tuple[int, int], bool] = {}
    for row in report.in_force:
        barred[(row.judge.id, row.entry.id)] = True
    entries_by_skill: dict[int, list[Entry]] = defaultdict(list)
    for entry in _event_entries(board.event, {panel.skill_id for panel in board.panels}):
        entries_by_skill[entry.skill_id].append(entry)
    problems = []
    for panel in board.panels:
        scorers = [pid for pid, role in board.seats[panel.id] if role in (JudgeRole.SCORER, JudgeRole.DEPUTY)]
        if not scorers:
            continue
        required = min(required_scorers(panel.skill, panel.module), len(scorers))
        for entry in entries_by_skill.get(panel.skill_id, ()):
            free = sum(1 for pid in scorers if not barred.get((pid, entry.id)))
            if free < required:
                problems.append(SeatProblem("panel.coverage", _SEAT_MESSAGES["panel.coverage"], {
                    "panel_id": board.labels[panel.id], "entry": entry.competitor_number or entry_label(entry),
                    "found": free, "required": required}, panel.id, None, False))
    return problems


def _refuse_new_problems(event: Event, proposal: Mapping[int, Sequence[tuple[int, str]]]) -> None:
    before = {problem.key for problem in check_event_seats(event)}
    for problem in check_event_seats(event, proposal):
        if problem.blocking and problem.key not in before:
            raise problem.error()


def _has_marked(person_id: int, skill: Skill) -> bool:
    return db.session.scalar(select(Mark.id).join(Entry, Mark.entry_id == Entry.id).where(
        Mark.judge_person_id == person_id, Entry.skill_id == skill.id).limit(1)) is not None


def _in_pool(person: Person) -> bool:
    return person.id in {p.id for p in judge_pool()}


def seat_judge(panel: JudgePanel, person: Person, role: str = JudgeRole.SCORER) -> PanelSeat:
    """Seat a judge by hand. The event's seats are checked with the new one against the same rules as
    the automatic assignment; a change that breaks a rule is refused with the rule's message (an
    unfinished panel, e.g. no chief yet, is allowed and shown as incomplete). Audited."""
    skill = panel.skill
    _ensure_open(skill)
    if role not in {r.value for r in JudgeRole}:
        raise Invalid("judge.role", N_("Unknown judge role."))
    if not _in_pool(person):
        raise Invalid("judge.not_in_pool", N_("%(name)s is not in the judge pool."), name=person.name)
    current = [(seat.person_id, seat.role) for seat in panel.seats]
    if any(person_id == person.id for person_id, _ in current):
        raise StateConflict("judge.already_on_panel", N_("%(name)s already sits on this panel."), name=person.name)
    _refuse_new_problems(skill.event, {panel.id: [*current, (person.id, role)]})
    seat = PanelSeat(panel=panel, person_id=person.id, role=role)
    db.session.add(seat)
    audit.record("panel.seat", seat, after={"panel_id": panel.id, "skill_id": skill.id, "person_id": person.id,
                                            "role": role})
    _sync_assignments(skill)
    return seat


def change_seat_role(panel: JudgePanel, person: Person, role: str) -> PanelSeat:
    """Give a seated judge another role on the panel, checked like :func:`seat_judge`."""
    _ensure_open(panel.skill)
    if role not in {r.value for r in JudgeRole}:
        raise Invalid("judge.role", N_("Unknown judge role."))
    seat = next((s for s in panel.seats if s.person_id == person.id), None)
    if seat is None:
        raise Invalid("judge.not_on_panel", N_("%(name)s does not sit on this panel."), name=person.name)
    if seat.role == role:
        return seat
    proposal = [(s.person_id, role if s.person_id == person.id else s.role) for s in panel.seats]
    _refuse_new_problems(panel.skill.event, {panel.id: proposal})
    before = {"role": seat.role}
    seat.role = role
    audit.record("panel.seat_role", seat, before=before, after={"role": role, "panel_id": panel.id,
                                                                "person_id": person.id})
    _sync_assignments(panel.skill)
    return seat


def unseat_judge(panel: JudgePanel, person: Person) -> None:
    """Take a judge off a panel. Refused once they have marked in the skill and sit on no other of its
    panels: their marks would lose their judge. Audited."""
    skill = panel.skill
    _ensure_open(skill)
    seat = next((s for s in panel.seats if s.person_id == person.id), None)
    if seat is None:
        raise Invalid("judge.not_on_panel", N_("%(name)s does not sit on this panel."), name=person.name)
    elsewhere = any(s.person_id == person.id for other in panels_of(skill) if other.id != panel.id
                    for s in other.seats)
    if not elsewhere and _has_marked(person.id, skill):
        raise StateConflict("judge.has_marked", N_("%(name)s has already marked in this skill and stays on its "
                                                   "panel."), name=person.name)
    audit.record("panel.unseat", seat, before={"panel_id": panel.id, "skill_id": skill.id, "person_id": person.id,
                                               "role": seat.role})
    panel.seats.remove(seat)
    db.session.flush()
    _sync_assignments(skill)


def assign_judge(skill: Skill, person: Person, role: str = JudgeRole.SCORER) -> JudgeAssignment:
    """Seat a judge on the skill's lead panel (created with the defaults if the skill has none): the
    organiser's quick form on the skill page. Refuses a judge outside the pool, already on the skill or
    competing in it, a second chief, and anything :func:`seat_judge` refuses. Returns the judge's
    ``judge_assignment`` row (what scoring reads)."""
    if role not in {r.value for r in JudgeRole}:
        raise Invalid("judge.role", N_("Unknown judge role."))
    if not _in_pool(person):
        raise Invalid("judge.not_in_pool", N_("%(name)s is not in the judge pool."), name=person.name)
    if db.session.scalar(select(JudgeAssignment.id).where(JudgeAssignment.skill_id == skill.id,
                                                          JudgeAssignment.person_id == person.id)):
        raise StateConflict("judge.already", N_("%(name)s already judges this skill."), name=person.name)
    if db.session.scalar(select(EntryMember.id).where(EntryMember.skill_id == skill.id,
                                                      EntryMember.person_id == person.id)):
        raise StateConflict("judge.is_contestant", N_("%(name)s competes in this skill and cannot judge it."),
                            name=person.name)
    panel = lead_panel(skill, create=True)
    if role == JudgeRole.CHIEF and any(seat.role == JudgeRole.CHIEF for seat in panel.seats):
        raise StateConflict("judge.chief_taken", N_("This skill already has a chief judge."))
    seat_judge(panel, person, role)
    return db.session.scalar(select(JudgeAssignment).where(JudgeAssignment.skill_id == skill.id,
                                                           JudgeAssignment.person_id == person.id))


def _sync_assignments(skill: Skill) -> None:
    """Make ``judge_assignment`` of the skill follow its seats: the chief of the lead panel is the skill's
    chief; the chief or deputy of any other panel is a deputy (they mark, the skill's chief does not);
    everyone else seated is a scorer. Each change is audited (``judge.assign`` / ``judge.role`` /
    ``judge.unassign``)."""
    db.session.flush()
    wanted: dict[int, str] = {}
    for position, panel in enumerate(panels_of(skill)):
        for seat in panel.seats:
            if seat.role == JudgeRole.CHIEF and position == 0:
                role = JudgeRole.CHIEF.value
            elif seat.role in (JudgeRole.CHIEF, JudgeRole.DEPUTY):
                role = JudgeRole.DEPUTY.value
            else:
                role = JudgeRole.SCORER.value
            if seat.person_id not in wanted or _ROLE_RANK[role] < _ROLE_RANK[wanted[seat.person_id]]:
                wanted[seat.person_id] = role
    existing = {a.person_id: a for a in db.session.scalars(
        select(JudgeAssignment).where(JudgeAssignment.skill_id == skill.id))}
    for person_id, assignment in existing.items():
        if person_id not in wanted:
            audit.record("judge.unassign", assignment, before={"skill_id": skill.id, "person_id": person_id,
                                                               "role": assignment.role})
            db.session.delete(assignment)
        elif assignment.role != wanted[person_id]:
            audit.record("judge.role", assignment, before={"role": assignment.role},
                         after={"role": wanted[person_id]})
            assignment.role = wanted[person_id]
    db.session.flush()
    for person_id, role in sorted(wanted.items()):
        if person_id not in existing:
            assignment = JudgeAssignment(skill_id=skill.id, person_id=person_id, role=role)
            db.session.add(assignment)
            audit.record("judge.assign", assignment, after={"skill_id": skill.id, "person_id": person_id,
                                                            "role": role})


def assignments(skill: Skill) -> list[JudgeAssignment]:
    return list(db.session.scalars(select(JudgeAssignment).where(JudgeAssignment.skill_id == skill.id)
                                   .order_by(JudgeAssignment.role, JudgeAssignment.id)))


# === automatic assignment ==================================================================================

@dataclass
class _Instance:
    """What the solver gets for one event, and what it was built from."""

    event: Event
    panels: list[JudgePanel]           # open: the run seats them
    frozen: list[JudgePanel]           # their skill has marks or is locked: kept as they are
    specs: list[PanelSpec]
    judges: list[JudgeSpec]
    forbidden: frozenset[tuple[int, int]]
    settings: AssignmentSettings
    people: dict[int, Person]
    fingerprint: str


def _is_frozen(panel: JudgePanel) -> bool:
    skill = panel.skill
    return skill.marks_locked or skill.results_published or db.session.scalar(
        select(Mark.id).join(Entry, Mark.entry_id == Entry.id).where(Entry.skill_id == skill.id).limit(1)) is not None


def _build_instance(event: Event) -> _Instance:
    """The event's open panels and the active pool, with every hard fact: conflicts in force
    (not_on_panel), judges competing in a skill, seats already held on frozen panels of this event and on
    panels of other events at the same time, and each judge's remaining workload."""
    all_panels = event_panels(event)
    frozen_state = {panel.id: _is_frozen(panel) for panel in all_panels}
    panels = [p for p in all_panels if not frozen_state[p.id]]
    frozen = [p for p in all_panels if frozen_state[p.id]]
    profiles = list(db.session.scalars(select(JudgeProfile).where(JudgeProfile.active.is_(True))
                                       .order_by(JudgeProfile.person_id)))
    person_ids = [profile.person_id for profile in profiles]
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids))
                                                   .options(selectinload(Person.organisation)))}
    report = event_conflicts(event, person_ids)
    forbidden, _ = _forbidden(report, panels)
    pairs = set(forbidden)
    slots = {panel.id: panel_slots(panel, event) for panel in panels}
    busy: dict[int, set[str]] = defaultdict(set)
    held: dict[int, int] = defaultdict(int)
    for panel in frozen:
        for seat in panel.seats:
            busy[seat.person_id] |= panel_slots(panel, event)
            held[seat.person_id] += 1
    for person_id, seats in _other_event_seats(event, person_ids).items():
        for _, other_slots in seats:
            busy[person_id] |= other_slots
    for person_id, taken in busy.items():
        for panel in panels:
            if slots[panel.id] & taken:
                pairs.add((person_id, panel.id))
    judges = [_judge_spec(people[p.person_id], p, (), p.max_panels - held[p.person_id]) for p in profiles]
    specs = [_panel_spec(panel, event) for panel in panels]
    settings = judge_settings(event).assignment_settings()
    fingerprint = _fingerprint(specs, judges, pairs, settings, all_panels)
    return _Instance(event, panels, frozen, specs, judges, frozenset(pairs), settings, people, fingerprint)


def _fingerprint(specs: Sequence[PanelSpec], judges: Sequence[JudgeSpec], forbidden: Iterable[tuple[int, int]],
                 settings: AssignmentSettings, panels: Sequence[JudgePanel]) -> str:
    """SHA-256 of everything a run depends on, including every panel's current seats (a preview shows
    what changes from them)."""
    def plain(value: Any) -> Any:
        if isinstance(value, frozenset | set):
            return sorted(value, key=str)
        if isinstance(value, Mapping):
            return {str(k): value[k] for k in sorted(value, key=str)}
        return value
    data = {
        "panels": [{f.name: plain(getattr(spec, f.name)) for f in fields(spec)} for spec in specs],
        "judges": [{f.name: plain(getattr(judge, f.name)) for f in fields(judge)} for judge in judges],
        "forbidden": sorted(forbidden),
        "settings": {f.name: plain(getattr(settings, f.name)) for f in fields(settings)},
        "seats": [[panel.id, sorted((seat.person_id, seat.role) for seat in panel.seats)] for panel in panels],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def preview_assignment(event: Event, *, seed: int | None = None) -> AssignmentRun:
    """Run the automatic assignment for the event's open panels and record the run (seed, proposal or
    problems) without changing any seat. The same data and seed give the same proposal. When no valid
    assignment exists the run names the panels and the rule that cannot be met. Audited."""
    from flask_login import current_user
    instance = _build_instance(event)
    if not instance.panels:
        raise StateConflict("assignment.no_panels", N_("There is no open panel to assign: add panels to the "
                                                       "skills first."))
    if seed is None:
        seed = secrets.randbelow(2**31 - 1)
    if not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise Invalid("assignment.seed", N_("The seed is a whole number from 0 to 2147483647."))
    limit = judge_settings(event).time_limit_seconds
    result = assignment_rules.assign_panels(instance.specs, instance.judges, instance.forbidden, seed=seed,
                                            time_limit_seconds=limit, settings=instance.settings)
    proposal: dict[str, list[list[Any]]] = {}
    problems = [{"code": p.code, "message": p.message, "params": _jsonable(p.params),
                 "panel_ids": list(p.panel_ids)} for p in result.problems]
    status = RunStatus(result.status.value)
    if result.feasible:
        proposal = {str(panel_id): [[seat.judge_id, seat.role.value] for seat in seats]
                    for panel_id, seats in result.assignments.items()}
        # Defence in depth: what the solver proposes passes the same check as a manual change.
        violations = assignment_rules.check_assignment(instance.specs, instance.judges, instance.forbidden,
                                                       result.assignments, instance.settings)
        if violations:
            raise RuntimeError(f"the solver proposed an assignment that breaks {violations[0].code}")
    run = AssignmentRun(event_id=event.id, seed=seed, time_limit=limit, status=status.value,
                        panel_ids=[panel.id for panel in instance.panels], proposal=proposal, problems=problems,
                        cost=asdict(result.cost) if result.cost else None, fingerprint=instance.fingerprint,
                        solve_seconds=round(result.solve_seconds, 3), created_by_id=getattr(current_user, "id", None))
    db.session.add(run)
    audit.record("assignment.preview", run, after={"event_id": event.id, "seed": seed, "status": status.value,
                                                   "panels": run.panel_ids, "problems": [p["code"] for p in problems],
                                                   "fingerprint": instance.fingerprint})
    return run


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def apply_assignment(run: AssignmentRun) -> None:
    """Replace the seats of the run's panels with its proposal, all panels or none. Refused when the run
    found no assignment, was applied already, or the pool, panels, conflicts or seats changed since the
    preview (preview again). Audited per panel and for the run."""
    from flask_login import current_user
    if run.applied_at is not None:
        raise StateConflict("assignment.applied", N_("This assignment has already been applied."))
    if run.status not in (RunStatus.OPTIMAL, RunStatus.FEASIBLE):
        raise StateConflict("assignment.infeasible", N_("This run found no valid assignment: nothing to apply."))
    event = run.event
    instance = _build_instance(event)
    if instance.fingerprint != run.fingerprint or [p.id for p in instance.panels] != run.panel_ids:
        raise StateConflict("assignment.stale", N_("The judge pool, the panels, the conflicts or the seats have "
                                                   "changed since this preview: preview again."))
    proposal = {int(panel_id): [(int(pid), str(role)) for pid, role in seats]
                for panel_id, seats in run.proposal.items()}
    _refuse_new_problems(event, proposal)
    for panel in instance.panels:
        before = sorted((seat.person_id, seat.role) for seat in panel.seats)
        after = sorted(proposal.get(panel.id, []))
        if before == after:
            continue
        wanted = dict(proposal.get(panel.id, []))
        for seat in list(panel.seats):
            if wanted.get(seat.person_id) == seat.role:
                wanted.pop(seat.person_id)
            else:
                panel.seats.remove(seat)
        db.session.flush()
        for person_id, role in wanted.items():
            panel.seats.append(PanelSeat(person_id=person_id, role=role, run_id=run.id))
        audit.record("panel.assign", panel, before={"seats": before}, after={"seats": after, "run_id": run.id})
    db.session.flush()
    for skill in {panel.skill_id: panel.skill for panel in instance.panels}.values():
        _sync_assignments(skill)
    run.applied_at = datetime.now(UTC)
    run.applied_by_id = getattr(current_user, "id", None)
    audit.record("assignment.apply", run, after={"event_id": event.id, "seed": run.seed, "panels": run.panel_ids})


def latest_run(event: Event) -> AssignmentRun | None:
    return db.session.scalar(select(AssignmentRun).where(AssignmentRun.event_id == event.id)
                             .order_by(AssignmentRun.id.desc()).limit(1))


@dataclass(frozen=True)
class PanelChange:
    panel: JudgePanel
    seats: list[tuple[Person, str]]       # proposed, chief first
    added: set[int]
    removed: list[tuple[Person, str]]


def proposal_changes(run: AssignmentRun) -> list[PanelChange]:
    """For the preview page: each panel of the run with its proposed seats and what changes."""
    panels = {panel.id: panel for panel in event_panels(run.event)}
    person_ids = {int(pid) for seats in run.proposal.values() for pid, _ in seats}
    person_ids |= {seat.person_id for pid in run.panel_ids if pid in panels for seat in panels[pid].seats}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(list(person_ids))))}
    changes = []
    for panel_id in run.panel_ids:
        panel = panels.get(panel_id)
        if panel is None:
            continue
        proposed = [(int(pid), role) for pid, role in run.proposal.get(str(panel_id), [])]
        current = {(seat.person_id, seat.role) for seat in panel.seats}
        changes.append(PanelChange(
            panel, [(people[pid], role) for pid, role in proposed],
            {pid for pid, role in proposed if (pid, role) not in current},
            [(people[pid], role) for pid, role in sorted(current) if (pid, role) not in set(proposed)]))
    return changes


def run_problem_texts(run: AssignmentRun) -> list[tuple[str, list[int]]]:
    """The run's problems in the current language, with panel, judge and occupation names for ids."""
    panels = {panel.id: panel for panel in event_panels(run.event)}
    labels = {pid: panel_label(panel) for pid, panel in panels.items()}
    occupations = {panel.skill.occupation_code: panel.skill.occupation_name for panel in panels.values()}
    texts = []
    for problem in run.problems:
        params = dict(problem["params"])
        if "panel_id" in params:
            params["panel_id"] = labels.get(params["panel_id"], params["panel_id"])
        if "panel_ids" in params:
            params["panel_ids"] = "、".join(labels.get(p, str(p)) for p in params["panel_ids"])
        if "occupation" in params:
            params["occupation"] = occupations.get(params["occupation"], params["occupation"])
        if "shared_judge_ids" in params:
            names = {p.id: p.name for p in db.session.scalars(
                select(Person).where(Person.id.in_(params["shared_judge_ids"])))}
            params["shared_judge_ids"] = "、".join(names.get(i, str(i)) for i in params["shared_judge_ids"])
        if "requirements" in params:
            params["requirements"] = "; ".join(
                f"{labels.get(r['panel_id'], r['panel_id'])}: {r['requirement']}"
                + (f" ({r['level']})" if r.get("level") else "") for r in params["requirements"])
        texts.append((gettext(problem["message"], **params), problem["panel_ids"]))
    return texts


def frozen_panel_ids(event: Event) -> set[int]:
    """Panels the automatic assignment leaves alone: their skill has marks or is locked."""
    return {panel.id for panel in event_panels(event) if _is_frozen(panel)}


def run_is_stale(run: AssignmentRun) -> bool:
    """Whether the data changed since the run's preview, so that applying it would be refused."""
    instance = _build_instance(run.event)
    return instance.fingerprint != run.fingerprint or [p.id for p in instance.panels] != run.panel_ids


def proposal_warnings(run: AssignmentRun) -> list[SeatProblem]:
    """What the proposal would leave to watch (never a broken rule): competitors whom too few of a
    panel's scorers may mark, because of not_marking conflicts."""
    proposal = {int(panel_id): [(int(pid), role) for pid, role in seats] for panel_id, seats in run.proposal.items()}
    return [p for p in check_event_seats(run.event, proposal, warnings=True)
            if p.code == "panel.coverage" and p.panel_id in proposal]


@dataclass
class PanelConflicts:
    """What the conflicts mean for one panel, for the pages to show: pool judges qualified for it but kept
    off (with the types), and seated judges who do not mark some competitors (with their numbers)."""

    kept_off: list[tuple[Person, list[str]]] = field(default_factory=list)
    not_marking: list[tuple[Person, list[str]]] = field(default_factory=list)


def panel_conflicts(event: Event, proposal: Mapping[int, Sequence[tuple[int, str]]] | None = None
                    ) -> dict[int, PanelConflicts]:
    """Per panel of the event (with ``proposal`` replacing some panels' seats): who the conflicts keep off
    it and whom its judges may not mark. Types are the codes of :data:`CONFLICT_TYPE_LABELS`."""
    panels = event_panels(event)
    seats = {panel.id: [pid for pid, _ in proposal[panel.id]] if proposal and panel.id in proposal
             else [seat.person_id for seat in panel.seats] for panel in panels}
    report = event_conflicts(event)
    profiles = profiles_by_person({row.judge.id for row in report.in_force} | {p.id for p, _ in report.competing})
    kept: dict[tuple[int, int], list[str]] = defaultdict(list)       # (skill, judge) → types
    numbers: dict[tuple[int, int], list[str]] = defaultdict(list)    # (skill, judge) → competitor numbers
    people: dict[int, Person] = {}
    for row in report.in_force:
        people[row.judge.id] = row.judge
        key = (row.entry.skill_id, row.judge.id)
        if row.conflict.effect is ConflictEffect.NOT_ON_PANEL and row.type not in kept[key]:
            kept[key].append(row.type)
        number = row.entry.competitor_number
        if number and number not in numbers[key]:
            numbers[key].append(number)
    for person, entry in report.competing:
        people[person.id] = person
        kept[(entry.skill_id, person.id)].append(SELF)
    found: dict[int, PanelConflicts] = {}
    for panel in panels:
        summary = PanelConflicts()
        for (skill_id, person_id), types in sorted(kept.items(), key=lambda item: people[item[0][1]].name):
            profile = profiles.get(person_id)
            if skill_id == panel.skill_id and (profile is None or panel.skill.occupation_code in profile.occupations):
                summary.kept_off.append((people[person_id], types))
        for person_id in seats[panel.id]:
            if numbers.get((panel.skill_id, person_id)):
                summary.not_marking.append((people[person_id], numbers[(panel.skill_id, person_id)]))
        found[panel.id] = summary
    return found


@dataclass(frozen=True)
class Candidate:
    person: Person
    label: str
    qualified: bool


def candidates(skill: Skill) -> list[Candidate]:
    """The pool for the seat form of a skill's panels: judges qualified for its occupation and free of
    not-on-panel conflicts first; the others follow, marked with why (the check refuses them anyway)."""
    pool = judge_pool()
    profiles = profiles_by_person([p.id for p in pool])
    report = event_conflicts(skill.event, [p.id for p in pool], [skill.id])
    barred: dict[int, set[str]] = defaultdict(set)
    for row in report.in_force:
        if row.conflict.effect is ConflictEffect.NOT_ON_PANEL:
            barred[row.judge.id].add(str(CONFLICT_TYPE_LABELS[row.type]))
    for person, _entry in report.competing:
        barred[person.id].add(str(CONFLICT_TYPE_LABELS[SELF]))
    found = []
    for person in pool:
        profile = profiles.get(person.id)
        parts = [person.name]
        if profile is not None:
            parts.append(gettext("national") if profile.level == JudgeLevel.NATIONAL else
                         gettext("municipal") if profile.level == JudgeLevel.MUNICIPAL else gettext("industry"))
        org = _organisation(person.organisation_id)
        if org is not None:
            parts.append(org.name)
        qualified = profile is None or skill.occupation_code in profile.occupations
        if not qualified:
            parts.append("⚠ " + gettext("not qualified for %(occupation)s", occupation=skill.occupation_name))
        if barred.get(person.id):
            parts.append("⚠ " + "、".join(sorted(barred[person.id])))
        found.append(Candidate(person, " · ".join(parts), qualified and not barred.get(person.id)))
    return sorted(found, key=lambda c: (not c.qualified, c.person.name, c.person.id))


# === letters ==============================================================================================

PRINT_FONT = "Noto Serif CJK SC"
# Printed documents are bilingual whatever the reader's language: (Chinese, English).
PRINTED_ROLES = {JudgeRole.CHIEF.value: ("裁判长", "Chief judge"), JudgeRole.DEPUTY.value: ("副裁判长", "Deputy chief judge"),
                 JudgeRole.SCORER.value: ("裁判", "Judge")}
PRINTED_LEVELS = {JudgeLevel.NATIONAL.value: ("国家级", "national-level"),
                  JudgeLevel.MUNICIPAL.value: ("市级", "municipal-level"),
                  JudgeLevel.INDUSTRY.value: ("行业", "industry-level")}
_font_config = None


def _sessions(panel: JudgePanel) -> str:
    if not panel.time_slots:
        return "全程 Whole event"
    halves = {"AM": ("上午", "am"), "PM": ("下午", "pm")}
    texts = []
    for text in panel.time_slots:
        day, half = _parse_slot(text)
        texts.append(f"{day.month}月{day.day}日" + (halves[half][0] if half else ""))
    return "，".join(texts)


def _render_pdf(template: str, **context: Any) -> bytes:
    """Render a print template with WeasyPrint in the print font, after checking that the font has a
    glyph for every character (a missing one is refused by name instead of printed as a blank box)."""
    global _font_config
    from flask import render_template
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from evaluation.printing import format_date_en, format_date_zh
    html = render_template(template, font=PRINT_FONT, roles=PRINTED_ROLES, levels=PRINTED_LEVELS,
                           date_zh=format_date_zh, date_en=format_date_en, **context)
    _check_glyphs(html)
    if _font_config is None:
        _font_config = FontConfiguration()
    return HTML(string=html).write_pdf(font_config=_font_config)


def _check_glyphs(html: str) -> None:
    import re

    from evaluation.printing import _font_coverage  # the certificates' check of the same font
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
    coverage = _font_coverage().codepoints
    for char in text:
        if not char.isspace() and ord(char) not in coverage and not 0xFE00 <= ord(char) <= 0xFE0F:
            raise Invalid("print.missing_glyph", N_("The character %(char)s (%(codepoint)s) has no glyph in the "
                                                    "print font %(font)s, so the letter would show a blank box."),
                          char=char, codepoint=f"U+{ord(char):04X}", font=PRINT_FONT)


@dataclass(frozen=True)
class Appointment:
    person: Person
    profile: JudgeProfile | None
    duties: list[tuple[JudgePanel, str]]
    number: str


def appointments(event: Event, person_ids: Collection[int] | None = None) -> list[Appointment]:
    """One appointment per judge seated on the event's panels (all, or ``person_ids``), numbered by the
    order of the judges' records so a reprint keeps the number."""
    duties: dict[int, list[tuple[JudgePanel, str]]] = defaultdict(list)
    for panel in event_panels(event):
        for seat in sorted(panel.seats, key=lambda s: _ROLE_RANK[s.role]):
            duties[seat.person_id].append((panel, seat.role))
    ordered = sorted(duties)
    wanted = ordered if person_ids is None else [pid for pid in ordered if pid in set(person_ids)]
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(wanted)))}
    profiles = {p.person_id: p for p in db.session.scalars(select(JudgeProfile).where(
        JudgeProfile.person_id.in_(wanted)))}
    return [Appointment(people[pid], profiles.get(pid), duties[pid],
                        f"{event.code}-J{ordered.index(pid) + 1:04d}") for pid in wanted]


def appointment_letters_pdf(event: Event, person_ids: Collection[int] | None = None) -> bytes:
    """The appointment letters (聘书) of an event's judges, one A4 page each. Raises :class:`Invalid`
    when nobody is seated, or a character has no glyph in the print font."""
    letters = appointments(event, person_ids)
    if not letters:
        raise Invalid("letters.none", N_("No judge is seated on this event's panels yet."))
    sessions = {panel.id: _sessions(panel) for letter in letters for panel, _ in letter.duties}
    return _render_pdf("judges/letters_pdf.html", event=event, letters=letters, sessions=sessions, today=date.today())


def panel_sheet_pdf(skill: Skill) -> bytes:
    """The skill's panels on one sheet for the chief judge and the organisers: every judge with role,
    level and organisation, and the competitors (by outer code) each may not mark (not_marking conflicts)."""
    panels = panels_of(skill)
    if not any(panel.seats for panel in panels):
        raise Invalid("letters.none", N_("No judge is seated on this skill's panels yet."))
    person_ids = {seat.person_id for panel in panels for seat in panel.seats}
    report = event_conflicts(skill.event, person_ids, [skill.id])
    not_marking: dict[int, list[str]] = defaultdict(list)
    labels = draw.judge_labels(skill)  # judges read competitors by outer code (成果号) only
    for row in report.in_force:
        number = labels.get(row.entry.id)    # only approved entries have one, and only they are marked
        if number and number not in not_marking[row.judge.id]:
            not_marking[row.judge.id].append(number)
    profiles = {p.person_id: p for p in db.session.scalars(select(JudgeProfile).where(
        JudgeProfile.person_id.in_(list(person_ids))))}
    return _render_pdf("judges/panel_sheet_pdf.html", skill=skill, event=skill.event, panels=panels,
                       profiles=profiles, not_marking=not_marking, sessions={p.id: _sessions(p) for p in panels},
                       today=date.today())


# === demo =================================================================================================

# (name, Latin name, nationality, 区县 of the ID number, 区县 in the pool, level, occupation codes, may chair,
#  organisation name or None)
_DEMO_POOL = [
    # 一带一路 CNC milling (铣工): a Thai, a Vietnamese and a Russian expert mark no compatriot; 刘海涛 coached
    # a guest and sits on no panel of that skill.
    ("周志明", None, "CN", "九龙坡区", "渝中区", "national", ["6-18-01-02"], True, "重庆工业技师学院"),
    ("Somchai Prasert", "Somchai Prasert", "TH", None, None, "national", ["6-18-01-02"], True, None),
    ("Nguyen Thi Lan", "Nguyen Thi Lan", "VN", None, None, "municipal", ["6-18-01-02"], False, None),
    ("Elena Ivanova", "Elena Ivanova", "RU", None, None, "municipal", ["6-18-01-02"], False, None),
    ("刘海涛", None, "CN", "沙坪坝区", "江津区", "municipal", ["6-18-01-02"], False, "重庆长江智能制造研究院"),
    ("吴晓峰", None, "CN", "渝北区", "渝中区", "industry", ["6-18-01-02", "6-18-02-04"], False, None),
    ("郑凯", None, "CN", "江北区", "渝中区", "municipal", ["6-18-01-02"], True, "重庆市职业技能鉴定指导中心"),
    # WorldSkills mobile robotics (工业机器人系统运维员): 马骏 works for a contestant's employer and 孙国庆
    # declared a relative competing (both off the panel); 何雪 comes from a contestant's 区县 (does not mark them).
    ("陶然", None, "CN", "渝北区", "渝中区", "national", ["6-31-07-01"], True, "重庆长江智能制造研究院"),
    ("马骏", None, "CN", "渝北区", "两江新区", "municipal", ["6-31-07-01"], False, "重庆两江智能装备有限公司"),
    ("何雪", None, "CN", "万州区", "万州区", "municipal", ["6-31-07-01"], False, None),
    ("孙国庆", None, "CN", "永川区", "永川区", "municipal", ["6-31-07-01"], False, "重庆工业技师学院"),
    ("白云", None, "CN", "綦江区", "綦江区", "industry", ["6-31-07-01"], False, None),
    ("程远", None, "CN", "涪陵区", "江津区", "municipal", ["6-31-07-01", "6-31-01-03"], True, None),
]
_DEMO_REGION_CODES = {"九龙坡区": "500107", "沙坪坝区": "500106", "渝北区": "500112", "江北区": "500105",
                      "万州区": "500101", "永川区": "500118", "綦江区": "500110", "涪陵区": "500102"}
_DEMO_DECLARATIONS = (("孙国庆", RelationKind.RELATIVE, "高平", "表弟"),
                      ("刘海涛", RelationKind.TEACHER_OF, "Ahmed Raza", "2025年数控铣国际培训班带教"))
# The demo's own judges (competition.demo): level, occupations, may chair.
_DEMO_ACCOUNTS = {"judge1": ("national", ["6-31-01-03", "6-31-07-01"], True),
                  "judge2": ("municipal", ["6-31-01-03"], False), "judge3": ("municipal", ["6-31-01-03"], False),
                  "judge4": ("municipal", ["6-31-01-03"], True), "judge5": ("municipal", ["6-31-07-01"], False)}
DEMO_SEED = 2026


def load_demo_judges() -> list[str]:
    """Add the demo's judge pool and commit; loading it again changes nothing. Call after
    ``competition.demo.load_demo`` (it needs the demo's events, organisations and contestants).

    The pool has conflicts that the assignment visibly avoids: in the WorldSkills selection a judge from
    a contestant's employer and one who declared a relative competing are kept off the 移动机器人 panel and
    one from a contestant's 区县 sits on it without marking them; in the 一带一路 invitational a judge who
    coached a guest is kept off the 数控铣 panel, whose assignment is applied (seed 2026), and the Thai and
    Russian experts do not mark their compatriots. Returns what was added, for the CLI to print."""
    from competition.rules.identity import resident_id_check_char
    done: list[str] = []
    ws = db.session.scalar(select(Event).where(Event.code == "ws48-cq"))
    bri = db.session.scalar(select(Event).where(Event.code == "bri-2026"))
    if ws is None or bri is None:
        raise StateConflict("demo.missing", N_("Load the demo first."))
    known = known_occupations()
    for username, (level, occupations, chair) in _DEMO_ACCOUNTS.items():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None and user.person is not None:
            save_profile(user.person, level=level, occupations=occupations, languages=["zh"], may_chair=chair,
                         known=known)
    people: dict[str, Person] = {}
    for n, (name, latin, country, home, district, level, occupations, chair, org_name) in enumerate(_DEMO_POOL):
        org = db.session.scalar(select(Organisation).where(Organisation.name == org_name)) if org_name else None
        if country == "CN":
            body = f"{_DEMO_REGION_CODES[home]}{1968 + n}{1 + n % 12:02d}{10 + n:02d}{201 + 2 * n:03d}"
            number, id_type = body + resident_id_check_char(body), IdType.RESIDENT_ID.value
        else:
            number, id_type = f"{country}88{1000 + n * 7}", IdType.PASSPORT.value
        person = entries.find_or_create_person(name=name, id_type=id_type, id_number=number, nationality=country,
                                               name_latin=latin, organisation_id=org.id if org else None,
                                               district=home)
        _, changed = save_profile(person, level=level, occupations=occupations, district=district,
                                  languages=["zh"] if country == "CN" else ["en", country.lower()],
                                  past_events=["2025年全国行业职业技能竞赛裁判"] if level == "national" else [],
                                  may_chair=chair, known=known)
        if changed:
            done.append(f"pool: {name}")
        people[name] = person
    for judge, kind, other, note in _DEMO_DECLARATIONS:
        if not any(r.other_name == other for r in relations_of(people[judge].id)):
            declare_relation(people[judge], kind=kind, other_name=other, note=note)
            done.append(f"declared: {judge} / {other}")
    for event in (ws, bri):
        for skill in event.skills:
            if not panels_of(skill) and events.published_scheme(skill.id) is not None:
                create_panel(skill)
                done.append(f"panel: {skill.code}")
    if latest_run(ws) is None:
        preview_assignment(ws, seed=DEMO_SEED)
        done.append("preview: ws48-cq")
    if not any(run.applied_at for run in db.session.scalars(select(AssignmentRun).where(
            AssignmentRun.event_id == bri.id))):
        run = preview_assignment(bri, seed=DEMO_SEED)
        if run.proposal:
            apply_assignment(run)
            done.append("applied: bri-2026")
    db.session.commit()
    return done
