"""Events, skills and marking schemes."""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from competition.errors import N_, DomainError, Invalid, StateConflict, not_found
from competition.extensions import db
from competition.labels import EVENT_STATUS
from competition.models import (
    Aspect,
    AspectKind,
    Criterion,
    Entry,
    EntryStatus,
    Event,
    EventKind,
    EventStatus,
    MarkingScheme,
    MeasurementMethod,
    SchemeStatus,
    Skill,
    Tier,
)
from competition.rules import marking as marking_rules
from competition.rules import registration as registration_rules
from competition.services import audit, tabular
from competition.services.settings import SETTINGS_SECTIONS
from evaluation.models import GradeLevel

EVENT_FIELDS = ("code", "name", "name_en", "kind", "tier", "year", "status", "starts_on", "ends_on", "venue")
SKILL_FIELDS = ("code", "name", "name_en", "occupation_code", "occupation_name", "trade", "level_grade_code",
                "team_size", "theory_weight", "practical_weight", "capacity")

# Which status may follow which: the lifecycle of DOMAIN.md, one step at a time (back only to reopen).
NEXT_STATUS = {
    EventStatus.DRAFT: {EventStatus.REGISTRATION_OPEN},
    EventStatus.REGISTRATION_OPEN: {EventStatus.REGISTRATION_CLOSED},
    EventStatus.REGISTRATION_CLOSED: {EventStatus.REGISTRATION_OPEN, EventStatus.COMPETITION},
    EventStatus.COMPETITION: {EventStatus.MARKING},
    EventStatus.MARKING: {EventStatus.RESULTS},
    EventStatus.RESULTS: {EventStatus.ARCHIVED},
    EventStatus.ARCHIVED: set(),
}


def get_or_404(model: type, ident: Any) -> Any:
    obj = db.session.get(model, ident)
    if obj is None:
        raise not_found()
    return obj


def create_event(*, code: str, name: str, kind: str, tier: str, year: int, name_en: str | None = None,
                 starts_on: date | None = None, ends_on: date | None = None, venue: str | None = None,
                 previous_round_id: int | None = None) -> Event:
    """A new event; a 世赛选拔 event may name its previous round (:func:`competition.services.rounds.set_previous_round`)."""
    code = code.strip()
    if kind not in set(EventKind):
        raise Invalid("event.kind", N_("Unknown event kind."))
    if tier not in set(Tier):
        raise Invalid("event.tier", N_("Unknown competition tier."))
    if not 2000 <= year <= 2100:
        raise Invalid("event.year", N_("The year must be between 2000 and 2100."))
    if starts_on and ends_on and ends_on < starts_on:
        raise Invalid("event.dates", N_("The event cannot end before it starts."))
    if db.session.scalar(select(Event.id).where(Event.code == code)):
        raise StateConflict("event.code_taken", N_("An event with the code %(code)s already exists."), code=code)
    event = Event(code=code, name=name.strip(), name_en=(name_en or "").strip() or None, kind=kind, tier=tier,
                  year=year, starts_on=starts_on, ends_on=ends_on, venue=venue, settings={})
    db.session.add(event)
    audit.record("event.create", event, after=audit.snapshot(event, EVENT_FIELDS))
    if previous_round_id is not None:
        from competition.services import rounds
        rounds.set_previous_round(event, previous_round_id)
    return event


def change_status(event: Event, new_status: str) -> Event:
    current = EventStatus(event.status)
    if new_status not in {s.value for s in NEXT_STATUS[current]}:
        raise StateConflict("event.status", N_("An event cannot go from %(old)s to %(new)s."),
                            old=EVENT_STATUS[current], new=EVENT_STATUS.get(new_status, new_status))
    before = {"status": event.status}
    event.status = new_status
    audit.record("event.status", event, before=before, after={"status": new_status})
    return event


