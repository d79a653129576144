"""Issuing, printing and verifying 职业技能等级证书."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from competition.errors import N_, Invalid, NotAllowed, StateConflict
from competition.extensions import db
from competition.i18n import pick
from competition.labels import label
from competition.models import Entry, EntryMember, EventKind, Person, Result, Skill, User
from competition.services import audit
from evaluation.models import Certificate, CertificateSerial, CertificateStatus, GradeLevel
from evaluation.rules import certificate_number as numbers
from evaluation.rules import promotion
from evaluation.rules.ladder import Grade, certificate_label_en

CERTIFICATE_FIELDS = ("number", "person_id", "occupation_code", "occupation_name", "trade", "grade_code",
                      "body_id", "issue_date", "route", "result_id", "status")


def next_serial(body_id: int, year: int, level_digit: int) -> int:
    """The next serial for (body, year, level), with no gaps and no duplicates under concurrent issue:
    the counter row is incremented with ``UPDATE … RETURNING``, which takes a row lock on PostgreSQL
    and the write lock on SQLite, so two officers never get the same number."""
    for _attempt in range(2):
        serial = db.session.execute(
            update(CertificateSerial).where(CertificateSerial.body_id == body_id, CertificateSerial.year == year,
                                            CertificateSerial.level_digit == level_digit)
            .values(last_serial=CertificateSerial.last_serial + 1).returning(CertificateSerial.last_serial)
        ).scalar()
        if serial is not None:
            return serial
        try:
            with db.session.begin_nested():
                db.session.execute(insert(CertificateSerial).values(body_id=body_id, year=year,
                                                                    level_digit=level_digit, last_serial=0))
        except IntegrityError:
            pass  # another officer created the counter first: increment theirs
    raise RuntimeError("certificate serial counter could not be created")


@dataclass(frozen=True)
class Candidate:
    """A published competition result that earns a grade under the event's promotion rules."""

    result: Result
    person: Person
    skill: Skill
    grade: GradeLevel
    rule: str


def promotion_candidates() -> list[Candidate]:
    """Published results whose promotion rule fires and that have no valid certificate yet."""
    rows = db.session.execute(
        select(Result, Skill, Person).join(Skill, Result.skill_id == Skill.id)
        .join(Entry, Result.entry_id == Entry.id).join(EntryMember, EntryMember.entry_id == Entry.id)
        .join(Person, EntryMember.person_id == Person.id)
        .where(Skill.results_status == "published").order_by(Skill.id, Result.place))
    issued = set(db.session.execute(select(Certificate.result_id, Certificate.person_id).where(
        Certificate.status == CertificateStatus.VALID, Certificate.result_id.is_not(None))).all())
    out = []
    for result, skill, person in rows:
        if (result.id, person.id) in issued:
            continue
        decision = decide_promotion(result, skill, person.id)
        if decision is not None and decision.promoted:
            rule = decision.rule
            out.append(Candidate(result, person, skill, db.session.get(GradeLevel, decision.new_grade.code),
                                 pick(rule.description_zh, rule.description_en)))
    return out


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


def promotion_rules_for(skill: Skill) -> tuple:
    custom = (skill.event.settings or {}).get("promotion_rules")
    return promotion.promotion_rules_from_data(custom) if custom else DEFAULT_PROMOTION_RULES


def current_grade(person_id: int, occupation_code: str) -> Grade | None:
    """The highest grade the person holds in this occupation, from their valid certificates."""
    codes = db.session.scalars(select(Certificate.grade_code).where(
        Certificate.person_id == person_id, Certificate.occupation_code == occupation_code,
        Certificate.status == CertificateStatus.VALID)).all()
    return max((Grade(code) for code in codes), default=None)


def decide_promotion(result: Result, skill: Skill, person_id: int):
    """The promotion decision for one published result, or None when no rule matches."""
    outcome = promotion.CompetitionResult(
        tier=skill.event.tier, rank=result.place, set_level=Grade(skill.level_grade_code),
        awards=frozenset({result.award}) if result.award in set(promotion.Award) else frozenset())
    return promotion.apply_promotion_rules(promotion_rules_for(skill), outcome,
                                           current_grade(person_id, skill.occupation_code))


