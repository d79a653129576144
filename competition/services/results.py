"""Computing, storing and publishing results. The arithmetic lives in the pure rules
(``competition.rules``); this module feeds them one skill's marks and stores what they return."""
from __future__ import annotations

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
    EventKind,
    JudgeAssignment,
    Result,
    ResultsStatus,
    Skill,
    TheoryScore,
    User,
)
from competition.rules import awards, marking, ranking, standardise
from competition.services import audit, events
from competition.services.marking import markable_entries, marks_by_cell, sheet_state
from competition.services.settings import settings_for

WORLDSKILLS_MODEL = {EventKind.WORLDSKILLS_SELECTION, EventKind.BELT_AND_ROAD}


@dataclass(frozen=True)
class MissingMark:
    competitor_number: str
    aspect_code: str
    judge: str | None = None


def missing_marks(skill: Skill) -> list[MissingMark]:
    """Every mark still missing (per judge for judgement and subjective aspects): results cannot be
    computed while any is missing."""
    return [MissingMark(entry.competitor_number or "?", aspect.code, judge.name if judge else None)
            for entry, aspect, judge in sheet_state(skill).missing]


def _aspect_mark(aspect: Any, scores: list[Decimal], settings: marking.MarkingRules) -> Decimal:
    if aspect.kind == AspectKind.JUDGEMENT:
        return marking.judgement_aspect_mark(scores, aspect.max_mark, settings, allow_incomplete=True)
    if aspect.kind == AspectKind.SUBJECTIVE:
        return marking.subjective_item_mark(scores, aspect.max_mark, settings)
    return scores[0]  # measurement: one agreed mark (disagreeing entries block the lock)


def compute(skill: Skill) -> list[Result]:
    """Recompute the skill's results from its marks (and imported theory scores) and store them as a draft."""
    if skill.results_published:
        raise StateConflict("results.published", N_("The results are published: they change only through an "
                                                    "appeal."))
    scheme = events.published_scheme(skill.id)
    if scheme is None:
        raise StateConflict("results.no_scheme", N_("The skill has no published marking scheme."))
    entries = markable_entries(skill)
    if not entries:
        raise StateConflict("results.no_entries", N_("The skill has no approved entries."))
    missing = missing_marks(skill)
    if missing:
        listed = ", ".join(f"{m.competitor_number}/{m.aspect_code}" for m in missing[:20])
        raise StateConflict("results.missing_marks", N_("Marks are missing (competitor/aspect): %(list)s"),
                            list=listed + (" …" if len(missing) > 20 else ""))
    theory = dict(db.session.execute(select(TheoryScore.entry_id, TheoryScore.score).where(
        TheoryScore.entry_id.in_([e.id for e in entries]))).all())
    if skill.theory_weight and len(theory) < len(entries):
        raise StateConflict("results.no_theory", N_("Theory scores are missing for %(n)s competitors."),
                            n=len(entries) - len(theory))
    settings = settings_for(skill, "marking", marking.MarkingRules)
    cells = marks_by_cell(skill)
    practical: dict[int, Decimal] = {}
    for entry in entries:
        raw = sum((_aspect_mark(aspect, [m.value for m in cells[(entry.id, aspect.id)].values()], settings)
                   for aspect in scheme.aspects), Decimal(0))
        practical[entry.id] = (raw * 100 / scheme.total).quantize(Decimal("0.01"))
    try:
        totals = {eid: marking.weighted_total(theory.get(eid), p, skill.theory_weight, skill.practical_weight,
                                              settings) for eid, p in practical.items()}
    except marking.MarkingError as error:
        raise StateConflict.from_rule(error) from None
    worldskills = skill.event.kind in WORLDSKILLS_MODEL
    scaled = standardise.standardise_to_worldskills_scale(
        totals, settings_for(skill, "standardise", standardise.StandardiseSettings)) if worldskills else {}
    # Ranking uses the unrounded total: standardisation preserves order, and rounding could merge places.
    placings = ranking.rank([ranking.Competitor(key=eid, total=totals[eid], practical=practical[eid],
                                                theory=theory.get(eid)) for eid in totals],
                            settings_for(skill, "ranking", ranking.RankingSettings))
    award_by_entry = _awards(skill, placings, scaled)
    db.session.execute(delete(Result).where(Result.skill_id == skill.id))
    stored = []
    for placing in placings:
        eid = placing.key
        result = Result(skill_id=skill.id, entry_id=eid, practical=practical[eid], theory=theory.get(eid),
                        total=totals[eid], scaled=scaled.get(eid), place=placing.place, shared_place=placing.shared,
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


def publish(skill: Skill) -> Skill:
    if skill.results_status != ResultsStatus.DRAFT:
        raise StateConflict("results.not_computed", N_("Compute the results before publishing them."))
    if not skill.marks_locked:
        raise StateConflict("results.not_locked", N_("The chief judge must lock the marks before the results are "
                                                     "published."))
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
