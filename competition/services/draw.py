"""The draw (抽签), the anonymous codes (加密 / 解密) and check-in (检录) of a skill (DOMAIN.md §4).

Commit, then draw. :func:`commit_draw` makes a secret seed and publishes only its SHA-256 together with
the draw ids, stations and sessions the draw will run on (each approved entry gets a random draw id; the
entry ids stay internal, since the tablets use them); :func:`run_draw` runs
``competition.rules.draw.run_draw`` on exactly those, gives every entry its 参赛号, station and session,
publishes the seed (anyone can replay it: :func:`replay`) and makes the 加密裁判's chained codes
参赛号 → 一次加密号 → 成果号 from a second, secret seed. Judges' pages read only :func:`judge_labels`
(the outer code). Once judges have marks in the skill, neither a new commitment nor a draw is accepted.

解密: the 裁判长 approves the reveal after locking the marks (:func:`approve_reveal`), then the 加密裁判
or an organiser reveals (:func:`reveal`); both are audited. Until then only the 加密裁判 and organisers can
read the mapping (:func:`code_rows`, guarded by ``permissions.can_read_codes``).

Check-in: each member of a drawn entry has an admission ticket (准考证) with an opaque random code
(:func:`admissions_of_skill`); :func:`check_in` marks the holder present, once."""
from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import render_template
from sqlalchemy import delete, exists, select, update

from competition.errors import N_, Invalid, NotAllowed, StateConflict
from competition.extensions import db
from competition.models import (
    Admission,
    Anonymisation,
    DrawSeat,
    Entry,
    EntryCode,
    EntryStatus,
    Event,
    Mark,
    Person,
    Skill,
    SkillDraw,
    User,
)
from competition.rules import draw as rules
from competition.services import audit
from competition.services.settings import settings_for

# Admission codes: Crockford base32 (no I, L, O, U), printed in groups of 4; typed in any case, with or
# without the hyphens.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 12


# --- the draw -------------------------------------------------------------------------------------------

def current_draw(skill: Skill) -> SkillDraw | None:
    """The skill's commitment in force (drawn or not), or ``None``."""
    return db.session.scalar(select(SkillDraw).where(SkillDraw.skill_id == skill.id,
                                                     SkillDraw.superseded_at.is_(None))
                             .order_by(SkillDraw.id.desc()).limit(1))


def has_marks(skill: Skill) -> bool:
    return bool(db.session.scalar(select(exists().where(Mark.entry_id == Entry.id, Entry.skill_id == skill.id))))


def _approved_entry_ids(skill: Skill) -> list[int]:
    return list(db.session.scalars(select(Entry.id).where(Entry.skill_id == skill.id,
                                                          Entry.status == EntryStatus.APPROVED).order_by(Entry.id)))


def parse_labels(text: str, *, commas: bool = True) -> list[str]:
    """Station or session labels typed one per line (or separated by commas, when ``commas``). A single
    number ``N`` means the labels ``01`` … ``N``."""
    separators = r"[\r\n,，]+" if commas else r"[\r\n]+"
    labels = [part.strip() for part in re.split(separators, text or "") if part.strip()]
    if len(labels) == 1 and labels[0].isdigit() and 0 < int(labels[0]) <= 999:
        count = int(labels[0])
        return [f"{n:0{max(2, len(str(count)))}d}" for n in range(1, count + 1)]
    return labels


def _refuse_when_marked(skill: Skill) -> None:
    if has_marks(skill):
        raise StateConflict("draw.marked", N_("Judges already have marks in this skill: the draw cannot be "
                                              "made again."))


