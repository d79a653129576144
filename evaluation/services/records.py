"""Evaluation records: one person asking for one grade in one occupation by one of the four routes
(assessment, 以赛代评, 直接认定, enterprise self-evaluation), checked for eligibility, approved by officers,
and turned into a certificate. Also each person's grade history.

Contracts, per route:

- **assessment**: theory and practical scores, each at least the pass line (the occupation's
  ``exam_pass_line``, default 60); both parts are required (``eligibility.assessment_passes``).
- **competition** (以赛代评): created from a published result; the event's promotion rule table decides the
  grade and the rule that fired is stored on the record. No manual grade: a grade no rule gives is refused.
- **direct** (直接认定): written evidence, and two approvals by two different officers.
- **enterprise**: rows of an imported Excel file (see :mod:`evaluation.services.imports`).

For assessment, direct and enterprise records, eligibility (申报条件) is checked with
``eligibility.check_eligibility`` against the occupation's table and stored with the record so the page can
explain it; a record that is not eligible needs a written exception reason, or it is refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from competition import permissions
from competition.errors import N_, DomainError, Invalid, NotAllowed, StateConflict, not_found
from competition.extensions import db
from competition.i18n import pick
from competition.models import VISIBLE_RESULTS, Entry, EntryMember, Person, Result, Skill, User
from competition.services import audit
from evaluation.models import (
    Certificate,
    CertificateStatus,
    EvaluationRecord,
    GradeHistory,
    GradeLevel,
    OccupationRule,
    RecordApproval,
    RecordStatus,
    Route,
)
from evaluation.rules import eligibility, promotion
from evaluation.rules.ladder import EvaluationRuleError, Grade

RECORD_FIELDS = ("body_id", "person_id", "route", "occupation_code", "occupation_name", "trade", "grade_code",
                 "status", "theory_score", "practical_score", "pass_line", "result_id", "rule_id", "evidence",
                 "years_in_occupation", "schooling", "apprenticeship_completed", "eligibility_ok",
                 "exception_reason", "import_id", "source_row")
ROUTES_FOR_RECORDS = (Route.ASSESSMENT, Route.COMPETITION, Route.DIRECT, Route.ENTERPRISE)
MAX_TEXT = 4000


def _require_officer(officer: User, body_id: int) -> None:
    if not permissions.can_issue_certificates(officer, body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))


# --- grade history -------------------------------------------------------------------------------

def _counting_history(person_id: int, occupation_code: str):
    """History rows that still count: declared grades, and certificates that are not revoked."""
    return select(GradeHistory).outerjoin(Certificate, GradeHistory.certificate_id == Certificate.id).where(
        GradeHistory.person_id == person_id, GradeHistory.occupation_code == occupation_code,
        (GradeHistory.certificate_id.is_(None)) | (Certificate.status == CertificateStatus.VALID))


def current_grade(person_id: int, occupation_code: str) -> Grade | None:
    """The highest grade the person holds in this occupation, from the grade history (a revoked
    certificate no longer counts)."""
    rows = db.session.scalars(_counting_history(person_id, occupation_code)).all()
    return max((Grade(row.grade_code) for row in rows), default=None)


def current_grade_since(person_id: int, occupation_code: str) -> tuple[Grade | None, date | None]:
    rows = db.session.scalars(_counting_history(person_id, occupation_code)).all()
    if not rows:
        return None, None
    best = max(Grade(row.grade_code) for row in rows)
    return best, min(row.obtained_on for row in rows if Grade(row.grade_code) == best)


def grade_history(person_id: int) -> dict[str, list[GradeHistory]]:
    """A person's grade history per occupation code, oldest first."""
    out: dict[str, list[GradeHistory]] = {}
    for row in db.session.scalars(select(GradeHistory).where(GradeHistory.person_id == person_id)
                                  .order_by(GradeHistory.occupation_code, GradeHistory.obtained_on,
                                            GradeHistory.id)):
        out.setdefault(row.occupation_code, []).append(row)
    return out