def add_skill(event: Event, *, code: str, name: str, occupation_code: str, occupation_name: str,
              level_grade_code: str, name_en: str | None = None, trade: str | None = None, team_size: int = 1,
              theory_weight: int = 0, practical_weight: int = 100, capacity: int | None = None) -> Skill:
    code = code.strip()
    if db.session.get(GradeLevel, level_grade_code) is None:
        raise Invalid("skill.level", N_("Unknown grade for the 命题等级."))
    try:
        occupation_code = registration_rules.validate_occupation_code(occupation_code)
    except registration_rules.RegistrationError as error:
        raise Invalid.from_rule(error) from None
    if team_size not in (1, 2, 3):
        raise Invalid("skill.team_size", N_("A skill is individual or for teams of 2 or 3."))
    if theory_weight < 0 or practical_weight < 0 or theory_weight + practical_weight != 100:
        raise Invalid("skill.weights", N_("Theory and practical weights must add up to 100."))
    if db.session.scalar(select(Skill.id).where(Skill.event_id == event.id, Skill.code == code)):
        raise StateConflict("skill.code_taken", N_("This event already has a skill with the code %(code)s."),
                            code=code)
    skill = Skill(event=event, code=code, name=name.strip(), name_en=(name_en or "").strip() or None,
                  occupation_code=occupation_code.strip(), occupation_name=occupation_name.strip(),
                  trade=(trade or "").strip() or None, level_grade_code=level_grade_code, team_size=team_size,
                  theory_weight=theory_weight, practical_weight=practical_weight, capacity=capacity, settings={})
    db.session.add(skill)
    audit.record("skill.create", skill, after=audit.snapshot(skill, SKILL_FIELDS))
    return skill


def draft_scheme(skill: Skill) -> MarkingScheme:
    """The skill's scheme being edited: the draft, or a new version copied from the last published one."""
    latest = db.session.scalar(select(MarkingScheme).where(MarkingScheme.skill_id == skill.id)
                               .order_by(MarkingScheme.version.desc()).limit(1))
    if latest is not None and latest.status == SchemeStatus.DRAFT:
        return latest
    scheme = MarkingScheme(skill_id=skill.id, version=(latest.version + 1) if latest else 1,
                           total=latest.total if latest else Decimal(100))
    if latest is not None:
        for criterion in latest.criteria:
            copy = Criterion(code=criterion.code, name=criterion.name, name_en=criterion.name_en)
            copy.aspects = [Aspect(code=a.code, description=a.description, description_en=a.description_en,
                                   kind=a.kind, max_mark=a.max_mark, descriptors=list(a.descriptors))
                            for a in criterion.aspects]
            scheme.criteria.append(copy)
    db.session.add(scheme)
    db.session.flush()
    audit.record("scheme.draft", scheme, after={"skill_id": skill.id, "version": scheme.version})
    return scheme


def published_scheme(skill_id: int) -> MarkingScheme | None:
    return db.session.scalar(select(MarkingScheme).where(
        MarkingScheme.skill_id == skill_id, MarkingScheme.status == SchemeStatus.PUBLISHED)
        .order_by(MarkingScheme.version.desc()).limit(1))


def parse_mark(raw: Any, field: Any = None) -> Decimal:
    """A decimal from a form; ``field`` is the (lazily translated) name used in the message."""
    field = field or _l("The maximum mark")
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise Invalid("number.invalid", N_("%(field)s must be a number."), field=field) from None
    if not value.is_finite():
        raise Invalid("number.invalid", N_("%(field)s must be a number."), field=field)
    return value


