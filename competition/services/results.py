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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

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
    stored: dict[int, tuple]                  # entry id → (result id, total, scaled, place, award)
    stale: list[int]                          # ids of stored results of entries no longer approved

    def missing(self) -> list[MissingMark]:
        """Every mark still missing: any one mark for a measurement aspect, each scorer's for the others."""
        out = []
        team = {person_id for person_id, _name in self.scorers}
        empty: dict[int, Decimal] = {}
        for entry_id, number in self.entries:
            for aspect in self.aspects:
                by_judge = self.cells.get((entry_id, aspect.id), empty)
                if aspect.kind == AspectKind.MEASUREMENT:
                    if not by_judge:
                        out.append(MissingMark(number or "?", aspect.code))
                elif not by_judge.keys() >= team:
                    out.extend(MissingMark(number or "?", aspect.code, name)
                               for person_id, name in self.scorers if person_id not in by_judge)
        return out


def load_marks(skill: Skill) -> SkillMarks | None:
    """The skill's marking data (None when no scheme is published) in four queries: the scheme's aspects;
    the approved entries with their theory scores and stored results; the scorers; all the marks."""
    latest = select(MarkingScheme.id).where(MarkingScheme.skill_id == skill.id,
                                            MarkingScheme.status == SchemeStatus.PUBLISHED) \
        .order_by(MarkingScheme.version.desc()).limit(1).scalar_subquery()
    rows = db.session.execute(
        select(MarkingScheme.total, Aspect.id, Aspect.code, Aspect.kind, Aspect.max_mark, Criterion.code)
        .join(Criterion, Criterion.scheme_id == MarkingScheme.id).join(Aspect, Aspect.criterion_id == Criterion.id)
        .where(MarkingScheme.id == latest).order_by(Criterion.code, Aspect.code)).all()
    if not rows:
        return None
    aspects = [_AspectRow(*row[1:]) for row in rows]
    entries, theory, stored, stale = [], {}, {}, []
    for entry_id, number, status, score, *result in db.session.execute(
            select(Entry.id, Entry.competitor_number, Entry.status, TheoryScore.score, Result.id, Result.total,
                   Result.scaled, Result.place, Result.award)
            .outerjoin(TheoryScore, TheoryScore.entry_id == Entry.id).outerjoin(Result, Result.entry_id == Entry.id)
            .where(Entry.skill_id == skill.id).order_by(Entry.competitor_number, Entry.id)):
        if status != EntryStatus.APPROVED:
            if result[0] is not None:
                stale.append(result[0])  # a result of an entry withdrawn or rejected since
            continue
        entries.append((entry_id, number))
        if score is not None:
            theory[entry_id] = score
        if result[0] is not None:
            stored[entry_id] = tuple(result)
    scorers = [(p, n) for p, n in db.session.execute(
        select(Person.id, Person.name).join(JudgeAssignment, JudgeAssignment.person_id == Person.id)
        .where(JudgeAssignment.skill_id == skill.id, JudgeAssignment.role.in_(SCORER_ROLES)).order_by(Person.id))]
    cells: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)
    mark, entry = Mark.__table__.c, Entry.__table__.c  # plain columns: rows, no ORM loading
    for entry_id, aspect_id, judge_id, value in db.session.execute(
            select(mark.entry_id, mark.aspect_id, mark.judge_person_id, mark.value)
            .join(Entry.__table__, mark.entry_id == entry.id)
            .where(entry.skill_id == skill.id, entry.status == EntryStatus.APPROVED)).all():
        cells[(entry_id, aspect_id)][judge_id] = value
    return SkillMarks(rows[0][0], aspects, entries, scorers, cells, theory, stored, stale)


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


_ASPECT_MARKS: dict[marking.MarkingRules, dict[tuple[str, Decimal, tuple[Decimal, ...]], Decimal]] = {}


def _aspect_marks_memo(settings: marking.MarkingRules) -> dict[tuple[str, Decimal, tuple[Decimal, ...]], Decimal]:
    """Memo of :func:`_scored_aspect_mark` for one set of marking settings (few per process)."""
    if len(_ASPECT_MARKS) > 64:
        _ASPECT_MARKS.clear()
    return _ASPECT_MARKS.setdefault(settings, {})


