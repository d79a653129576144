"""Entries from a workbook (.xlsx) or CSV: the organiser's import for an event, or a 领队's for their
organisation. Check first (a dry run lists every bad row by row number, column and reason), then store all
rows or none; importing the same file again changes nothing.

Rows are checked exactly as one entry typed on a form would be (:mod:`competition.rules.registration`):
the identity document, the typed birth date and sex against the ID number, the age rule, the team size,
capacity, quota per organisation and one per country, counted together with the earlier rows of the file.
A row whose person already has an entry in that skill, for the same organisation and team, is "already
imported" (nothing changes); in another entry it is a duplicate.

Speed (``bench/bench_import.py``, 10,000 rows; the goal is at most 3× the time of merely reading the
workbook): the sheet is read column by column (:func:`tabular.read_columns`); each distinct value of a column
(a skill, an organisation, 身份证, 男/女, a birth date) is converted once; the usual row (a valid 身份证 that
matches the typed birth date and sex, a known skill and organisation) is checked column by column
(:func:`rules.resident_people`), every other row one by one by :func:`_check_row`, which words its problems;
one query per look-up set (skills, organisations, the people of the file, their entries, the counts); then one
multi-row INSERT per 500 people, entries and members, with ids reserved beforehand (nothing is read back) and
values that are the same in every row written once (:func:`_insert`), and one audit row.

Columns (Chinese or English headers; * required; anything else is refused):

=============  ======================  =========================================================
赛项 *          Skill *                 the skill's code or name
单位            Organisation            an organisation SaiPing knows; a 领队's own when blank
队名            Team                    team skills: rows with the same skill, organisation and team form one entry
姓名 *          Name *                  as on the identity document
证件类型        ID type                 身份证 (default), 护照, 港澳通行证, 台湾通行证
证件号码 *      ID number *             lower-case x and full-width digits are accepted
国籍            Nationality             ISO 3166-1 alpha-2 (passports)
英文姓名        Name in Latin letters   passports
性别            Sex                     男/女 (M/F); compared with the ID number
出生日期        Birth date              a date, or text such as 1998-05-17, 1998/5/17, 1998年5月17日, 19980517
手机            Phone
区县            District
=============  ======================  =========================================================
"""
from __future__ import annotations

import gc
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any, NamedTuple

from flask_babel import gettext
from sqlalchemy import literal, select, text

from competition.errors import N_, Invalid
from competition.extensions import db
from competition.models import Entry, EntryMember, Event, IdType, Organisation, Person, Skill, User
from competition.rules import registration as rules
from competition.services import audit, registration, tabular
from competition.services.tabular import Column

COLUMNS = (
    Column("skill", ("赛项", "Skill", "赛项编号", "Skill code")),
    Column("organisation", ("单位", "Organisation", "参赛单位", "代表队", "Delegation"), required=False),
    Column("team_name", ("队名", "Team", "Team name"), required=False),
    Column("name", ("姓名", "Name")),
    Column("id_type", ("证件类型", "ID type"), required=False),
    Column("id_number", ("证件号码", "ID number", "身份证号", "身份证号码")),
    Column("nationality", ("国籍", "Nationality"), required=False),
    Column("name_latin", ("英文姓名", "Name in Latin letters", "英文名"), required=False),
    Column("sex", ("性别", "Sex"), required=False),
    Column("birth_date", ("出生日期", "Birth date"), required=False),
    Column("phone", ("手机", "Phone"), required=False),
    Column("district", ("区县", "District"), required=False),
)
COLUMN_LABELS = {column.key: f"{column.headers[0]} / {column.headers[1]}" for column in COLUMNS}
SHEET_NAMES = ("报名表", "Entries")
MAX_ROWS = 20_000
ID_TYPES = {"身份证": IdType.RESIDENT_ID, "居民身份证": IdType.RESIDENT_ID, "护照": IdType.PASSPORT,
            "港澳通行证": IdType.HK_MACAU_PERMIT, "港澳居民来往内地通行证": IdType.HK_MACAU_PERMIT,
            "台湾通行证": IdType.TAIWAN_PERMIT, "台胞证": IdType.TAIWAN_PERMIT,
            "台湾居民来往大陆通行证": IdType.TAIWAN_PERMIT, "passport": IdType.PASSPORT,
            **{t.value: t for t in IdType}}
