"""Recording judges' marks, and the sign-off that follows.

Every mark is checked on the server and gets its own status, so a tablet can show exactly what was
accepted and why anything was refused. Sending the same mark again (same client id, same value) is
harmless: it is reported as a duplicate and stored once. The same client id with another value is a
conflict: nothing is overwritten, the chief judge decides. A judge who changes a mark before sign-off
re-scores it (the old value stays in the history); after the chief judge has locked the skill a mark
changes only by a correction with a reason, countersigned by a supervisor."""
from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from competition import permissions
from competition.direct_sql import DirectStatement
from competition.errors import N_, Invalid, NotAllowed, StateConflict
from competition.extensions import db
from competition.models import (
    Aspect,
    AspectKind,
    Correction,
    CorrectionStatus,
    Entry,
    EntryMember,
    EntryStatus,
    EventStatus,
    JudgeAssignment,
    JudgeRole,
    JudgeSheet,
    Mark,
    MarkConflict,
    MarkingScheme,
    MarkReceipt,
    MarkRevision,
    Person,
    RevisionKind,
    Role,
    SchemeStatus,
    Skill,
    TheoryScore,
    User,
)
from competition.rules import marking as rules
from competition.services import audit, cache_version, events, judging, tabular
from competition.services.settings import settings_for

REFUSALS = {
    "mark.not_on_panel": N_("You are not a judge of this skill."),
    "mark.conflicted": N_("You may not mark this competitor (conflict of interest: %(reason)s)."),
    "mark.unknown_aspect": N_("This aspect is not in the published marking scheme."),
    "mark.unknown_entry": N_("This competitor is not an approved entry of the skill."),
    "mark.window": N_("The skill is not open for marking."),
    "mark.locked": N_("The chief judge has locked the marks of this skill: changes need a correction."),
    "mark.results_published": N_("The results are published: marks can only change through an appeal."),
    "mark.bad_client_id": N_("The mark has no valid id."),
}
SCORER_ROLES = (JudgeRole.SCORER, JudgeRole.DEPUTY)


def marking_statuses(skill: Skill) -> tuple[str, ...]:
    """Event statuses in which marks are accepted (an event setting: ``settings["marking_window"]``)."""
    configured = (skill.event.settings or {}).get("marking_window")
    return tuple(configured) if configured else (EventStatus.COMPETITION, EventStatus.MARKING)


@dataclass(frozen=True)
class MarkOutcome:
    client_id: str
    status: str             # accepted | duplicate | conflict | refused
    code: str | None = None
    message: str | None = None
    aspect_code: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "status": self.status, "code": self.code, "message": self.message}


def _refused(client_id: str, code: str, aspect: Aspect | None = None, message: str | None = None,
             **params: Any) -> MarkOutcome:
    return MarkOutcome(client_id, "refused", code, gettext(message or REFUSALS[code], **params),
                       aspect.code if aspect else None)


@dataclass(frozen=True)
class _AspectInfo:
    id: int
    code: str
    spec: rules.AspectSpec


_published_cache: dict[tuple[int, Any], dict[int, _AspectInfo]] = {}


def _published_aspects(skill_id: int) -> dict[int, _AspectInfo]:
    """The aspects of the skill's published scheme. A published scheme never changes (a change is a new
    version, a new row), so its aspects are cached per process by the scheme row's id and creation time
    (ids alone can come back after a database is emptied or restored); finding which version is published
    is one small query."""
    found = db.session.execute(select(MarkingScheme.id, MarkingScheme.created_at).where(
        MarkingScheme.skill_id == skill_id, MarkingScheme.status == SchemeStatus.PUBLISHED)
        .order_by(MarkingScheme.version.desc()).limit(1)).first()
    if found is None:
        return {}
    key = (found.id, found.created_at)
    if key not in _published_cache:
        scheme = db.session.get(MarkingScheme, found.id)
        _published_cache[key] = {a.id: _AspectInfo(a.id, a.code, a.spec()) for a in scheme.aspects}
    return _published_cache[key]


@dataclass(frozen=True)
class _SkillState:
    refusal: str | None              # why the skill takes no marks now, or None
    aspects: dict[int, _AspectInfo]  # the published scheme's aspects by id


_ENTRY_FACTS = select(Entry.id, Entry.skill_id, Entry.status).where(Entry.id.in_(bindparam("ids", expanding=True)))
_ON_PANEL = select(JudgeAssignment.id).where(JudgeAssignment.skill_id == bindparam("skill_id"),
                                            JudgeAssignment.person_id == bindparam("person_id")).limit(1)


