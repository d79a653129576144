"""People, registration and entries."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from competition.errors import N_, Invalid, StateConflict
from competition.extensions import db
from competition.models import (
    Entry,
    EntryMember,
    EntryStatus,
    IdType,
    Person,
    Role,
    Skill,
    User,
)
from competition.rules import identity
from competition.services import accounts, audit, registration

PERSON_FIELDS = ("name", "name_latin", "id_type", "nationality", "birth_date", "sex", "organisation_id")

IDENTITY_MESSAGES = {
    "id.format": N_("The ID number %(number)s does not have the right format."),
    "id.checksum": N_("The check character of ID number %(number)s is wrong: please check every digit."),
    "id.birth_date": N_("The birth date inside ID number %(number)s is not a real date."),
    "id.future": N_("The birth date inside ID number %(number)s is in the future."),
    "id.region": N_("The region code of ID number %(number)s does not exist."),
}
GENERIC_IDENTITY_MESSAGE = N_("The document number %(number)s is not valid for this document type.")


def check_identity(id_type: str, number: str, nationality: str | None, today: date | None = None):
    """Validate and normalise an identity document, turning rule errors into bilingual refusals."""
    if id_type not in set(IdType):
        raise Invalid("id.type", N_("Unknown identity document type."))
    try:
        return identity.validate_identity(id_type, number, nationality=nationality, today=today or date.today())
    except identity.IdentityError as error:
        message = IDENTITY_MESSAGES.get(error.code, GENERIC_IDENTITY_MESSAGE)
        raise Invalid(error.code, message, number=number.strip()) from None


def find_or_create_person(*, name: str, id_type: str, id_number: str, nationality: str | None = None,
                          name_latin: str | None = None, phone: str | None = None,
                          organisation_id: int | None = None, district: str | None = None,
                          birth_date: date | None = None, sex: str | None = None) -> Person:
    """The one Person with this document, created if new. The document is checked (GB 11643 for 身份证, a
    Latin-letter name for passports) and a typed birth date or sex must agree with the ID number. A known
    document under another name is refused: one person is one Person across events."""
    if id_type not in set(IdType):
        raise Invalid("id.type", N_("Unknown identity document type."))
    checked = registration.checked_person(registration.MemberInput(
        name=name, id_type=id_type, id_number=id_number, nationality=nationality, name_latin=name_latin,
        birth_date=birth_date, sex=sex))
    person = registration.person_for(checked, phone=phone, organisation_id=organisation_id)
    if district and person.district is None:
        person.district = district
    return person


def register_contestant(*, username: str, password: str, name: str, id_type: str, id_number: str,
                        nationality: str | None = None, name_latin: str | None = None,
                        phone: str | None = None, organisation_id: int | None = None,
                        locale: str | None = None, birth_date: date | None = None, sex: str | None = None) -> User:
    person = find_or_create_person(name=name, id_type=id_type, id_number=id_number, nationality=nationality,
                                   name_latin=name_latin, phone=phone, organisation_id=organisation_id,
                                   birth_date=birth_date, sex=sex)
    if db.session.scalar(select(User.id).where(User.person_id == person.id)):
        raise StateConflict("person.has_account", N_("This person already has an account. Please sign in."))
    return accounts.create_user(username, password, name, person=person, locale=locale,
                                roles=((Role.CONTESTANT, None, None),))


def enter_skill(user: User, skill: Skill) -> Entry:
    """A contestant enters an individual skill themselves (every registration rule applies)."""
    return registration.self_enter(user, skill)


def decide_entry(entry: Entry, approve: bool, reason: str | None = None) -> Entry:
    if entry.status != EntryStatus.SUBMITTED:
        raise StateConflict("entry.decided", N_("This entry has already been decided."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise Invalid("entry.reason", N_("Give the reason for rejecting the entry."))
    before = {"status": entry.status}
    entry.status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    entry.status_reason = reason or None
    if approve and entry.competitor_number is None:
        entry.competitor_number = _next_competitor_number(entry.skill_id)
    audit.record("entry.approve" if approve else "entry.reject", entry, before=before,
                 after={"status": entry.status, "reason": entry.status_reason,
                        "competitor_number": entry.competitor_number})
    return entry


def _next_competitor_number(skill_id: int) -> str:
    """A provisional 参赛号 given on approval; the draw replaces it with a drawn one."""
    used = db.session.scalars(select(Entry.competitor_number).where(
        Entry.skill_id == skill_id, Entry.competitor_number.is_not(None))).all()
    return f"{max((int(n) for n in used if n.isdigit()), default=0) + 1:03d}"


def entries_of(person_id: int) -> list[Entry]:
    return list(db.session.scalars(select(Entry).join(EntryMember).where(EntryMember.person_id == person_id)
                                   .order_by(Entry.created_at.desc())))