SEXES = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True)
class RowProblem:
    """Why one cell of one row is refused: ``message`` is an English msgid filled from ``params``."""

    row: int
    column: str          # a column key of COLUMNS, or "" for the whole row
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def column_label(self) -> str:
        return COLUMN_LABELS.get(self.column, self.column)

    def text(self) -> str:
        return gettext(self.message, **self.params)


class PlannedEntry(NamedTuple):
    """An entry the file adds: its skill, organisation, team and its rows (one per person)."""

    skill_id: int
    organisation_id: int | None
    team_name: str | None
    members: tuple[_Row, ...]


@dataclass
class EntryImportReport:
    filename: str
    digest: str
    rows: int
    planned: list[PlannedEntry]
    unchanged: int
    problems: list[RowProblem]
    organisation_id: int | None = None
    known_people: dict[tuple[str, str, str], int] = field(default_factory=dict)  # already in the database

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})


@dataclass(frozen=True)
class EntryImportResult:
    entries_created: int
    people_created: int
    unchanged: int


def _text(value: Any) -> str:
    """A cell as text; cells from :func:`tabular.read_full_table` are already stripped (or ``None``)."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value: Any) -> date | None:
    """A cell as a date: a real date cell, or text in a usual form. Raises ``ValueError`` for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)   # the usual form, parsed in C
        except ValueError:
            pass
    match = _DATE_TEXT.fullmatch(text)
    if not match:
        raise ValueError(value)
    year, month, day = (int(g) for g in (match.group(1, 2, 3) if match.group(1) else match.group(4, 5, 6)))
    return date(year, month, day)


class _Lookups:
    """Everything rows are checked against, fetched with one query per set."""

    def __init__(self, event: Event) -> None:
        self.skills: dict[str, _SkillRef] = {}
        for skill in db.session.scalars(select(Skill).where(Skill.event_id == event.id)):
            ref = _SkillRef(skill.id, skill.code, skill.team_size, skill)
            for name in (skill.code, skill.name, skill.name_en):
                if name:
                    self.skills.setdefault(name.strip().casefold(), ref)
        self.organisations: dict[str, int] = {}
        self.organisation_names: dict[int, str] = {}
        for org_id, name, name_en in db.session.execute(select(Organisation.id, Organisation.name,
                                                               Organisation.name_en)):
            self.organisations[name.casefold()] = org_id
            self.organisation_names[org_id] = name
            if name_en:
                self.organisations.setdefault(name_en.casefold(), org_id)

    def load_people(self, keys: set[tuple[str, str, str]]) -> None:
        """The people of the file SaiPing knows, their entries in this event, and the counts per skill."""
        self.people: dict[tuple[str, str, str], tuple[int, str]] = {}
        # By document type and country, so that the unique index (id_type, nationality, id_number) finds them.
        numbers: dict[tuple[str, str], list[str]] = {}
        for id_type, nationality, number in keys:
            numbers.setdefault((id_type, nationality), []).append(number)
        # The numbers go as one parameter (a JSON array on SQLite, an array on PostgreSQL): an IN list of
        # thousands of parameters cost more to build than the query took. On SQLite, CROSS JOIN keeps the
        # numbers as the outer loop, each looked up in the index (an IN (SELECT …) first copied them into a
        # temporary index: 5.6 ms instead of 1.1 for 10,000 numbers).
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        if sqlite:
            query = text("SELECT person.id, person.id_number, person.name FROM json_each(:numbers) AS number "
                         "CROSS JOIN person ON person.id_type = :id_type AND person.nationality = :nationality "
                         "AND person.id_number = number.value")
        else:
            query = text("SELECT id, id_number, name FROM person WHERE id_type = :id_type AND "
                         "nationality = :nationality AND id_number = ANY(:numbers)")
        for (id_type, nationality), some in numbers.items():
            for person_id, number, name in db.session.execute(query, {
                    "id_type": id_type, "nationality": nationality,
                    "numbers": json.dumps(some) if sqlite else some}).all():
                self.people[(id_type, nationality, number)] = (person_id, name)
        # Entries of these people in this event's skills: (skill, person) → (entry id, organisation, team).
        self.entered: dict[tuple[int, int], tuple[int, int | None, str | None]] = {}
        person_ids = [pid for pid, _ in self.people.values()]
        skill_ids = {s.id for s in self.skills.values()}
        for start in range(0, len(person_ids), 2000):
            for skill_id, person_id, entry_id, org_id, team in db.session.execute(
                    select(EntryMember.skill_id, EntryMember.person_id, Entry.id, Entry.organisation_id,
                           Entry.team_name).join(Entry, Entry.id == EntryMember.entry_id)
                    .where(EntryMember.person_id.in_(person_ids[start:start + 2000]),
                           EntryMember.skill_id.in_(skill_ids))).all():
                self.entered[(skill_id, person_id)] = (entry_id, org_id, team)
        self.counts = registration.counts_for(skill_ids)


