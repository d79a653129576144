"""Issuing, numbering, printing and verifying certificates."""
from __future__ import annotations

import subprocess
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from competition.errors import DomainError
from competition.extensions import db
from competition.services import entries
from evaluation import services
from evaluation.models import Certificate
from evaluation.rules.certificate_number import parse_certificate_number
from evaluation.services import certificates
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


# --- issue #7: numbers under concurrency, photos, the missing-glyph refusal, revocation and reissue -----

def test_two_officers_issuing_at_the_same_moment_get_distinct_consecutive_numbers(app):
    """Both officers wait at a barrier, then issue at once, many times: on SQLite and on PostgreSQL the
    counter row serialises them, so the numbers are distinct and consecutive (no gap, no duplicate)."""
    with app.test_request_context():
        body = factories.evaluation_body()
        officers = [factories.officer(body, "officer_a").id, factories.officer(body, "officer_b").id]
        person = factories.contestant().person
        db.session.commit()
        body_id, person_id = body.id, person.id
    barrier = threading.Barrier(2)
    numbers: dict[int, list[str]] = {officer_id: [] for officer_id in officers}
    errors: list[Exception] = []

    def officer_issues(officer_id: int) -> None:
        with app.test_request_context():
            from competition.models import Organisation, Person, User
            o, b, p = db.session.get(User, officer_id), db.session.get(Organisation, body_id), db.session.get(Person,
                                                                                                            person_id)
            for _ in range(6):
                barrier.wait(timeout=30)
                try:
                    numbers[officer_id].append(_issue(o, b, p).number)
                    db.session.commit()
                except Exception as error:  # pragma: no cover - reported below
                    db.session.rollback()
                    errors.append(error)

    threads = [threading.Thread(target=officer_issues, args=(officer_id,)) for officer_id in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    every = numbers[officers[0]] + numbers[officers[1]]
    assert len(set(every)) == 12 and all(len(n) == 22 for n in every)
    assert sorted(int(n[-6:]) for n in every) == list(range(1, 13))
    assert all(numbers[o] == sorted(numbers[o]) for o in officers)  # each officer's come in order


def test_a_refused_issue_leaves_no_gap(ctx):
    body, officer, person = _officer_and_person()
    first = _issue(officer, body, person).number
    db.session.commit()
    person.name = "龙𪚥"  # U+2A6A5: not in the certificate font
    with pytest.raises(DomainError) as refused:
        _issue(officer, body, person)
    assert refused.value.code == "certificate.missing_glyph"
    db.session.rollback()
    second = _issue(officer, body, person).number
    assert int(second[-6:]) == int(first[-6:]) + 1


def test_missing_glyph_refusal_names_the_character_in_both_languages(ctx):
    body, officer, person = _officer_and_person()
    person.name = "龙𪚥"
    with pytest.raises(DomainError) as refused:
        _issue(officer, body, person)
    texts = refused.value.texts()
    for text in texts.values():
        assert "𪚥" in text and "U+2A6A5" in text and "姓名 / name" in text
    assert texts["zh_CN"] != texts["en"] or "SaiPing refuses" in texts["en"]
    db.session.rollback()
    assert db.session.scalar(select(Certificate.id)) is None  # nothing issued by mistake


def test_missing_glyph_on_the_pages_is_a_clear_message_not_a_500(app, browser):
    from evaluation.services import records
    with app.test_request_context():
        body = factories.evaluation_body()
        officer = factories.officer(body)
        person = factories.person("龙𪚥")
        record = records.create_record(officer, body_id=body.id, person=person, route="assessment",
                                       grade_code="junior", occupation_code="6-31-01-03", occupation_name="电工",
                                       trade=None, theory=Decimal(80), practical=Decimal(80),
                                       facts=records.Facts(Decimal(2)))
        db.session.commit()
        record_id, officer_id = record.id, officer.id
    browser.login("officer")
    response = browser.post(f"/evaluation/records/{record_id}/approve", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "U+2A6A5" in page and "𪚥" in page
    with app.app_context():
        assert db.session.scalar(select(Certificate.id)) is None

    # A certificate whose name was later changed to an unprintable one: the PDF is refused the same way.
    with app.test_request_context():
        from competition.models import Person
        person = db.session.get(Person, db.session.scalar(select(Person.id)))
        person.name = "龙飞"
        db.session.flush()
        from competition.models import User
        from evaluation.models import EvaluationRecord
        certificate = records.approve_record(db.session.get(User, officer_id),
                                             db.session.get(EvaluationRecord, record_id))
        person.name = "龙𪚥"
        db.session.commit()
        certificate_id = certificate.id
    response = browser.get(f"/certificates/{certificate_id}.pdf", follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "U+2A6A5" in response.get_data(as_text=True)


def _png(size=(300, 420)) -> bytes:
    import io

    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", size, (190, 205, 230)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_photo_upload_refuses_non_images_and_huge_files_cleanly(app, browser):
    import io
    with app.test_request_context():
        body, officer, person = _officer_and_person()
        certificate = _issue(officer, body, person)
        db.session.commit()
        certificate_id = certificate.id
    browser.login("officer")
    url = f"/evaluation/certificates/{certificate_id}/photo"

    def upload(data: bytes, name: str):
        return browser.post(url, {"photo": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                            follow_redirects=True)

    not_image = upload(b"%PDF-1.4 this is not a photo", "photo.jpg")
    assert not_image.status_code == 200 and "JPEG" in not_image.get_data(as_text=True)
    huge = upload(b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024), "huge.jpg")
    assert huge.status_code == 200 and "30.0" in huge.get_data(as_text=True) and "5" in huge.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Certificate, certificate_id).photo_id is None

    good = upload(_png((1200, 1680)), "me.png")
    assert good.status_code == 200
    with app.app_context():
        photo = db.session.get(Certificate, certificate_id).photo
        assert photo is not None and photo.data[:3] == b"\xff\xd8\xff" and len(photo.data) < 200_000


def test_pdf_with_photo_and_the_international_certificate_for_belt_and_road(ctx, tmp_path):
    from competition.models import EventKind
    from evaluation.services import records
    body, officer, _person = _officer_and_person()
    event = factories.event("bri-test", EventKind.BELT_AND_ROAD, name="一带一路国际技能大赛",
                            name_en="Belt and Road International Skills Competition")
    skill = factories.skill_with_scheme(event)
    guest = entries.register_contestant(username="guest", password=factories.PASSWORD, name="Somchai Wongsakul",
                                        name_latin="Somchai Wongsakul", id_type="passport", id_number="TH4711000",
                                        nationality="TH", birth_date=date(2004, 3, 1))  # the age rule needs it
    result = factories.published_result(skill, guest, place=1, award="gold")
    event.tier = "national_1"
    certificate = records.issue_from_candidate(officer, body.id, result.id, guest.person_id)
    certificates.set_certificate_photo(officer, certificate, _png())
    assert certificate.bilingual and certificate.international_number.startswith("BRI2026-0000-")

    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(services.certificate_pdf(certificate))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           2" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("职业技能等级证书", "Occupation", "Somchai Wongsakul", "五级/初级工",
                     "This is to certify that", "Linked vocational skill level certificate", certificate.international_number,
                     "Belt and Road International Skills Competition", "Gold medal", certificate.number):
        assert expected in text, expected
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()[2:]) >= 3  # the photo, and the watermark on each page


