"""Issuing, numbering, revoking, reissuing and rendering 职业技能等级证书.

Every state change is audited in the caller's transaction. Numbers come from counter rows incremented
with ``UPDATE … RETURNING`` (:func:`next_serial`), so they have no gaps and no duplicates even when two
officers issue at the same moment: a refused issue rolls its transaction back, counter included.
"""
from __future__ import annotations

import hashlib
import io
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from competition import permissions
from competition.errors import N_, Invalid, NotAllowed, StateConflict
from competition.extensions import db
from competition.labels import label
from competition.models import EventKind, Organisation, OrgKind, Person, Result, User
from competition.services import audit
from evaluation import printing
from evaluation.models import (
    Certificate,
    CertificateSerial,
    CertificateStatus,
    EvaluationPhoto,
    EvaluationRecord,
    GradeHistory,
    GradeLevel,
    Route,
)
from evaluation.rules import certificate_number as numbers
from evaluation.rules.ladder import Grade, certificate_label_en

CERTIFICATE_FIELDS = ("number", "person_id", "occupation_code", "occupation_name", "trade", "grade_code",
                      "body_id", "issue_date", "route", "result_id", "status", "evaluation_record_id",
                      "replaces_id", "international_number", "status_index")

# Counter keys in certificate_serial besides the five levels (1–5), all per body:
STATUS_INDEX_COUNTER = (0, 0)        # (year, level): the bit of each certificate in the status list
INTERNATIONAL_LEVEL = 6              # (year, 6): international certificates (一试双证)
APPOINTED_LEVEL = {Grade.SPECIAL_TECHNICIAN: 7, Grade.CHIEF_TECHNICIAN: 8}   # (year, 7|8)

PHOTO_MAX_PIXELS = (600, 840)        # 1-inch photo at ≈ 600 dpi; more only costs bytes


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


def _body(body_id: int) -> Organisation:
    body = db.session.get(Organisation, body_id)
    if body is None or body.kind != OrgKind.EVALUATION_BODY or not (body.body_kind and body.body_code
                                                                    and body.site_code):
        raise Invalid("certificate.body_codes", N_("This evaluation body has no registered body kind, body code "
                                                   "and site code, so its certificates cannot be numbered."))
    return body


def make_number(body: Organisation, grade: Grade, issue_date: date) -> str:
    """Take the next number for ``grade`` at ``body`` in ``issue_date``'s year (national form for 五级 …
    一级, the appointed form for 特级技师 / 首席技师). Raises Invalid for 学徒工, which has no certificate."""
    common = {"body_kind": body.body_kind, "body_code": body.body_code, "province": body.province_code or "50",
              "site_code": body.site_code, "year": issue_date.year % 100}
    if grade.examined:
        serial = next_serial(body.id, issue_date.year, grade.level_digit)
        return numbers.format_certificate_number(level_digit=grade.level_digit, serial=serial, **common)
    if grade.appointed:
        serial = next_serial(body.id, issue_date.year, APPOINTED_LEVEL[grade])
        return numbers.format_appointed_certificate_number(grade=grade, serial=serial, **common)
    raise Invalid("certificate.grade", N_("学徒工 (apprentice) is entered by an apprenticeship: it has no "
                                          "certificate."))


def missing_glyph_error(error: printing.MissingGlyphError) -> Invalid:
    """The renderer's refusal as a bilingual message for the officer, naming the character and field."""
    field = f"{printing.FIELD_LABELS_ZH.get(error.field, error.field)} / {printing.FIELD_LABELS_EN.get(error.field, error.field)}"
    return Invalid("certificate.missing_glyph",
                   N_("The character %(char)s (%(codepoint)s) in the field %(field)s%(which)s is not in the "
                      "certificate font %(font)s. SaiPing refuses to print a blank box: check the spelling "
                      "against the identity document, or have the font extended, then try again."),
                   char=error.char, codepoint=error.codepoint, field=field, font=error.font_family,
                   which=f" ({error.certificate_number})" if error.certificate_number else "")


def check_printable(person: Person, *, occupation_name: str, trade: str | None, grade: Grade,
                    body: Organisation) -> None:
    """Refuse (Invalid 'certificate.missing_glyph') before anything is issued when the certificate could
    not be printed: a character of a printed field is not in the font."""
    try:
        printing.check_font_coverage([printing.CertificateView(
            name=person.name, name_en=person.name_latin, id_type_label=_id_type_label(person),
            id_number=person.id_number, occupation=occupation_name, trade=trade,
            grade_label=_grade_label(grade), certificate_number="S000050000000000000001",
            verification_code="AAAAAAAA", body_name=body.name, issue_date=date.today(), qr_payload="-",
            bilingual=True)])
    except printing.MissingGlyphError as error:
        raise missing_glyph_error(error) from None