class _SkillRef(NamedTuple):
    """A skill as rows refer to it (plain values: ORM attribute access costs ten times more, per row)."""

    id: int
    code: str
    team_size: int
    skill: Skill


@dataclass(frozen=True)
class _SkillRules:
    """A skill's numbers and rules, read once (plain values: no ORM attribute access per row)."""

    skill_id: int
    team_size: int
    capacity: int | None
    settings: rules.RegistrationSettings
    age_rule: Any
    age_skill: str
    age_passes: Any    # rules.age_screen: (birth date, sex) → eligible
    counted: bool      # rules.counts_matter: capacity, quota or one per country to count entries against

    @classmethod
    def of(cls, skill: Skill, when: date) -> _SkillRules:
        settings = registration.settings_of(skill)
        rule = rules.age_rule(settings, skill.code)
        name = rules.age_skill(rule, (skill.code, skill.name, skill.name_en or ""))
        return cls(skill.id, skill.team_size, skill.capacity, settings, rule, name,
                   rules.age_screen(rule, competition_date=when, skill=name),
                   rules.counts_matter(settings, capacity=skill.capacity))


class _Row(NamedTuple):
    number: int
    skill: _SkillRef
    organisation_id: int | None
    team_name: str | None
    person: rules.CheckedPerson
    phone: str | None
    district: str | None
    key: tuple[str, str, str]   # person.key, made once


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while tens of thousands of row objects are made: they hold no
    cycles, yet each generation-2 pass walks all of them (it doubled the time of a 10,000-row file)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_entry_file(event: Event, data: bytes, filename: str, *, organisation_id: int | None = None,
                     today: date | None = None) -> EntryImportReport:
    """Read and check an entry file for ``event`` (for one organisation when a 领队 imports: ``organisation_id``).
    Raises :class:`Invalid` when the file itself cannot be read; every problem with a row is in the report."""
    with _no_cycle_collection():
        return _check_entry_file(event, data, filename, organisation_id, today or date.today())