def commit_draw(user: User, skill: Skill, stations: list[str], sessions: list[str],
                number_prefix: str = "") -> SkillDraw:
    """Make a secret seed and commit to it (its hash is public from now on), for the skill's approved entries
    and the given stations and sessions. A commitment in force, drawn or not, is superseded.

    Raises ``StateConflict`` ``draw.marked`` when judges have marks, ``Invalid`` ``draw.no_entries`` without
    approved entries, ``draw.prefix`` for a bad prefix, and the rules' refusals (too few stations …)."""
    _refuse_when_marked(skill)
    entry_ids = _approved_entry_ids(skill)
    if not entry_ids:
        raise Invalid("draw.no_entries", N_("The skill has no approved entries to draw."))
    number_prefix = (number_prefix or "").strip()
    if len(number_prefix) > 4 or not all(c.isascii() and c.isalnum() for c in number_prefix):
        raise Invalid("draw.prefix", N_("The number prefix may have at most 4 letters or digits."))
    width = max(settings_for(skill, "draw", rules.DrawSettings).number_width, len(str(len(entry_ids))))
    lots = _new_lots(len(entry_ids))
    seed = rules.new_seed()
    try:  # a dry run: every refusal of the rules (capacity, duplicate labels …) before anything is stored
        rules.run_draw(seed, lots, stations, sessions or None, number_prefix=number_prefix, number_width=width)
    except rules.DrawError as error:
        raise Invalid.from_rule(error) from None
    except TypeError:
        raise Invalid("draw.labels", N_("Every station and session needs a label.")) from None
    now = datetime.now(UTC)
    previous = current_draw(skill)
    if previous is not None:
        previous.superseded_at = now
        audit.record("draw.supersede", previous, before={"commitment": previous.commitment,
                                                         "drawn": previous.drawn})
    committed = SkillDraw(skill_id=skill.id, commitment=rules.commit(seed), seed=seed, entry_ids=entry_ids,
                          lots={str(entry_id): lot for entry_id, lot in zip(entry_ids, lots, strict=True)},
                          stations=list(stations), sessions=list(sessions), number_prefix=number_prefix,
                          number_width=width,
                          committed_at=now, committed_by_id=user.id)
    db.session.add(committed)
    audit.record("draw.commit", committed, after={
        "skill_id": skill.id, "commitment": committed.commitment, "entry_ids": entry_ids, "lots": sorted(lots),
        "stations": committed.stations, "sessions": committed.sessions, "number_prefix": number_prefix,
        "number_width": width})
    return committed


def run_draw(user: User, skill: Skill) -> SkillDraw:
    """Run the committed draw: numbers, stations and sessions for every committed entry; the seed becomes
    public; new anonymous codes and admission tickets follow.

    Raises ``StateConflict``: ``draw.not_committed``, ``draw.already_drawn``, ``draw.marked``,
    ``draw.entries_changed`` (the approved entries are no longer those committed to: commit again)."""
    committed = current_draw(skill)
    if committed is None:
        raise StateConflict("draw.not_committed", N_("Commit to a draw first: its seed's hash must be public "
                                                     "before the draw."))
    if committed.drawn:
        raise StateConflict("draw.already_drawn", N_("This draw has been made. To draw again, commit to a new "
                                                     "seed first."))
    _refuse_when_marked(skill)
    if sorted(committed.entry_ids) != _approved_entry_ids(skill):
        raise StateConflict("draw.entries_changed", N_("The approved entries have changed since the commitment: "
                                                       "commit to a new draw."))
    result = rules.run_draw(committed.seed, committed.lot_numbers, committed.stations, committed.sessions or None,
                            number_prefix=committed.number_prefix, number_width=committed.number_width)
    entry_of = {lot: int(entry_id) for entry_id, lot in committed.lots.items()}
    entries = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.skill_id == skill.id))}
    # Numbers are unique per skill: clear the old ones first, so that swapping two numbers never collides.
    db.session.execute(update(Entry).where(Entry.skill_id == skill.id).values(competitor_number=None)
                       .execution_options(synchronize_session="fetch"))
    db.session.flush()
    for assignment in result.assignments:  # the rules call the draw ids "entry ids"
        entries[entry_of[assignment.entry_id]].competitor_number = assignment.competitor_number
        committed.seats.append(DrawSeat(entry_id=entry_of[assignment.entry_id], lot=assignment.entry_id,
                                        draw_position=assignment.draw_position,
                                        competitor_number=assignment.competitor_number,
                                        station=assignment.station, session=assignment.session))
    committed.drawn_at, committed.drawn_by_id = datetime.now(UTC), user.id
    db.session.flush()
    audit.record("draw.run", committed, after={
        "seed": committed.seed, "commitment": committed.commitment,
        "assignments": [[a.entry_id, a.competitor_number, a.station, a.session] for a in result.assignments]})
    _make_codes(user, skill, {entry_of[a.entry_id]: a.competitor_number for a in result.assignments})
    _make_admissions(skill, [entries[entry_of[a.entry_id]] for a in result.assignments])
    return committed