def issue_certificate(officer: User, *, body_id: int, person: Person, grade_code: str, occupation_code: str,
                      occupation_name: str, trade: str | None, route: str, result_id: int | None = None,
                      issue_date: date | None = None) -> Certificate:
    from competition import permissions
    from competition.models import Organisation
    if not permissions.can_issue_certificates(officer, body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    body = db.session.get(Organisation, body_id)
    grade = db.session.get(GradeLevel, grade_code)
    if grade is None or grade.level_digit is None:
        raise Invalid("certificate.grade", N_("Certificates of this form are issued for 五级 to 一级 only."))
    if result_id is not None and db.session.scalar(select(Certificate.id).where(
            Certificate.result_id == result_id, Certificate.person_id == person.id,
            Certificate.status == CertificateStatus.VALID)):
        raise StateConflict("certificate.exists", N_("A certificate has already been issued for this result."))
    issue_date = issue_date or date.today()
    serial = next_serial(body.id, issue_date.year, grade.level_digit)
    number = numbers.format_certificate_number(
        body_kind=body.body_kind, body_code=body.body_code, province=body.province_code or "50",
        site_code=body.site_code, year=issue_date.year % 100, level_digit=grade.level_digit, serial=serial)
    certificate = Certificate(
        number=number, verification_code=numbers.make_verification_code(current_app.config["SAIPING_CERTIFICATE_SECRET"], number),
        person_id=person.id, occupation_code=occupation_code, occupation_name=occupation_name, trade=trade,
        grade_code=grade.code, body_id=body.id, issue_date=issue_date, route=route, result_id=result_id,
        issued_by_id=officer.id)
    db.session.add(certificate)
    audit.record("certificate.issue", certificate, actor=officer,
                 after=audit.snapshot(certificate, CERTIFICATE_FIELDS))
    return certificate


def issue_from_candidate(officer: User, body_id: int, result_id: int, person_id: int) -> Certificate:
    candidate = next((c for c in promotion_candidates()
                      if c.result.id == result_id and c.person.id == person_id), None)
    if candidate is None:
        raise StateConflict("certificate.no_rule", N_("This result does not earn a grade under the event's "
                                                      "promotion rules, or its certificate was already issued."))
    skill = candidate.skill
    return issue_certificate(officer, body_id=body_id, person=candidate.person, grade_code=candidate.grade.code,
                             occupation_code=skill.occupation_code, occupation_name=skill.occupation_name,
                             trade=skill.trade, route="competition", result_id=result_id)


def certificates_of(person_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.person_id == person_id)
                                   .order_by(Certificate.issue_date.desc())))


def certificate_view(certificate: Certificate, bilingual: bool = False):
    from evaluation.printing import CertificateView
    person = certificate.person
    with force_locale("zh_CN"):  # the certificate's own language; English lines are added when bilingual
        id_type_label = label("id_type", person.id_type)
    return CertificateView(
        name=person.name, name_en=person.name_latin if person.name_latin != person.name else None,
        id_type_label=id_type_label,
        id_number=person.id_number, occupation=certificate.occupation_name, trade=certificate.trade,
        grade_label=certificate.grade.certificate_label, grade_label_en=certificate_label_en(certificate.grade.grade),
        certificate_number=certificate.number, verification_code=certificate.verification_code,
        body_name=certificate.body.name, issue_date=certificate.issue_date,
        qr_payload=current_app.config["SAIPING_PUBLIC_URL"].rstrip("/")
        + url_for("evaluation.verify", number=certificate.number, code=certificate.verification_code),
        bilingual=bilingual or _international(certificate))


def _international(certificate: Certificate) -> bool:
    """一带一路 certificates are printed in Chinese and English."""
    if certificate.result_id is None:
        return False
    skill = db.session.get(Result, certificate.result_id).entry.skill
    return skill.event.kind == EventKind.BELT_AND_ROAD


def certificate_pdf(certificate: Certificate) -> bytes:
    from evaluation.printing import render_certificates
    return render_certificates([certificate_view(certificate)])


def verify(number: str, code: str) -> Certificate | None:
    """The certificate with this number, only when the code printed on it matches too."""
    typed_code = "".join(code.split()).replace("-", "").upper()  # printed as 7K3Q-9XPA
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.number == "".join(number.split()).upper()))
    if certificate is None or not numbers.verification_code_matches(
            current_app.config["SAIPING_CERTIFICATE_SECRET"], certificate.number, typed_code):
        return None
    return certificate