def _check_entry_file(event: Event, data: bytes, filename: str, organisation_id: int | None,
                      today: date) -> EntryImportReport:
    table = tabular.read_columns(data, filename, COLUMNS, preferred_sheets=SHEET_NAMES, max_rows=MAX_ROWS)
    problems: list[RowProblem] = []
    for _, header in table.unknown_headers:
        problems.append(RowProblem(1, "", N_("Unknown column %(column)s: use the template's columns (or delete "
                                             "it)."), {"column": header}))
    if table.sheet is not None:
        for first_row, first_col, last_row, last_col in table.sheet.merged:
            problems.append(RowProblem(first_row, "", N_("Merged cells (rows %(first)s to %(last)s, columns "
                                                         "%(from_col)s to %(to_col)s): unmerge them and fill every "
                                                         "cell."), {"first": first_row, "last": last_row,
                                                                    "from_col": _column_letter(first_col),
                                                                    "to_col": _column_letter(last_col)}))
    if not table.numbers:
        problems.append(RowProblem(1, "", N_("The file has no rows below the header.")))
    lookups = _Lookups(event)
    cells = _CellCache()
    columns = table.columns
    (skill_values, org_values, team_values, names, type_values, id_numbers, nationalities, latin_names, sex_values,
     birth_values, phones, districts) = columns
    # The usual row is checked column by column, each distinct value of a column once: a 身份证 without a
    # nationality or Latin name, a known skill and organisation, a readable sex and birth date that match the
    # number. Every other row, and every row with a problem, goes through _check_row, which says what is wrong.
    skills = tabular.each_distinct(lambda value: _skill_of(value, lookups), skill_values)
    organisations = tabular.each_distinct(lambda value: _organisation_of(value, lookups, organisation_id),
                                          org_values)
    resident = tabular.each_distinct(lambda value: cells.id_type(value) is IdType.RESIDENT_ID, type_values)
    people = rules.resident_people(names, id_numbers, tabular.each_distinct(cells.date, birth_values),
                                   tabular.each_distinct(cells.sex, sex_values), today=today)
    teams = tabular.each_distinct(_text_or_none, team_values)
    places = tabular.each_distinct(_text_or_none, districts)
    checked: list[_Row] = []
    for i, (number, person, skill, (org_id, org_problem), usual_type, nationality, name_latin) in enumerate(zip(
            table.numbers, people, skills, organisations, resident, nationalities, latin_names, strict=True)):
        if person is not None and skill is not None and org_problem is None and usual_type and nationality is None \
                and name_latin is None:
            phone = phones[i]
            checked.append(_Row(number, skill, org_id, teams[i] if skill.team_size > 1 else None, person,
                                phone if phone.__class__ is str else _text_or_none(phone), places[i], person.key))
        else:
            row = _check_row(number, [column[i] for column in columns], today, problems, cells, lookups,
                             organisation_id)
            if row is not None:
                checked.append(row)
    lookups.load_people({row.key for row in checked})
    planned, unchanged = _plan(event, checked, lookups, problems)
    problems.sort(key=lambda p: (p.row, p.column))
    return EntryImportReport(filename, hashlib.sha256(data).hexdigest(), len(table.numbers),
                             planned if not problems else [], unchanged, problems, organisation_id,
                             {key: person_id for key, (person_id, _) in lookups.people.items()})


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_BAD = object()


class _CellCache:
    """Cells that repeat down a column (身份证, 男/女, birth dates) read once per import."""

    def __init__(self) -> None:
        self.id_types: dict[Any, IdType | None] = {}
        self.sexes: dict[Any, str | None] = {}
        self.dates: dict[Any, Any] = {}

    def id_type(self, value: Any) -> IdType | None:
        try:
            return self.id_types[value]
        except KeyError:
            text = _text(value) or IdType.RESIDENT_ID.value
            found = self.id_types[value] = ID_TYPES.get(text) or ID_TYPES.get(text.lower())
            return found

    def sex(self, value: Any) -> str | None:
        try:
            return self.sexes[value]
        except KeyError:
            text = _text(value)
            found = self.sexes[value] = SEXES.get(text.lower(), _BAD) if text else None
            return found

    def date(self, value: Any) -> Any:
        """The date, ``None`` for a blank cell, ``_BAD`` for anything else."""
        try:
            return self.dates[value]
        except KeyError:
            try:
                found = parse_date(value)
            except ValueError:
                found = _BAD
            self.dates[value] = found
            return found
        except TypeError:   # not hashable: not a cell value the reader gives, but never crash on one
            try:
                return parse_date(value)
            except ValueError:
                return _BAD