class _Checks:
    """What checking a mark needs besides the mark: each entry's skill and status, each skill's state and
    published aspects, whether a judge sits on a skill's panel, and whether a conflict of interest bars a
    judge from an entry. Each fact is read on first use and kept, by every thread of the process, while
    :func:`cache_version.current` stays the same; any change to the tables these facts come from moves it,
    in the transaction of the change, so a lock, a new seat, a declared relation or a waiver counts from the
    next request on, as it did when every request read everything. ``version`` None: kept for one call."""

    LIFETIME = 300.0       # seconds: a backstop for changes made outside the app (by hand in the database)
    MAX_FACTS = 100_000    # then start again, so that no process grows without bound

    def __init__(self, version: tuple[str, int] | None) -> None:
        self.version = version
        self.expires = time.monotonic() + self.LIFETIME
        self.entries: dict[int, tuple[int, str] | None] = {}   # entry id → (skill id, status); None: no such
        self.skills: dict[int, _SkillState] = {}
        self.panels: dict[tuple[int, int], bool] = {}           # (person id, skill id) → seated
        self.conflicts: dict[tuple[int, int], dict[int, str | None]] = {}  # (person, skill) → entry → type

    def worn(self) -> bool:
        return time.monotonic() > self.expires or len(self.entries) + len(self.conflicts) > self.MAX_FACTS

    def load_entries(self, ids: set[int]) -> None:
        missing = [i for i in ids if i not in self.entries]
        if not missing:
            return
        found = {row.id: (row.skill_id, row.status)
                 for row in db.session.connection().execute(_ENTRY_FACTS, {"ids": missing})}
        for entry_id in missing:
            self.entries[entry_id] = found.get(entry_id)

    def skill(self, skill_id: int) -> _SkillState:
        state = self.skills.get(skill_id)
        if state is None:
            skill = db.session.get(Skill, skill_id)
            state = self.skills[skill_id] = _SkillState(_state_refusal(skill), _published_aspects(skill_id))
        return state

    def on_panel(self, person_id: int | None, skill_id: int) -> bool:
        if person_id is None:
            return False
        seated = self.panels.get((person_id, skill_id))
        if seated is None:
            seated = self.panels[(person_id, skill_id)] = db.session.connection().execute(
                _ON_PANEL, {"skill_id": skill_id, "person_id": person_id}).first() is not None
        return seated

    def conflict(self, person_id: int, skill_id: int, entry_id: int) -> str | None:
        """Checked for every approved entry of the skill at once: a judge marks them all."""
        found = self.conflicts.get((person_id, skill_id))
        if found is None or entry_id not in found:
            entries = db.session.scalars(select(Entry).where(
                Entry.skill_id == skill_id, or_(Entry.status == EntryStatus.APPROVED, Entry.id == entry_id))
                .options(selectinload(Entry.members).selectinload(EntryMember.person),
                         joinedload(Entry.skill).joinedload(Skill.event))).all()
            found = self.conflicts[(person_id, skill_id)] = judging.marking_conflicts(person_id, entries)
        return found[entry_id]


_shared_checks: _Checks | None = None


def _checks(judge: Any) -> _Checks:
    global _shared_checks
    version = cache_version.current(db.session, getattr(judge, "cache_version", None))
    if version is None:
        return _Checks(None)
    checks = _shared_checks
    if checks is None or checks.version != version or checks.worn():
        checks = _shared_checks = _Checks(version)
    return checks


@dataclass(frozen=True)
class _Checked:
    """A mark that passed every check, waiting to be stored."""
    position: int
    client_id: str
    entry_id: int
    aspect: _AspectInfo
    value: Decimal
    client_time: datetime | None


