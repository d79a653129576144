"""Issuing, numbering, printing and verifying certificates."""
from __future__ import annotations

import subprocess
import threading
from datetime import date

import pytest
from sqlalchemy import select

from competition.errors import DomainError
from competition.extensions import db
from evaluation import services
from evaluation.models import Certificate
from evaluation.rules.certificate_number import parse_certificate_number
from tests import factories


def _officer_and_person():
    body = factories.evaluation_body()
    officer = factories.user("officer", ("evaluation_officer", None, body.id))
    person = factories.contestant().person
    return body, officer, person


def _issue(officer, body, person, grade="senior", when=date(2026, 11, 23)):
    return services.issue_certificate(officer, body_id=body.id, person=person, grade_code=grade,
                                      occupation_code="6-31-01-03", occupation_name="电工", trade=None,
                                      route="assessment", issue_date=when)


def test_numbers_follow_the_national_structure_without_gaps(ctx):
    body, officer, person = _officer_and_person()
    numbers = [_issue(officer, body, person).number for _ in range(3)]
    assert numbers == [f"S00005012345626300000{i}" for i in (1, 2, 3)]
    parsed = parse_certificate_number(numbers[0])
    assert parsed.level_digit == 3 and parsed.serial == 1 and len(numbers[0]) == 22
    # Serials count per body, year and level.
    assert _issue(officer, body, person, grade="technician").number.endswith("262000001")
    assert _issue(officer, body, person, when=date(2027, 1, 2)).number.endswith("273000001")


def test_concurrent_issue_gives_distinct_consecutive_numbers(app):
    with app.test_request_context():
        body, officer, person = _officer_and_person()
        db.session.commit()
        ids = (body.id, officer.id, person.id)
    numbers, errors = [], []

    def issue_some() -> None:
        with app.test_request_context():
            from competition.models import Organisation, Person, User
            b, o, p = db.session.get(Organisation, ids[0]), db.session.get(User, ids[1]), db.session.get(Person, ids[2])
            for _ in range(5):
                try:
                    numbers.append(_issue(o, b, p).number)
                    db.session.commit()
                except Exception as error:
                    db.session.rollback()
                    errors.append(error)

    threads = [threading.Thread(target=issue_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    serials = sorted(int(n[-6:]) for n in numbers)
    assert serials == list(range(1, 21))


def test_officer_of_another_body_cannot_issue(ctx):
    body, _officer, person = _officer_and_person()
    other_body = factories.organisation("另一评价中心", "evaluation_body", body_kind="Y", body_code="1234",
                                        province_code="50", site_code="654321")
    stranger = factories.user("stranger", ("evaluation_officer", None, other_body.id))
    with pytest.raises(DomainError) as refused:
        _issue(stranger, body, person)
    assert refused.value.status == 403
    assert db.session.scalar(select(Certificate.id)) is None


def test_verification_by_number_and_code(app, client):
    with app.test_request_context():
        body, officer, person = _officer_and_person()
        certificate = _issue(officer, body, person)
        db.session.commit()
        number, code = certificate.number, certificate.verification_code
    page = client.get(f"/verify?number={number}&code={code}").get_data(as_text=True)
    assert "张*丰" in page and "三级/高级工" in page and "张三丰" not in page
    assert factories.id_number() not in page
    wrong = client.get(f"/verify?number={number}&code=AAAAAAAA").get_data(as_text=True)
    assert "张*丰" not in wrong and "verify-result" not in wrong


def test_certificate_pdf_has_the_required_text_and_is_not_blank(ctx, tmp_path):
    body, officer, person = _officer_and_person()
    certificate = _issue(officer, body, person)
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(services.certificate_pdf(certificate))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for expected in ("职业技能等级证书", "张三丰", "三级/高级工", certificate.number, "重庆市渝才职业技能评价中心",
                     "--"):
        assert expected in text
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image
    image = Image.open(tmp_path / "page.png").convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > image.width * image.height * 0.01  # not blank