def _text_or_none(value: Any) -> str | None:
    return _text(value) or None


def _skill_of(value: Any, lookups: _Lookups) -> _SkillRef | None:
    text = _text(value)
    return lookups.skills.get(text.casefold()) if text else None


def _organisation_of(value: Any, lookups: _Lookups, leader_org: int | None
                     ) -> tuple[int | None, tuple[str, dict[str, Any]] | None]:
    """The organisation a row names (a 领队's own when blank) and the problem with it, if any."""
    text = _text(value)
    organisation_id = lookups.organisations.get(text.casefold()) if text else leader_org
    if text and organisation_id is None:
        return None, (N_("Unknown organisation: %(name)s. Register it in SaiPing first, or correct the name."),
                      {"name": text})
    if leader_org is not None and organisation_id != leader_org:
        return organisation_id, (N_("A team leader imports entries of their own organisation only (%(name)s)."),
                                 {"name": lookups.organisation_names.get(leader_org, "")})
    return organisation_id, None


def _check_row(number: int, values: list[Any], today: date, problems: list[RowProblem], cells: _CellCache,
               lookups: _Lookups, leader_org: int | None) -> _Row | None:
    """One row on its own, every problem with it listed: the person (document, typed birth date and sex), the
    skill and the organisation. What depends on the people SaiPing knows and on the other rows is
    :func:`_plan`'s."""
    (skill_value, org_value, team_value, name, id_type_value, raw_number, nationality, name_latin, sex_value,
     birth_value, phone, district) = values
    found = len(problems)
    id_type = cells.id_type(id_type_value)
    if id_type is None:
        problems.append(RowProblem(number, "id_type", N_("%(value)s is not an identity document type (身份证, 护照, "
                                                         "港澳通行证, 台湾通行证)."),
                                   {"value": _text(id_type_value) or IdType.RESIDENT_ID.value}))
        id_type = IdType.RESIDENT_ID
    given_number = raw_number
    if raw_number.__class__ is not str and isinstance(raw_number, int | float) and len(_text(raw_number)) > 15:
        # Excel keeps 15 significant digits: an 18-digit ID number typed as a number has lost its end.
        problems.append(RowProblem(number, "id_number", N_("The ID number was stored as a number and has lost "
                                                           "digits: format the column as text and type it again.")))
        raw_number = None
    sex = cells.sex(sex_value)
    if sex is _BAD:
        problems.append(RowProblem(number, "sex", N_("Write the sex as 男 or 女 (M or F).")))
        sex = None
    birth_date = cells.date(birth_value)
    if birth_date is _BAD:
        birth_date = None
        problems.append(RowProblem(number, "birth_date", N_("%(value)s is not a date: write it like 1998-05-17."),
                                   {"value": _text(birth_value)}))
    if raw_number is None and given_number:
        person = None
    else:
        person, person_problems = rules.check_person(
            name=_text(name), id_type=id_type, id_number=_text(raw_number), today=today,
            nationality=_text_or_none(nationality), name_latin=_text_or_none(name_latin), birth_date=birth_date,
            sex=sex)
        if person_problems:
            problems.extend(RowProblem(number, p.field, p.message, p.params) for p in person_problems)
    skill = _skill_of(skill_value, lookups)
    if skill is None:
        problems.append(RowProblem(number, "skill", N_("%(value)s is not a skill of this event: write its code or "
                                                       "name."), {"value": _text(skill_value) or "—"}))
    organisation_id, org_problem = _organisation_of(org_value, lookups, leader_org)
    if org_problem is not None:
        problems.append(RowProblem(number, "organisation", *org_problem))
    if person is None or skill is None or len(problems) > found:
        return None
    team_name = _text_or_none(team_value) if skill.team_size > 1 else None   # (a missing one: see _plan)
    return _Row(number, skill, organisation_id, team_name, person, _text_or_none(phone), _text_or_none(district),
                person.key)


