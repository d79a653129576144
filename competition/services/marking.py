"""Recording judges' marks. Every mark is checked on the server and gets its own status, so a tablet
can show exactly what was accepted and why anything was refused. Sending the same mark again (same
client id, same value) is harmless: it is reported as a duplicate and stored once."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from competition import permissions
from competition.errors import N_
from competition.extensions import db
from competition.models import Aspect, Entry, EntryStatus, Mark, Skill, User
from competition.rules import marking as rules
from competition.services import audit, events

REFUSALS = {
    "mark.not_on_panel": N_("You are not a judge of this skill."),
    "mark.unknown_aspect": N_("This aspect is not in the published marking scheme."),
    "mark.unknown_entry": N_("This competitor is not an approved entry of the skill."),
    "mark.results_published": N_("The results are published: marks can only change through an appeal."),
    "mark.bad_client_id": N_("The mark has no valid id."),
}


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


def record_marks(judge: User, batch: list[dict[str, Any]], device: str | None = None) -> list[MarkOutcome]:
    """Check and store a batch of marks from one judge. Each item has ``aspect_id``, ``entry_id``, ``value``
    and optionally ``client_id`` (generated when absent, for paper and form entry) and ``client_time``.
    The caller commits."""
    outcomes: list[MarkOutcome] = []
    scheme_cache: dict[int, dict[int, Aspect]] = {}
    for item in batch:
        client_id = str(item.get("client_id") or uuid.uuid4())
        if len(client_id) > 64:
            outcomes.append(_refused(client_id[:64], "mark.bad_client_id"))
            continue
        entry = db.session.get(Entry, item.get("entry_id")) if isinstance(item.get("entry_id"), int) else None
        if entry is None or entry.status != EntryStatus.APPROVED:
            outcomes.append(_refused(client_id, "mark.unknown_entry"))
            continue
        skill: Skill = entry.skill
        if not permissions.can_score(judge, skill):
            outcomes.append(_refused(client_id, "mark.not_on_panel"))
            continue
        if skill.id not in scheme_cache:
            scheme = events.published_scheme(skill.id)
            scheme_cache[skill.id] = {a.id: a for a in scheme.aspects} if scheme else {}
        aspect = scheme_cache[skill.id].get(item.get("aspect_id"))
        if aspect is None:
            outcomes.append(_refused(client_id, "mark.unknown_aspect"))
            continue
        if skill.results_published:
            outcomes.append(_refused(client_id, "mark.results_published", aspect))
            continue
        raw = item.get("value")
        if raw is not None and not isinstance(raw, str | Decimal):
            raw = str(raw)  # JSON numbers and anything else: the rules parse exact decimals from text
        try:
            value = rules.validate_value(aspect.spec(), raw)
        except rules.MarkingError as error:
            outcomes.append(_refused(client_id, error.code, aspect, error.message, **error.params))
            continue
        outcomes.append(_store(judge, entry, aspect, client_id, value, item.get("client_time"), device))
    return outcomes


def _store(judge: User, entry: Entry, aspect: Aspect, client_id: str, value: Decimal,
           client_time: Any, device: str | None) -> MarkOutcome:
    same_id = db.session.scalar(select(Mark).where(Mark.client_id == client_id))
    if same_id is not None:
        if (same_id.aspect_id, same_id.entry_id, same_id.judge_person_id, same_id.value) == (
                aspect.id, entry.id, judge.person_id, value):
            return MarkOutcome(client_id, "duplicate", aspect_code=aspect.code)
        return MarkOutcome(client_id, "conflict", "mark.conflict",
                           gettext("A different mark was already received with this id; the chief judge "
                                   "will resolve it."), aspect.code)
    existing = db.session.scalar(select(Mark).where(
        Mark.aspect_id == aspect.id, Mark.entry_id == entry.id, Mark.judge_person_id == judge.person_id))
    when = _parse_time(client_time)
    if existing is None:
        mark = Mark(client_id=client_id, aspect_id=aspect.id, entry_id=entry.id, judge_person_id=judge.person_id,
                    value=value, device=device, client_time=when)
        db.session.add(mark)
        audit.record("mark.create", mark, actor=judge, device=device,
                     after={"aspect": aspect.code, "entry_id": entry.id, "value": value, "client_id": client_id})
    else:
        # A re-score: the old value stays in the audit log.
        before = {"value": existing.value, "client_id": existing.client_id}
        existing.value, existing.client_id, existing.device, existing.client_time = value, client_id, device, when
        audit.record("mark.rescore", existing, actor=judge, device=device, before=before,
                     after={"value": value, "client_id": client_id})
    return MarkOutcome(client_id, "accepted", aspect_code=aspect.code)


def _parse_time(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def markable_entries(skill: Skill) -> list[Entry]:
    return list(db.session.scalars(select(Entry).where(
        Entry.skill_id == skill.id, Entry.status == EntryStatus.APPROVED).order_by(Entry.competitor_number)))


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
