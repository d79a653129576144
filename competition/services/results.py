"""Computing and storing results. The arithmetic lives in the pure rules (``competition.rules``); this module
feeds them one skill's marks and stores what they return.

Contract of the recompute path (:func:`compute`, and :func:`recompute` after an upheld appeal): a handful of
small queries per skill (scheme, entries, scorers, theory, stored results) and ONE query for all its marks,
fetched as plain columns; aspect marks come from the pure rules (memoised per distinct set of scores, which
the rules' output depends on alone); the results are written with one bulk UPDATE by primary key and one bulk
INSERT. Result rows keep their ids across recomputes, because certificates and evaluation records refer to
them. Publication (review, 公示, final) is :mod:`competition.services.publication`."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update

from competition.errors import N_, StateConflict
from competition.extensions import db
from competition.models import (
    Aspect,
    AspectKind,
    Criterion,
    Entry,
    EntryStatus,
    EventKind,
    JudgeAssignment,
    Mark,
    MarkingScheme,
    Person,
    Result,
    ResultsStatus,
    SchemeStatus,
    Skill,
    TheoryScore,
    User,
)
from competition.rules import awards, marking, ranking, standardise
from competition.services import audit
from competition.services.marking import SCORER_ROLES
from competition.services.settings import settings_for

WORLDSKILLS_MODEL = {EventKind.WORLDSKILLS_SELECTION, EventKind.BELT_AND_ROAD}
MISSING_LISTED = 20  # how many missing marks a refusal lists (the skill page lists them all)


@dataclass(frozen=True)
class MissingMark:
    competitor_number: str
    aspect_code: str
    judge: str | None = None


@dataclass(frozen=True)
class _AspectRow:
    id: int
    code: str
    kind: str
    max_mark: Decimal
    criterion: str


@dataclass
class SkillMarks:
    """One skill's published scheme, approved entries, scorers, marks and theory scores, as plain values."""

    scheme_total: Decimal
    aspects: list[_AspectRow]
    entries: list[tuple[int, str]]            # (entry id, competitor number), by number
    scorers: list[tuple[int, str]]            # (person id, name)
    cells: dict[tuple[int, int], dict[int, Decimal]]  # (entry id, aspect id) → judge person id → value
    theory: dict[int, Decimal]

    def missing(self) -> list[MissingMark]:
        """Every mark still missing: any one mark for a measurement aspect, each scorer's for the others."""
        out = []
        for entry_id, number in self.entries:
            for aspect in self.aspects:
                by_judge = self.cells.get((entry_id, aspect.id), {})
                if aspect.kind == AspectKind.MEASUREMENT:
                    if not by_judge:
                        out.append(MissingMark(number or "?", aspect.code))
                    continue
                out.extend(MissingMark(number or "?", aspect.code, name)
                           for person_id, name in self.scorers if person_id not in by_judge)
        return out


def load_marks(skill: Skill) -> SkillMarks | None:
    """The skill's marking data (None when no scheme is published): one query for the marks."""
    scheme = db.session.execute(select(MarkingScheme.id, MarkingScheme.total).where(
        MarkingScheme.skill_id == skill.id, MarkingScheme.status == SchemeStatus.PUBLISHED)
        .order_by(MarkingScheme.version.desc()).limit(1)).first()
    if scheme is None:
        return None
    aspects = [_AspectRow(*row) for row in db.session.execute(
        select(Aspect.id, Aspect.code, Aspect.kind, Aspect.max_mark, Criterion.code)
        .join(Criterion, Aspect.criterion_id == Criterion.id).where(Criterion.scheme_id == scheme.id)
        .order_by(Criterion.code, Aspect.code))]
    entries = [(e, n) for e, n in db.session.execute(select(Entry.id, Entry.competitor_number).where(
        Entry.skill_id == skill.id, Entry.status == EntryStatus.APPROVED).order_by(Entry.competitor_number))]
    scorers = [(p, n) for p, n in db.session.execute(
        select(Person.id, Person.name).join(JudgeAssignment, JudgeAssignment.person_id == Person.id)
        .where(JudgeAssignment.skill_id == skill.id, JudgeAssignment.role.in_(SCORER_ROLES)).order_by(Person.id))]
    cells: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    for entry_id, aspect_id, judge_id, value in db.session.execute(
            select(Mark.entry_id, Mark.aspect_id, Mark.judge_person_id, Mark.value)
            .join(Entry, Mark.entry_id == Entry.id)
            .where(Entry.skill_id == skill.id, Entry.status == EntryStatus.APPROVED)):
        cells[(entry_id, aspect_id)][judge_id] = value
    theory = dict(db.session.execute(select(TheoryScore.entry_id, TheoryScore.score).join(
        Entry, TheoryScore.entry_id == Entry.id).where(Entry.skill_id == skill.id)).all())
    return SkillMarks(scheme.total, aspects, entries, scorers, cells, theory)