def _plan(event: Event, rows: list[_Row], lookups: _Lookups, problems: list[RowProblem]
          ) -> tuple[list[PlannedEntry], int]:
    """Group rows into entries and check them together with what is already entered."""
    seen: dict[tuple[int, tuple[str, str, str]], int] = {}
    named: dict[tuple[str, str, str], _Row] = {}   # the first row of each person
    groups: dict[Any, tuple[_Row, ...] | list[_Row]] = {}   # a row number (individual) or a team's key → rows
    people, entered = lookups.people, lookups.entered
    for row in rows:
        name = row.person.name
        key = row.key
        if people:
            known = people.get(key)
            if known is not None and known[1] != name:
                problems.append(RowProblem(row.number, "name", N_("This ID number is already registered under "
                                                                  "another name (%(name)s)."), {"name": known[1]}))
                continue
        skill = row.skill
        team = skill.team_size > 1
        if team and row.team_name is None:
            problems.append(RowProblem(row.number, "team_name", N_("%(skill)s is a team skill: give the team's "
                                                                   "name."), {"skill": skill.code}))
            continue
        first = named.get(key)
        if first is None:
            named[key] = row
        elif first.person.name != name:
            problems.append(RowProblem(row.number, "name", N_("The same ID number has another name on row "
                                                              "%(row)s."), {"row": first.number}))
            continue
        skill_key = (skill.id, key)
        if skill_key in seen:
            problems.append(RowProblem(row.number, "id_number", N_("The same person is also entered in this skill "
                                                                   "on row %(row)s."), {"row": seen[skill_key]}))
            continue
        seen[skill_key] = row.number
        if team:
            groups.setdefault((skill.id, row.organisation_id, row.team_name), []).append(row)
        else:
            groups[row.number] = (row,)
    when = registration.competition_date(event)
    skill_rules: dict[int, _SkillRules] = {}
    planned: list[PlannedEntry] = []
    unchanged = 0
    for members in groups.values():
        first = members[0]
        skill = first.skill
        info = skill_rules.get(skill.id)
        if info is None:
            info = skill_rules[skill.id] = _SkillRules.of(skill.skill, when)
        group_problems = len(problems)
        if entered:   # some people of the file already have entries in this event's skills
            existing = []
            for row in members:
                known = people.get(row.key)
                existing.append(entered.get((info.skill_id, known[0])) if known else None)
            if None not in existing:
                entry_ids = {e[0] for e in existing}
                if len(entry_ids) == 1 and all(e[1] == first.organisation_id and e[2] == first.team_name
                                               for e in existing):
                    unchanged += len(members)  # imported before: nothing to do
                    continue
            for row, entry in zip(members, existing, strict=True):
                if entry is not None:
                    problems.append(RowProblem(row.number, "id_number", N_("%(name)s has already entered this "
                                                                           "skill (another entry)."),
                                               {"name": row.person.name}))
        passes = info.age_passes
        for row in members:
            person = row.person
            if not passes(person.birth_date, person.sex):   # usually it passes: member_problems would find nothing
                for problem in rules.member_problems(info.age_rule, person.facts(), competition_date=when,
                                                     skill=info.age_skill):
                    problems.append(RowProblem(row.number, "birth_date", problem.message, problem.params))
        organisation_id = first.organisation_id
        if info.counted or len(members) != info.team_size:   # else entry_problems has nothing to find
            counts = lookups.counts[info.skill_id]
            country = first.person.nationality
            for problem in rules.entry_problems(info.settings, team_size=info.team_size, capacity=info.capacity,
                                                members=len(members), organisation_id=organisation_id,
                                                country=country, counts=counts):
                column = "team_name" if problem.code == "entry.team_size" else "skill"
                for row in members:
                    problems.append(RowProblem(row.number, column, problem.message, problem.params))
            if len(problems) == group_problems:
                counts.add(organisation_id, country)
        if len(problems) == group_problems:
            planned.append(PlannedEntry(info.skill_id, organisation_id, first.team_name, tuple(members)))
    return planned, unchanged


