"""The paper fallback: printable marking forms, and double entry of the filled forms by two clerks.

Each value from a paper form is typed twice, by two different clerks. When both typings of a competitor's
form agree, the marks are recorded for the judge exactly as if they came from the tablet (device "paper");
when they differ nothing is recorded and the difference is listed until a clerk types it again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template
from sqlalchemy import select

from competition.errors import N_, Invalid, StateConflict
from competition.extensions import db
from competition.models import Aspect, Entry, PaperEntry, Person, RevisionKind, Skill, User
from competition.services import draw, events, marking

_font_config = None


def paper_forms_pdf(skill: Skill) -> bytes:
    """One A4 page per scoring judge: outer codes (成果号) down, aspects across, signature lines below."""
    global _font_config
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    if _font_config is None:
        _font_config = FontConfiguration()  # one per process: fonts are loaded once (PERFORMANCE-NOTES)
    scheme = events.published_scheme(skill.id)
    if scheme is None:
        raise StateConflict("paper.no_scheme", N_("The skill has no published marking scheme."))
    labels = draw.judge_labels(skill)  # judges fill in forms by outer code (成果号) only
    html = render_template("tablet/paper_form.html", skill=skill, aspects=scheme.aspects,
                           entries=sorted(marking.markable_entries(skill), key=lambda e: labels[e.id]), labels=labels,
                           judges=marking.scorers(skill) or [None],
                           today=date.today())
    return HTML(string=html).write_pdf(font_config=_font_config)


@dataclass(frozen=True)
class Mismatch:
    entry: Entry
    aspect: Aspect
    judge: Person
    first: str
    second: str


def enter_paper_form(clerk: User, skill: Skill, judge: Person, entry: Entry, values: dict[int, str]) -> list:
    """Store one clerk's typing of one judge's form for one competitor. The first typing waits; the second
    (by another clerk) is compared with it: agreeing values become marks, differing ones are flagged."""
    if entry.skill_id != skill.id or judge.id not in {p.id for p in marking.scorers(skill)}:
        raise Invalid("paper.unknown", N_("This judge or competitor does not belong to the skill."))
    aspects = {a.id: a for a in events.published_scheme(skill.id).aspects}
    typed = {aspect_id: (value or "").strip() for aspect_id, value in values.items() if aspect_id in aspects}
    if not any(typed.values()):
        raise Invalid("paper.empty", N_("Type the values of the form first."))
    outcomes = []
    for aspect_id, value in typed.items():
        if not value:
            continue
        rows = {r.round: r for r in db.session.scalars(select(PaperEntry).where(
            PaperEntry.entry_id == entry.id, PaperEntry.aspect_id == aspect_id,
            PaperEntry.judge_person_id == judge.id))}
        if 1 not in rows:
            db.session.add(PaperEntry(skill_id=skill.id, entry_id=entry.id, aspect_id=aspect_id,
                                      judge_person_id=judge.id, round=1, value=value, clerk_id=clerk.id))
            continue
        if rows[1].clerk_id == clerk.id:
            raise StateConflict("paper.same_clerk", N_("The second typing must be done by another clerk."))
        if 2 in rows:
            rows[2].value, rows[2].clerk_id = value, clerk.id  # a retyping after a mismatch
        else:
            db.session.add(PaperEntry(skill_id=skill.id, entry_id=entry.id, aspect_id=aspect_id,
                                      judge_person_id=judge.id, round=2, value=value, clerk_id=clerk.id))
        if value == rows[1].value:
            outcomes += marking.record_marks(clerk, [{"entry_id": entry.id, "aspect_id": aspect_id, "value": value}],
                                             device="paper", judge_person=judge, revision_kind=RevisionKind.PAPER)
    db.session.flush()
    return outcomes


def mismatches(skill: Skill) -> list[Mismatch]:
    """Values the two clerks typed differently (nothing was recorded for them)."""
    rows = db.session.scalars(select(PaperEntry).where(PaperEntry.skill_id == skill.id)).all()
    first = {(r.entry_id, r.aspect_id, r.judge_person_id): r for r in rows if r.round == 1}
    out = []
    for r in rows:
        if r.round == 2:
            one = first[(r.entry_id, r.aspect_id, r.judge_person_id)]
            if one.value != r.value:
                out.append(Mismatch(db.session.get(Entry, r.entry_id), db.session.get(Aspect, r.aspect_id),
                                    db.session.get(Person, r.judge_person_id), one.value, r.value))
    return out