def add_aspect(skill: Skill, *, criterion_code: str, criterion_name: str, code: str, description: str,
               kind: str, max_mark: Any, descriptors: list[str] | None = None, method: str | None = None,
               bands: list[tuple[Any, Any]] | None = None, criterion_name_en: str | None = None,
               description_en: str | None = None, sub_criterion: str | None = None,
               sub_criterion_name: str | None = None) -> Aspect:
    """Add an aspect to the skill's draft scheme (creating the draft, and the criterion, when needed).
    The aspect must be markable by the rules (right kind, method, descriptors, bands)."""
    scheme = draft_scheme(skill)
    if skill.results_published:
        raise StateConflict("scheme.results_published", N_("The results are published: the scheme is final."))
    mark = parse_mark(max_mark)
    if mark > scheme.total:
        raise Invalid("aspect.max_mark", N_("The maximum mark must be above 0 and at most %(total)s."),
                      total=scheme.total)
    criterion_code = criterion_code.strip().upper()
    code = code.strip().upper()
    if any(a.code == code for a in scheme.aspects):
        raise StateConflict("aspect.code_taken", N_("The scheme already has an aspect %(code)s."), code=code)
    if kind == AspectKind.MEASUREMENT and not method:
        method = MeasurementMethod.DEDUCTION  # the judge enters the mark after deductions: 0..max
    aspect = Aspect(code=code, description=description.strip(), description_en=(description_en or "").strip()
                    or None, kind=kind, method=method if kind == AspectKind.MEASUREMENT else None, max_mark=mark,
                    sub_criterion=(sub_criterion or "").strip().upper() or None,
                    sub_criterion_name=(sub_criterion_name or "").strip() or None,
                    descriptors=[d.strip() for d in (descriptors or [])],
                    bands=[[str(parse_mark(d, _l("A band"))), str(parse_mark(m, _l("A band")))] for d, m in bands or []])
    problems = marking_rules.validate_scheme(marking_rules.SchemeSpec(
        criteria=(_criterion_spec(criterion_code, criterion_name, [aspect]),), total=mark))
    if problems:
        raise Invalid(problems[0].code, problems[0].message, **problems[0].params)
    criterion = next((c for c in scheme.criteria if c.code == criterion_code), None)
    if criterion is None:
        criterion = Criterion(code=criterion_code, name=criterion_name.strip() or criterion_code,
                              name_en=(criterion_name_en or "").strip() or None)
        scheme.criteria.append(criterion)
    criterion.aspects.append(aspect)
    db.session.flush()
    audit.record("aspect.create", aspect, after={"scheme_id": scheme.id, "criterion": criterion_code,
                                                 "code": code, "kind": kind, "method": aspect.method,
                                                 "max_mark": mark, "descriptors": aspect.descriptors})
    return aspect


def _criterion_spec(code: str, name: str, aspects: list[Aspect]) -> marking_rules.CriterionSpec:
    """A criterion for the rules: aspects grouped by sub-criterion (those without one sit in a sub-criterion
    named like the criterion)."""
    groups: dict[str, list[Aspect]] = {}
    names: dict[str, str] = {}
    for aspect in aspects:
        key = aspect.sub_criterion or code
        groups.setdefault(key, []).append(aspect)
        names.setdefault(key, aspect.sub_criterion_name or name or key)
    return marking_rules.CriterionSpec(code=code, description=name or code, sub_criteria=tuple(
        marking_rules.SubCriterionSpec(code=key, description=names[key], aspects=tuple(a.spec() for a in group))
        for key, group in groups.items()))


def scheme_problems(scheme: MarkingScheme) -> list[Invalid]:
    """What stops publication, checked by the marking rules (empty when the scheme is publishable)."""
    spec = marking_rules.SchemeSpec(criteria=tuple(_criterion_spec(c.code, c.name, c.aspects)
                                                   for c in scheme.criteria), total=scheme.total)
    return [Invalid(p.code, p.message, location=p.location, **p.params)
            for p in marking_rules.validate_scheme(spec)]


def publish_scheme(skill: Skill) -> MarkingScheme:
    scheme = latest_draft(skill.id)
    if scheme is None:
        raise StateConflict("scheme.no_draft", N_("There is no draft scheme to publish."))
    problems = scheme_problems(scheme)
    if problems:
        raise problems[0]
    scheme.status = SchemeStatus.PUBLISHED
    audit.record("scheme.publish", scheme, before={"status": "draft"}, after={"status": "published",
                                                                              "version": scheme.version})
    return scheme


def public_events() -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.status != EventStatus.DRAFT)
                                   .order_by(Event.year.desc(), Event.starts_on.desc(), Event.id)))


def entry_counts(event: Event) -> dict[int, int]:
    """Skill id → number of approved entries."""
    rows = db.session.execute(select(Entry.skill_id, func.count()).join(Skill).where(
        Skill.event_id == event.id, Entry.status == EntryStatus.APPROVED).group_by(Entry.skill_id))
    return dict(rows.all())


def latest_draft(skill_id: int) -> MarkingScheme | None:
    return db.session.scalar(select(MarkingScheme).where(
        MarkingScheme.skill_id == skill_id, MarkingScheme.status == SchemeStatus.DRAFT))