def record_prior_grade(officer: User, *, person: Person, occupation_code: str, occupation_name: str,
                       grade_code: str, obtained_on: date, evidence: str) -> GradeHistory:
    """Enter a grade obtained elsewhere (an older certificate from another body), with its evidence, so
    that eligibility counts it. Audited."""
    if not permissions.can_issue_certificates(officer):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    evidence = (evidence or "").strip()
    if not evidence:
        raise Invalid("history.evidence", N_("Describe the evidence of this grade (certificate number, issuer, "
                                             "date)."))
    if db.session.get(GradeLevel, grade_code) is None:
        raise Invalid("certificate.grade_unknown", N_("Unknown grade."))
    if obtained_on > date.today():
        raise Invalid("history.future", N_("The date a grade was obtained cannot be in the future."))
    row = GradeHistory(person_id=person.id, occupation_code=occupation_code.strip(),
                       occupation_name=occupation_name.strip(), grade_code=grade_code, obtained_on=obtained_on,
                       route=Route.DECLARED, evidence=evidence[:MAX_TEXT], recorded_by_id=officer.id)
    db.session.add(row)
    audit.record("grade_history.declare", row, actor=officer,
                 after={"person_id": person.id, "occupation_code": occupation_code, "grade_code": grade_code,
                        "obtained_on": obtained_on, "evidence": evidence})
    return row


# --- eligibility ---------------------------------------------------------------------------------

def eligibility_table_for(occupation_code: str) -> eligibility.EligibilityTable:
    """DOMAIN §8 defaults, with the occupation's overrides (``occupation_rule.eligibility``) when set."""
    rule = db.session.get(OccupationRule, occupation_code)
    if rule is None or not rule.eligibility:
        return eligibility.DEFAULT_ELIGIBILITY_TABLE
    return eligibility.eligibility_table_from_data(occupation_code, rule.eligibility,
                                                   base=eligibility.DEFAULT_ELIGIBILITY_TABLE)


def pass_line_for(occupation_code: str) -> Decimal:
    rule = db.session.get(OccupationRule, occupation_code)
    if rule is not None and rule.exam_pass_line is not None:
        return Decimal(rule.exam_pass_line)
    return Decimal(eligibility.DEFAULT_EXAM_PASS_LINE)


def set_occupation_rule(officer: User | None, occupation_code: str, occupation_name: str,
                        eligibility_data: dict[str, Any] | None = None,
                        exam_pass_line: Decimal | None = None) -> OccupationRule:
    """Set an occupation's eligibility overrides (checked by building the table) and pass line. Audited."""
    try:
        if eligibility_data:
            eligibility.eligibility_table_from_data(occupation_code, eligibility_data,
                                                    base=eligibility.DEFAULT_ELIGIBILITY_TABLE)
    except EvaluationRuleError as error:
        raise Invalid.from_rule(error) from None
    if exam_pass_line is not None and not 0 <= exam_pass_line <= 100:
        raise Invalid("occupation.pass_line", N_("The pass line is a score from 0 to 100."))
    rule = db.session.get(OccupationRule, occupation_code) or OccupationRule(occupation_code=occupation_code)
    before = {"eligibility": rule.eligibility, "exam_pass_line": rule.exam_pass_line}
    rule.occupation_name = occupation_name
    rule.eligibility = eligibility_data or {}
    rule.exam_pass_line = exam_pass_line
    db.session.add(rule)
    audit.record("occupation_rule.set", rule, actor=officer, object_id=occupation_code, before=before,
                 after={"eligibility": rule.eligibility, "exam_pass_line": exam_pass_line})
    return rule


@dataclass(frozen=True)
class Facts:
    """What the applicant declares, with evidence on file: years worked in the occupation, schools
    graduated from (``eligibility.Schooling`` codes) and a completed apprenticeship."""

    years_in_occupation: Decimal = Decimal(0)
    schooling: tuple[str, ...] = ()
    apprenticeship_completed: bool = False


def _years_between(start: date, end: date) -> Decimal:
    return (Decimal((end - start).days) / Decimal("365.25")).quantize(Decimal("0.01"))


def check_record_eligibility(person_id: int, occupation_code: str, grade: Grade, facts: Facts,
                             on: date | None = None) -> dict[str, Any]:
    """Run ``check_eligibility`` (or the appointment rule for 特级技师 / 首席技师) and return a JSON-able
    explanation: ``{"code", "ok", "held", "held_since", "years_at_current_grade", "paths": [{"id", "ok",
    "checks": [{"code", "ok", "params"}]}]}``. Raises Invalid for malformed facts."""
    on = on or date.today()
    held, since = current_grade_since(person_id, occupation_code)
    years_at = _years_between(since, on) if since else Decimal(0)
    base = {"held": held.code if held else None, "held_since": since.isoformat() if since else None,
            "years_at_current_grade": str(years_at)}
    if grade.appointed:
        ok = held is not None and held >= Grade.SENIOR_TECHNICIAN
        return {**base, "code": "appointed" if ok else "appointed_not_senior_technician", "ok": ok, "paths": []}
    try:
        history = eligibility.CandidateHistory(
            current_grade=held, years_at_current_grade=years_at, years_in_occupation=facts.years_in_occupation,
            schooling=frozenset(facts.schooling), apprenticeship_completed=facts.apprenticeship_completed)
        result = eligibility.check_eligibility(grade, history, eligibility_table_for(occupation_code))
    except EvaluationRuleError as error:
        raise Invalid.from_rule(error) from None
    return {**base, "code": result.code, "ok": result.ok, "params": dict(result.params), "paths": [
        {"id": path.path.id, "ok": path.ok, "checks": [
            {"code": check.code, "ok": check.ok, "params": {k: _jsonable(v) for k, v in check.params.items()}}
            for check in path.checks]} for path in result.paths]}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal | float):
        return str(value)
    return value