def test_revoke_reissue_and_the_flag_from_the_results_side(ctx):
    body, officer, _person = _officer_and_person()
    event = factories.event()
    skill = factories.skill_with_scheme(event)
    contestant = factories.contestant("c2", "李晓雯", 125)
    result = factories.published_result(skill, contestant, place=1, award="first")
    certificate = services.issue_from_candidate(officer, body.id, result.id, contestant.person_id)
    assert certificate.grade_code == "technician"

    assert services.flag_for_reissue(result.id, "申诉改判：第1名改为第4名") == [certificate]
    from evaluation.services.certificates import flagged_certificates
    assert flagged_certificates([body.id]) == [certificate]
    result.place, result.award = 4, "second"
    db.session.flush()

    replacement = services.reissue_certificate(officer, certificate, "成绩更正后换发")

    assert certificate.status == "revoked" and "成绩更正后换发" in certificate.revoked_reason
    assert replacement.number in certificate.revoked_reason
    assert replacement.replaces_id == certificate.id and replacement.number != certificate.number
    assert replacement.grade_code == "technician" and flagged_certificates([body.id]) == []

    result.award = None
    result.place = 12
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        services.reissue_certificate(officer, replacement, "再次更正")
    assert refused.value.code == "certificate.reissue_no_grade"


def test_revocation_needs_a_reason_and_is_audited(ctx):
    body, officer, person = _officer_and_person()
    certificate = _issue(officer, body, person)
    with pytest.raises(DomainError):
        services.revoke_certificate(officer, certificate, "  ")
    services.revoke_certificate(officer, certificate, "以欺骗手段取得")
    db.session.commit()
    from competition.models import AuditLog
    row = db.session.scalar(select(AuditLog).where(AuditLog.action == "certificate.revoke"))
    assert row.after["revoked_reason"] == "以欺骗手段取得" and row.before["status"] == "valid"