def import_entries(report: EntryImportReport, user: User | None) -> EntryImportResult:
    """Store every planned entry of a checked report, or nothing: a report with problems is refused
    (``entries.import_problems``). New people, entries and members go in with one bulk INSERT each; one audit
    row records the import (file digest, the entries and people created). The caller commits."""
    if report.problems:
        raise Invalid("entries.import_problems", N_("Nothing was imported: %(n)s rows need fixing."),
                      n=report.bad_rows)
    if not report.planned:
        return EntryImportResult(0, 0, report.unchanged)
    with _no_cycle_collection():
        return _store(report, user)


def _store(report: EntryImportReport, user: User | None) -> EntryImportResult:
    """Insert the people, entries and members of the report, column by column (nothing per row but look-ups)."""
    now = datetime.now(UTC)
    known = report.known_people
    people, entries, members = Person.__table__, Entry.__table__, EntryMember.__table__
    connection = db.session.connection()
    rows = [row for planned in report.planned for row in planned.members]
    entry_skills, entry_organisations, entry_teams, entry_members = zip(*report.planned, strict=True)
    organisations = entry_organisations if len(rows) == len(report.planned) else [
        planned.organisation_id for planned in report.planned for _ in planned.members]
    keys = [row.key for row in rows]
    # The people SaiPing does not know yet, each once (the first row of a person wins).
    firsts = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    new = [i for i in sorted(firsts.values()) if keys[i] not in known] if known or len(firsts) < len(keys) \
        else range(len(keys))
    ids = dict(known)
    if new:
        new_rows = [rows[i] for i in new]
        name, name_latin, id_type, id_number, nationality, birth_date, sex = zip(
            *(row.person for row in new_rows), strict=True)
        ids.update(zip((keys[i] for i in new), _insert_with_ids(connection, people, {
            "name": name, "name_latin": name_latin, "id_type": id_type, "id_number": id_number,
            "nationality": nationality, "birth_date": _bound(connection, people.c.birth_date, birth_date),
            "sex": sex, "phone": [row.phone for row in new_rows],
            "organisation_id": [organisations[i] for i in new], "district": [row.district for row in new_rows],
            "created_at": _bound(connection, people.c.created_at, [now] * len(new))}), strict=True))
    count = len(report.planned)
    entry_ids = _insert_with_ids(connection, entries, {
        "skill_id": entry_skills, "organisation_id": entry_organisations, "team_name": entry_teams,
        "status": ["submitted"] * count, "created_by_id": [getattr(user, "id", None)] * count,
        "created_at": _bound(connection, entries.c.created_at, [now] * count)})
    _insert(connection, members, {
        "entry_id": entry_ids if len(rows) == count else [
            entry_id for entry_id, team in zip(entry_ids, entry_members, strict=True) for _ in team],
        "skill_id": [row.skill.id for row in rows],
        "person_id": [ids[key] for key in keys]})
    if connection.dialect.name == "postgresql":
        # Fresh statistics for the planner, as after any bulk load: until autovacuum analyses them, the tables
        # look nearly empty to it, and a join over them (e.g. the counts per skill) ran as a nested loop over
        # every pair: 3 s for an event of 10,000 entries instead of 30 ms. ANALYZE counts this transaction's
        # own new rows.
        connection.exec_driver_sql("ANALYZE person, entry, entry_member")
    audit.record("entry.import", None, actor=user, object_type="entry", after={
        "filename": report.filename, "sha256": report.digest, "rows": report.rows,
        "organisation_id": report.organisation_id, "entries_created": id_ranges(entry_ids),
        "people_created": id_ranges(ids[keys[i]] for i in new), "unchanged": report.unchanged})
    return EntryImportResult(len(entry_ids), len(new), report.unchanged)


def id_ranges(ids: Iterable[int]) -> str:
    """Ids written compactly for the audit log: ``1-3,7,9-10``."""
    parts: list[str] = []
    ordered = sorted(ids)
    start = previous = None
    for value in [*ordered, None]:
        if start is not None and value == previous + 1:
            previous = value
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = value
    return ",".join(parts)


