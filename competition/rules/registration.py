"""Who may enter a skill (DOMAIN.md §1 and §3): registration settings and the checks every way in shares.

Pure: no Flask, no database, no clock. The services count what is already entered (one query per skill)
and pass the counts; an import keeps counting in memory as it goes, so a file is checked exactly like
the same entries typed one by one.

- :class:`RegistrationSettings`: the settings with their DOMAIN.md defaults, per event kind
  (:func:`default_settings`), overridden by an event and then by a skill (``settings["registration"]``).
- :func:`validate_occupation_code`: the 国家职业分类 code shape, e.g. ``6-31-01-03``.
- :func:`age_rule`: the :class:`~competition.rules.identity.AgeRule` the settings describe (or ``None``).
- :func:`member_problems`: one person against the age rule.
- :func:`entry_problems`: one entry (its members, organisation, country) against team size, capacity,
  the organisation's quota and the one-per-country rule, given :class:`Counts`.

Every problem is a :class:`RegistrationProblem` (``code``, English msgid ``message``, ``params``).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from competition.rules import N_, RuleError, identity
from competition.rules.identity import AgeRule, AgeRuleKind, Sex, check_age

__all__ = [
    "WORLDSKILLS_EXTENDED_AGE_SKILLS", "AgeRuleChoice", "Counts", "MemberFacts", "RegistrationError",
    "RegistrationProblem", "RegistrationSettings", "age_rule", "age_screen", "age_skill", "default_settings",
    "entry_problems", "member_problems", "validate_occupation_code",
]

# DOMAIN.md §3: the WorldSkills skills whose age limit is 25 (English and Chinese names, matched by name or code).
WORLDSKILLS_EXTENDED_AGE_SKILLS = (
    "Mechatronics", "机电一体化", "Information Network Cabling", "信息网络布线", "Aircraft Maintenance", "飞机维修",
    "Manufacturing Team Challenge", "制造团队挑战赛",
)

_OCCUPATION_CODE = re.compile(r"[1-8]-\d{2}-\d{2}-\d{2}")


class RegistrationError(RuleError):
    """A registration setting is impossible (``registration.setting``) or a code malformed."""


@dataclass(frozen=True)
class RegistrationProblem:
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class AgeRuleChoice:
    WORLDSKILLS = AgeRuleKind.WORLDSKILLS.value
    CHINESE = AgeRuleKind.CHINESE.value
    NONE = "none"
    ALL = (WORLDSKILLS, CHINESE, NONE)


@dataclass(frozen=True)
class RegistrationSettings:
    """Who may enter, per skill. Defaults from DOMAIN.md §3 (see :func:`default_settings` for the kind).

    - ``quota_per_organisation``: entries per organisation (enterprise, school or 区县 delegation) per skill;
      ``None`` = no quota.
    - ``one_per_country``: at most one entry per country per skill (一带一路).
    - ``age_rule``: ``worldskills`` (born in or after year - ``max_age``), ``chinese`` (at least ``min_age``,
      under the retirement age) or ``none``.
    - ``extended_age``: this skill uses ``extended_max_age`` (set on the skill; the skills named in
      ``extended_age_skills`` use it too).
    """

    quota_per_organisation: int | None = None
    one_per_country: bool = False
    age_rule: str = AgeRuleChoice.CHINESE
    max_age: int = 22
    extended_max_age: int = 25
    extended_age: bool = False
    extended_age_skills: tuple[str, ...] = WORLDSKILLS_EXTENDED_AGE_SKILLS
    min_age: int = 16
    retirement_age_male: int = 60
    retirement_age_female: int = 50

    def __post_init__(self) -> None:
        if self.age_rule not in AgeRuleChoice.ALL:
            raise RegistrationError("registration.setting", N_("Unknown age rule %(value)s."), value=self.age_rule)
        quota = self.quota_per_organisation
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int) or quota < 1):
            raise RegistrationError("registration.setting", N_("The quota per organisation must be at least 1."),
                                    value=quota)
        object.__setattr__(self, "extended_age_skills", tuple(self.extended_age_skills))
        age_rule(self, "")  # the ages must make a valid AgeRule (raises AgeRuleError otherwise)


def default_settings(event_kind: str) -> dict[str, Any]:
    """The DOMAIN.md defaults that depend on the event kind: WorldSkills age rule for 世赛选拔 and 一带一路
    (both follow WorldSkills rules), one contestant per country per skill for 一带一路; Chinese age rule for
    巴渝工匠杯."""
    if event_kind == "worldskills_selection":
        return {"age_rule": AgeRuleChoice.WORLDSKILLS}
    if event_kind == "belt_and_road":
        return {"age_rule": AgeRuleChoice.WORLDSKILLS, "one_per_country": True}
    return {"age_rule": AgeRuleChoice.CHINESE}


def validate_occupation_code(code: str) -> str:
    """A 国家职业分类 occupation code ``大类-中类-小类-细类`` such as ``6-31-01-03`` (trimmed, full-width dashes
    and digits accepted). Raises :class:`RegistrationError` ``skill.occupation_code``."""
    text = unicodedata.normalize("NFKC", code or "").strip().replace("－", "-").replace("—", "-")
    if not _OCCUPATION_CODE.fullmatch(text):
        raise RegistrationError("skill.occupation_code", N_("%(code)s is not an occupation code of the national "
                                                            "classification (like 6-31-01-03)."), code=code)
    return text


def age_rule(settings: RegistrationSettings, skill_key: str) -> AgeRule | None:
    """The age rule of a skill (``skill_key`` is its code; names are matched by :func:`member_problems`)."""
    if settings.age_rule == AgeRuleChoice.NONE:
        return None
    extended = set(settings.extended_age_skills) | ({skill_key} if settings.extended_age and skill_key else set())
    return AgeRule(kind=settings.age_rule, max_age=settings.max_age, extended_max_age=settings.extended_max_age,
                   extended_age_skills=frozenset(extended), min_age=settings.min_age,
                   retirement_age_male=settings.retirement_age_male,
                   retirement_age_female=settings.retirement_age_female)


class MemberFacts(NamedTuple):
    """What the age rule needs about one person."""

    name: str
    birth_date: date | None
    sex: Sex | None


def age_skill(rule: AgeRule | None, skill_names: tuple[str, ...]) -> str:
    """Which of a skill's names (code first, then names) to check ages with: one the rule's extended-age list
    names, else the code. Computed once per skill."""
    if rule is None:
        return skill_names[0]
    return next((name for name in skill_names if name and rule.uses_extended_age(name)), skill_names[0])


def member_problems(rule: AgeRule | None, member: MemberFacts, *, competition_date: date,
                    skill: str) -> list[RegistrationProblem]:
    """The age problems of one person (empty when eligible). ``competition_date`` is the start date (Chinese
    rule) or any date of the competition year (WorldSkills); ``skill`` comes from :func:`age_skill`."""
    if rule is None:
        return []
    if member.birth_date is None:
        return [RegistrationProblem("age.birth_date_missing", N_("Enter the birth date of %(name)s: the age rule "
                                                                 "needs it."), {"name": member.name})]
    if rule.kind is AgeRuleKind.CHINESE and member.sex is None:
        return [RegistrationProblem("age.sex_missing", N_("Enter the sex of %(name)s: the retirement age "
                                                          "depends on it."), {"name": member.name})]
    problem = check_age(rule, member.birth_date, member.sex, competition_date, skill=skill)
    if problem is None:
        return []
    return [RegistrationProblem(problem.code, problem.message, dict(problem.params))]


def age_screen(rule: AgeRule | None, *, competition_date: date, skill: str) -> Callable[[date | None, Sex | None], bool]:
    """A quick test for many people against one skill's age rule: ``passes(birth_date, sex)`` is true exactly
    when :func:`member_problems` finds nothing for such a person (same arguments). It compares the birth date
    with the eligible window of each sex (:func:`~competition.rules.identity.eligible_birth_dates`, computed
    once); call :func:`member_problems` for those it refuses, to word the problem."""
    if rule is None:
        return lambda birth_date, sex: True
    windows: dict[Sex | None, tuple[date, date]] = {}
    sexes: tuple[Sex | None, ...] = ("M", "F") if rule.kind is AgeRuleKind.CHINESE else ("M", "F", None)
    for sex in sexes:
        window = identity.eligible_birth_dates(rule, competition_date, sex, skill=skill)
        if window is not None:
            windows[sex] = window
    nowhere = (date.max, date.min)

    def passes(birth_date: date | None, sex: Sex | None) -> bool:
        if birth_date is None:
            return False
        earliest, latest = windows.get(sex, nowhere)
        return earliest <= birth_date <= latest

    return passes


@dataclass
class Counts:
    """Live entries (submitted or approved) already in one skill: in total, per organisation, per country.
    :meth:`add` counts an accepted entry, so an import checks its later rows against its earlier ones."""

    total: int = 0
    by_organisation: Counter = field(default_factory=Counter)
    by_country: Counter = field(default_factory=Counter)

    def add(self, organisation_id: int | None, country: str | None) -> None:
        self.total += 1
        if organisation_id is not None:
            self.by_organisation[organisation_id] += 1
        if country:
            self.by_country[country] += 1


def counts_matter(settings: RegistrationSettings, *, capacity: int | None) -> bool:
    """Whether :func:`entry_problems` checks a skill's entries against its counts (a capacity, a quota per
    organisation or one per country): when not, it finds nothing for an entry of the right size."""
    return capacity is not None or settings.quota_per_organisation is not None or settings.one_per_country


def entry_problems(settings: RegistrationSettings, *, team_size: int, capacity: int | None, members: int,
                   organisation_id: int | None, country: str | None, counts: Counts) -> list[RegistrationProblem]:
    """The problems of one new entry in a skill: members against the team size, then capacity, quota and the
    one-per-country rule against ``counts`` (which do not include this entry)."""
    problems = []
    if members != team_size:
        if team_size == 1:
            problems.append(RegistrationProblem("entry.team_size", N_("This skill is for individuals: one person "
                                                                      "per entry.")))
        else:
            problems.append(RegistrationProblem("entry.team_size", N_("This skill is for teams of %(size)s: the "
                                                                      "entry has %(members)s members."),
                                                {"size": team_size, "members": members}))
    if capacity is not None and counts.total >= capacity:
        problems.append(RegistrationProblem("entry.full", N_("This skill is full (%(capacity)s entries)."),
                                            {"capacity": capacity}))
    quota = settings.quota_per_organisation
    if quota is not None and organisation_id is not None and counts.by_organisation[organisation_id] >= quota:
        problems.append(RegistrationProblem("entry.quota", N_("The organisation has used its quota of %(quota)s "
                                                              "entries in this skill."), {"quota": quota}))
    if settings.one_per_country and country and counts.by_country[country] >= 1:
        problems.append(RegistrationProblem("entry.country", N_("%(country)s already has a contestant in this "
                                                                "skill: one per country."), {"country": country}))
    return problems


# --- one person as typed -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldProblem:
    """A refused field: ``field`` is one of name, id_type, id_number, nationality, name_latin, birth_date, sex."""

    field: str
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


_TYPE_VALUES = {kind: kind.value for kind in identity.IdType}   # the plain str (Enum.value is slow, per row)


class CheckedPerson(NamedTuple):
    """One person as checked by :func:`check_person` (a named tuple: an import makes one per row)."""

    name: str
    name_latin: str | None
    id_type: str
    id_number: str
    nationality: str   # ISO 3166-1 alpha-2; CN for Chinese documents
    birth_date: date | None
    sex: Sex | None

    @property
    def key(self) -> tuple[str, str, str]:
        """How a Person is found: (id_type, nationality, id_number), the unique key of the person table."""
        return (self.id_type, self.nationality, self.id_number)

    def facts(self) -> MemberFacts:
        return MemberFacts(self.name, self.birth_date, self.sex)


def resident_people(names: Iterable[Any], id_numbers: Iterable[Any], birth_dates: Iterable[Any],
                    sexes: Iterable[Any], *, today: date) -> list[CheckedPerson | None]:
    """:func:`check_person` of many people with a 身份证 and no nationality or Latin name (an import's rows),
    for the usual case only: each item is the person it returns, or ``None`` where it has something to say
    (ask it then, for the problems) or where a value is not the plain kind (a name that is not text).
    Column by column, without a call per person (:func:`identity.resident_id_facts_many`)."""
    people: list[CheckedPerson | None] = []
    resident = _TYPE_VALUES[identity.IdType.RESIDENT_ID]
    for name, facts, birth_date, sex in zip(names, identity.resident_id_facts_many(id_numbers, today=today),
                                            birth_dates, sexes, strict=True):
        if facts is None or name.__class__ is not str:
            people.append(None)
            continue
        number, encoded_birth_date, encoded_sex = facts
        name = " ".join(name.split())
        if not name or (birth_date is not None and birth_date != encoded_birth_date) or (
                sex is not None and sex != encoded_sex):
            people.append(None)
        else:
            people.append(CheckedPerson(name, None, resident, number, "CN", encoded_birth_date, encoded_sex))
    return people


def check_person(*, name: str | None, id_type: str, id_number: str | None, today: date,
                 nationality: str | None = None, name_latin: str | None = None, birth_date: date | None = None,
                 sex: str | None = None) -> tuple[CheckedPerson | None, list[FieldProblem]]:
    """Check one person as typed on a form or a row: the document (GB 11643 check for 身份证, ISO 3166
    nationality for passports, permit formats), a Latin-letter name for passports, and the typed birth date
    and sex against those the ID number encodes. Returns the normalised person (``None`` when there are
    problems) and every problem found."""
    problems: list[FieldProblem] = []
    name = " ".join((name or "").split())
    if not name:
        problems.append(FieldProblem("name", "person.name", N_("Enter the name as written on the identity "
                                                               "document.")))
    if sex not in (None, "M", "F"):
        problems.append(FieldProblem("sex", "person.sex", N_("Write the sex as 男 or 女 (M or F).")))
        sex = None
    document = None   # (type, number, encoded birth date, encoded sex, nationality) of a valid document
    if not (id_number or "").strip():
        problems.append(FieldProblem("id_number", "id.missing", N_("Enter the ID number.")))
    else:
        try:
            if id_type == identity.IdType.RESIDENT_ID and nationality is None:   # the usual case, made cheap
                document = (identity.IdType.RESIDENT_ID, *identity.resident_id_facts(id_number, today=today), None)
            else:
                found = identity.validate_identity(id_type, id_number, nationality=nationality, today=today)
                document = (found.id_type, found.number, found.birth_date, found.sex, found.nationality)
        except identity.IdentityError as error:
            column = "nationality" if error.code.startswith("id.nationality") else (
                "id_type" if error.code == "id.type" else "id_number")
            problems.append(FieldProblem(column, error.code, error.message, dict(error.params)))
    latin = " ".join(name_latin.split()) or None if name_latin else None
    if id_type == identity.IdType.PASSPORT and name:
        try:
            latin = identity.validate_latin_name(latin or name)
        except identity.IdentityError as error:
            problems.append(FieldProblem("name_latin", error.code, error.message, dict(error.params)))
    if document is not None and ((birth_date is not None and birth_date != document[2])
                                 or (sex is not None and sex != document[3])):
        encoded_birth_date, encoded_sex = document[2], document[3]
        for code in identity.encoded_mismatches(encoded_birth_date, encoded_sex, birth_date=birth_date, sex=sex):
            if code == "id.mismatch.birth_date":
                problems.append(FieldProblem("birth_date", code, N_(
                    "The birth date %(typed)s differs from the one in the ID number (%(derived)s)."),
                    {"typed": birth_date.isoformat(), "derived": encoded_birth_date.isoformat()}))
            else:
                problems.append(FieldProblem("sex", code, N_(
                    "The sex typed differs from the one the ID number encodes (%(derived)s)."),
                    {"derived": "男/M" if encoded_sex == "M" else "女/F"}))
    if problems or document is None:
        return None, problems
    kind, number, encoded_birth_date, encoded_sex, country = document
    return CheckedPerson(name, latin, _TYPE_VALUES[kind], number,
                         (country or "CN") if id_type == identity.IdType.PASSPORT else "CN",
                         encoded_birth_date or birth_date, encoded_sex or sex), []