def record_marks(judge: User, batch: list[dict[str, Any]], device: str | None = None, *,
                 judge_person: Person | None = None, revision_kind: str = RevisionKind.RESCORE) -> list[MarkOutcome]:
    """Check and store a batch of marks from one judge. Each item has ``aspect_id``, ``entry_id``, ``value``
    and optionally ``client_id`` (generated when absent, for forms and paper) and ``client_time``.

    ``judge`` is who sends the marks (anything with ``id``, ``username`` and ``person_id``: the signed-in
    user or a bearer token's); ``judge_person`` is whose marks they are when a clerk types a paper form for
    a judge (then the clerk is audited as the actor). The caller commits.

    The checks read the facts of :class:`_Checks`; the marks that are new (neither their client id nor their
    cell stored yet) are inserted in one statement that skips any whose id or cell is taken; those, and a
    client id or cell repeated within the batch, go through :func:`_store`, which tells a duplicate from a
    conflict from a re-score."""
    person_id = judge_person.id if judge_person is not None else judge.person_id
    db.session.flush()  # what the caller changed is seen by the statements below
    checks = _checks(judge)
    checks.load_entries({item.get("entry_id") for item in batch if _is_id(item.get("entry_id"))})
    outcomes: list[MarkOutcome | None] = [None] * len(batch)
    new: list[_Checked] = []
    later: list[_Checked] = []
    ids: set[str] = set()
    cells: set[tuple[int, int]] = set()
    for position, item in enumerate(batch):
        checked = _check(checks, person_id, position, item)
        if isinstance(checked, MarkOutcome):
            outcomes[position] = checked
            continue
        cell = (checked.aspect.id, checked.entry_id)
        (later if checked.client_id in ids or cell in cells else new).append(checked)
        ids.add(checked.client_id)
        cells.add(cell)
    # Every client id is received once: a mark whose id came before (in an earlier request) is a duplicate or a
    # conflict whatever has happened to its cell since, and two copies processed at once meet at the key.
    firsts: dict[str, _Checked] = {}
    for mark in sorted(new + later, key=lambda m: m.position):
        firsts.setdefault(mark.client_id, mark)
    fresh = _receive(list(firsts.values()), person_id)
    if len(fresh) < len(firsts):
        seen = [m for m in new + later if m.client_id not in fresh]
        for position, outcome in _seen(judge, person_id, seen, device).items():
            outcomes[position] = outcome
        new = [m for m in new if m.client_id in fresh]
        later = [m for m in later if m.client_id in fresh]
    inserted = _insert_new(new, person_id, device)
    for mark in new:
        if mark.client_id not in inserted:
            later.append(mark)
            continue
        audit.record("mark.create", actor=judge, device=device, object_type="mark", object_id=mark.client_id,
                     after={"aspect": mark.aspect.code, "entry_id": mark.entry_id, "judge_person_id": person_id,
                            "value": mark.value, "client_id": mark.client_id})
        outcomes[mark.position] = MarkOutcome(mark.client_id, "accepted", aspect_code=mark.aspect.code)
    if later:
        for position, outcome in _store(judge, person_id, sorted(later, key=lambda m: m.position), device,
                                        revision_kind).items():
            outcomes[position] = outcome
    return outcomes  # type: ignore[return-value]  # every position is filled


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(checks: _Checks, person_id: int | None, position: int, item: dict[str, Any]) -> _Checked | MarkOutcome:
    """The mark ready to store, or why it is refused (the first failing check, in the order judges read)."""
    client_id = str(item.get("client_id") or uuid.uuid4())
    if len(client_id) > 64:
        return _refused(client_id[:64], "mark.bad_client_id")
    entry_id = item.get("entry_id")
    facts = checks.entries.get(entry_id) if _is_id(entry_id) else None
    if facts is None or facts[1] != EntryStatus.APPROVED:
        return _refused(client_id, "mark.unknown_entry")
    skill_id = facts[0]
    if not checks.on_panel(person_id, skill_id):
        return _refused(client_id, "mark.not_on_panel")
    state = checks.skill(skill_id)
    aspect = state.aspects.get(item.get("aspect_id"))
    if aspect is None:
        return _refused(client_id, "mark.unknown_aspect")
    if state.refusal:
        return _refused(client_id, state.refusal, aspect)
    conflict = checks.conflict(person_id, skill_id, entry_id)
    if conflict:
        return _refused(client_id, "mark.conflicted", aspect,
                        reason=judging.CONFLICT_TYPE_LABELS.get(conflict, conflict))
    raw = item.get("value")
    if raw is not None and not isinstance(raw, str | Decimal):
        raw = str(raw)  # JSON numbers and anything else: the rules parse exact decimals from text
    try:
        value = rules.validate_value(aspect.spec, raw)
    except rules.MarkingError as error:
        return _refused(client_id, error.code, aspect, error.message, **error.params)
    return _Checked(position, client_id, entry_id, aspect, value, _parse_time(item.get("client_time")))


def _state_refusal(skill: Skill) -> str | None:
    if skill.results_published:
        return "mark.results_published"
    if skill.marks_locked:
        return "mark.locked"
    if skill.event.status not in marking_statuses(skill):
        return "mark.window"
    return None