# --- creating records ----------------------------------------------------------------------------

def _decimal(value: Any, code: str, what: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(code, N_("%(what)s must be a number."), what=what) from None
    if not number.is_finite():
        raise Invalid(code, N_("%(what)s must be a number."), what=what)
    return number


def parse_score(value: Any, what: str) -> Decimal | None:
    """A score from 0 to 100, or None when blank. Raises Invalid naming ``what``."""
    number = _decimal(value, "record.score", what)
    if number is not None and not 0 <= number <= 100:
        raise Invalid("record.score_range", N_("%(what)s must be a score from 0 to 100."), what=what)
    return number


def parse_facts(years: Any, schooling: list[str] | tuple[str, ...], apprenticeship: bool) -> Facts:
    number = _decimal(years, "record.years", "years in the occupation") or Decimal(0)
    if number < 0 or number > 80:
        raise Invalid("record.years_range", N_("Years in the occupation must be between 0 and 80."))
    allowed = {s.value for s in eligibility.Schooling}
    unknown = [s for s in schooling if s not in allowed]
    if unknown:
        raise Invalid("record.schooling", N_("Unknown schooling: %(value)s."), value=", ".join(unknown))
    return Facts(number, tuple(sorted(set(schooling))), bool(apprenticeship))


def _grade(grade_code: str | None) -> Grade:
    row = db.session.get(GradeLevel, grade_code or "")
    if row is None:
        raise Invalid("record.grade", N_("Choose the grade applied for."))
    grade = row.grade
    if not (grade.examined or grade.appointed):
        raise Invalid("certificate.grade", N_("学徒工 (apprentice) is entered by an apprenticeship: it has no "
                                              "certificate."))
    return grade


def create_record(officer: User, *, body_id: int, person: Person, route: str | None, occupation_code: str,
                  occupation_name: str, trade: str | None, grade_code: str | None, facts: Facts | None = None,
                  theory: Decimal | None = None, practical: Decimal | None = None, evidence: str | None = None,
                  exception_reason: str | None = None, photo_id: int | None = None, import_id: int | None = None,
                  source_row: int | None = None, import_key: str | None = None) -> EvaluationRecord:
    """Create a pending record for the assessment, direct or enterprise route (以赛代评 records come from
    :func:`create_competition_record`). Checks the route, the grade, the route's own requirements and
    eligibility; a record that is not eligible needs ``exception_reason``. Raises Invalid/NotAllowed;
    nothing is written on a refusal. Audited."""
    _require_officer(officer, body_id)
    if route == Route.COMPETITION:
        raise Invalid("record.competition_manual",
                      N_("A 以赛代评 record comes from a published result and the event's promotion rules: "
                         "pick the result on the evaluation desk."))
    if route not in {Route.ASSESSMENT, Route.DIRECT, Route.ENTERPRISE}:
        raise Invalid("record.route", N_("Choose how the grade is reached: assessment, competition (以赛代评), "
                                         "direct recognition (直接认定) or enterprise self-evaluation."))
    occupation_code, occupation_name = (occupation_code or "").strip(), (occupation_name or "").strip()
    if not occupation_code or not occupation_name:
        raise Invalid("record.occupation", N_("Enter the occupation code and name."))
    grade = _grade(grade_code)
    facts = facts or Facts()
    evidence = (evidence or "").strip()[:MAX_TEXT] or None
    exception_reason = (exception_reason or "").strip()[:MAX_TEXT] or None
    pass_line = None
    if route in (Route.ASSESSMENT, Route.ENTERPRISE):
        if grade.appointed:
            raise Invalid("record.appointed_assessment",
                          N_("特级技师 and 首席技师 are appointed, not examined: use direct recognition "
                             "with the enterprise's appointment as evidence."))
        if theory is None or practical is None:
            raise Invalid("record.scores", N_("An assessment needs both the theory and the practical score."))
        pass_line = pass_line_for(occupation_code)
    if route == Route.DIRECT and not evidence:
        raise Invalid("record.evidence", N_("Direct recognition (直接认定) needs the written evidence: the "
                                            "contribution, awards or appointment that justify the grade."))
    explanation = check_record_eligibility(person.id, occupation_code, grade, facts)
    if explanation["code"] == "already_held":
        raise StateConflict("record.already_held", N_("The person already holds this grade or a higher one in "
                                                      "this occupation."))
    if not explanation["ok"] and not exception_reason:
        raise Invalid("record.not_eligible", N_("The person does not meet the conditions for this grade (see "
                                                "the explanation). Give a written reason to record an exception, "
                                                "or choose another grade."))
    record = EvaluationRecord(
        body_id=body_id, person_id=person.id, route=route, occupation_code=occupation_code,
        occupation_name=occupation_name, trade=(trade or "").strip() or None, grade_code=grade.code,
        theory_score=theory, practical_score=practical, pass_line=pass_line, evidence=evidence,
        years_in_occupation=facts.years_in_occupation, schooling=list(facts.schooling),
        apprenticeship_completed=facts.apprenticeship_completed, eligibility=explanation,
        eligibility_ok=explanation["ok"], exception_reason=exception_reason if not explanation["ok"] else None,
        photo_id=photo_id, import_id=import_id, source_row=source_row, import_key=import_key,
        created_by_id=officer.id)
    record.person = person
    db.session.add(record)
    audit.record("evaluation_record.create", record, actor=officer, after=audit.snapshot(record, RECORD_FIELDS))
    return record


# --- 以赛代评 ------------------------------------------------------------------------------------

# SaiPing's default rule table: the Chongqing 2018 rules, plus our choice for municipal (省(市)级) events,
# which DOMAIN.md does not cover: 一、二、三等奖 earn a certificate one grade above the 命题等级, as for
# 行业赛 and 区县赛. An event overrides the whole table with ``settings["promotion_rules"]`` (rule data).
MUNICIPAL_RULES = promotion.promotion_rules_from_data([
    {"id": f"saiping.{tier}.prizes", "tier": tier, "awards": ["first", "second", "third"], "one_up_from": "set_level",
     "description_zh": f"{name}一、二、三等奖：颁发高于命题等级一级的证书",
     "description_en": f"{name_en}, first to third prize: certificate one grade above the set level"}
    for tier, name, name_en in (("provincial_1", "省(市)级一类竞赛", "Municipal class-1 competition"),
                                ("provincial_2", "省(市)级二类竞赛", "Municipal class-2 competition"))])
DEFAULT_PROMOTION_RULES = promotion.CHONGQING_2018_RULES + MUNICIPAL_RULES


def promotion_rules_for(skill: Skill) -> tuple[promotion.PromotionRule, ...]:
    custom = (skill.event.settings or {}).get("promotion_rules")
    return promotion.promotion_rules_from_data(custom) if custom else DEFAULT_PROMOTION_RULES


def decide_promotion(result: Result, skill: Skill, person_id: int) -> promotion.PromotionDecision | None:
    """The promotion decision for one published result, or None when no rule matches."""
    outcome = promotion.CompetitionResult(
        tier=skill.event.tier, rank=result.place, set_level=Grade(skill.level_grade_code),
        awards=frozenset({result.award}) if result.award in set(promotion.Award) else frozenset())
    return promotion.apply_promotion_rules(promotion_rules_for(skill), outcome,
                                           current_grade(person_id, skill.occupation_code))


@dataclass(frozen=True)
class Candidate:
    """A published competition result that earns a grade under the event's promotion rules."""

    result: Result
    person: Person
    skill: Skill
    grade: GradeLevel
    rule: str
    rule_id: str


def promotion_candidates() -> list[Candidate]:
    """Published results whose promotion rule fires and that have no valid certificate nor pending record."""
    rows = db.session.execute(
        select(Result, Skill, Person).join(Skill, Result.skill_id == Skill.id)
        .join(Entry, Result.entry_id == Entry.id).join(EntryMember, EntryMember.entry_id == Entry.id)
        .join(Person, EntryMember.person_id == Person.id)
        .where(Skill.results_status.in_(VISIBLE_RESULTS)).order_by(Skill.id, Result.place))
    issued = set(db.session.execute(select(Certificate.result_id, Certificate.person_id).where(
        Certificate.status == CertificateStatus.VALID, Certificate.result_id.is_not(None))).all())
    issued |= set(db.session.execute(select(EvaluationRecord.result_id, EvaluationRecord.person_id).where(
        EvaluationRecord.status == RecordStatus.PENDING, EvaluationRecord.result_id.is_not(None))).all())
    out = []
    for result, skill, person in rows:
        if (result.id, person.id) in issued:
            continue
        decision = decide_promotion(result, skill, person.id)
        if decision is not None and decision.promoted:
            rule = decision.rule
            out.append(Candidate(result, person, skill, db.session.get(GradeLevel, decision.new_grade.code),
                                 pick(rule.description_zh, rule.description_en), rule.id))
    return out


def create_competition_record(officer: User, body_id: int, result_id: int, person_id: int) -> EvaluationRecord:
    """A pending 以赛代评 record for one person's published result: the event's rule table decides the
    grade, and the rule that fired is stored. Raises StateConflict when no rule gives a grade (a grade skip
    without a rule is never recorded) or the result already has a certificate or a pending record."""
    _require_officer(officer, body_id)
    candidate = next((c for c in promotion_candidates() if c.result.id == result_id and c.person.id == person_id),
                     None)
    if candidate is None:
        raise StateConflict("certificate.no_rule", N_("This result does not earn a grade under the event's "
                                                      "promotion rules, or its certificate was already issued."))
    skill, rule = candidate.skill, next(r for r in promotion_rules_for(candidate.skill) if r.id == candidate.rule_id)
    record = EvaluationRecord(
        body_id=body_id, person_id=person_id, route=Route.COMPETITION, occupation_code=skill.occupation_code,
        occupation_name=skill.occupation_name, trade=skill.trade, grade_code=candidate.grade.code,
        result_id=result_id, rule_id=rule.id, rule_description_zh=rule.description_zh[:300],
        rule_description_en=rule.description_en[:300], schooling=[],
        eligibility={"code": "rule", "ok": True, "rule": rule.id, "paths": []}, eligibility_ok=True,
        evidence=f"{skill.event.name} · {skill.name} · 第{candidate.result.place}名"
                 + (f" · {candidate.result.award}" if candidate.result.award else ""),
        created_by_id=officer.id)
    record.person = candidate.person
    db.session.add(record)
    audit.record("evaluation_record.create", record, actor=officer, after=audit.snapshot(record, RECORD_FIELDS))
    return record


# --- deciding ------------------------------------------------------------------------------------

def record_for_officer(officer: User, record_id: int) -> EvaluationRecord:
    record = db.session.get(EvaluationRecord, record_id)
    if record is None:
        raise not_found()
    _require_officer(officer, record.body_id)
    return record


def approve_record(officer: User, record: EvaluationRecord) -> Certificate | None:
    """Approve a pending record. When it has all the approvals its route needs (two different officers
    for 直接认定, one otherwise), the certificate is issued and returned; before that, None. Raises
    StateConflict (not pending; the same officer twice), Invalid (an assessment below the pass line;
    a character the font lacks, in which case nothing is issued) or NotAllowed. Audited."""
    from evaluation.services import certificates

    _require_officer(officer, record.body_id)
    if record.status != RecordStatus.PENDING:
        raise StateConflict("record.decided", N_("This evaluation record has already been decided."))
    if any(approval.officer_id == officer.id for approval in record.approvals):
        raise StateConflict("record.same_officer", N_("You have already approved this record: the second "
                                                      "approval must come from a different officer."))
    if record.route in (Route.ASSESSMENT, Route.ENTERPRISE):
        try:
            passed = eligibility.assessment_passes(record.theory_score, record.practical_score,
                                                   record.pass_line or eligibility.DEFAULT_EXAM_PASS_LINE)
        except EvaluationRuleError as error:
            raise Invalid.from_rule(error) from None
        if not passed:
            raise Invalid("record.not_passed", N_("Both the theory and the practical score must reach the pass "
                                                  "line of %(line)s: this assessment was not passed. Reject the "
                                                  "record instead."), line=f"{record.pass_line:g}")
    if not record.eligibility_ok and not record.exception_reason:
        raise Invalid("record.not_eligible", N_("The person does not meet the conditions for this grade (see "
                                                "the explanation). Give a written reason to record an exception, "
                                                "or choose another grade."))
    record.approvals.append(RecordApproval(officer_id=officer.id))
    audit.record("evaluation_record.approval", record, actor=officer,
                 after={"approvals": len(record.approvals), "required": record.required_approvals})
    if len(record.approvals) < record.required_approvals:
        return None
    certificate = certificates.issue_certificate(
        officer, body_id=record.body_id, person=record.person, grade_code=record.grade_code,
        occupation_code=record.occupation_code, occupation_name=record.occupation_name, trade=record.trade,
        route=record.route, result_id=record.result_id, record=record,
        evidence=_history_evidence(record))
    record.status = RecordStatus.APPROVED
    record.decided_by_id = officer.id
    record.decided_at = datetime.now(UTC)
    audit.record("evaluation_record.approve", record, actor=officer,
                 before={"status": RecordStatus.PENDING.value},
                 after={"status": record.status, "certificate": certificate.number})
    return certificate


def _history_evidence(record: EvaluationRecord) -> str:
    parts = [f"评价记录 Record #{record.id} ({record.route})"]
    if record.route in (Route.ASSESSMENT, Route.ENTERPRISE):
        parts.append(f"理论 theory {record.theory_score} / 实操 practical {record.practical_score}")
    if record.rule_id:
        parts.append(f"规则 rule {record.rule_id}")
    if record.evidence:
        parts.append(record.evidence)
    if record.exception_reason:
        parts.append(f"例外 exception: {record.exception_reason}")
    return " · ".join(parts)[:MAX_TEXT]


def reject_record(officer: User, record: EvaluationRecord, reason: str) -> EvaluationRecord:
    _require_officer(officer, record.body_id)
    if record.status != RecordStatus.PENDING:
        raise StateConflict("record.decided", N_("This evaluation record has already been decided."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("record.reject_reason", N_("Give the reason for rejecting the record."))
    record.status = RecordStatus.REJECTED
    record.decided_by_id = officer.id
    record.decided_at = datetime.now(UTC)
    record.decision_reason = reason[:500]
    audit.record("evaluation_record.reject", record, actor=officer, before={"status": RecordStatus.PENDING.value},
                 after={"status": record.status, "reason": record.decision_reason})
    return record


def approve_import(officer: User, import_id: int) -> tuple[int, list[tuple[int, DomainError]]]:
    """Approve every pending record of one enterprise import. Each record is its own transaction (committed
    when its certificate is issued, rolled back with its audit rows when refused), so one refusal does not
    undo the others. Returns how many certificates were issued and (source row, why) for those refused,
    which stay pending."""
    issued, refused = 0, []
    ids = db.session.scalars(select(EvaluationRecord.id).where(
        EvaluationRecord.import_id == import_id, EvaluationRecord.status == RecordStatus.PENDING)
        .order_by(EvaluationRecord.source_row)).all()
    db.session.commit()
    for record_id in ids:
        record = db.session.get(EvaluationRecord, record_id)
        row = record.source_row
        try:
            if approve_record(officer, record) is not None:
                issued += 1
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            refused.append((row, error))
    return issued, refused


def pending_records(body_ids: list[int]) -> list[EvaluationRecord]:
    return list(db.session.scalars(select(EvaluationRecord).where(
        EvaluationRecord.body_id.in_(body_ids), EvaluationRecord.status == RecordStatus.PENDING)
        .order_by(EvaluationRecord.id)))


def issue_from_candidate(officer: User, body_id: int, result_id: int, person_id: int) -> Certificate:
    """以赛代评 in one step: create the record for this result and approve it (one approval suffices)."""
    record = create_competition_record(officer, body_id, result_id, person_id)
    db.session.flush()
    certificate = approve_record(officer, record)
    assert certificate is not None  # one approval issues a competition record
    return certificate


def flag_records_for_reissue(result_id: int, reason: str) -> list[EvaluationRecord]:
    """For the results side: a published result changed (an upheld appeal). Every pending or approved
    evaluation record (a 以赛代评 promotion) that follows from it is flagged with ``reason`` for an officer to
    reconsider. Returns the flagged records. Audited; the caller commits."""
    reason = ((reason or "").strip() or "result changed")[:500]
    flagged = list(db.session.scalars(select(EvaluationRecord).where(
        EvaluationRecord.result_id == result_id,
        EvaluationRecord.status.in_([RecordStatus.PENDING, RecordStatus.APPROVED]))))
    for record in flagged:
        record.flagged_at, record.flag_reason = datetime.now(UTC), reason
        audit.record("evaluation_record.flag_for_reissue", record, after={"result_id": result_id, "reason": reason})
    return flagged