def missing_marks(skill: Skill) -> list[MissingMark]:
    """Every mark still missing (per judge for judgement and subjective aspects): results cannot be
    computed, reviewed or published while any is missing."""
    data = load_marks(skill)
    return data.missing() if data else []


def missing_refusal(missing: list[MissingMark], code: str = "results.missing_marks") -> StateConflict:
    listed = ", ".join(f"{m.competitor_number}/{m.aspect_code}" + (f"/{m.judge}" if m.judge else "")
                       for m in missing[:MISSING_LISTED])
    return StateConflict(code, N_("%(n)s marks are missing (competitor/aspect/judge): %(list)s"), n=len(missing),
                         list=listed + (" …" if len(missing) > MISSING_LISTED else ""))


class _AspectMarks:
    """Aspect marks from the pure rules, memoised: a judgement or subjective aspect's mark depends only on
    the multiset of scores, the max mark and the settings, and a skill repeats the same few combinations."""

    def __init__(self, settings: marking.MarkingRules) -> None:
        self.settings = settings
        self.memo: dict[tuple[str, Decimal, tuple[Decimal, ...]], Decimal] = {}

    def __call__(self, aspect: _AspectRow, scores: list[Decimal]) -> Decimal:
        if aspect.kind == AspectKind.MEASUREMENT:
            return scores[0]  # one agreed mark (disagreeing entries block the lock)
        key = (aspect.kind, aspect.max_mark, tuple(sorted(scores)))
        found = self.memo.get(key)
        if found is None:
            if aspect.kind == AspectKind.JUDGEMENT:
                found = marking.judgement_aspect_mark(scores, aspect.max_mark, self.settings, allow_incomplete=True)
            else:
                found = marking.subjective_item_mark(scores, aspect.max_mark, self.settings)
            self.memo[key] = found
        return found


def compute(skill: Skill, actor: User | None = None) -> list[Result]:
    """Recompute the skill's unpublished results from its marks (and imported theory scores) and store them
    as a draft (a review by the chief judge is needed again). Refused once published: published results
    change only through an appeal (:func:`recompute`)."""
    if skill.results_published:
        raise StateConflict("results.published", N_("The results are published: they change only through an "
                                                    "appeal."))
    recompute(skill, actor=actor)
    before = {"status": skill.results_status}
    skill.results_status = ResultsStatus.DRAFT
    skill.results_reviewed_at = skill.results_reviewed_by_id = None
    if skill.results_publish_at is not None:  # a scheduled publication was for the reviewed results
        from competition.services import jobs, publication
        jobs.cancel(publication.publish_job_id(skill))
        skill.results_publish_at = None
    audit.record("results.status", skill, before=before, after={"status": skill.results_status}, actor=actor)
    return result_rows(skill)


def recompute(skill: Skill, actor: User | None = None) -> list[int]:
    """Compute and store the skill's results (whatever its publication status). Returns the ids of stored
    results whose total, scale, place or award changed (new results are not "changed"). Audited."""
    data = load_marks(skill)
    if data is None:
        raise StateConflict("results.no_scheme", N_("The skill has no published marking scheme."))
    if not data.entries:
        raise StateConflict("results.no_entries", N_("The skill has no approved entries."))
    missing = data.missing()
    if missing:
        raise missing_refusal(missing)
    if skill.theory_weight and len(data.theory) < len(data.entries):
        raise StateConflict("results.no_theory", N_("Theory scores are missing for %(n)s competitors."),
                            n=len(data.entries) - len(data.theory))
    settings = settings_for(skill, "marking", marking.MarkingRules)
    aspect_mark = _AspectMarks(settings)
    practical: dict[int, Decimal] = {}
    criteria: dict[int, dict[str, str]] = {}
    hundredths = Decimal("0.01")
    for entry_id, _number in data.entries:
        by_criterion: dict[str, Decimal] = {}
        for aspect in data.aspects:
            mark = aspect_mark(aspect, list(data.cells[(entry_id, aspect.id)].values()))
            by_criterion[aspect.criterion] = by_criterion.get(aspect.criterion, Decimal(0)) + mark
        raw = sum(by_criterion.values(), Decimal(0))
        practical[entry_id] = (raw * 100 / data.scheme_total).quantize(hundredths)
        criteria[entry_id] = {code: str(value) for code, value in by_criterion.items()}
    try:
        totals = {eid: marking.weighted_total(data.theory.get(eid), p, skill.theory_weight, skill.practical_weight,
                                              settings) for eid, p in practical.items()}
    except marking.MarkingError as error:
        raise StateConflict.from_rule(error) from None
    worldskills = skill.event.kind in WORLDSKILLS_MODEL
    scaled = standardise.standardise_to_worldskills_scale(
        totals, settings_for(skill, "standardise", standardise.StandardiseSettings)) if worldskills else {}
    # Ranking uses the unrounded total: standardisation preserves order, and rounding could merge places.
    placings = ranking.rank([ranking.Competitor(key=eid, total=totals[eid], practical=practical[eid],
                                                theory=data.theory.get(eid)) for eid in totals],
                            settings_for(skill, "ranking", ranking.RankingSettings))
    award_by_entry = _awards(skill, placings, scaled)
    rows = [{"skill_id": skill.id, "entry_id": p.key, "practical": practical[p.key], "theory": data.theory.get(p.key),
             "total": totals[p.key], "scaled": scaled.get(p.key), "place": p.place, "shared_place": p.shared,
             "award": award_by_entry.get(p.key), "unresolved_tie": p.unresolved_tie, "criteria": criteria[p.key]}
            for p in placings]
    changed = _store(skill, rows)
    audit.record("results.compute", skill, actor=actor, after={
        "entries": len(rows), "changed_result_ids": changed,
        "results": {str(r["entry_id"]): [str(r["total"]), r["place"], r["award"]] for r in rows}})
    return changed