def _id_type_label(person: Person) -> str:
    with force_locale("zh_CN"):
        return label("id_type", person.id_type)


def _grade_label(grade: Grade) -> str:
    from evaluation.rules.ladder import certificate_label
    return certificate_label(grade)


def _event_of_result(result_id: int | None):
    if result_id is None:
        return None, None
    result = db.session.get(Result, result_id)
    if result is None:
        return None, None
    skill = result.entry.skill
    return skill.event, skill


def issue_certificate(officer: User, *, body_id: int, person: Person, grade_code: str, occupation_code: str,
                      occupation_name: str, trade: str | None, route: str, result_id: int | None = None,
                      issue_date: date | None = None, record: EvaluationRecord | None = None,
                      photo_id: int | None = None, replaces: Certificate | None = None,
                      evidence: str | None = None) -> Certificate:
    """Issue one certificate: number, verification code, signature and status-list bit, plus the grade
    history row it feeds. A result of a 一带一路 event gives a bilingual certificate with its linked
    international certificate (一试双证). Raises NotAllowed (not this officer's body), Invalid (grade
    without a certificate, body without codes, a character the font lacks) or StateConflict (this
    result already has a valid certificate)."""
    from evaluation.services import signing

    if not permissions.can_issue_certificates(officer, body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    body = _body(body_id)
    grade_row = db.session.get(GradeLevel, grade_code)
    if grade_row is None:
        raise Invalid("certificate.grade_unknown", N_("Unknown grade."))
    grade = grade_row.grade
    if route not in set(Route):
        raise Invalid("record.route", N_("Choose how the grade is reached: assessment, competition (以赛代评), "
                                         "direct recognition (直接认定) or enterprise self-evaluation."))
    if result_id is not None and replaces is None and db.session.scalar(select(Certificate.id).where(
            Certificate.result_id == result_id, Certificate.person_id == person.id,
            Certificate.status == CertificateStatus.VALID)):
        raise StateConflict("certificate.exists", N_("A certificate has already been issued for this result."))
    check_printable(person, occupation_name=occupation_name, trade=trade, grade=grade, body=body)
    issue_date = issue_date or date.today()
    number = make_number(body, grade, issue_date)
    event, _skill = _event_of_result(result_id)
    international = event is not None and event.kind == EventKind.BELT_AND_ROAD
    certificate = Certificate(
        number=number,
        verification_code=numbers.make_verification_code(current_app.config["SAIPING_CERTIFICATE_SECRET"], number),
        person_id=person.id, occupation_code=occupation_code, occupation_name=occupation_name,
        trade=(trade or "").strip() or None, grade_code=grade.code, body_id=body.id, issue_date=issue_date,
        route=route, result_id=result_id, issued_by_id=officer.id,
        evaluation_record_id=record.id if record is not None else None,
        photo_id=photo_id if photo_id is not None else (record.photo_id if record is not None else None),
        replaces_id=replaces.id if replaces is not None else None, bilingual=international,
        international_number=(f"BRI{issue_date.year}-{body.body_code}-"
                              f"{next_serial(body.id, issue_date.year, INTERNATIONAL_LEVEL):06d}"
                              if international else None),
        status_index=next_serial(body.id, *STATUS_INDEX_COUNTER) - 1)
    certificate.person = person
    certificate.body = body
    certificate.grade = grade_row
    db.session.add(certificate)
    db.session.flush()
    signing.sign_certificate(certificate)
    db.session.add(GradeHistory(
        person_id=person.id, occupation_code=occupation_code, occupation_name=occupation_name,
        grade_code=grade.code, obtained_on=issue_date, route=route,
        evidence=evidence or f"证书 Certificate {number}", certificate_id=certificate.id,
        evaluation_record_id=record.id if record is not None else None, recorded_by_id=officer.id))
    audit.record("certificate.issue", certificate, actor=officer,
                 after=audit.snapshot(certificate, CERTIFICATE_FIELDS))
    return certificate


def certificate_for_officer(officer: User, certificate_id: int) -> Certificate:
    from competition.errors import forbidden, not_found
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise not_found()
    if not permissions.can_issue_certificates(officer, certificate.body_id):
        raise forbidden()
    return certificate


def revoke_certificate(officer: User, certificate: Certificate, reason: str) -> Certificate:
    """Revoke with a written reason (fraud, a corrected result, …); it then verifies as revoked, with the
    date and reason, and its bit is set in the body's status list. Audited."""
    if not permissions.can_issue_certificates(officer, certificate.body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("certificate.revoke_reason", N_("Give the reason for revoking the certificate."))
    if len(reason) > 500:
        raise Invalid("certificate.reason_length", N_("The reason is at most %(n)s characters."), n=500)
    if certificate.status == CertificateStatus.REVOKED:
        raise StateConflict("certificate.revoked", N_("This certificate has already been revoked."))
    before = audit.snapshot(certificate, ("status", "revoked_at", "revoked_reason"))
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = datetime.now(UTC)
    certificate.revoked_reason = reason
    audit.record("certificate.revoke", certificate, actor=officer, before=before,
                 after=audit.snapshot(certificate, ("status", "revoked_at", "revoked_reason")))
    return certificate


def reissue_certificate(officer: User, certificate: Certificate, reason: str,
                        issue_date: date | None = None) -> Certificate:
    """Revoke ``certificate`` and issue its replacement with a new number linked to the old one
    (``replaces``). A 以赛代评 certificate is re-decided from the (corrected) result: when the result no
    longer earns a grade, nothing is issued (StateConflict: revoke it instead). Clears a reissue flag."""
    from evaluation.services import records

    reason = (reason or "").strip()
    if not reason:
        raise Invalid("certificate.reissue_reason", N_("Give the reason for reissuing the certificate."))
    grade_code = certificate.grade_code
    if certificate.route == Route.COMPETITION and certificate.result_id is not None:
        result = db.session.get(Result, certificate.result_id)
        revoke_certificate(officer, certificate, reason)   # so the old grade no longer counts as held
        decision = records.decide_promotion(result, result.entry.skill, certificate.person_id) if result else None
        if decision is None or not decision.promoted:
            raise StateConflict("certificate.reissue_no_grade",
                                N_("The corrected result no longer earns a grade under the event's promotion "
                                   "rules: revoke the certificate instead of reissuing it."))
        grade_code = decision.new_grade.code
    else:
        revoke_certificate(officer, certificate, reason)
    replacement = issue_certificate(
        officer, body_id=certificate.body_id, person=certificate.person, grade_code=grade_code,
        occupation_code=certificate.occupation_code, occupation_name=certificate.occupation_name,
        trade=certificate.trade, route=certificate.route, result_id=certificate.result_id, issue_date=issue_date,
        photo_id=certificate.photo_id, replaces=certificate,
        evidence=f"补发 Reissue of {certificate.number}: {reason}")
    certificate.revoked_reason = f"{reason} · 已换发 Reissued as {replacement.number}"[:500]
    if certificate.flagged_at is not None:
        certificate.flagged_at = None
    audit.record("certificate.reissue", replacement, actor=officer,
                 after={"replaces": certificate.number, "number": replacement.number, "reason": reason})
    return replacement


def flag_for_reissue(result_id: int, reason: str) -> list[Certificate]:
    """For the results side: a published result changed (appeal, correction). Every valid certificate
    issued for it is flagged, with ``reason``, and shown on the evaluation desk for an officer to reissue
    or revoke. Returns the flagged certificates (possibly none). Audited; the caller commits."""
    reason = (reason or "").strip() or "result changed"
    flagged = list(db.session.scalars(select(Certificate).where(
        Certificate.result_id == result_id, Certificate.status == CertificateStatus.VALID)))
    for certificate in flagged:
        certificate.flagged_at = datetime.now(UTC)
        certificate.flag_reason = reason[:500]
        audit.record("certificate.flag_for_reissue", certificate,
                     after={"result_id": result_id, "reason": certificate.flag_reason})
    return flagged


def flagged_certificates(body_ids: list[int]) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(
        Certificate.body_id.in_(body_ids), Certificate.flagged_at.is_not(None),
        Certificate.status == CertificateStatus.VALID).order_by(Certificate.flagged_at)))


