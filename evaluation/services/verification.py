"""Public verification of a certificate by its number and the verification code printed on it (or by
the QR code, which carries both and the body's signature).

Contract: :func:`verify` answers the same ``None`` for an unknown number and for a wrong code, so numbers
and codes cannot be enumerated; what it returns holds only what the public may see: status (valid /
revoked with date and reason), masked name, occupation, grade, body and issue date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from competition.extensions import db
from competition.models.people import mask_name
from evaluation.models import Certificate, CertificateStatus
from evaluation.rules import certificate_number as numbers
from evaluation.services import signing

_PLACEHOLDER_NUMBER = "S000000000000000000001"


@dataclass(frozen=True)
class PublicCertificate:
    """What a verification shows. ``status``: ``valid``, ``revoked`` or ``tampered`` (the stored data no
    longer matches the body's signature, or the QR code's signature does not match: do not trust it)."""

    status: str
    masked_name: str
    occupation: str
    trade: str | None
    grade_label: str
    grade_label_en: str
    body_name: str
    issue_date: date
    revoked_at: datetime | None
    revoked_reason: str | None
    signed: bool

    def public_fields(self) -> dict:
        """The API's answer (dates as dates; the schema serialises them)."""
        return {"status": self.status, "name": self.masked_name, "occupation": self.occupation,
                "trade": self.trade or "--", "grade": self.grade_label, "grade_en": self.grade_label_en,
                "body": self.body_name, "issue_date": self.issue_date,
                "revoked_at": self.revoked_at.date() if self.revoked_at else None,
                "revoked_reason": self.revoked_reason, "signed": self.signed}


def verify(number: str, code: str, signature: str | None = None) -> PublicCertificate | None:
    """The public view of the certificate with this number, only when the code printed on it matches
    too; None otherwise (same answer for a wrong number and a wrong code). With ``signature`` (from the
    QR code), a signature that does not sign the stored data gives status ``tampered``."""
    secret = current_app.config["SAIPING_CERTIFICATE_SECRET"]
    typed = numbers.normalise_certificate_number(number or "")[:40]
    certificate = db.session.scalar(select(Certificate).where(Certificate.number == typed)) if typed else None
    try:
        # Compute the code even for an unknown number, so the answer takes the same time.
        matches = numbers.verification_code_matches(
            secret, certificate.number if certificate else _PLACEHOLDER_NUMBER, (code or "")[:40])
    except numbers.CertificateNumberError:
        matches = False
    if certificate is None or not matches:
        return None
    stored_ok = signing.signature_matches(certificate)
    qr_ok = signing.signature_matches(certificate, signature) if signature else None
    status = certificate.status
    if stored_ok is False or qr_ok is False:
        status = "tampered"
    grade = certificate.grade
    return PublicCertificate(
        status=status, masked_name=mask_name(certificate.person.name), occupation=certificate.occupation_name,
        trade=certificate.trade, grade_label=grade.certificate_label, grade_label_en=grade.certificate_label_en,
        body_name=certificate.body.name, issue_date=certificate.issue_date,
        revoked_at=certificate.revoked_at if certificate.status == CertificateStatus.REVOKED else None,
        revoked_reason=certificate.revoked_reason if certificate.status == CertificateStatus.REVOKED else None,
        signed=stored_ok is True)