def update_settings(event: Event, section: str, values: dict[str, Any]) -> Event:
    """Override DOMAIN.md defaults for one event (e.g. ``awards`` → ``{"min_entrants": 20}``). The values
    are checked by building the rule's settings object before anything is stored."""
    if section not in SETTINGS_SECTIONS:
        raise Invalid("settings.section", N_("Unknown settings section %(section)s."), section=section)
    merged = {**(event.settings or {}).get(section, {}), **values}
    try:
        SETTINGS_SECTIONS[section](**merged)
    except (TypeError, ValueError) as error:
        raise Invalid("settings.invalid", N_("These settings are not valid: %(error)s"), error=str(error)) from None
    before = {section: (event.settings or {}).get(section)}
    event.settings = {**(event.settings or {}), section: merged}
    audit.record("event.settings", event, before=before, after={section: merged})
    return event


# --- marking schemes from Excel ----------------------------------------------------------------------

SCHEME_COLUMNS = (
    tabular.Column("criterion", ("模块", "Criterion")),
    tabular.Column("criterion_name", ("模块名称", "Criterion name"), required=False),
    tabular.Column("sub_criterion", ("子模块", "Sub-criterion"), required=False),
    tabular.Column("sub_criterion_name", ("子模块名称", "Sub-criterion name"), required=False),
    tabular.Column("code", ("评分项", "Aspect")),
    tabular.Column("description", ("描述", "Description")),
    tabular.Column("kind", ("类型", "Kind")),
    tabular.Column("method", ("方法", "Method"), required=False),
    tabular.Column("max_mark", ("分值", "Max mark")),
    *(tabular.Column(f"descriptor_{level}", (f"评分说明{level}", f"Descriptor {level}"), required=False)
      for level in range(4)),
)
KIND_WORDS = {"测量": AspectKind.MEASUREMENT, "测量评分": AspectKind.MEASUREMENT, "评价": AspectKind.JUDGEMENT,
              "评价评分": AspectKind.JUDGEMENT, "主观": AspectKind.SUBJECTIVE, "主观评分": AspectKind.SUBJECTIVE}
METHOD_WORDS = {"扣分": MeasurementMethod.DEDUCTION, "是否": MeasurementMethod.YES_NO, "区间": MeasurementMethod.BANDS}


def import_scheme(skill: Skill, data: bytes, filename: str) -> list[tuple[int, str]]:
    """Replace the skill's draft scheme with the aspects of a workbook, one aspect per row. Every row is
    checked as if added by hand; any problem (listed as (row number, message)) leaves the draft as it was.
    The imported draft is then published like any other (the total and descriptors are checked there)."""
    rows = tabular.read_table(data, filename, SCHEME_COLUMNS)
    problems: list[tuple[int, str]] = []
    audit_mark = audit.checkpoint()
    savepoint = db.session.begin_nested()
    scheme = draft_scheme(skill)
    for criterion in list(scheme.criteria):
        scheme.criteria.remove(criterion)
    db.session.flush()
    for row in rows:
        values = {k: ("" if v is None else str(v)) for k, v in row.values.items()}
        kind = KIND_WORDS.get(values["kind"], values["kind"].lower())
        method = METHOD_WORDS.get(values.get("method", ""), values.get("method", "").lower() or None)
        descriptors = [values.get(f"descriptor_{level}", "") for level in range(4)]
        try:
            add_aspect(skill, criterion_code=values["criterion"], criterion_name=values.get("criterion_name", ""),
                       sub_criterion=values.get("sub_criterion"), sub_criterion_name=values.get("sub_criterion_name"),
                       code=values["code"], description=values["description"], kind=kind, method=method,
                       max_mark=values["max_mark"],
                       descriptors=descriptors if any(descriptors) else None)
        except DomainError as error:
            problems.append((row.number, error.text()))
    if problems:
        savepoint.rollback()
        audit.discard_since(audit_mark)
    else:
        savepoint.commit()
        audit.record("scheme.import", scheme, after={"skill_id": skill.id, "rows": len(rows), "file": filename})
    return problems