# --- photos --------------------------------------------------------------------------------------

def photo_limit() -> int:
    """``SAIPING_PHOTO_MAX_BYTES``: the largest photo upload accepted (default 5 MB)."""
    return int(current_app.config.get("SAIPING_PHOTO_MAX_BYTES", 5 * 1_048_576))


def check_photo_size(size: int) -> None:
    """Refuse an upload by its size alone, before reading it (a 30 MB file is never loaded)."""
    limit = photo_limit()
    if size > limit:
        raise Invalid("photo.too_large", N_("The photo is %(size)s MB; the limit is %(limit)s MB."),
                      size=f"{size / 1_048_576:.1f}", limit=f"{limit / 1_048_576:g}")


def normalise_photo(data: bytes, max_bytes: int) -> bytes:
    """Check an upload and return it as a clean JPEG (at most 600×840 px, no metadata). Raises Invalid
    for a file over ``max_bytes``, a file that is not a JPEG or PNG, or one that cannot be decoded."""
    if len(data) > max_bytes:
        raise Invalid("photo.too_large", N_("The photo is %(size)s MB; the limit is %(limit)s MB."),
                      size=f"{len(data) / 1_048_576:.1f}", limit=f"{max_bytes / 1_048_576:g}")
    if not data:
        raise Invalid("photo.empty", N_("Choose a photo to upload."))
    try:
        printing.CertificateView(name="-", id_type_label="-", id_number="-", occupation="-", trade=None,
                                 grade_label="-", certificate_number="-", verification_code="-",
                                 body_name="-", issue_date=date.today(), qr_payload="-", photo=data)
    except ValueError:
        raise Invalid("photo.not_image", N_("The photo must be a JPEG or PNG image.")) from None
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail(PHOTO_MAX_PIXELS)
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def save_photo(officer: User, person: Person, data: bytes) -> EvaluationPhoto:
    """Store a checked, normalised photo of ``person`` (see :func:`normalise_photo`). Audited."""
    clean = normalise_photo(data, photo_limit())
    photo = EvaluationPhoto(person_id=person.id, data=clean, sha256=hashlib.sha256(clean).hexdigest(),
                            uploaded_by_id=officer.id)
    db.session.add(photo)
    audit.record("photo.upload", photo, actor=officer, after={"person_id": person.id, "sha256": photo.sha256,
                                                               "bytes": len(clean)})
    return photo


