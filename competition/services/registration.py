"""Registration: windows that open and close by themselves, skill settings, and entering a skill by every way in
(a contestant alone, a 领队 for their organisation; imports in :mod:`competition.services.entry_import`),
all checked by the same rules (:mod:`competition.rules.registration`)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import format_datetime
from sqlalchemy import func, select, update

from competition.errors import N_, DomainError, Invalid, NotAllowed, StateConflict
from competition.extensions import db
from competition.models import Entry, EntryMember, EntryStatus, Event, EventStatus, Person, Role, Skill, User
from competition.rules import registration as rules
from competition.services import audit, jobs

LIVE = (EntryStatus.SUBMITTED.value, EntryStatus.APPROVED.value)
SECTION = "registration"


# --- settings ----------------------------------------------------------------------------------------------

def settings_of(skill: Skill) -> rules.RegistrationSettings:
    """The skill's registration settings: DOMAIN.md defaults for the event's kind, then the event's
    ``settings["registration"]``, then the skill's."""
    values = {**rules.default_settings(skill.event.kind), **(skill.event.settings or {}).get(SECTION, {}),
              **(skill.settings or {}).get(SECTION, {})}
    return rules.RegistrationSettings(**values)


def update_skill_settings(skill: Skill, *, capacity: int | None, values: dict[str, Any],
                          team_size: int | None = None) -> Skill:
    """The organiser's registration settings of one skill (capacity, team size and ``values`` of
    :class:`~competition.rules.registration.RegistrationSettings`), checked before anything is stored. The team
    size changes only while the skill has no entries."""
    if capacity is not None and capacity < 1:
        raise Invalid("skill.capacity", N_("The capacity must be at least 1 (or empty for no limit)."))
    team_size = skill.team_size if team_size is None else team_size
    if team_size not in (1, 2, 3):
        raise Invalid("skill.team_size", N_("A skill is individual or for teams of 2 or 3."))
    if team_size != skill.team_size and db.session.scalar(select(Entry.id).where(Entry.skill_id == skill.id)
                                                          .limit(1)) is not None:
        raise StateConflict("skill.team_size_entries", N_("The skill already has entries: its team size can no "
                                                          "longer change."))
    merged = {**(skill.settings or {}).get(SECTION, {}), **values}
    try:
        rules.RegistrationSettings(**{**rules.default_settings(skill.event.kind), **merged})
    except rules.RuleError as error:
        raise Invalid.from_rule(error) from None
    except (TypeError, ValueError) as error:
        raise Invalid("settings.invalid", N_("These settings are not valid: %(error)s"), error=str(error)) from None
    before = {"capacity": skill.capacity, "team_size": skill.team_size, SECTION: (skill.settings or {}).get(SECTION)}
    skill.capacity, skill.team_size = capacity, team_size
    skill.settings = {**(skill.settings or {}), SECTION: merged}
    audit.record("skill.registration_settings", skill, before=before,
                 after={"capacity": capacity, "team_size": team_size, SECTION: merged})
    return skill


def competition_date(event: Event) -> date:
    """The date ages are counted on: the first day of the event, else 1 January of its year."""
    return event.starts_on or date(event.year, 1, 1)


# --- the window ---------------------------------------------------------------------------------------------

def _job_ids(event_id: int) -> tuple[str, str]:
    return f"registration-open-{event_id}", f"registration-close-{event_id}"