def _scored_aspect_mark(kind: str, max_mark: Decimal, scores: tuple[Decimal, ...], settings: marking.MarkingRules,
                        memo: dict[tuple[str, Decimal, tuple[Decimal, ...]], Decimal]) -> Decimal:
    """The pure rules' mark of a judgement or subjective aspect, memoised: it depends only on these inputs
    (all immutable), and a whole event repeats a few hundred combinations. The rules' result does not
    depend on the order of the scores; the memo keys on the order given (a few more entries)."""
    key = (kind, max_mark, scores)
    found = memo.get(key)
    if found is None:
        if kind == AspectKind.JUDGEMENT:
            found = marking.judgement_aspect_mark(scores, max_mark, settings, allow_incomplete=True)
        else:
            found = marking.subjective_item_mark(scores, max_mark, settings)
        if len(memo) < 100_000:
            memo[key] = found
    return found


def compute(skill: Skill, actor: User | None = None) -> int:
    """Recompute the skill's unpublished results from its marks (and imported theory scores) and store them
    as a draft (a review by the chief judge is needed again); returns how many results were stored (read
    them with :func:`result_rows`). Refused once published: published results change only through an
    appeal (:func:`recompute`)."""
    if skill.results_published:
        raise StateConflict("results.published", N_("The results are published: they change only through an "
                                                    "appeal."))

    def as_draft() -> None:
        if skill.results_publish_at is not None:  # a scheduled publication was for the reviewed results
            from competition.services import jobs, publication
            jobs.cancel(publication.publish_job_id(skill))
            skill.results_publish_at = None
        skill.results_status = ResultsStatus.DRAFT
        skill.results_reviewed_at = skill.results_reviewed_by_id = None

    return _recompute(skill, actor, as_draft)[0]


def recompute(skill: Skill, actor: User | None = None) -> list[int]:
    """Compute and store the skill's results, whatever its publication status (an upheld appeal). Returns the
    ids of stored results whose total, scale, place or award changed (new results are not "changed")."""
    return _recompute(skill, actor)[1]


def _recompute(skill: Skill, actor: User | None,
               then: Callable[[], None] | None = None) -> tuple[int, list[int]]:
    """Compute, store, run ``then`` (a status change) and audit (one row, with the status before and after).
    Returns (results stored, ids of changed results). A refusal changes nothing."""
    data = load_marks(skill)
    if data is None:
        raise StateConflict("results.no_scheme", N_("The skill has no published marking scheme."))
    if not data.entries:
        raise StateConflict("results.no_entries", N_("The skill has no approved entries."))
    if skill.theory_weight and len(data.theory) < len(data.entries):
        raise StateConflict("results.no_theory", N_("Theory scores are missing for %(n)s competitors."),
                            n=len(data.entries) - len(data.theory))
    settings = settings_for(skill, "marking", marking.MarkingRules)
    memo = _aspect_marks_memo(settings)
    practical: dict[int, Decimal] = {}
    criteria: dict[int, dict[str, str]] = {}
    hundredths = Decimal("0.01")
    criterion_codes = sorted({aspect.criterion for aspect in data.aspects})
    measurement = [(a.id, a.criterion) for a in data.aspects if a.kind == AspectKind.MEASUREMENT]
    scored = [a for a in data.aspects if a.kind != AspectKind.MEASUREMENT]
    team = {person_id for person_id, _name in data.scorers}
    cells, empty = data.cells, {}
    for entry_id, number in data.entries:
        by_criterion = dict.fromkeys(criterion_codes, Decimal(0))
        for aspect_id, criterion in measurement:  # one agreed mark (disagreeing entries block the lock)
            by_judge = cells.get((entry_id, aspect_id))
            if not by_judge:
                raise missing_refusal(data.missing())
            by_criterion[criterion] += next(iter(by_judge.values()))
        for aspect in scored:
            by_judge = cells.get((entry_id, aspect.id), empty)
            if not by_judge.keys() >= team or not by_judge:  # (no mark at all: a skill without scorers)
                raise missing_refusal(data.missing() or [MissingMark(number or "?", aspect.code)])
            by_criterion[aspect.criterion] += _scored_aspect_mark(aspect.kind, aspect.max_mark,
                                                                  tuple(by_judge.values()), settings, memo)
        raw = sum(by_criterion.values(), Decimal(0))
        practical[entry_id] = (raw * 100 / data.scheme_total).quantize(hundredths)
        criteria[entry_id] = {code: str(value) for code, value in by_criterion.items()}
    try:
        totals = marking.weighted_totals({eid: (data.theory.get(eid), p) for eid, p in practical.items()},
                                         skill.theory_weight, skill.practical_weight, settings)
    except marking.MarkingError as error:
        raise StateConflict.from_rule(error) from None
    worldskills = skill.event.kind in WORLDSKILLS_MODEL
    scaled = standardise.standardise_to_worldskills_scale(
        totals, settings_for(skill, "standardise", standardise.StandardiseSettings)) if worldskills else {}
    carried = _carried(skill, totals)
    ranked_on = carried or totals
    # Ranking uses the unrounded total: standardisation preserves order, and rounding could merge places.
    placings = ranking.rank([ranking.Competitor(key=eid, total=ranked_on[eid], practical=practical[eid],
                                                theory=data.theory.get(eid)) for eid in totals],
                            settings_for(skill, "ranking", ranking.RankingSettings))
    award_by_entry = _awards(skill, placings, scaled)
    computed_at = datetime.now(UTC)
    rows = [{"skill_id": skill.id, "entry_id": p.key, "practical": practical[p.key], "theory": data.theory.get(p.key),
             "total": totals[p.key], "carried": carried.get(p.key), "scaled": scaled.get(p.key), "place": p.place, "shared_place": p.shared,
             "award": award_by_entry.get(p.key), "unresolved_tie": p.unresolved_tie, "criteria": criteria[p.key],
             "computed_at": computed_at}
            for p in placings]
    changed = _store(skill, rows, data.stored, data.stale)
    status_before = skill.results_status
    if then is not None:
        then()
    audit.record("results.compute", skill, actor=actor, before={"status": status_before}, after={
        "status": skill.results_status, "entries": len(rows), "changed_result_ids": changed,
        "results": {str(r["entry_id"]): [str(r["total"]), r["place"], r["award"]] for r in rows}}
        | ({"carried": {str(r["entry_id"]): str(r["carried"]) for r in rows}} if carried else {}))
    return len(rows), changed


