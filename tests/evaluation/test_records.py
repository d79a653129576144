"""Evaluation records for the four routes, eligibility, approvals and the grade history."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import AuditLog, Tier
from evaluation.models import Certificate, EvaluationRecord, GradeHistory, RecordStatus
from evaluation.rules.certificate_number import parse_certificate_number
from evaluation.services import certificates, records
from tests import factories

ELECTRICIAN = {"occupation_code": "6-31-01-03", "occupation_name": "电工", "trade": None}


def _assessment(officer, body, person, grade="junior", theory=Decimal(75), practical=Decimal(80), **extra):
    facts = extra.pop("facts", records.Facts(years_in_occupation=Decimal(2)))
    return records.create_record(officer, body_id=body.id, person=person, route="assessment", grade_code=grade,
                                 theory=theory, practical=practical, facts=facts, **ELECTRICIAN, **extra)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_assessment_record_approved_issues_the_certificate_and_feeds_the_history(body, officer):
    person = factories.person()
    record = _assessment(officer, body, person)
    assert record.eligibility_ok and record.eligibility["code"] == "eligible"
    assert record.pass_line == Decimal(60)

    certificate = records.approve_record(officer, record)

    assert record.status == RecordStatus.APPROVED and certificate.evaluation_record_id == record.id
    assert parse_certificate_number(certificate.number).level_digit == 5
    history = db.session.scalars(select(GradeHistory).where(GradeHistory.person_id == person.id)).all()
    assert [(h.grade_code, h.certificate_id, h.evaluation_record_id) for h in history] == [
        ("junior", certificate.id, record.id)]
    assert "theory 75" in history[0].evidence
    assert records.current_grade(person.id, "6-31-01-03").code == "junior"
    db.session.commit()  # the audit rows are written with the transaction
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.seq)).all()
    assert {"evaluation_record.create", "evaluation_record.approval", "certificate.issue",
            "evaluation_record.approve"} <= set(actions)


@pytest.mark.parametrize(("theory", "practical"), [(Decimal(59.5), Decimal(90)), (Decimal(90), Decimal(59))])
def test_an_assessment_below_the_pass_line_in_either_part_is_not_approved(body, officer, theory, practical):
    record = _assessment(officer, body, factories.person(), theory=theory, practical=practical)
    with pytest.raises(DomainError) as refused:
        records.approve_record(officer, record)
    assert refused.value.code == "record.not_passed"
    assert _count(Certificate) == 0


def test_both_parts_of_an_assessment_are_required(body, officer):
    with pytest.raises(DomainError) as refused:
        _assessment(officer, body, factories.person(), practical=None)
    assert refused.value.code == "record.scores"


def test_the_pass_line_is_a_setting_of_the_occupation(body, officer):
    records.set_occupation_rule(officer, "6-31-01-03", "电工", exam_pass_line=Decimal(70))
    record = _assessment(officer, body, factories.person(), theory=Decimal(65), practical=Decimal(90))
    with pytest.raises(DomainError) as refused:
        records.approve_record(officer, record)
    assert refused.value.code == "record.not_passed" and "70" in refused.value.texts()["en"]


@pytest.mark.parametrize("route", [None, "", "magic", "appointed"])
def test_a_record_without_a_route_is_refused_and_nothing_is_written(body, officer, route):
    with pytest.raises(DomainError) as refused:
        records.create_record(officer, body_id=body.id, person=factories.person(), route=route, grade_code="junior",
                              **ELECTRICIAN)
    texts = refused.value.texts()
    assert refused.value.code == "record.route" and texts["zh_CN"] and texts["en"]
    assert _count(EvaluationRecord) == 0


def test_a_competition_record_cannot_be_typed_in_by_hand(body, officer):
    with pytest.raises(DomainError) as refused:
        records.create_record(officer, body_id=body.id, person=factories.person(), route="competition",
                              grade_code="technician", **ELECTRICIAN)
    assert refused.value.code == "record.competition_manual"


def test_a_grade_skip_needs_a_written_exception_and_is_explained(body, officer):
    person = factories.person()
    with pytest.raises(DomainError) as refused:  # no grade held: 技师 is three grades up
        _assessment(officer, body, person, grade="technician")
    assert refused.value.code == "record.not_eligible"
    assert _count(EvaluationRecord) == 0

    record = _assessment(officer, body, person, grade="technician", exception_reason="市人社局特批（渝人社函〔2026〕12号）")
    assert not record.eligibility_ok and record.exception_reason.startswith("市人社局特批")
    paths = {path["id"]: path for path in record.eligibility["paths"]}
    assert set(paths) == {"years_at_senior", "technician_college_and_years_at_senior"}
    assert paths["years_at_senior"]["checks"][0] == {"code": "held_grade", "ok": False,
                                                     "params": {"required": "senior", "held": None}}
    assert records.approve_record(officer, record) is not None


def test_eligibility_counts_years_since_the_grade_held_from_the_history(body, officer):
    person = factories.person()
    records.record_prior_grade(officer, person=person, grade_code="junior", obtained_on=date(2019, 3, 1),
                               evidence="证书 Y000050000001195000012，重庆某公司", **{k: v for k, v in ELECTRICIAN.items()
                                                                                    if k != "trade"})
    record = _assessment(officer, body, person, grade="intermediate", facts=records.Facts())
    assert record.eligibility_ok
    assert record.eligibility["held"] == "junior" and record.eligibility["held_since"] == "2019-03-01"
    with pytest.raises(DomainError) as refused:
        _assessment(officer, body, person, grade="junior")
    assert refused.value.code == "record.already_held"


def test_schooling_opens_a_path(body, officer):
    record = _assessment(officer, body, factories.person(), grade="intermediate",
                         facts=records.parse_facts("0", ["technical_school"], False))
    assert record.eligibility_ok
    assert [p["id"] for p in record.eligibility["paths"] if p["ok"]] == ["technical_school_graduate"]
    with pytest.raises(DomainError):
        records.parse_facts("0", ["kindergarten"], False)


def test_a_revoked_certificate_no_longer_counts_as_held(body, officer):
    person = factories.person()
    certificate = records.approve_record(officer, _assessment(officer, body, person))
    certificates.revoke_certificate(officer, certificate, "考试作弊")
    assert records.current_grade(person.id, "6-31-01-03") is None


def test_direct_recognition_needs_evidence_and_two_different_officers(body, officer, second_officer):
    person = factories.person()
    with pytest.raises(DomainError) as refused:
        records.create_record(officer, body_id=body.id, person=person, route="direct", grade_code="junior",
                              **ELECTRICIAN)
    assert refused.value.code == "record.evidence"
    record = records.create_record(officer, body_id=body.id, person=person, route="direct", grade_code="junior",
                                   evidence="重庆市五一劳动奖章（2025），主持完成变电站自动化改造",
                                   facts=records.Facts(years_in_occupation=Decimal(3)), **ELECTRICIAN)

    assert records.approve_record(officer, record) is None
    assert record.status == RecordStatus.PENDING and _count(Certificate) == 0
    with pytest.raises(DomainError) as twice:
        records.approve_record(officer, record)
    assert twice.value.code == "record.same_officer"

    certificate = records.approve_record(second_officer, record)
    assert certificate is not None and record.status == RecordStatus.APPROVED
    assert [a.officer_id for a in record.approvals] == [officer.id, second_officer.id]


def test_appointed_grades_use_their_own_number_form(body, officer, second_officer):
    person = factories.person()
    for grade in ("junior", "intermediate", "senior", "technician", "senior_technician"):
        records.record_prior_grade(officer, person=person, occupation_code="6-31-01-03", occupation_name="电工",
                                   grade_code=grade, obtained_on=date(2010, 1, 1), evidence="旧证书")
    record = records.create_record(officer, body_id=body.id, person=person, route="direct",
                                   grade_code="special_technician", evidence="企业评聘文件 渝江机械〔2026〕3号",
                                   **ELECTRICIAN)
    assert record.eligibility == {**record.eligibility, "code": "appointed", "ok": True}
    records.approve_record(officer, record)
    certificate = records.approve_record(second_officer, record)
    parsed = parse_certificate_number(certificate.number)
    assert certificate.number.startswith("ST0000") and len(certificate.number) == 22
    assert parsed.appointed and parsed.serial == 1
    assert certificate.grade.certificate_label == "特级技师"


def test_an_appointed_grade_for_someone_below_senior_technician_needs_an_exception(body, officer):
    with pytest.raises(DomainError) as refused:
        records.create_record(officer, body_id=body.id, person=factories.person(), route="direct",
                              grade_code="chief_technician", evidence="评聘文件", **ELECTRICIAN)
    assert refused.value.code == "record.not_eligible"


def _competition(tier=Tier.PROVINCIAL_1, award="first", place=1):
    event = factories.event(tier=tier)
    skill = factories.skill_with_scheme(event)
    contestant = factories.contestant()
    return factories.published_result(skill, contestant, place=place, award=award), contestant.person


def test_competition_record_stores_the_rule_that_fired(body, officer):
    result, person = _competition()
    candidates = records.promotion_candidates()
    assert [(c.person.id, c.grade.code, c.rule_id) for c in candidates] == [
        (person.id, "technician", "saiping.provincial_1.prizes")]

    record = records.create_competition_record(officer, body.id, result.id, person.id)

    assert (record.route, record.grade_code, record.rule_id) == ("competition", "technician",
                                                                 "saiping.provincial_1.prizes")
    assert record.rule_description_zh.startswith("省(市)级一类竞赛") and record.rule_description_en
    assert records.promotion_candidates() == []  # pending: not offered twice
    certificate = records.approve_record(officer, record)
    assert certificate.result_id == result.id and certificate.route == "competition"


def test_a_result_that_no_rule_rewards_gives_no_grade(body, officer):
    result, person = _competition(award=None, place=9)
    with pytest.raises(DomainError) as refused:
        records.create_competition_record(officer, body.id, result.id, person.id)
    assert refused.value.code == "certificate.no_rule"
    assert _count(EvaluationRecord) == 0 and _count(Certificate) == 0


def test_an_event_can_replace_the_rule_table(body, officer):
    result, person = _competition(tier=Tier.NATIONAL_1, award=None, place=7)
    event = result.entry.skill.event
    event.settings = {"promotion_rules": [{"id": "zhenxing.6_20", "tier": "national_1", "ranks": [6, 20],
                                           "one_up_from": "current", "cap": "technician",
                                           "description_zh": "振兴杯第6–20名", "description_en": "Zhenxing 6-20"}]}
    db.session.flush()
    record = records.create_competition_record(officer, body.id, result.id, person.id)
    assert (record.rule_id, record.grade_code) == ("zhenxing.6_20", "junior")


def test_another_bodys_officer_cannot_create_or_approve(body, officer):
    other = factories.organisation("另一评价中心", "evaluation_body", body_kind="Y", body_code="1234",
                                   province_code="50", site_code="654321")
    stranger = factories.officer(other, "stranger")
    record = _assessment(officer, body, factories.person())
    with pytest.raises(DomainError) as refused:
        records.approve_record(stranger, record)
    assert refused.value.status == 403
    with pytest.raises(DomainError):
        _assessment(stranger, body, factories.person("李四", 125))


def test_reject_needs_a_reason(body, officer):
    record = _assessment(officer, body, factories.person())
    with pytest.raises(DomainError):
        records.reject_record(officer, record, " ")
    records.reject_record(officer, record, "缺考实操")
    assert record.status == RecordStatus.REJECTED
    with pytest.raises(DomainError) as decided:
        records.approve_record(officer, record)
    assert decided.value.code == "record.decided"