def set_window(event: Event, opens_at: datetime | None, closes_at: datetime | None,
               now: datetime | None = None) -> Event:
    """Set when registration opens and closes (timezone-aware), and schedule the scheduler's jobs that do it.
    An empty time cancels its job. Refused when closing is not after opening, or for a past time that
    can no longer happen (opening an event that is no longer a draft)."""
    now = now or datetime.now(UTC)
    opens_at = opens_at.astimezone(UTC) if opens_at else None   # stored in UTC (SQLite keeps no offset)
    closes_at = closes_at.astimezone(UTC) if closes_at else None
    if opens_at and closes_at and closes_at <= opens_at:
        raise Invalid("registration.window", N_("Registration must close after it opens."))
    if opens_at and event.status != EventStatus.DRAFT and opens_at != _aware(event.registration_opens_at):
        raise StateConflict("registration.window_open", N_("Registration has already been opened: set only "
                                                           "the closing time."))
    if closes_at and closes_at <= now and event.status in (EventStatus.DRAFT, EventStatus.REGISTRATION_OPEN) \
            and not opens_at:
        raise Invalid("registration.window_past", N_("The closing time must be in the future."))
    before = {"opens_at": event.registration_opens_at, "closes_at": event.registration_closes_at}
    event.registration_opens_at, event.registration_closes_at = opens_at, closes_at
    open_id, close_id = _job_ids(event.id)
    pending_open = opens_at if event.status == EventStatus.DRAFT else None   # an opened event needs no job
    for job_id, moment, target in ((open_id, pending_open, "open_registration"), (close_id, closes_at,
                                                                                 "close_registration")):
        if moment is None:
            jobs.cancel(job_id)
        else:
            jobs.schedule_once(job_id, f"competition.services.registration:{target}", moment,
                               {"event_id": event.id})
    audit.record("event.registration_window", event, before=before, after={"opens_at": opens_at,
                                                                          "closes_at": closes_at})
    return event


def _move(event_id: int, from_status: str, to_status: str, action: str) -> bool:
    """One conditional UPDATE: the event moves only if it is still in ``from_status`` (a job run twice, or
    an organiser who moved it by hand first, changes nothing). Returns whether it moved."""
    moved = db.session.execute(update(Event).where(Event.id == event_id, Event.status == from_status)
                               .values(status=to_status)).rowcount
    if moved:
        audit.record(action, None, object_type="event", object_id=event_id, before={"status": from_status},
                     after={"status": to_status, "by": "scheduler"})
    return bool(moved)


def open_registration(event_id: int) -> bool:
    """The scheduler's job at the opening time: draft → registration open."""
    return _move(event_id, EventStatus.DRAFT, EventStatus.REGISTRATION_OPEN, "event.status")


def close_registration(event_id: int) -> bool:
    """The scheduler's job at the closing time: registration open → closed."""
    return _move(event_id, EventStatus.REGISTRATION_OPEN, EventStatus.REGISTRATION_CLOSED, "event.status")


def ensure_open(event: Event, now: datetime | None = None) -> None:
    """Refuse a late (or early) action with a message that says when registration opens or closed. The
    closing time counts even if the scheduler has not run yet."""
    now = now or datetime.now(UTC)
    closes_at = _aware(event.registration_closes_at)
    if event.status == EventStatus.REGISTRATION_OPEN and (closes_at is None or now < closes_at):
        return
    if event.status == EventStatus.DRAFT:
        opens_at = _aware(event.registration_opens_at)
        if opens_at is not None:
            raise StateConflict("registration.not_yet", N_("Registration for this event opens at %(when)s."),
                                when=format_datetime(opens_at, "yyyy-MM-dd HH:mm"))
        raise StateConflict("entry.closed", N_("Registration for this event is not open."))
    if closes_at is not None:
        raise StateConflict("registration.closed", N_("Registration for this event closed at %(when)s: "
                                                      "entries can no longer be made, changed or withdrawn."),
                            when=format_datetime(closes_at, "yyyy-MM-dd HH:mm"))
    raise StateConflict("registration.closed_now", N_("Registration for this event is closed: entries can no "
                                                      "longer be made, changed or withdrawn."))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive UTC datetimes
        return moment.replace(tzinfo=UTC)
    return moment


# --- counting what is entered ------------------------------------------------------------------------------

