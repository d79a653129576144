"""The 22-character number of a 职业技能等级证书, and the short code that proves a verification link.

Standard shape (DOMAIN §9), 22 characters::

    S  0000  50  123456  26  3  000017
    |  |     |   |       |   |  serial, 000001–999999, per body, year and level
    |  |     |   |       |   level digit, 5 (五级) … 1 (一级)
    |  |     |   |       two-digit year
    |  |     |   six-digit site code
    |  |     two-digit province (Chongqing 50)
    |  four-digit body code, 0000 when the body is registered at provincial level
    Y (an employer evaluating its own staff) or S (a social training-and-evaluation organisation)

Appointed shape, for 特级技师 / 首席技师 ("2 letters + 20 digits"). The official layout is not in our
sources: **this layout is our choice**. The level digit, which these grades lack, gives way to a second
letter after the body kind, and the other parts keep their lengths and meaning::

    Y  T  0000  50  123456  26  000017
    |  |  then body code, province, site code, year and serial as above (4 + 2 + 6 + 2 + 6 = 20 digits)
    |  T = 特级技师, C = 首席技师
    Y or S

Pure: no Flask, no database, no I/O.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from evaluation.rules.ladder import EvaluationRuleError, Grade, grade_by_level_digit

CERTIFICATE_NUMBER_LENGTH = 22
CHONGQING_PROVINCE_CODE = "50"
PROVINCIAL_BODY_CODE = "0000"
"""Body code of a body registered at provincial level."""

APPOINTED_GRADE_LETTERS: dict[Grade, str] = {Grade.SPECIAL_TECHNICIAN: "T", Grade.CHIEF_TECHNICIAN: "C"}
"""Our choice: the second letter of an appointed-grade number (T: 特级, C: chief / 首席)."""

_GRADE_BY_LETTER = {letter: grade for grade, letter in APPOINTED_GRADE_LETTERS.items()}

VERIFICATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
"""32 symbols, without 0/O and 1/I, so a code read off paper is typed back unambiguously."""

DEFAULT_VERIFICATION_CODE_LENGTH = 8
MIN_VERIFICATION_SECRET_BYTES = 16
_VERIFICATION_CONTEXT = b"saiping/certificate-verification/v1\x00"


class CertificateNumberError(EvaluationRuleError):
    """A certificate number, or one of its parts, is malformed. ``params`` hold ``value`` (what was
    given) and, for a part, what it should be."""


class BodyKind(StrEnum):
    """The first letter of a certificate number."""

    EMPLOYER = "Y"
    SOCIAL_ORGANISATION = "S"


@dataclass(frozen=True)
class CertificateNumber:
    """A valid certificate number, part by part. ``year`` is the two-digit year (26 for 2026).
    ``str()`` gives the 22 characters; constructing one validates every part (CertificateNumberError)."""

    body_kind: BodyKind
    body_code: str
    province: str
    site_code: str
    year: int
    grade: Grade
    serial: int

    def __post_init__(self) -> None:
        if self.body_kind not in ("Y", "S"):
            raise _body_kind_error(self.body_kind)
        object.__setattr__(self, "body_kind", BodyKind(self.body_kind))
        _check_digits("certificate_number_body_code", "body code", self.body_code, 4)
        _check_digits("certificate_number_province", "province code", self.province, 2)
        _check_digits("certificate_number_site_code", "site code", self.site_code, 6)
        if type(self.year) is not int or not 0 <= self.year <= 99:
            raise CertificateNumberError("certificate_number_year",
                                         "The year is its last two digits, 0 to 99 (26 for 2026), "
                                         "not %(value)r.", value=self.year)
        if not isinstance(self.grade, Grade) or not (self.grade.examined or self.grade.appointed):
            raise CertificateNumberError("certificate_number_grade",
                                         "Certificates are issued for 五级 to 一级, 特级技师 and 首席技师, "
                                         "not %(value)r.", value=getattr(self.grade, "code", self.grade))
        if type(self.serial) is not int or not 1 <= self.serial <= 999_999:
            raise CertificateNumberError("certificate_number_serial",
                                         "The serial is a whole number from 1 to 999999, not %(value)r.",
                                         value=self.serial)

    @property
    def level_digit(self) -> int | None:
        return self.grade.level_digit

    @property
    def appointed(self) -> bool:
        """True for the appointed-grade shape (特级技师 / 首席技师)."""
        return self.grade.appointed

    def __str__(self) -> str:
        tail = f"{self.body_code}{self.province}{self.site_code}{self.year:02d}"
        if self.appointed:
            return f"{self.body_kind}{APPOINTED_GRADE_LETTERS[self.grade]}{tail}{self.serial:06d}"
        return f"{self.body_kind}{tail}{self.level_digit}{self.serial:06d}"


def _body_kind_error(value: Any) -> CertificateNumberError:
    return CertificateNumberError("certificate_number_body_kind",
                                  "The body kind is Y (employer) or S (social organisation), not %(value)r.",
                                  value=value)


def _is_ascii_digits(text: Any) -> bool:
    return isinstance(text, str) and text.isascii() and text.isdigit()


def _check_digits(code: str, what: str, value: Any, length: int) -> None:
    if not (_is_ascii_digits(value) and len(value) == length):
        raise CertificateNumberError(code, "The %(what)s is %(length)s digits, not %(value)r.",
                                     what=what, length=length, value=value)


def format_certificate_number(body_kind: BodyKind | str, body_code: str, province: str, site_code: str,
                              year: int, level_digit: int, serial: int) -> str:
    """The 22-character number of a certificate for an examined grade (五级 … 一级).

    Codes are digit strings of their exact length ('0000', '50', '123456'); ``year`` is 0–99;
    ``level_digit`` 1–5; ``serial`` 1–999999 (zero-padded). Raises CertificateNumberError naming the bad
    part ('certificate_number_body_kind', '_body_code', '_province', '_site_code', '_year', '_level',
    '_serial')."""
    if type(level_digit) is not int or not 1 <= level_digit <= 5:
        raise CertificateNumberError("certificate_number_level",
                                     "The level is a whole number from 5 (五级) to 1 (一级), not %(value)r.",
                                     value=level_digit)
    return str(CertificateNumber(body_kind, body_code, province, site_code, year,  # type: ignore[arg-type]
                                 grade_by_level_digit(level_digit), serial))


def format_appointed_certificate_number(body_kind: BodyKind | str, grade: Grade, body_code: str,
                                        province: str, site_code: str, year: int, serial: int) -> str:
    """The 22-character number (our layout, see the module docstring) of a 特级技师 or 首席技师
    certificate. Raises CertificateNumberError('certificate_number_grade') for any other grade, or as
    :func:`format_certificate_number` for the other parts."""
    if grade not in APPOINTED_GRADE_LETTERS:
        raise CertificateNumberError("certificate_number_grade",
                                     "This layout is for 特级技师 and 首席技师 only, not %(value)r.",
                                     value=getattr(grade, "code", grade))
    return str(CertificateNumber(body_kind, body_code, province, site_code, year, grade,  # type: ignore[arg-type]
                                 serial))


def parse_certificate_number(text: str) -> CertificateNumber:
    """Read a number in either shape, strictly: exactly 22 characters, upper-case letters, no spaces
    (use :func:`normalise_certificate_number` on typed input first). ``str(result) == text`` for
    every valid number. Raises CertificateNumberError: 'certificate_number_length', then the first bad
    part in reading order ('_body_kind', '_grade' for an unknown second letter, '_body_code',
    '_province', '_site_code', '_year', '_level', '_serial')."""
    if not isinstance(text, str) or len(text) != CERTIFICATE_NUMBER_LENGTH:
        raise CertificateNumberError("certificate_number_length",
                                     "A certificate number is %(length)s characters, not %(value)r.",
                                     length=CERTIFICATE_NUMBER_LENGTH, value=text)
    kind = text[0]
    if kind not in ("Y", "S"):
        raise _body_kind_error(kind)
    if _is_ascii_digits(text[1]):
        digits = text[1:]
    elif text[1] in _GRADE_BY_LETTER:
        digits = text[2:]
    else:
        raise CertificateNumberError("certificate_number_grade",
                                     "The second character is a digit, or T (特级技师) or C (首席技师), "
                                     "not %(value)r.", value=text[1])
    body_code, province, site_code, year = digits[0:4], digits[4:6], digits[6:12], digits[12:14]
    _check_digits("certificate_number_body_code", "body code", body_code, 4)
    _check_digits("certificate_number_province", "province code", province, 2)
    _check_digits("certificate_number_site_code", "site code", site_code, 6)
    _check_digits("certificate_number_year", "year", year, 2)
    if len(digits) == 21:
        level = digits[14]
        if level not in "12345":
            raise CertificateNumberError("certificate_number_level",
                                         "The level is a digit from 5 (五级) to 1 (一级), not %(value)r.",
                                         value=level)
        grade = grade_by_level_digit(int(level))
        serial = digits[15:]
    else:
        grade = _GRADE_BY_LETTER[text[1]]
        serial = digits[14:]
    _check_digits("certificate_number_serial", "serial", serial, 6)
    return CertificateNumber(BodyKind(kind), body_code, province, site_code, int(year), grade, int(serial))


_TYPED_NOISE = re.compile(r"[\s\-\u3000]+")


def normalise_certificate_number(text: str) -> str:
    """Typed input to the strict form: spaces (also full-width) and hyphens removed, letters upper-cased.
    Does not validate; pass the result to :func:`parse_certificate_number`."""
    return _TYPED_NOISE.sub("", text).upper()


def _verification_key(secret: bytes | str) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not isinstance(key, bytes) or len(key) < MIN_VERIFICATION_SECRET_BYTES:
        raise EvaluationRuleError("verification_secret_too_short",
                                  "The verification secret must be at least %(min)s bytes.",
                                  min=MIN_VERIFICATION_SECRET_BYTES)
    return key


def make_verification_code(secret: bytes | str, certificate_number: str,
                           length: int = DEFAULT_VERIFICATION_CODE_LENGTH) -> str:
    """A short code printed beside the number (and in the QR link) that only the holder of ``secret``
    can produce: the first ``5 × length`` bits of HMAC-SHA256(secret, number), five bits per symbol of
    :data:`VERIFICATION_ALPHABET`. Deterministic; ``length`` 6–16 (8 gives 40 bits).

    Raises CertificateNumberError for an invalid number, EvaluationRuleError
    ('verification_secret_too_short' below 16 bytes, 'verification_code_length')."""
    if type(length) is not int or not 6 <= length <= 16:
        raise EvaluationRuleError("verification_code_length",
                                  "A verification code is 6 to 16 characters, not %(length)r.", length=length)
    message = _VERIFICATION_CONTEXT + str(parse_certificate_number(certificate_number)).encode("ascii")
    digest = int.from_bytes(hmac.new(_verification_key(secret), message, hashlib.sha256).digest(), "big")
    bits = 256
    return "".join(VERIFICATION_ALPHABET[(digest >> (bits - 5 * (i + 1))) & 31] for i in range(length))


def verification_code_matches(secret: bytes | str, certificate_number: str, code: str,
                              length: int = DEFAULT_VERIFICATION_CODE_LENGTH) -> bool:
    """True when ``code`` (as typed: case, spaces and hyphens ignored) is the verification code of
    ``certificate_number``. Compares in constant time. Raises as :func:`make_verification_code`."""
    expected = make_verification_code(secret, certificate_number, length)
    given = _TYPED_NOISE.sub("", code).upper() if isinstance(code, str) else ""
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8"))
