"""Computing, storing and publishing results. The arithmetic lives in the pure rules
(``competition.rules``); this module feeds them one skill's marks and stores what they return."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from competition.errors import N_, StateConflict
from competition.extensions import db
from competition.models import (
    AspectKind,
    Entry,
    EntryStatus,
    EventKind,
    JudgeAssignment,
    Mark,
    Result,
    ResultsStatus,
    Skill,
    User,
)
from competition.rules import awards, marking, ranking, standardise
from competition.services import audit, events

WORLDSKILLS_MODEL = {EventKind.WORLDSKILLS_SELECTION, EventKind.BELT_AND_ROAD}


@dataclass(frozen=True)
class MissingMark:
    competitor_number: str
    aspect_code: str


def _marks_by_entry_aspect(skill: Skill) -> dict[tuple[int, int], list[Decimal]]:
    rows = db.session.execute(select(Mark.entry_id, Mark.aspect_id, Mark.value).join(Entry).where(
        Entry.skill_id == skill.id))
    grouped: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for entry_id, aspect_id, value in rows:
        grouped[(entry_id, aspect_id)].append(Decimal(value))
    return grouped


def _approved(skill: Skill) -> list[Entry]:
    return list(db.session.scalars(select(Entry).where(Entry.skill_id == skill.id,
                                                       Entry.status == EntryStatus.APPROVED)))


def missing_marks(skill: Skill) -> list[MissingMark]:
    """Every (competitor, aspect) with no mark yet: results cannot be computed while any is missing."""
    scheme = events.published_scheme(skill.id)
    if scheme is None:
        return []
    marks = _marks_by_entry_aspect(skill)
    return [MissingMark(entry.competitor_number or "?", aspect.code) for entry in _approved(skill)
            for aspect in scheme.aspects if not marks.get((entry.id, aspect.id))]


def compute(skill: Skill) -> list[Result]:
    """Recompute the skill's results from its marks and store them as a draft."""
    if skill.results_published:
        raise StateConflict("results.published", N_("The results are published: they change only through an "
                                                    "appeal."))
    scheme = events.published_scheme(skill.id)
    if scheme is None:
        raise StateConflict("results.no_scheme", N_("The skill has no published marking scheme."))
    entries = _approved(skill)
    if not entries:
        raise StateConflict("results.no_entries", N_("The skill has no approved entries."))
    missing = missing_marks(skill)
    if missing:
        listed = ", ".join(f"{m.competitor_number}/{m.aspect_code}" for m in missing[:20])
        raise StateConflict("results.missing_marks", N_("Marks are missing (competitor/aspect): %(list)s"),
                            list=listed + (" …" if len(missing) > 20 else ""))
    if skill.theory_weight:
        raise StateConflict("results.no_theory", N_("Theory scores have not been imported for this skill."))
    settings = settings_for(skill, "marking", marking.MarkingRules)
    marks_by = _marks_by_entry_aspect(skill)
    practical: dict[int, Decimal] = {}
    for entry in entries:
        aspect_marks = {}
        for aspect in scheme.aspects:
            scores = marks_by[(entry.id, aspect.id)]
            if aspect.kind == AspectKind.JUDGEMENT:
                aspect_marks[aspect.code] = marking.judgement_aspect_mark(scores, aspect.max_mark, settings,
                                                                          allow_incomplete=True)
            else:
                aspect_marks[aspect.code] = sum(scores, Decimal(0)) / len(scores)
        raw = sum(aspect_marks.values(), Decimal(0))
        practical[entry.id] = (raw * 100 / scheme.total).quantize(Decimal("0.01"))
    totals = {eid: marking.weighted_total(None, p, skill.theory_weight, skill.practical_weight, settings)
              for eid, p in practical.items()}
    worldskills = skill.event.kind in WORLDSKILLS_MODEL
    scaled = standardise.standardise_to_worldskills_scale(
        totals, settings_for(skill, "standardise", standardise.StandardiseSettings)) if worldskills else {}
    # Ranking uses the unrounded total: standardisation preserves order, and rounding could merge places.
    placings = ranking.rank([ranking.Competitor(key=eid, total=totals[eid], practical=practical[eid])
                             for eid in totals], settings_for(skill, "ranking", ranking.RankingSettings))
    award_by_entry = _awards(skill, placings, scaled)
    db.session.execute(delete(Result).where(Result.skill_id == skill.id))
    stored = []
    for placing in placings:
        eid = placing.key
        result = Result(skill_id=skill.id, entry_id=eid, practical=practical[eid], theory=None, total=totals[eid],
                        scaled=scaled.get(eid), place=placing.place, shared_place=placing.shared,
                        award=award_by_entry.get(eid))
        db.session.add(result)
        stored.append(result)
    before = {"status": skill.results_status}
    skill.results_status = ResultsStatus.DRAFT
    audit.record("results.compute", skill, before=before,
                 after={"status": skill.results_status, "entries": len(stored),
                        "results": {str(r.entry_id): [str(r.total), r.place, r.award] for r in stored}})
    return stored


def _awards(skill: Skill, placings: list[Any], scaled: dict[int, Decimal]) -> dict[int, str]:
    kind = skill.event.kind
    if kind == EventKind.BELT_AND_ROAD:
        outcome = awards.worldskills_medals(placings, scaled, settings_for(skill, "medals", awards.MedalSettings))
    elif kind == EventKind.WORLDSKILLS_SELECTION:
        outcome = awards.selection_advancement(placings, settings_for(skill, "selection", awards.SelectionSettings))
    else:
        outcome = awards.bayu_cup_awards(placings, settings_for(skill, "awards", awards.BayuCupSettings))
    return {r.key: r.award.value for r in outcome.awards if r.award}


SETTINGS_SECTIONS: dict[str, type] = {
    "marking": marking.MarkingRules, "standardise": standardise.StandardiseSettings,
    "ranking": ranking.RankingSettings, "awards": awards.BayuCupSettings, "selection": awards.SelectionSettings,
    "medals": awards.MedalSettings,
}


def settings_for(skill: Skill, section: str, settings_class: type) -> Any:
    """A rule's settings: the DOMAIN.md defaults of ``settings_class``, overridden by the event's
    ``settings[section]`` and then by the skill's."""
    values = {**(skill.event.settings or {}).get(section, {}), **(skill.settings or {}).get(section, {})}
    return settings_class(**values)


def publish(skill: Skill) -> Skill:
    if skill.results_status != ResultsStatus.DRAFT:
        raise StateConflict("results.not_computed", N_("Compute the results before publishing them."))
    if missing_marks(skill):
        raise StateConflict("results.missing_marks_publish", N_("Marks are missing: results cannot be published."))
    skill.results_status = ResultsStatus.PUBLISHED
    skill.results_published_at = datetime.now(UTC)
    audit.record("results.publish", skill, before={"status": "draft"}, after={"status": "published"})
    return skill


def result_rows(skill: Skill) -> list[Result]:
    return list(db.session.scalars(select(Result).where(Result.skill_id == skill.id)
                                   .order_by(Result.place, Result.entry_id)))


def published_result(entry: Entry) -> Result | None:
    if not entry.skill.results_published:
        return None
    return db.session.scalar(select(Result).where(Result.entry_id == entry.id))


def judging_duties(user: User) -> list[JudgeAssignment]:
    if user.person_id is None:
        return []
    return list(db.session.scalars(select(JudgeAssignment).where(JudgeAssignment.person_id == user.person_id)))