def _carried(skill: Skill, totals: dict[int, Decimal]) -> dict[int, Decimal]:
    """世赛选拔 with ``selection.carry_weight`` > 0: entry id → (w × previous round's total + (100 − w) × this
    round's total) / 100, the score this round ranks on (``Result.carried``; ``Result.total`` stays this
    round's own score). Empty otherwise. Refused when the previous round's results are not published or a
    competitor has no previous result."""
    if skill.event.kind != EventKind.WORLDSKILLS_SELECTION or skill.event.previous_round_id is None:
        return {}
    settings = settings_for(skill, "selection", awards.SelectionSettings)
    if not settings.carry_weight:
        return {}
    from competition.services import rounds
    previous = rounds.previous_totals(skill)
    members = rounds.entry_members(skill.id)
    try:
        return awards.carry_scores({eid: previous[members[eid]] for eid in totals if members.get(eid) in previous},
                                   totals, settings)
    except awards.AwardsError as error:  # keys are entry ids: name the competitors by number instead
        numbers = dict(db.session.execute(select(Entry.id, Entry.competitor_number)
                                          .where(Entry.skill_id == skill.id)).all())
        missing = [numbers.get(eid) or str(eid) for eid in totals if members.get(eid) not in previous]
        raise StateConflict("rounds.missing_previous", N_("No previous-round result for competitors %(numbers)s: "
                                                          "scores cannot be carried."),
                            numbers=", ".join(missing)) from error


def _store(skill: Skill, rows: list[dict[str, Any]], stored: dict[int, tuple], stale: list[int]) -> list[int]:
    """Write ``rows`` over the skill's ``stored`` results (entry id → (id, total, scaled, place, award)): bulk
    UPDATE of the entries that have one, bulk INSERT of the others, DELETE of the ``stale`` ones (entries no
    longer approved). Returns the ids whose outcome changed."""
    updates, inserts, changed = [], [], []
    for row in rows:
        old = stored.get(row["entry_id"])
        if old is None:
            inserts.append(row)
            continue
        updates.append({"result_id": old[0], **{f"new_{k}": v for k, v in row.items() if k != "entry_id"}})
        if old[1:] != (row["total"], row["scaled"], row["place"], row["award"]):
            changed.append(old[0])
    if stale:
        db.session.execute(delete(Result).where(Result.id.in_(stale)))
    table = Result.__table__  # Core executemany: no per-row ORM bookkeeping
    if updates:
        db.session.execute(update(table).where(table.c.id == bindparam("result_id")).values(
            {column: bindparam(f"new_{column}") for column in rows[0] if column != "entry_id"}), updates)
    if inserts:
        db.session.execute(insert(table), inserts)
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