def counts_for(skill_ids: Iterable[int]) -> dict[int, rules.Counts]:
    """Live entries per skill, per organisation and per country (the first member's nationality): one query."""
    ids = list(set(skill_ids))
    counts = {skill_id: rules.Counts() for skill_id in ids}
    if not ids:
        return counts
    first_member = (select(EntryMember.entry_id, func.min(EntryMember.id).label("member_id"))
                    .group_by(EntryMember.entry_id).subquery())
    rows = db.session.execute(
        select(Entry.skill_id, Entry.organisation_id, Person.nationality)
        .join(first_member, first_member.c.entry_id == Entry.id)
        .join(EntryMember, EntryMember.id == first_member.c.member_id)
        .join(Person, Person.id == EntryMember.person_id)
        .where(Entry.skill_id.in_(ids), Entry.status.in_(LIVE)))
    for skill_id, organisation_id, country in rows:
        counts[skill_id].add(organisation_id, country)
    return counts


# --- entering a skill (one entry at a time) ----------------------------------------------------------------

@dataclass(frozen=True)
class MemberInput:
    """One person as typed on a form."""

    name: str
    id_type: str
    id_number: str
    nationality: str | None = None
    name_latin: str | None = None
    birth_date: date | None = None
    sex: str | None = None
    phone: str | None = None


def problem_error(problem: rules.RegistrationProblem | rules.FieldProblem) -> DomainError:
    status = 409 if problem.code.startswith(("entry.", "registration.")) else 400
    return DomainError(problem.code, problem.message, status, **problem.params)


def checked_person(member: MemberInput, today: date | None = None) -> rules.CheckedPerson:
    person, problems = rules.check_person(
        name=member.name, id_type=member.id_type, id_number=member.id_number, nationality=member.nationality,
        name_latin=member.name_latin, birth_date=member.birth_date, sex=member.sex, today=today or date.today())
    if problems:
        raise problem_error(problems[0])
    return person


def person_for(checked: rules.CheckedPerson, *, phone: str | None = None,
               organisation_id: int | None = None) -> Person:
    """The Person with this document (created if new); a known document under another name is refused."""
    person = db.session.scalar(select(Person).where(Person.id_type == checked.id_type,
                                                    Person.nationality == checked.nationality,
                                                    Person.id_number == checked.id_number))
    if person is not None:
        if person.name != checked.name:
            raise StateConflict("person.name_mismatch", N_("This ID number is already registered under another "
                                                           "name."))
        if person.birth_date is None and checked.birth_date or person.sex is None and checked.sex:
            before = {"birth_date": person.birth_date, "sex": person.sex}
            person.birth_date, person.sex = person.birth_date or checked.birth_date, person.sex or checked.sex
            audit.record("person.update", person, before=before, after={"birth_date": person.birth_date,
                                                                        "sex": person.sex})
        return person
    person = Person(name=checked.name, name_latin=checked.name_latin, id_type=checked.id_type,
                    id_number=checked.id_number, nationality=checked.nationality, birth_date=checked.birth_date,
                    sex=checked.sex, phone=(phone or "").strip() or None, organisation_id=organisation_id)
    db.session.add(person)
    audit.record("person.create", person, after={k: v for k, v in checked._asdict().items() if k != "id_number"}
                 | {"organisation_id": organisation_id})
    return person