@dataclass(frozen=True)
class Replay:
    result: rules.DrawResult
    seed_matches: bool      # the published seed is the one committed to
    matches: bool           # the replay gives exactly the published numbers, stations and sessions


def _new_lots(count: int) -> list[int]:
    """``count`` distinct random draw ids, all of one width (at least 4 digits, at most one in 10 used)."""
    width = max(4, len(str(count * 10)))
    return secrets.SystemRandom().sample(range(10 ** (width - 1), 10 ** width), count)


def replay(committed: SkillDraw) -> Replay:
    """Run the published draw again from its seed and inputs and compare with what was published."""
    result = rules.run_draw(committed.seed, committed.lot_numbers, committed.stations, committed.sessions or None,
                            number_prefix=committed.number_prefix, number_width=committed.number_width)
    published = [(s.lot, s.draw_position, s.competitor_number, s.station, s.session) for s in committed.seats]
    replayed = [(a.entry_id, a.draw_position, a.competitor_number, a.station, a.session) for a in result.assignments]
    return Replay(result, rules.verify_commitment(committed.seed, committed.commitment), published == replayed)


def seat_of(entry: Entry) -> DrawSeat | None:
    """The entry's seat in the skill's current draw, if drawn."""
    return db.session.scalar(select(DrawSeat).join(SkillDraw).where(
        DrawSeat.entry_id == entry.id, SkillDraw.superseded_at.is_(None), SkillDraw.drawn_at.is_not(None)))


# --- the anonymous codes ----------------------------------------------------------------------------------

def _make_codes(user: User, skill: Skill, numbers: dict[int, str]) -> None:
    settings = settings_for(skill, "anonymisation", rules.AnonymisationSettings)
    seed = rules.new_seed()
    try:
        codes = rules.make_anonymous_codes(seed, list(numbers.values()), settings.layers,
                                           code_width=settings.code_width,
                                           code_space_factor=settings.code_space_factor)
    except rules.DrawError as error:
        raise Invalid.from_rule(error) from None
    db.session.execute(delete(EntryCode).where(EntryCode.skill_id == skill.id))
    db.session.execute(delete(Anonymisation).where(Anonymisation.skill_id == skill.id))
    db.session.flush()
    held = Anonymisation(skill_id=skill.id, seed=seed, layers=[dict(layer) for layer in codes.layers],
                         created_by_id=user.id)
    db.session.add(held)
    db.session.add_all(EntryCode(entry_id=entry_id, skill_id=skill.id, outer_code=codes.outer_code(number))
                       for entry_id, number in numbers.items())
    # Only the fact and the size go to the audit log: the mapping itself is the 加密裁判's secret.
    audit.record("anonymisation.create", held, after={"skill_id": skill.id, "entries": len(numbers),
                                                      "layers": settings.layers})


def events_granted(user: User, role: str) -> list[Event]:
    """The events ``user`` holds an event-scoped ``role`` for (加密裁判, 检录), newest first; a global grant
    means every event."""
    from competition import permissions
    ids = permissions.granted_event_ids(user, role)
    if not ids:
        return []
    query = select(Event).order_by(Event.year.desc(), Event.id)
    if None not in ids:
        query = query.where(Event.id.in_(ids))
    return list(db.session.scalars(query))


def anonymisation(skill: Skill) -> Anonymisation | None:
    return db.session.scalar(select(Anonymisation).where(Anonymisation.skill_id == skill.id))


def judge_labels(skill: Skill) -> dict[int, str]:
    """What judges see for each approved entry (id → label): its outer code (成果号); before the draw has
    made codes, its competitor number."""
    rows = db.session.execute(select(Entry.id, Entry.competitor_number, EntryCode.outer_code)
                              .outerjoin(EntryCode, EntryCode.entry_id == Entry.id)
                              .where(Entry.skill_id == skill.id, Entry.status == EntryStatus.APPROVED)).all()
    return {row.id: row.outer_code or row.competitor_number or "—" for row in rows}


