"""Identity documents and age eligibility of contestants (DOMAIN.md §3).

Pure: no Flask, no database, no I/O, no clock. Whatever depends on the date takes ``today`` (or the
competition's date) as an argument.

Documents (``id_type`` values, the same strings as ``competition.models.IdType``):

- ``resident_id``: 居民身份证 (GB 11643-1999), 18 characters = 6-digit region + YYYYMMDD birth date
  + 3-digit sequence (odd = male) + check character. Checked: format, check character, region (the first
  two digits are a GB/T 2260 province code, :data:`PROVINCE_CODES`), a real calendar date, not after
  ``today``. The 港澳台居民居住证 number has the same shape and check character with region 810000,
  820000 or 830000 (:data:`HMT_RESIDENCE_PERMIT_REGIONS`); it is accepted as a ``resident_id`` because
  forms take it in the same field (830000 is not a province code, so it is allowed by exact region).
- ``passport``: 5-20 characters ``[A-Z0-9]``; the nationality (ISO 3166-1 alpha-2) is required.
- ``hk_macau_permit``: 港澳居民来往内地通行证, ``H`` or ``M`` + 8 digits, optionally + 2 digits.
- ``taiwan_permit``: 台湾居民来往大陆通行证, 8 digits, optionally 10.

Every number is first normalised by :func:`normalise_id_number` (spaces removed, full-width characters
turned into ASCII, ASCII letters upper-cased, so ``x`` becomes ``X``).

Errors. Every refusal raises :class:`IdentityError` (a ``ValueError``) with a stable ``code``, an English
msgid ``message`` with ``%(name)s`` placeholders and the ``params`` that fill them, like
``competition.rules.marking.MarkingError``. Codes: ``id.type``, ``id.format``, ``id.checksum``,
``id.region``, ``id.birth_date``, ``id.future``, ``id.nationality_missing``, ``id.nationality``,
``id.name``; :class:`AgeRule` settings that contradict each other raise :class:`AgeRuleError`
(``age.rule_invalid``). An ineligible age is not an exception: :func:`check_age` returns an
:class:`AgeProblem` (``age.too_old``, ``age.too_young``, ``age.retired``).

Ages. :class:`AgeRule` holds every number as a setting (DOMAIN.md §3 defaults). WorldSkills counts by
calendar year: eligible iff ``birth_year >= competition_year - max_age``. Chinese events count completed
years on the competition's start date; someone born on 29 February reaches a new age on 1 March in a
common year.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Literal

from competition.rules import N_, RuleError

__all__ = [
    "HMT_RESIDENCE_PERMIT_REGIONS", "ISO_3166_ALPHA2", "PROVINCE_CODES", "AgeProblem", "AgeRule",
    "AgeRuleError", "AgeRuleKind", "IdType", "IdentityDocument", "IdentityError", "Sex", "age_on",
    "anniversary", "check_age", "eligible_birth_dates", "encoded_mismatches", "identity_mismatches", "normalise_id_number", "resident_id_check_char", "resident_id_facts",
    "validate_hk_macau_permit", "validate_hmt_residence_permit", "validate_identity", "validate_latin_name",
    "validate_nationality", "validate_passport", "validate_resident_id", "validate_taiwan_permit",
]

Sex = Literal["M", "F"]


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"          # 居民身份证 (and 港澳台居民居住证, same number format)
    PASSPORT = "passport"                # 护照
    HK_MACAU_PERMIT = "hk_macau_permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_permit"      # 台湾居民来往大陆通行证


_ID_TYPES = {kind.value: kind for kind in IdType}


# --- errors ---------------------------------------------------------------------------------------------

class IdentityError(RuleError):
    """A document number, nationality or name is refused: ``code`` is stable and machine-readable,
    ``message`` an English msgid whose ``%(name)s`` placeholders are filled from ``params``."""


class AgeRuleError(IdentityError):
    """An :class:`AgeRule` setting is impossible (``age.rule_invalid``)."""


# --- normalisation --------------------------------------------------------------------------------------

# Full-width forms U+FF01..U+FF5E sit at a fixed offset from ASCII U+0021..U+007E; U+3000 is the
# ideographic space.
_FULL_WIDTH_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Only ASCII letters are upper-cased: str.upper() would turn "ß" into "SS" and let it pass as ASCII.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def normalise_id_number(raw: str) -> str:
    """The number as stored and compared: full-width characters turned into ASCII, whitespace and invisible
    format characters (e.g. a zero-width space pasted with the number) removed, ASCII letters upper-cased.

    Never raises for a ``str`` (the result may still be invalid); raises ``TypeError`` for anything else.
    """
    if not isinstance(raw, str):
        raise TypeError(f"an ID number must be a str, not {type(raw).__name__}")
    if raw.isascii() and raw.isalnum():  # the usual case, and 10x faster: nothing to remove or translate
        return raw.upper()
    text = raw.translate(_FULL_WIDTH_TO_ASCII)
    text = "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return text.translate(_ASCII_UPPER)


# --- 居民身份证 (GB 11643-1999) ----------------------------------------------------------------------------

_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK_CHARS = "10X98765432"
_RESIDENT_ID_BODY = re.compile(r"[0-9]{17}")
_RESIDENT_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

# First two digits of a GB/T 2260 region code: provinces, autonomous regions, municipalities, and
# 71 台湾, 81 香港, 82 澳门.
PROVINCE_CODES = frozenset(
    f"{code:02d}" for code in (
        *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66),
        71, 81, 82,
    )
)
# Region part of a 港澳台居民居住证 number: 香港, 澳门, 台湾.
HMT_RESIDENCE_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})


def resident_id_check_char(first_17_digits: str) -> str:
    """The check character (``0``-``9`` or ``X``) for the first 17 digits of an 18-character ID number.

    Raises ``ValueError`` unless ``first_17_digits`` is exactly 17 ASCII digits.
    """
    if not isinstance(first_17_digits, str) or not _RESIDENT_ID_BODY.fullmatch(first_17_digits):
        raise ValueError(f"expected 17 ASCII digits, got {first_17_digits!r}")
    return _check_char(first_17_digits)


def _check_char(body: str) -> str:
    """The check character of 17 ASCII digits (already checked). The weights of GB 11643 are
    2^(18-i) mod 11 (:data:`_RESIDENT_ID_WEIGHTS`) and 13 ≡ 2 (mod 11), so the weighted sum is
    2 · int(body, 13) modulo 11: one conversion in C instead of 17 multiplications in Python
    (an import checks 10,000 numbers)."""
    return _RESIDENT_ID_CHECK_CHARS[2 * int(body, 13) % 11]


@dataclass(frozen=True)
class IdentityDocument:
    """A validated identity document. ``number`` is normalised; ``birth_date`` and ``sex`` are set only when
    the number encodes them (``resident_id``); ``nationality`` is the ISO 3166-1 alpha-2 code when known."""

    id_type: IdType
    number: str
    birth_date: date | None = None
    sex: Sex | None = None
    nationality: str | None = None


def _check_eighteen_char_number(number: str, *, today: date, region_allowed: bool) -> tuple[date, Sex]:
    """Shared checks of the 18-character numbers, in the order a person would fix them: shape, check
    character, region, date, not in the future. Returns the birth date and sex."""
    if not _RESIDENT_ID_SHAPE.fullmatch(number):
        raise IdentityError("id.format", N_("The ID number %(number)s must be 17 digits followed by a digit "
                                            "or X."), number=number)
    expected = _check_char(number[:17])
    if number[17] != expected:
        raise IdentityError("id.checksum", N_("The check character of ID number %(number)s is wrong: please "
                                              "check every digit."), number=number, expected=expected)
    if not region_allowed:
        raise IdentityError("id.region", N_("The region code %(region)s of ID number %(number)s does not "
                                            "exist."), number=number, region=number[:6])
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError("id.birth_date", N_("The birth date %(digits)s inside ID number %(number)s is "
                                                "not a real date."),
                            number=number, digits=number[6:14]) from None
    if birth_date > today:
        raise IdentityError("id.future", N_("The birth date %(birth_date)s inside ID number %(number)s is in "
                                            "the future."), number=number, birth_date=birth_date.isoformat())
    sex: Sex = "M" if number[16] in "13579" else "F"   # the sequence number's parity (odd = male)
    return birth_date, sex


def _require_date(today: object) -> None:
    if not isinstance(today, date):
        raise TypeError(f"today must be a date, not {type(today).__name__}")


def validate_resident_id(number: str, *, today: date) -> IdentityDocument:
    """Validate a 居民身份证 number (or a 港澳台居民居住证 number, which has the same format).

    Input: the number as typed (normalised here) and ``today``, the latest acceptable birth date.
    Returns an :class:`IdentityDocument` with the normalised number, birth date and sex.
    Raises :class:`IdentityError`: ``id.format``, ``id.checksum``, ``id.region``, ``id.birth_date``,
    ``id.future`` (checked in that order).
    """
    return IdentityDocument(IdType.RESIDENT_ID, *resident_id_facts(number, today=today))


def resident_id_facts(number: str, *, today: date) -> tuple[str, date, Sex]:
    """:func:`validate_resident_id` without the document: the normalised number, birth date and sex (checked
    for many rows at once by an import). Raises the same :class:`IdentityError`."""
    _require_date(today)
    normalised = normalise_id_number(number)
    region_allowed = normalised[:2] in PROVINCE_CODES or normalised[:6] in HMT_RESIDENCE_PERMIT_REGIONS
    birth_date, sex = _check_eighteen_char_number(normalised, today=today, region_allowed=region_allowed)
    return normalised, birth_date, sex


def resident_id_facts_many(numbers: Iterable[object], *, today: date) -> list[tuple[str, date, Sex] | None]:
    """:func:`resident_id_facts` of many numbers (an import's column), for the usual case only: each item is
    what it returns, or ``None`` where it would raise or where the number is not 18 plain ASCII characters (ask
    :func:`resident_id_facts` then, for the normalised number or the reason). One loop without a call per
    number, and each birth date made once: three times faster on 10,000 numbers."""
    _require_date(today)
    births: dict[str, date | None] = {}
    check_chars, provinces, regions = _RESIDENT_ID_CHECK_CHARS, PROVINCE_CODES, HMT_RESIDENCE_PERMIT_REGIONS
    found: list[tuple[str, date, Sex] | None] = []
    for raw in numbers:
        if raw.__class__ is not str or len(raw) != 18 or not raw.isascii():
            found.append(None)
            continue
        number = raw.upper()
        body = number[:17]
        if not body.isdigit() or number[17] != check_chars[2 * int(body, 13) % 11] or (
                number[:2] not in provinces and number[:6] not in regions):
            found.append(None)
            continue
        digits = number[6:14]
        try:
            birth_date = births[digits]
        except KeyError:
            try:
                birth_date = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            except ValueError:
                birth_date = None
            births[digits] = birth_date
        if birth_date is None or birth_date > today:
            found.append(None)
        else:
            found.append((number, birth_date, "M" if number[16] in "13579" else "F"))
    return found


def validate_hmt_residence_permit(number: str, *, today: date) -> IdentityDocument:
    """Validate a 港澳台居民居住证 number: like :func:`validate_resident_id`, but the region must be one of
    :data:`HMT_RESIDENCE_PERMIT_REGIONS`. Returns the document as a ``resident_id`` (the same field on
    forms). Raises :class:`IdentityError` with the codes of :func:`validate_resident_id`."""
    _require_date(today)
    normalised = normalise_id_number(number)
    region_allowed = normalised[:6] in HMT_RESIDENCE_PERMIT_REGIONS
    birth_date, sex = _check_eighteen_char_number(normalised, today=today, region_allowed=region_allowed)
    return IdentityDocument(IdType.RESIDENT_ID, normalised, birth_date, sex)


# --- passports and permits ------------------------------------------------------------------------------

# Current ISO 3166-1 alpha-2 codes (249), including the territories ISO lists (e.g. HK, MO, TW, PR, AQ).
# Not included: user-assigned or reserved codes such as XK (Kosovo), EU, UN.
ISO_3166_ALPHA2 = frozenset("""
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
""".split())

_PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{5,20}")
_HK_MACAU_PERMIT_NUMBER = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TAIWAN_PERMIT_NUMBER = re.compile(r"[0-9]{8}(?:[0-9]{2})?")


def validate_nationality(code: str) -> str:
    """The ISO 3166-1 alpha-2 code, normalised (trimmed, full-width to ASCII, upper-case).

    Raises :class:`IdentityError` ``id.nationality`` when it is not a current alpha-2 code."""
    normalised = normalise_id_number(code)
    if normalised not in ISO_3166_ALPHA2:
        raise IdentityError("id.nationality", N_("%(nationality)s is not an ISO 3166-1 country code."),
                            nationality=normalised)
    return normalised


def validate_passport(number: str, *, nationality: str | None) -> IdentityDocument:
    """Validate a passport number (5-20 characters ``[A-Z0-9]`` after normalisation) and its nationality.

    Raises :class:`IdentityError`: ``id.nationality_missing`` (``None`` or blank), ``id.nationality``,
    ``id.format``."""
    if nationality is None or not normalise_id_number(nationality):
        raise IdentityError("id.nationality_missing", N_("A passport needs the holder's nationality."))
    country = validate_nationality(nationality)
    normalised = normalise_id_number(number)
    if not _PASSPORT_NUMBER.fullmatch(normalised):
        raise IdentityError("id.format", N_("The passport number %(number)s must be 5 to 20 letters or "
                                            "digits."), number=normalised)
    return IdentityDocument(IdType.PASSPORT, normalised, nationality=country)


def validate_hk_macau_permit(number: str) -> IdentityDocument:
    """Validate a 港澳居民来往内地通行证 number: ``H`` (Hong Kong) or ``M`` (Macau) + 8 digits, optionally
    + 2 digits. Raises :class:`IdentityError` ``id.format``."""
    normalised = normalise_id_number(number)
    if not _HK_MACAU_PERMIT_NUMBER.fullmatch(normalised):
        raise IdentityError("id.format", N_("The permit number %(number)s must be H or M followed by 8 or 10 "
                                            "digits."), number=normalised)
    return IdentityDocument(IdType.HK_MACAU_PERMIT, normalised)


def validate_taiwan_permit(number: str) -> IdentityDocument:
    """Validate a 台湾居民来往大陆通行证 number: 8 digits, or 10 on older permits.
    Raises :class:`IdentityError` ``id.format``."""
    normalised = normalise_id_number(number)
    if not _TAIWAN_PERMIT_NUMBER.fullmatch(normalised):
        raise IdentityError("id.format", N_("The permit number %(number)s must be 8 or 10 digits."),
                            number=normalised)
    return IdentityDocument(IdType.TAIWAN_PERMIT, normalised)


def validate_identity(id_type: str, number: str, *, nationality: str | None = None,
                      today: date) -> IdentityDocument:
    """Validate any supported document; the one entry point for registration.

    - ``id_type``: an :class:`IdType` value (``resident_id``, ``passport``, ``hk_macau_permit``,
      ``taiwan_permit``).
    - ``nationality``: required for a passport; for the other types it is validated and kept when given
      (``None`` or blank means not given).
    - ``today``: the latest acceptable birth date (only numbers that encode a birth date use it).

    Returns an :class:`IdentityDocument`. Raises :class:`IdentityError`: ``id.type`` for an unknown type,
    otherwise the codes of the type's own validator, and ``id.nationality``.
    """
    _require_date(today)
    kind = _ID_TYPES.get(id_type)   # a dict, not IdType(id_type): this runs once per row of a 10,000-row import
    if kind is None:
        raise IdentityError("id.type", N_("%(id_type)s is not a supported identity document type."),
                            id_type=id_type)
    if kind is IdType.PASSPORT:
        return validate_passport(number, nationality=nationality)
    given = nationality is not None and normalise_id_number(nationality) != ""
    country = validate_nationality(nationality) if given else None
    if kind is IdType.RESIDENT_ID:
        document = validate_resident_id(number, today=today)
    elif kind is IdType.HK_MACAU_PERMIT:
        document = validate_hk_macau_permit(number)
    else:
        document = validate_taiwan_permit(number)
    if country is None:
        return document
    return IdentityDocument(document.id_type, document.number, document.birth_date, document.sex, country)


# --- names in Latin letters -----------------------------------------------------------------------------

_NAME_PUNCTUATION = frozenset(" -'.")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'"})
_COMBINING_DIACRITICS = range(0x0300, 0x0370)


def _is_latin_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") and unicodedata.name(ch, "").startswith("LATIN ")


def validate_latin_name(name: str) -> str:
    """A name as written in Latin letters on a passport (一带一路 contestants), normalised: NFKC (full-width
    letters to ASCII, accents composed), typographic apostrophes to ``'``, runs of whitespace to one space,
    trimmed. Allowed: Latin letters including accented ones (é, ø, ß ...), combining accents, space, hyphen,
    apostrophe and dot; at least two letters. Case is kept.

    Raises :class:`IdentityError` ``id.name`` (params ``name``); ``TypeError`` if ``name`` is not a str.
    """
    if not isinstance(name, str):
        raise TypeError(f"a name must be a str, not {type(name).__name__}")
    text = " ".join(unicodedata.normalize("NFKC", name).translate(_APOSTROPHES).split())
    letters = 0
    for ch in text:
        if _is_latin_letter(ch):
            letters += 1
        elif ch not in _NAME_PUNCTUATION and ord(ch) not in _COMBINING_DIACRITICS:
            break
    else:
        if letters >= 2:
            return text
    raise IdentityError("id.name", N_("Write the name %(name)s in Latin letters, as on the passport."),
                        name=text)


# --- comparing the document with the form ---------------------------------------------------------------

def identity_mismatches(document: IdentityDocument, *, birth_date: date | None = None,
                        sex: Sex | None = None) -> list[str]:
    """What the person typed that disagrees with what the document number encodes.

    Compares only what both sides have: a field the document does not encode, or the person left empty
    (``None``), is not compared. Returns a list of codes, in this order: ``id.mismatch.birth_date``,
    ``id.mismatch.sex``; empty when everything agrees. Raises ``ValueError`` for a ``sex`` other than
    ``'M'``/``'F'``/``None``.
    """
    return encoded_mismatches(document.birth_date, document.sex, birth_date=birth_date, sex=sex)


def encoded_mismatches(encoded_birth_date: date | None, encoded_sex: Sex | None, *, birth_date: date | None = None,
                       sex: Sex | None = None) -> list[str]:
    """:func:`identity_mismatches` given what the number encodes (e.g. from :func:`resident_id_facts`)."""
    if sex not in ("M", "F", None):
        raise ValueError(f"sex must be 'M', 'F' or None, not {sex!r}")
    mismatches = []
    if encoded_birth_date is not None and birth_date is not None and encoded_birth_date != birth_date:
        mismatches.append("id.mismatch.birth_date")
    if encoded_sex is not None and sex is not None and encoded_sex != sex:
        mismatches.append("id.mismatch.sex")
    return mismatches


# --- age eligibility ------------------------------------------------------------------------------------

class AgeRuleKind(StrEnum):
    WORLDSKILLS = "worldskills"  # by calendar year, upper limit only
    CHINESE = "chinese"          # completed years on the start date: minimum age, under retirement age


@dataclass(frozen=True)
class AgeRule:
    """The age settings of an event or skill (DOMAIN.md §3 defaults). Fields of the other kind are ignored.

    WorldSkills (``kind='worldskills'``):

    - ``max_age``: born in or after ``competition_year - max_age`` (22).
    - ``extended_max_age``: the limit for the skills in ``extended_age_skills`` (25).
    - ``extended_age_skills``: skill names or codes that use the extended limit; compared trimmed and
      case-insensitively with the ``skill`` passed to :func:`check_age`. Given by the caller (the list
      changes per competition); empty by default.

    Chinese events (``kind='chinese'``):

    - ``min_age``: completed years on the start date, at least (16).
    - ``retirement_age_male`` (60), ``retirement_age_female`` (50, 女职工),
      ``retirement_age_female_cadre`` (55, 女干部): eligible only while younger than this.

    Raises :class:`AgeRuleError` ``age.rule_invalid`` (params ``setting``, ``value``, ``requirement``) for
    an unknown kind, a negative age, ``extended_max_age < max_age`` or a retirement age not above
    ``min_age``; ``TypeError`` for a non-integer age.
    """

    kind: AgeRuleKind | str
    max_age: int = 22
    extended_max_age: int = 25
    extended_age_skills: frozenset[str] = field(default_factory=frozenset)
    min_age: int = 16
    retirement_age_male: int = 60
    retirement_age_female: int = 50
    retirement_age_female_cadre: int = 55

    def __post_init__(self) -> None:
        if self.kind not in AgeRuleKind.__members__.values():
            self._refuse("kind", self.kind, "one of " + ", ".join(AgeRuleKind))
        # Frozen: normalising a setting has to go through object.__setattr__.
        object.__setattr__(self, "kind", AgeRuleKind(self.kind))
        ages = ("max_age", "extended_max_age", "min_age", "retirement_age_male", "retirement_age_female",
                "retirement_age_female_cadre")
        for setting in ages:
            value = getattr(self, setting)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"AgeRule.{setting} must be an int, not {type(value).__name__}")
            if value < 0:
                self._refuse(setting, value, ">= 0")
        if isinstance(self.extended_age_skills, str):
            raise TypeError("AgeRule.extended_age_skills must be a collection of skill names, not one str")
        skill_keys = frozenset(_skill_key(skill) for skill in self.extended_age_skills)
        object.__setattr__(self, "extended_age_skills", skill_keys)
        if self.extended_max_age < self.max_age:
            self._refuse("extended_max_age", self.extended_max_age, ">= max_age")
        for setting in ages[3:]:
            if getattr(self, setting) <= self.min_age:
                self._refuse(setting, getattr(self, setting), "> min_age")

    @staticmethod
    def _refuse(setting: str, value: object, requirement: str) -> None:
        raise AgeRuleError("age.rule_invalid", N_("Age setting %(setting)s = %(value)s must be "
                                                  "%(requirement)s."),
                           setting=setting, value=value, requirement=requirement)

    def uses_extended_age(self, skill: str | None) -> bool:
        """Whether ``skill`` (name or code) is one of ``extended_age_skills``."""
        return skill is not None and _skill_key(skill) in self.extended_age_skills


def _skill_key(skill: str) -> str:
    if not isinstance(skill, str):
        raise TypeError(f"a skill name must be a str, not {type(skill).__name__}")
    return " ".join(skill.split()).casefold()


@dataclass(frozen=True)
class AgeProblem:
    """Why a contestant's age is not eligible: a stable ``code``, an English msgid ``message`` and the
    ``params`` (the numbers) that fill it. Not hashable (``params`` is a dict)."""

    code: str
    message: str
    params: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.code}: {self.message % self.params}"


def anniversary(birth_date: date, years: int) -> date:
    """The date ``years`` after ``birth_date``; 29 February maps to 1 March in a common year."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        return date(birth_date.year + years, 3, 1)


def age_on(birth_date: date, on_date: date) -> int:
    """Completed years on ``on_date`` (negative before birth); consistent with :func:`anniversary`."""
    years = on_date.year - birth_date.year
    return years if anniversary(birth_date, years) <= on_date else years - 1


def _worldskills_limit(rule: AgeRule, on: date | int, skill: str | None) -> tuple[int, int]:
    """The competition year and the age limit of the skill (WorldSkills counts by calendar year)."""
    if isinstance(on, date):
        competition_year = on.year
    elif isinstance(on, int) and not isinstance(on, bool):
        competition_year = on
    else:
        raise TypeError(f"on must be a date or a year, not {type(on).__name__}")
    return competition_year, rule.extended_max_age if rule.uses_extended_age(skill) else rule.max_age


def check_age(rule: AgeRule, birth_date: date, sex: Sex | None, on: date | int, *, skill: str | None = None,
              female_cadre: bool = False) -> AgeProblem | None:
    """Whether a contestant's age is eligible under ``rule``; ``None`` when it is.

    - ``on``: WorldSkills: the competition year, or any date in it. Chinese events: the competition's start
      date (a bare year raises ``TypeError``).
    - ``sex``: ``'M'``/``'F'``; needed for Chinese events (retirement age), ignored for WorldSkills.
    - ``skill``: the skill's name or code, for ``rule.extended_age_skills``.
    - ``female_cadre``: a woman in a cadre post retires at ``rule.retirement_age_female_cadre``.

    Returns an :class:`AgeProblem`:

    - ``age.too_old`` (WorldSkills), params ``birth_year``, ``competition_year``, ``max_age``,
      ``earliest_birth_year``;
    - ``age.too_young`` (Chinese), params ``age``, ``min_age``, ``eligible_from`` (ISO date);
    - ``age.retired`` (Chinese), params ``age``, ``retirement_age``.

    Raises ``TypeError``/``ValueError`` for arguments of the wrong type or a missing/unknown ``sex`` in a
    Chinese event.
    """
    if not isinstance(birth_date, date):
        raise TypeError(f"birth_date must be a date, not {type(birth_date).__name__}")
    if rule.kind is AgeRuleKind.WORLDSKILLS:
        competition_year, max_age = _worldskills_limit(rule, on, skill)
        earliest_birth_year = competition_year - max_age
        if birth_date.year >= earliest_birth_year:
            return None
        return AgeProblem("age.too_old", N_("Born in %(birth_year)s: competitors in %(competition_year)s "
                                            "must be born in %(earliest_birth_year)s or later (age limit "
                                            "%(max_age)s)."),
                          {"birth_year": birth_date.year, "competition_year": competition_year,
                           "max_age": max_age, "earliest_birth_year": earliest_birth_year})
    if not isinstance(on, date):
        raise TypeError("a Chinese event counts age on the competition's start date: pass a date")
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F' to check the retirement age, not {sex!r}")
    age = age_on(birth_date, on)
    if age < rule.min_age:
        return AgeProblem("age.too_young", N_("Aged %(age)s on the competition date; the minimum age is "
                                              "%(min_age)s (reached on %(eligible_from)s)."),
                          {"age": age, "min_age": rule.min_age,
                           "eligible_from": anniversary(birth_date, rule.min_age).isoformat()})
    if sex == "M":
        retirement_age = rule.retirement_age_male
    else:
        retirement_age = rule.retirement_age_female_cadre if female_cadre else rule.retirement_age_female
    if age >= retirement_age:
        return AgeProblem("age.retired", N_("Aged %(age)s on the competition date, at or above the "
                                            "retirement age of %(retirement_age)s."),
                          {"age": age, "retirement_age": retirement_age})
    return None


_ONE_DAY = timedelta(days=1)


def _latest_birth_reaching(age: int, on: date) -> date | None:
    """The latest birth date whose holder is at least ``age`` on ``on`` (``anniversary(b, age) <= on``), or
    ``None`` outside the calendar's range. ``anniversary`` never decreases as the birth date grows, so every
    earlier birth date qualifies too."""
    year = on.year - age
    if not 1 <= year <= 9998:
        return None
    try:
        birth = on.replace(year=year)
    except ValueError:   # 29 February in a common year
        birth = date(year, 2, 28)
    while anniversary(birth + _ONE_DAY, age) <= on:
        birth += _ONE_DAY
    while anniversary(birth, age) > on:
        birth -= _ONE_DAY
    return birth


def eligible_birth_dates(rule: AgeRule, on: date | int, sex: Sex | None, *, skill: str | None = None,
                         female_cadre: bool = False) -> tuple[date, date] | None:
    """The birth dates :func:`check_age` accepts with these arguments, as ``(earliest, latest)``:
    ``check_age(rule, b, sex, on, skill=skill, female_cadre=female_cadre) is None`` exactly when
    ``earliest <= b <= latest``. For checking many people against one rule (an import compares dates and calls
    :func:`check_age` only for the refused, to word the problem). ``None`` when the window falls outside the
    calendar (years 1-9999): call :func:`check_age` for each person then. Raises like :func:`check_age`."""
    if rule.kind is AgeRuleKind.WORLDSKILLS:
        competition_year, max_age = _worldskills_limit(rule, on, skill)
        earliest_year = competition_year - max_age
        if not 1 <= earliest_year <= 9999:
            return None
        return date(earliest_year, 1, 1), date.max
    if not isinstance(on, date):
        raise TypeError("a Chinese event counts age on the competition's start date: pass a date")
    if sex not in ("M", "F"):
        raise ValueError(f"sex must be 'M' or 'F' to check the retirement age, not {sex!r}")
    if sex == "M":
        retirement_age = rule.retirement_age_male
    else:
        retirement_age = rule.retirement_age_female_cadre if female_cadre else rule.retirement_age_female
    latest = _latest_birth_reaching(rule.min_age, on)
    retired = _latest_birth_reaching(retirement_age, on)
    if latest is None or retired is None:
        return None
    return retired + _ONE_DAY, latest