def _bound(connection: Any, column: Any, values: Sequence[Any]) -> Sequence[Any]:
    """``values`` as SQLAlchemy converts them for ``column`` on this database (e.g. dates as text on SQLite),
    each distinct value once; values the driver takes as they are pass through."""
    dialect = connection.dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values
    return tabular.each_distinct(lambda value: None if value is None else process(value), values)


_ROWS_PER_STATEMENT = (500, 50, 1)   # rows to a statement, then for the rest; at most 6,000 parameters


def _insert(connection: Any, table: Any, columns: Mapping[str, Sequence[Any]]) -> None:
    """Insert rows given column by column (values already converted, see :func:`_bound`; every column as long)
    through the driver, in the session's transaction: SQLAlchemy's per-row parameter handling cost more than
    the database's work. The rows go 500 to a statement (one multi-row VALUES; see :data:`_ROWS_PER_STATEMENT`),
    and a column whose value is the same in every row (the status, the time, often the organisation and the
    document type) is written into the statement as a literal SQLAlchemy renders for the dialect instead of
    being a parameter of every row: binding parameters and stepping the statement once per row were most of
    the driver's work (10,000 entry members: 26 ms row by row, 17 ms 500 to a statement)."""
    length = len(next(iter(columns.values())))
    if not length:
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    values, varying = [], []
    for column in columns.values():
        first = column[0]
        if length > 1 and (first is None or first.__class__ is int or first.__class__ is str
                           and "\x00" not in first) \
                and column.count(first) == length and len(set(map(type, column))) == 1:
            # (count compares with ==, and 1 == 1.0 == True; a lone row keeps its values as parameters)
            values.append(str(literal(first).compile(dialect=dialect, compile_kwargs={"literal_binds": True})))
        else:
            values.append(marker)
            varying.append(column)
    row_sql = f"({', '.join(values)})"
    head = f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) VALUES "
    if not varying:   # every row the same (never for rows with ids)
        for _ in range(length):
            connection.exec_driver_sql(head + row_sql)
        return
    start = 0
    for size in _ROWS_PER_STATEMENT:   # (a statement for the odd number of rows left would cost its own compiling)
        count = (length - start) // size
        if count:
            connection.exec_driver_sql(head + ", ".join([row_sql] * size), [
                tuple(chain.from_iterable(zip(*(column[at:at + size] for column in varying), strict=True)))
                for at in range(start, start + count * size, size)])
            start += count * size


def _insert_with_ids(connection: Any, table: Any, columns: Mapping[str, Sequence[Any]]) -> list[int]:
    """:func:`_insert` with the rows' ids chosen beforehand, so that none has to be read back; returns them in
    order. On PostgreSQL they come from the table's sequence (``nextval``: concurrent transactions never get the
    same ones); on SQLite the first row is inserted alone, which takes the database's write lock until the
    transaction ends, so no one else can insert and the ids after its rowid are free (those SQLite itself would
    have chosen)."""
    length = len(next(iter(columns.values())))
    if not length:
        return []
    dialect = connection.dialect.name
    if dialect == "postgresql":
        ids = list(connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, length)).scalars())
        _insert(connection, table, {"id": ids, **columns})
        return ids
    if dialect != "sqlite":   # pragma: no cover - SaiPing runs on SQLite and PostgreSQL only
        raise NotImplementedError(dialect)
    _insert(connection, table, {name: column[:1] for name, column in columns.items()})
    first = connection.exec_driver_sql("SELECT last_insert_rowid()").scalar()
    ids = list(range(first, first + length))
    _insert(connection, table, {"id": ids[1:], **{name: column[1:] for name, column in columns.items()}})
    return ids


def template_xlsx() -> bytes:
    """An empty entry workbook: the header row in Chinese (English headers are accepted too)."""
    return tabular.write_xlsx([c.headers[0] for c in COLUMNS], [], sheet=SHEET_NAMES[0])