def labels_for_entries(entry_ids: list[int]) -> dict[int, str]:
    """:func:`judge_labels` for entries of any skills (e.g. the supervisor's list of corrections)."""
    if not entry_ids:
        return {}
    rows = db.session.execute(select(Entry.id, Entry.competitor_number, EntryCode.outer_code)
                              .outerjoin(EntryCode, EntryCode.entry_id == Entry.id)
                              .where(Entry.id.in_(entry_ids))).all()
    return {row.id: row.outer_code or row.competitor_number or "—" for row in rows}


@dataclass(frozen=True)
class CodeRow:
    entry: Entry
    competitor_number: str
    station: str | None
    session: str | None
    inner_codes: tuple[str, ...]   # one per layer; the last is the outer code (成果号)


def code_rows(skill: Skill) -> list[CodeRow]:
    """The chained mappings, by competitor number: only for ``permissions.can_read_codes``."""
    held = anonymisation(skill)
    committed = current_draw(skill)
    if held is None or committed is None or not committed.drawn:
        return []
    rows = []
    for seat in committed.seats:
        chain, code = [], seat.competitor_number
        for layer in held.layers:
            code = layer[code]
            chain.append(code)
        rows.append(CodeRow(seat.entry, seat.competitor_number, seat.station, seat.session, tuple(chain)))
    return sorted(rows, key=lambda row: row.competitor_number)


def approve_reveal(chief: User, skill: Skill) -> Anonymisation:
    """The 裁判长 signs that the names behind the codes may be revealed; only after the marks are locked."""
    held = anonymisation(skill)
    if held is None:
        raise StateConflict("reveal.no_codes", N_("This skill has no anonymous codes."))
    if not skill.marks_locked:
        raise StateConflict("reveal.not_locked", N_("Lock the marks before approving the reveal of the codes."))
    if held.reveal_approved_at is not None:
        raise StateConflict("reveal.approved", N_("The reveal has already been approved."))
    held.reveal_approved_at, held.reveal_approved_by_id = datetime.now(UTC), chief.id
    audit.record("anonymisation.approve_reveal", held, after={"skill_id": skill.id})
    return held


def reveal(user: User, skill: Skill) -> Anonymisation:
    """解密: the 加密裁判 (or an organiser) reveals the mapping, once the 裁判长 has approved it."""
    held = anonymisation(skill)
    if held is None:
        raise StateConflict("reveal.no_codes", N_("This skill has no anonymous codes."))
    if held.reveal_approved_at is None:
        raise NotAllowed("reveal.not_approved", N_("The chief judge has not approved the reveal yet."))
    if held.revealed_at is not None:
        raise StateConflict("reveal.done", N_("The codes have already been revealed."))
    held.revealed_at, held.revealed_by_id = datetime.now(UTC), user.id
    audit.record("anonymisation.reveal", held, after={
        "skill_id": skill.id, "mapping": {row.inner_codes[-1]: row.competitor_number for row in code_rows(skill)}})
    return held


# --- admission tickets and check-in ---------------------------------------------------------------------

def _new_admission_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def printed_code(code: str) -> str:
    """``K7QM3XPA9D2F`` → ``K7QM-3XPA-9D2F``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_code(raw: str) -> str:
    """What a scanner or a person typed, as stored: no spaces or hyphens, upper case, O read as 0 and I/L as 1."""
    text = re.sub(r"[\s\-–—_]", "", raw or "").upper()
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def _make_admissions(skill: Skill, drawn: list[Entry]) -> None:
    existing = {(a.entry_id, a.person_id) for a in db.session.scalars(
        select(Admission).where(Admission.skill_id == skill.id))}
    for entry in drawn:
        for member in entry.members:
            if (entry.id, member.person_id) not in existing:
                db.session.add(Admission(skill_id=skill.id, entry_id=entry.id, person_id=member.person_id,
                                         code=_new_admission_code()))


def admissions_of_skill(skill: Skill) -> list[Admission]:
    """The tickets of the skill's drawn entries, by competitor number."""
    rows = db.session.scalars(select(Admission).join(Entry).where(
        Admission.skill_id == skill.id, Entry.status == EntryStatus.APPROVED)).all()
    return sorted(rows, key=lambda a: (a.entry.competitor_number or "", a.person_id))