def _dialect_insert(dialect: str) -> Any:
    """``insert`` with ``ON CONFLICT DO NOTHING`` for the database, or None where unsupported."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        return None
    return insert


_MARK_COLUMNS = ("client_id", "aspect_id", "entry_id", "judge_person_id", "value", "device", "client_time",
                 "recorded_at")
_RECEIPT_COLUMNS = ("client_id", "aspect_id", "entry_id", "judge_person_id", "value", "received_at")
_INSERT_NEW: dict[str, tuple[Any, DirectStatement] | None] = {}
_RECEIVE: dict[str, tuple[Any, DirectStatement]] = {}


def _insert_skipping(table: Any, columns: tuple[str, ...], dialect: str) -> tuple[Any, DirectStatement] | None:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING client_id`` for many rows (Core) and for one row (direct)."""
    insert = _dialect_insert(dialect)
    if insert is None:
        return None
    many = insert(table).on_conflict_do_nothing().returning(table.c.client_id)
    one = insert(table).values({name: bindparam(f"p_{name}") for name in columns}).on_conflict_do_nothing() \
        .returning(table.c.client_id)
    return many, DirectStatement(one)


def _run_insert(statements: tuple[Any, DirectStatement], rows: list[dict[str, Any]]) -> set[str]:
    """The client ids inserted: one row runs directly on the DBAPI cursor, many in one Core statement."""
    connection = db.session.connection()
    many, one = statements
    if len(rows) == 1:
        return {found[0] for found in one.execute(connection, {f"p_{k}": v for k, v in rows[0].items()})}
    return {row[0] for row in connection.execute(many, rows)}


def _receive(marks: list[_Checked], person_id: int) -> set[str]:
    """Record the receipt of each client id (one statement); returns the ids received for the first time."""
    if not marks:
        return set()
    dialect = db.session.get_bind().dialect.name
    if dialect not in _RECEIVE:
        _RECEIVE[dialect] = _insert_skipping(MarkReceipt.__table__, _RECEIPT_COLUMNS,
                                             "sqlite" if dialect == "sqlite" else "postgresql")
    now = datetime.now(UTC)
    rows = [{"client_id": m.client_id, "aspect_id": m.aspect.id, "entry_id": m.entry_id, "judge_person_id": person_id,
             "value": m.value, "received_at": now} for m in marks]
    return _run_insert(_RECEIVE[dialect], rows)


def _seen(actor: User, person_id: int, marks: list[_Checked], device: str | None) -> dict[int, MarkOutcome]:
    """Marks whose client id was received before: the same cell and value is a duplicate (even when the cell
    has changed since: an old copy never overwrites a later mark); anything else a conflict for the chief."""
    receipts = {r.client_id: r for r in db.session.scalars(
        select(MarkReceipt).where(MarkReceipt.client_id.in_({m.client_id for m in marks})))}
    outcomes = {}
    for mark in marks:
        receipt = receipts[mark.client_id]
        if (receipt.aspect_id, receipt.entry_id, receipt.judge_person_id, receipt.value) == (
                mark.aspect.id, mark.entry_id, person_id, mark.value):
            outcomes[mark.position] = MarkOutcome(mark.client_id, "duplicate", aspect_code=mark.aspect.code)
            continue
        held = db.session.scalar(select(Mark).where(
            Mark.aspect_id == receipt.aspect_id, Mark.entry_id == receipt.entry_id,
            Mark.judge_person_id == receipt.judge_person_id))
        outcomes[mark.position] = _conflict(actor, held, mark, device)
    return outcomes


def _conflict(actor: User, held: Mark, mark: _Checked, device: str | None) -> MarkOutcome:
    """A different mark under a client id already used: kept for the chief judge, nothing overwritten."""
    conflict = MarkConflict(mark_id=held.id, client_id=mark.client_id, proposed_value=mark.value, device=device)
    db.session.add(conflict)
    audit.record("mark.conflict", conflict, actor=actor, device=device,
                 after={"mark_id": held.id, "kept": held.value, "proposed": mark.value})
    return MarkOutcome(mark.client_id, "conflict", "mark.conflict",
                       gettext("A different mark was already received with this id; the chief judge will resolve "
                               "it."), mark.aspect.code)