def _store(skill: Skill, rows: list[dict[str, Any]]) -> list[int]:
    """Write ``rows`` over the skill's stored results: bulk UPDATE of the entries that have one, bulk INSERT
    of the others, DELETE of results of entries no longer ranked. Returns the ids whose outcome changed."""
    stored = {r.entry_id: r for r in db.session.execute(
        select(Result.id, Result.entry_id, Result.total, Result.scaled, Result.place, Result.award)
        .where(Result.skill_id == skill.id))}
    updates, inserts, changed = [], [], []
    for row in rows:
        old = stored.pop(row["entry_id"], None)
        if old is None:
            inserts.append(row)
            continue
        updates.append({"id": old.id, **row})
        if (old.total, old.scaled, old.place, old.award) != (row["total"], row["scaled"], row["place"],
                                                            row["award"]):
            changed.append(old.id)
    if stored:
        db.session.execute(delete(Result).where(Result.id.in_([r.id for r in stored.values()])))
    if updates:
        db.session.execute(update(Result), updates)
    if inserts:
        db.session.execute(insert(Result), inserts)
    for obj in list(db.session.identity_map.values()):  # bulk statements bypass loaded objects
        if isinstance(obj, Result) and obj.skill_id == skill.id:
            db.session.expire(obj)
    return changed


def _awards(skill: Skill, placings: list[Any], scaled: dict[int, Decimal]) -> dict[int, str]:
    kind = skill.event.kind
    if kind == EventKind.BELT_AND_ROAD:
        outcome = awards.worldskills_medals(placings, scaled, settings_for(skill, "medals", awards.MedalSettings))
    elif kind == EventKind.WORLDSKILLS_SELECTION:
        outcome = awards.selection_advancement(placings, settings_for(skill, "selection", awards.SelectionSettings))
    else:
        outcome = awards.bayu_cup_awards(placings, settings_for(skill, "awards", awards.BayuCupSettings))
    return {r.key: r.award.value for r in outcome.awards if r.award}


def result_rows(skill: Skill) -> list[Result]:
    return list(db.session.scalars(select(Result).where(Result.skill_id == skill.id)
                                   .order_by(Result.place, Result.entry_id)))


def published_result(entry: Entry) -> Result | None:
    if not entry.skill.results_published:
        return None
    return db.session.scalar(select(Result).where(Result.entry_id == entry.id))


def criterion_breakdown(result: Result) -> list[tuple[Criterion, Decimal]]:
    """The published result's marks per criterion, with the criterion (for its names), in scheme order."""
    scheme_id = db.session.scalar(select(MarkingScheme.id).where(
        MarkingScheme.skill_id == result.skill_id, MarkingScheme.status == SchemeStatus.PUBLISHED)
        .order_by(MarkingScheme.version.desc()).limit(1))
    found = db.session.scalars(select(Criterion).where(Criterion.scheme_id == scheme_id).order_by(Criterion.code))
    return [(c, Decimal(result.criteria[c.code])) for c in found if c.code in (result.criteria or {})]


def judging_duties(user: User) -> list[JudgeAssignment]:
    if user.person_id is None:
        return []
    return list(db.session.scalars(select(JudgeAssignment).where(JudgeAssignment.person_id == user.person_id)))