def admission_of(person_id: int, entry: Entry) -> Admission | None:
    return db.session.scalar(select(Admission).where(Admission.entry_id == entry.id,
                                                     Admission.person_id == person_id))


@dataclass(frozen=True)
class CheckIn:
    admission: Admission
    already: bool   # they had been checked in before (nothing changed)


def check_in(user: User, event: Event, raw_code: str) -> CheckIn:
    """Mark the holder of a ticket present. Checking in twice changes nothing (``already``).

    Raises ``Invalid`` ``checkin.empty`` / ``checkin.unknown``, ``StateConflict`` ``checkin.other_event``
    (a ticket of another event) and ``checkin.withdrawn`` (the entry is no longer approved)."""
    code = normalise_code(raw_code)
    if not code:
        raise Invalid("checkin.empty", N_("Scan or type the code on the admission ticket."))
    admission = db.session.scalar(select(Admission).where(Admission.code == code))
    if admission is None:
        raise Invalid("checkin.unknown", N_("No admission ticket has the code %(code)s."), code=raw_code.strip()[:40])
    if admission.skill.event_id != event.id:
        raise StateConflict("checkin.other_event", N_("This ticket is for another event (%(event)s)."),
                            event=admission.skill.event.name)
    if admission.entry.status != EntryStatus.APPROVED:
        raise StateConflict("checkin.withdrawn", N_("This ticket's entry is no longer approved."))
    if admission.checked_in_at is not None:
        return CheckIn(admission, already=True)
    admission.checked_in_at, admission.checked_in_by_id = datetime.now(UTC), user.id
    audit.record("admission.check_in", admission, after={"skill_id": admission.skill_id,
                                                         "entry_id": admission.entry_id,
                                                         "person_id": admission.person_id})
    return CheckIn(admission, already=False)


def checkin_list(event: Event) -> list[Admission]:
    """Every ticket of the event's drawn entries, by skill and competitor number."""
    rows = db.session.scalars(select(Admission).join(Entry).join(Skill, Skill.id == Admission.skill_id).where(
        Skill.event_id == event.id, Entry.status == EntryStatus.APPROVED)).all()
    return sorted(rows, key=lambda a: (a.skill.code, a.entry.competitor_number or "", a.person_id))


# --- the admission ticket PDF -----------------------------------------------------------------------------

_font_config = None


def _qr_data_uri(payload: str) -> str:
    import segno
    return segno.make(payload, error="m", micro=False).svg_data_uri(border=4, omitsize=True)


def _photo_uri(person: Person) -> str | None:
    from evaluation.models import EvaluationPhoto  # the evaluation side keeps the 1-inch photos
    photo = db.session.scalar(select(EvaluationPhoto).where(EvaluationPhoto.person_id == person.id)
                              .order_by(EvaluationPhoto.id.desc()).limit(1))
    if photo is None:
        return None
    mime = "image/png" if photo.data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(photo.data).decode('ascii')}"


def tickets_pdf(admissions: list[Admission]) -> bytes:
    """One A5 admission ticket (准考证) per admission, in one PDF."""
    global _font_config
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    if _font_config is None:
        _font_config = FontConfiguration()
    tickets = []
    for admission in admissions:
        seat = seat_of(admission.entry)
        skill = admission.skill
        tickets.append({
            "admission": admission, "person": admission.person, "skill": skill, "event": skill.event,
            "number": admission.entry.competitor_number, "station": seat.station if seat else None,
            "session": seat.session if seat else None,
            "place": (skill.settings or {}).get("venue") or skill.event.venue,
            "code": printed_code(admission.code), "qr": _qr_data_uri(printed_code(admission.code)),
            "photo": _photo_uri(admission.person)})
    html = render_template("draw/tickets_pdf.html", tickets=tickets)
    return HTML(string=html).write_pdf(font_config=_font_config)