def _insert_new(marks: list[_Checked], person_id: int, device: str | None) -> set[str]:
    """Insert the marks in one statement; returns the client ids stored. A mark whose client id or cell is
    already taken is skipped by the database (no error, nothing overwritten) and left to :func:`_store`."""
    if not marks:
        return set()
    dialect = db.session.get_bind().dialect.name
    if dialect not in _INSERT_NEW:
        _INSERT_NEW[dialect] = _insert_skipping(Mark.__table__, _MARK_COLUMNS, dialect)
    statements = _INSERT_NEW[dialect]
    if statements is None:
        return set()
    now = datetime.now(UTC)
    rows = [{"client_id": m.client_id, "aspect_id": m.aspect.id, "entry_id": m.entry_id, "judge_person_id": person_id,
             "value": m.value, "device": device, "client_time": m.client_time, "recorded_at": now} for m in marks]
    return _run_insert(statements, rows)


def _store(actor: User, person_id: int, marks: list[_Checked], device: str | None,
           revision_kind: str) -> dict[int, MarkOutcome]:
    """Store marks whose client id or cell may be taken, in batch order (position → outcome): the same client
    id and value is a duplicate, the same id with anything else a conflict for the chief judge, the judge's
    cell already marked a re-score (the old value kept as a revision), anything else a new mark. One query
    finds every mark stored under these client ids or in these cells; the batch's own changes are followed
    in memory."""
    by_id: dict[str, Mark] = {}
    by_cell: dict[tuple[int, int], Mark] = {}
    with db.session.no_autoflush:
        ids = [m.client_id for m in marks]
        entries = sorted({m.entry_id for m in marks})
        for found in db.session.scalars(select(Mark).where(or_(
                Mark.client_id.in_(ids), and_(Mark.judge_person_id == person_id, Mark.entry_id.in_(entries))))):
            by_id[found.client_id] = found
            if found.judge_person_id == person_id:
                by_cell[(found.aspect_id, found.entry_id)] = found
    outcomes = {}
    for mark in marks:
        aspect, client_id, value = mark.aspect, mark.client_id, mark.value
        cell = (aspect.id, mark.entry_id)
        same_id = by_id.get(client_id)
        if same_id is not None:
            if (same_id.aspect_id, same_id.entry_id, same_id.judge_person_id, same_id.value) == (
                    aspect.id, mark.entry_id, person_id, value):
                outcomes[mark.position] = MarkOutcome(client_id, "duplicate", aspect_code=aspect.code)
                continue
            outcomes[mark.position] = _conflict(actor, same_id, mark, device)
            continue
        existing = by_cell.get(cell)
        if existing is None:
            new = Mark(client_id=client_id, aspect_id=aspect.id, entry_id=mark.entry_id, judge_person_id=person_id,
                       value=value, device=device, client_time=mark.client_time)
            db.session.add(new)
            by_id[client_id] = by_cell[cell] = new
            # The mark is named by its client id (unique): no flush per mark, the batch is inserted at commit.
            audit.record("mark.create", actor=actor, device=device, object_type="mark", object_id=client_id,
                         after={"aspect": aspect.code, "entry_id": mark.entry_id, "judge_person_id": person_id,
                                "value": value, "client_id": client_id})
        else:
            before = {"value": existing.value, "client_id": existing.client_id}
            if existing.value != value:
                db.session.add(MarkRevision(mark_id=existing.id, kind=revision_kind, old_value=existing.value,
                                            new_value=value, changed_by_id=actor.id, device=device))
            if by_id.get(existing.client_id) is existing:
                del by_id[existing.client_id]
            existing.value, existing.client_id, existing.device = value, client_id, device
            existing.client_time = mark.client_time
            by_id[client_id] = existing
            audit.record("mark.rescore", existing, actor=actor, device=device, before=before,
                         after={"value": value, "client_id": client_id})
        outcomes[mark.position] = MarkOutcome(client_id, "accepted", aspect_code=aspect.code)
    return outcomes