def enter(skill: Skill, people: Sequence[Person], *, organisation_id: int | None, created_by: User | None,
          team_name: str | None = None, now: datetime | None = None) -> Entry:
    """Enter ``people`` (one, or a team) in ``skill``: the window, team size, capacity, quota, one per country,
    the age rule and the same person twice in a skill are checked; the first problem is raised."""
    ensure_open(skill.event, now)
    settings = settings_of(skill)
    person_ids = [p.id for p in people]
    if len(set(person_ids)) != len(person_ids):
        raise Invalid("entry.same_member", N_("The same person is named twice in the team."))
    taken = db.session.scalars(select(Person.name).join(EntryMember, EntryMember.person_id == Person.id).where(
        EntryMember.skill_id == skill.id, EntryMember.person_id.in_(person_ids))).all()
    if taken:
        raise StateConflict("entry.duplicate", N_("%(name)s has already entered this skill."), name=taken[0])
    rule = rules.age_rule(settings, skill.code)
    age_skill = rules.age_skill(rule, (skill.code, skill.name, skill.name_en or ""))
    for person in people:
        facts = rules.MemberFacts(person.name, person.birth_date, person.sex)
        for problem in rules.member_problems(rule, facts, competition_date=competition_date(skill.event),
                                             skill=age_skill):
            raise problem_error(problem)
    if skill.team_size > 1 and not (team_name or "").strip():
        raise Invalid("entry.team_name", N_("Give the team a name."))
    counts = counts_for([skill.id])[skill.id]
    for problem in rules.entry_problems(settings, team_size=skill.team_size, capacity=skill.capacity,
                                        members=len(people), organisation_id=organisation_id,
                                        country=people[0].nationality if people else None, counts=counts):
        raise problem_error(problem)
    entry = Entry(skill_id=skill.id, organisation_id=organisation_id, created_by_id=getattr(created_by, "id", None),
                  team_name=(team_name or "").strip() or None if skill.team_size > 1 else None)
    for person in people:
        entry.members.append(EntryMember(skill_id=skill.id, person_id=person.id))
    db.session.add(entry)
    audit.record("entry.submit", entry, actor=created_by, after={"skill_id": skill.id, "person_ids": person_ids,
                                                                 "organisation_id": organisation_id,
                                                                 "team_name": entry.team_name})
    return entry


# --- 领队 -------------------------------------------------------------------------------------------------

def led_organisations(user: Any) -> list[int]:
    """The organisations this user is 领队 of."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [g.organisation_id for g in user.grants if g.role == Role.TEAM_LEADER and g.organisation_id is not None]


def leader_enter(user: User, skill: Skill, organisation_id: int, members: Sequence[MemberInput],
                 team_name: str | None = None) -> Entry:
    """A 领队 enters members of their organisation (an individual, or a team of the skill's size)."""
    if organisation_id not in led_organisations(user):
        raise NotAllowed("entry.not_leader", N_("You are not the team leader of this organisation."))
    ensure_open(skill.event)
    today = date.today()
    people = [person_for(checked_person(m, today), phone=m.phone, organisation_id=organisation_id)
              for m in members]
    return enter(skill, people, organisation_id=organisation_id, created_by=user, team_name=team_name)


def self_enter(user: User, skill: Skill) -> Entry:
    """A contestant enters an individual skill alone, for their own organisation (if any)."""
    if user.person_id is None:
        raise NotAllowed("entry.no_person", N_("Only a registered contestant can enter a skill."))
    ensure_open(skill.event)
    if skill.team_size != 1:
        raise Invalid("entry.team", N_("Team skills are entered by the team leader."))
    if db.session.scalar(select(EntryMember.id).where(EntryMember.skill_id == skill.id,
                                                      EntryMember.person_id == user.person_id)):
        raise StateConflict("entry.duplicate_self", N_("You have already entered this skill."))
    return enter(skill, [user.person], organisation_id=user.person.organisation_id, created_by=user)


# --- withdrawing ------------------------------------------------------------------------------------------

def can_withdraw(user: Any, entry: Entry) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.person_id is not None and any(m.person_id == user.person_id for m in entry.members):
        return True
    return entry.organisation_id is not None and entry.organisation_id in led_organisations(user)


def withdraw(user: User, entry: Entry, now: datetime | None = None) -> Entry:
    """The contestant (a member) or their 领队 withdraws an entry before registration closes."""
    if not can_withdraw(user, entry):
        raise NotAllowed("entry.not_yours", N_("Only the contestant or their team leader can withdraw this entry."))
    if entry.status not in LIVE:
        raise StateConflict("entry.not_live", N_("Only a submitted or approved entry can be withdrawn."))
    ensure_open(entry.skill.event, now)
    before = {"status": entry.status}
    entry.status = EntryStatus.WITHDRAWN
    audit.record("entry.withdraw", entry, actor=user, before=before, after={"status": entry.status})
    return entry
