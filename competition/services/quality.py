"""The judging quality report of one skill, for its chief judge (裁判长) and the organisers.

Loads the skill's judged marks (judgement and subjective aspects; measurement aspects have one agreed mark
and say nothing about a judge), each mark's first value (the old value of its earliest revision, else the
mark itself) and the judges' ties with the contestants (the conflict rules' facts: employer, 区县, country),
then hands them to the pure rules in :mod:`competition.rules.quality`. Reads only; changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from competition.extensions import db
from competition.models import Aspect, AspectKind, Entry, Mark, MarkRevision, Person, Result, Skill
from competition.rules import marking as marking_rules
from competition.rules import quality
from competition.rules.conflicts import ConflictEffect, ConflictSettings, ConflictType, detect_conflicts
from competition.services import events, judging
from competition.services.marking import markable_entries, marking_rules_for, marks_by_cell, scorers
from competition.services.settings import settings_for

JUDGED_KINDS = frozenset({AspectKind.JUDGEMENT, AspectKind.SUBJECTIVE})
# The conflict types that are the ties this report compares, and only those.
TIES = ConflictSettings(same_employer=ConflictEffect.NOT_MARKING, same_district=ConflictEffect.NOT_MARKING,
                        same_country=ConflictEffect.NOT_MARKING, teacher_of=None, relative=None, declared=None)
TIE_KIND = {ConflictType.SAME_EMPLOYER: quality.AffiliationKind.ORGANISATION,
            ConflictType.SAME_DISTRICT: quality.AffiliationKind.DISTRICT,
            ConflictType.SAME_COUNTRY: quality.AffiliationKind.COUNTRY}


@dataclass(frozen=True)
class QualityReport:
    skill: Skill
    settings: quality.QualitySettings
    allowed_spread: int
    judges: dict[int, Person]
    aspects: dict[int, Aspect]
    cells: int
    severity: list[quality.JudgeSeverity]
    spread: dict[int, quality.SpreadRecord]
    agreement: list[quality.AspectAgreement]
    affiliation: list[quality.AffiliationComparison]
    scores: list[Decimal]          # the skill's result scores (scaled on the WorldSkills model), for the chart
    scaled: bool

    def judge_name(self, person_id: int) -> str:
        person = self.judges.get(person_id)
        return person.display_name if person is not None else str(person_id)


def _first_values(skill: Skill) -> dict[int, Decimal]:
    """Mark id → the value first entered, for marks that were changed (oldest revision's old value)."""
    rows = db.session.execute(select(MarkRevision.mark_id, MarkRevision.old_value)
                              .join(Mark, MarkRevision.mark_id == Mark.id).join(Entry, Mark.entry_id == Entry.id)
                              .where(Entry.skill_id == skill.id).order_by(MarkRevision.id))
    first: dict[int, Decimal] = {}
    for mark_id, old in rows:
        first.setdefault(mark_id, old)
    return first


def _scale(aspect: Aspect, rules: marking_rules.MarkingRules) -> Decimal:
    if aspect.kind == AspectKind.JUDGEMENT:
        return Decimal(rules.judgement_max_score - rules.judgement_min_score)
    return aspect.max_mark


def skill_cells(skill: Skill) -> tuple[list[quality.Cell], dict[int, Aspect], list[Entry]]:
    """The skill's judged cells (contestant = entry id, aspect = aspect id, judges = person ids)."""
    scheme = events.published_scheme(skill.id)
    aspects = {a.id: a for a in (scheme.aspects if scheme else []) if a.kind in JUDGED_KINDS}
    rules = marking_rules_for(skill)
    first = _first_values(skill)
    entries = markable_entries(skill)
    cells = []
    for (entry_id, aspect_id), by_judge in sorted(marks_by_cell(skill).items()):
        aspect = aspects.get(aspect_id)
        if aspect is None:
            continue
        cells.append(quality.Cell(
            entry_id, aspect_id, _scale(aspect, rules), {judge: mark.value for judge, mark in by_judge.items()},
            {judge: first[mark.id] for judge, mark in by_judge.items() if mark.id in first},
            spread_rule=aspect.kind == AspectKind.JUDGEMENT))
    return cells, aspects, entries


def _ties(skill: Skill, judge_ids: list[int], entries: list[Entry]) -> list[tuple[int, int, str]]:
    facts = judging.judge_facts(skill.event, judge_ids)
    found = detect_conflicts(facts, [judging.contestant_facts(entry) for entry in entries], TIES)
    return [(c.judge_id, c.contestant_id, TIE_KIND[c.type]) for c in found]


def skill_report(skill: Skill) -> QualityReport:
    settings = settings_for(skill, "quality", quality.QualitySettings)
    rules = marking_rules_for(skill)
    cells, aspects, entries = skill_cells(skill)
    panel = scorers(skill)
    judge_ids = [p.id for p in panel]
    marked = {judge for cell in cells for judge in cell.scores}
    extra = sorted(marked - set(judge_ids))
    judges = {p.id: p for p in panel}
    judges.update({p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(extra)))} if extra else {})
    ordered = judge_ids + extra
    severity = quality.judge_severity(cells, settings, ordered)
    severity.sort(key=lambda row: (row.mean_deviation is None, row.mean_deviation or 0))
    spread = {row.judge: row for row in quality.spread_flags(cells, rules.judgement_allowed_spread, ordered)}
    agreement = quality.aspect_agreement(cells, rules.judgement_allowed_spread, list(aspects))
    affiliation = quality.affiliation_bias(cells, _ties(skill, ordered, entries))
    worldskills = skill.event.kind in ("worldskills_selection", "belt_and_road")
    results = db.session.execute(select(Result.total, Result.scaled).where(Result.skill_id == skill.id)).all()
    scores = [scaled if worldskills and scaled is not None else total for total, scaled in results]
    return QualityReport(skill, settings, rules.judgement_allowed_spread, judges, aspects, len(cells), severity,
                         spread, agreement, affiliation, scores, worldskills)


def charts(report: QualityReport) -> dict[str, str]:
    """The report's two charts as ``data:`` URLs of SVG images: the score distribution and judge severity."""
    from flask_babel import gettext as _

    from competition.services import charts as drawing
    distribution = drawing.score_distribution(
        [float(s) for s in report.scores], title=_("Score distribution"),
        xlabel=_("Score (WorldSkills scale)") if report.scaled else _("Total score"), ylabel=_("Contestants"))
    rows = [row for row in report.severity if row.mean_deviation is not None]
    severity = drawing.judge_severity(
        [report.judge_name(row.judge) for row in rows], [float(row.mean_deviation) for row in rows],
        float(report.settings.severity_threshold), title=_("Judge severity"),
        xlabel=_("Mean deviation from the panel in per cent of the score range (left: severe, right: lenient)"))
    return {"distribution": drawing.data_url(distribution), "severity": drawing.data_url(severity)}