def _parse_time(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- who marks what ------------------------------------------------------------------------------------

def scorers(skill: Skill) -> list[Person]:
    """The judges who mark the skill (scorers and the deputy; the chief judge supervises)."""
    return list(db.session.scalars(select(Person).join(JudgeAssignment, JudgeAssignment.person_id == Person.id)
                                    .where(JudgeAssignment.skill_id == skill.id,
                                           JudgeAssignment.role.in_(SCORER_ROLES)).order_by(Person.id)))


def markable_entries(skill: Skill) -> list[Entry]:
    return list(db.session.scalars(select(Entry).where(
        Entry.skill_id == skill.id, Entry.status == EntryStatus.APPROVED).order_by(Entry.competitor_number)))


def marks_by_cell(skill: Skill) -> dict[tuple[int, int], dict[int, Mark]]:
    """(entry id, aspect id) → judge person id → mark."""
    grouped: dict[tuple[int, int], dict[int, Mark]] = defaultdict(dict)
    for mark in db.session.scalars(select(Mark).join(Entry).where(Entry.skill_id == skill.id)):
        grouped[(mark.entry_id, mark.aspect_id)][mark.judge_person_id] = mark
    return grouped


@dataclass(frozen=True)
class SheetState:
    """Everything the chief judge's view shows, computed from the marks (nothing stored)."""

    missing: list[tuple[Entry, Aspect, Person | None]]   # judge None: any one judge (measurement)
    spread: list[tuple[Entry, Aspect, list[Decimal]]]    # judgement scores too far apart
    mismatched: list[tuple[Entry, Aspect, list[Decimal]]]  # measurement entered with different values
    conflicts: list[MarkConflict]
    progress: dict[int, tuple[int, int]]                 # judge person id → (marked, expected)
    submitted: set[int]                                  # judge person ids who submitted their sheet
    team_size_ok: bool

    @property
    def ready_to_lock(self) -> bool:
        return not (self.missing or self.spread or self.mismatched or self.conflicts)


def sheet_state(skill: Skill) -> SheetState:
    scheme = events.published_scheme(skill.id)
    team = scorers(skill)
    settings = marking_rules_for(skill)
    entries = markable_entries(skill)
    marks = marks_by_cell(skill)
    missing, spread, mismatched = [], [], []
    progress = {p.id: [0, 0] for p in team}
    for entry in entries:
        for aspect in scheme.aspects if scheme else []:
            by_judge = marks.get((entry.id, aspect.id), {})
            if aspect.kind == AspectKind.MEASUREMENT:
                if not by_judge:
                    missing.append((entry, aspect, None))
                values = sorted({m.value for m in by_judge.values()})
                if len(values) > 1:
                    mismatched.append((entry, aspect, values))
                continue
            for judge in team:
                progress[judge.id][1] += 1
                if judge.id in by_judge:
                    progress[judge.id][0] += 1
                else:
                    missing.append((entry, aspect, judge))
            scores = [by_judge[j.id].value for j in team if j.id in by_judge]
            if aspect.kind == AspectKind.JUDGEMENT and len(scores) == len(team) and scores \
                    and rules.spread_flag(scores, settings):
                spread.append((entry, aspect, scores))
    conflicts = list(db.session.scalars(select(MarkConflict).join(Mark).join(Entry).where(
        Entry.skill_id == skill.id, MarkConflict.resolved_at.is_(None))))
    submitted = set(db.session.scalars(select(JudgeSheet.judge_person_id).where(JudgeSheet.skill_id == skill.id)))
    return SheetState(missing, spread, mismatched, conflicts, {k: (v[0], v[1]) for k, v in progress.items()},
                      submitted, team_size_ok=len(team) == settings.judgement_team_size)


def marking_rules_for(skill: Skill) -> rules.MarkingRules:
    return settings_for(skill, "marking", rules.MarkingRules)


def judge_view(skill: Skill, judge_person_id: int) -> dict[tuple[int, int], Decimal]:
    """(entry id, aspect id) → this judge's own marks. Judges never see the others' scores: blind judgement."""
    rows = db.session.execute(select(Mark.entry_id, Mark.aspect_id, Mark.value).join(Entry).where(
        Entry.skill_id == skill.id, Mark.judge_person_id == judge_person_id))
    return {(e, a): v for e, a, v in rows}


def progress(skill: Skill, judge_person_id: int) -> dict[int, int]:
    """Entry id → number of aspects this judge has marked."""
    rows = db.session.execute(select(Mark.entry_id, func.count()).join(Entry).where(
        Entry.skill_id == skill.id, Mark.judge_person_id == judge_person_id).group_by(Mark.entry_id))
    return dict(rows.all())


def current_marks(entry_id: int, judge_person_id: int) -> dict[int, Decimal]:
    """Aspect id → this judge's current mark for the entry."""
    rows = db.session.execute(select(Mark.aspect_id, Mark.value).where(
        Mark.entry_id == entry_id, Mark.judge_person_id == judge_person_id))
    return dict(rows.all())


# --- sign-off ------------------------------------------------------------------------------------------

def submit_sheet(judge: User, skill: Skill) -> JudgeSheet:
    """The judge declares their marking of the skill finished; refused while any of their marks is missing."""
    if not permissions.can_score(judge, skill):
        raise NotAllowed("sheet.not_on_panel", REFUSALS["mark.not_on_panel"])
    state = sheet_state(skill)
    own_missing = [m for m in state.missing if m[2] is not None and m[2].id == judge.person_id]
    if own_missing:
        raise StateConflict("sheet.incomplete", N_("%(n)s of your marks are still missing."), n=len(own_missing))
    sheet = db.session.scalar(select(JudgeSheet).where(JudgeSheet.skill_id == skill.id,
                                                       JudgeSheet.judge_person_id == judge.person_id))
    if sheet is None:
        sheet = JudgeSheet(skill_id=skill.id, judge_person_id=judge.person_id)
        db.session.add(sheet)
        audit.record("sheet.submit", sheet, actor=judge, after={"skill_id": skill.id})
    return sheet


def lock_skill(chief: User, skill: Skill) -> Skill:
    """The chief judge signs the skill's marks: refused while marks are missing, judgement scores are too
    far apart, measurements disagree or a conflict is unresolved. Afterwards marks change only by correction."""
    if not permissions.is_chief_judge(chief, skill):
        raise NotAllowed("lock.not_chief", N_("Only the chief judge of this skill can lock its marks."))
    if skill.marks_locked:
        raise StateConflict("lock.already", N_("The marks of this skill are already locked."))
    state = sheet_state(skill)
    if not state.ready_to_lock:
        raise StateConflict("lock.not_ready", N_("The marks cannot be locked yet: %(missing)s missing, %(spread)s "
                                                 "too far apart, %(mismatched)s disagreeing, %(conflicts)s conflicts."),
                            missing=len(state.missing), spread=len(state.spread),
                            mismatched=len(state.mismatched), conflicts=len(state.conflicts))
    skill.marks_locked_at = datetime.now(UTC)
    skill.marks_locked_by_id = chief.id
    audit.record("marks.lock", skill, actor=chief, after={"locked_at": skill.marks_locked_at})
    return skill


def resolve_conflict(chief: User, conflict: MarkConflict, replace: bool) -> MarkConflict:
    """Keep the stored value or replace it with the conflicting one (the old value goes to the history)."""
    skill = conflict.mark.entry.skill
    if not permissions.is_chief_judge(chief, skill):
        raise NotAllowed("conflict.not_chief", N_("Only the chief judge of this skill can resolve conflicts."))
    if conflict.resolved_at is not None:
        raise StateConflict("conflict.resolved", N_("This conflict has already been resolved."))
    if skill.marks_locked:
        raise StateConflict("conflict.locked", REFUSALS["mark.locked"])
    mark = conflict.mark
    if replace and mark.value != conflict.proposed_value:
        db.session.add(MarkRevision(mark_id=mark.id, kind=RevisionKind.RESCORE, old_value=mark.value,
                                    new_value=conflict.proposed_value, changed_by_id=chief.id,
                                    reason="conflict resolved"))
        mark.value = conflict.proposed_value
    conflict.resolved_at, conflict.resolved_by_id = datetime.now(UTC), chief.id
    conflict.resolution = "replaced" if replace else "kept"
    audit.record("mark.conflict_resolved", conflict, actor=chief,
                 after={"mark_id": mark.id, "resolution": conflict.resolution, "value": mark.value})
    return conflict


def request_correction(chief: User, mark: Mark, new_value: Any, reason: str) -> Correction:
    """After the lock: the chief judge proposes a new value with a reason; a supervisor must countersign."""
    skill = mark.entry.skill
    if not permissions.is_chief_judge(chief, skill):
        raise NotAllowed("correction.not_chief", N_("Only the chief judge of this skill can correct its marks."))
    if not skill.marks_locked:
        raise StateConflict("correction.not_locked", N_("Before the lock the judge re-scores the mark instead."))
    if skill.results_published:
        raise StateConflict("correction.published", REFUSALS["mark.results_published"])
    if not (reason or "").strip():
        raise Invalid("correction.reason", N_("Give the reason for the correction."))
    try:
        value = rules.validate_value(mark.aspect.spec(), None if new_value is None else str(new_value))
    except rules.MarkingError as error:
        raise Invalid.from_rule(error) from None
    correction = Correction(mark_id=mark.id, old_value=mark.value, new_value=value, reason=reason.strip(),
                            requested_by_id=chief.id)
    db.session.add(correction)
    audit.record("correction.request", correction, actor=chief,
                 after={"mark_id": mark.id, "old": mark.value, "new": value, "reason": correction.reason})
    return correction


def countersign_correction(supervisor: User, correction: Correction, approve: bool) -> Correction:
    if not permissions.has_role(supervisor, Role.SUPERVISOR):
        raise NotAllowed("correction.not_supervisor", N_("Only a supervisor can countersign a correction."))
    if correction.requested_by_id == supervisor.id:
        raise NotAllowed("correction.same_person", N_("A correction is countersigned by someone else."))
    if correction.status != CorrectionStatus.PENDING:
        raise StateConflict("correction.decided", N_("This correction has already been decided."))
    mark = correction.mark
    if approve and mark.entry.skill.results_published:
        raise StateConflict("correction.published", REFUSALS["mark.results_published"])
    correction.status = CorrectionStatus.APPLIED if approve else CorrectionStatus.REJECTED
    correction.countersigned_by_id, correction.countersigned_at = supervisor.id, datetime.now(UTC)
    if approve:
        db.session.add(MarkRevision(mark_id=mark.id, kind=RevisionKind.CORRECTION, old_value=mark.value,
                                    new_value=correction.new_value, reason=correction.reason,
                                    changed_by_id=supervisor.id))
        mark.value = correction.new_value
    audit.record("correction.countersign", correction, actor=supervisor,
                 after={"status": correction.status, "mark_id": mark.id, "value": mark.value})
    return correction


def pending_corrections() -> list[Correction]:
    return list(db.session.scalars(select(Correction).where(Correction.status == CorrectionStatus.PENDING)
                                   .order_by(Correction.id)))


def mark_history(mark: Mark) -> list[MarkRevision]:
    return list(db.session.scalars(select(MarkRevision).where(MarkRevision.mark_id == mark.id)
                                   .order_by(MarkRevision.id)))


# --- theory scores from the exam system -------------------------------------------------------------

THEORY_COLUMNS = (
    tabular.Column("number", ("参赛号", "Competitor number", "Number")),
    tabular.Column("score", ("理论成绩", "Theory score", "Score")),
)


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str


def check_theory_file(skill: Skill, data: bytes, filename: str) -> tuple[dict[int, Decimal], list[RowProblem]]:
    """Read a theory-score file: entry id → score (0–100, two decimals) and every problem by row and column."""
    rows = tabular.read_table(data, filename, THEORY_COLUMNS)
    by_number = {e.competitor_number: e for e in markable_entries(skill)}
    scores: dict[int, Decimal] = {}
    seen: dict[str, int] = {}
    problems: list[RowProblem] = []
    spec = rules.AspectSpec(code="theory", description="theory", kind=AspectKind.MEASUREMENT,
                            max_mark=Decimal(100), method="deduction")
    for row in rows:
        number = str(row.values["number"] or "").strip()
        if number.isdigit() and number not in by_number:
            number = number.zfill(3)  # Excel drops the leading zeros of 001
        entry = by_number.get(number)
        if entry is None:
            problems.append(RowProblem(row.number, "参赛号 / Competitor number",
                                       gettext("%(number)s is not an approved competitor of this skill.",
                                               number=number or "—")))
            continue
        if number in seen:
            problems.append(RowProblem(row.number, "参赛号 / Competitor number",
                                       gettext("Competitor %(number)s is also on row %(row)s.", number=number,
                                               row=seen[number])))
            continue
        seen[number] = row.number
        try:
            raw = row.values["score"]
            scores[entry.id] = rules.validate_value(spec, None if raw is None else str(raw))
        except rules.MarkingError as error:
            problems.append(RowProblem(row.number, "理论成绩 / Theory score", gettext(error.message, **error.params)))
    return scores, problems


def import_theory(skill: Skill, scores: dict[int, Decimal], source: str) -> int:
    """Store checked theory scores (all of them; the caller has refused files with problems). Importing the
    same file again changes nothing. Returns how many scores changed."""
    if skill.results_published:
        raise StateConflict("theory.published", REFUSALS["mark.results_published"])
    existing = {t.entry_id: t for t in db.session.scalars(select(TheoryScore).where(
        TheoryScore.entry_id.in_(list(scores))))}
    changed = 0
    for entry_id, score in scores.items():
        row = existing.get(entry_id)
        if row is not None and row.score == score:
            continue
        before = {"score": row.score} if row else None
        if row is None:
            row = TheoryScore(entry_id=entry_id, score=score, source=source[:200])
            db.session.add(row)
        else:
            row.score, row.source = score, source[:200]
        audit.record("theory.import", row, before=before, after={"entry_id": entry_id, "score": score,
                                                                 "source": source[:200]})
        changed += 1
    return changed