def set_record_photo(officer: User, record: EvaluationRecord, data: bytes) -> EvaluationRecord:
    """The photo the record's certificate will print. Audited."""
    if not permissions.can_issue_certificates(officer, record.body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    photo = save_photo(officer, record.person, data)
    before = {"photo_id": record.photo_id}
    record.photo_id = photo.id
    audit.record("evaluation_record.photo", record, actor=officer, before=before, after={"photo_id": photo.id})
    return record


def set_certificate_photo(officer: User, certificate: Certificate, data: bytes) -> Certificate:
    if not permissions.can_issue_certificates(officer, certificate.body_id):
        raise NotAllowed("certificate.body", N_("You do not issue certificates for this evaluation body."))
    photo = save_photo(officer, certificate.person, data)
    before = {"photo_id": certificate.photo_id}
    certificate.photo_id = photo.id
    certificate.photo = photo
    audit.record("certificate.photo", certificate, actor=officer, before=before, after={"photo_id": photo.id})
    return certificate


# --- what is printed -----------------------------------------------------------------------------

def qr_payload(certificate: Certificate) -> str:
    """The verification link printed as the QR code: number, code and the body's Ed25519 signature."""
    params = {"number": certificate.number, "code": certificate.verification_code}
    if certificate.signature:
        params["sig"] = certificate.signature
    from evaluation.services.signing import public_url
    return public_url("evaluation.verify", **params)


def _international_view(certificate: Certificate) -> printing.InternationalView | None:
    if not certificate.international_number:
        return None
    event, skill = _event_of_result(certificate.result_id)
    result = db.session.get(Result, certificate.result_id) if certificate.result_id else None
    award = result.award if result is not None else None
    with force_locale("en"):
        result_en = str(label("award", award)) if award else f"Place {result.place}" if result else "Participation"
    with force_locale("zh_CN"):
        result_zh = str(label("award", award)) if award else (f"第{result.place}名" if result else "")
    return printing.InternationalView(
        number=certificate.international_number, event_name=event.name if event else "",
        event_name_en=(event.name_en or event.name) if event else "Belt and Road Skills Competition",
        skill_name=skill.name if skill else certificate.occupation_name,
        skill_name_en=(skill.name_en or skill.name) if skill else certificate.occupation_name,
        result=result_zh, result_en=result_en, nationality=certificate.person.nationality)


def certificate_view(certificate: Certificate, *, reprint: bool = False) -> printing.CertificateView:
    """The printable form of a certificate, every field formatted; bilingual with its international page
    for 一带一路 events."""
    person = certificate.person
    return printing.CertificateView(
        name=person.name, name_en=person.name_latin if person.name_latin != person.name else None,
        id_type_label=_id_type_label(person), id_number=person.id_number,
        occupation=certificate.occupation_name, trade=certificate.trade,
        grade_label=certificate.grade.certificate_label, grade_label_en=certificate_label_en(certificate.grade.grade),
        certificate_number=certificate.number, verification_code=certificate.verification_code,
        body_name=certificate.body.name, issue_date=certificate.issue_date, qr_payload=qr_payload(certificate),
        photo=certificate.photo.data if certificate.photo is not None else None,
        bilingual=certificate.bilingual, reprint=reprint, international=_international_view(certificate))


def certificate_pdf(certificate: Certificate, *, reprint: bool = False) -> bytes:
    """One certificate as a PDF (two pages with its international certificate). Raises Invalid
    ('certificate.missing_glyph') naming the character when the font lacks one."""
    try:
        return printing.render_certificates([certificate_view(certificate, reprint=reprint)])
    except printing.MissingGlyphError as error:
        raise missing_glyph_error(error) from None


def certificates_of(person_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.person_id == person_id)
                                   .order_by(Certificate.issue_date.desc())))
