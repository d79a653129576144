"""Entries from a workbook (.xlsx) or CSV: the organiser's import for an event, or a 领队's for their
organisation. Check first (a dry run lists every bad row by row number, column and reason), then store all
rows or none; importing the same file again changes nothing.

Rows are checked exactly as one entry typed on a form would be (:mod:`competition.rules.registration`):
the identity document, the typed birth date and sex against the ID number, the age rule, the team size,
capacity, quota per organisation and one per country, counted together with the earlier rows of the file.
A row whose person already has an entry in that skill, for the same organisation and team, is "already
imported" (nothing changes); in another entry it is a duplicate.

Speed (``bench/bench_import.py``, 10,000 rows): the sheet is converted column by column (each distinct cell
once), one pass checks each row (cells that repeat down a column, such as 身份证, 男/女 or a birth date, are read
once per import; the age rule is a comparison with each skill's window of eligible birth dates), one query per
look-up set (skills, organisations, the people of the file, their entries, the counts), then one executemany
each for people, entries and members with ids reserved beforehand (nothing is read back), and one audit row.

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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
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
    """An entry the file adds: its skill, organisation, team and the rows (people) in it."""

    skill_id: int
    organisation_id: int | None
    team_name: str | None
    rows: list[int]
    people: list[rules.CheckedPerson]
    contacts: list[tuple[str | None, str | None]]  # (phone, district) of each person, kept for new people


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
        for id_type, nationality, number in sorted(keys):
            numbers.setdefault((id_type, nationality), []).append(number)
        # The numbers go as one parameter (a JSON array on SQLite, an array on PostgreSQL): an IN list of
        # thousands of parameters cost more to build than the query took.
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        matches = "IN (SELECT value FROM json_each(:numbers))" if sqlite else "= ANY(:numbers)"
        query = text(f"SELECT id, id_number, name FROM person WHERE id_type = :id_type AND "
                     f"nationality = :nationality AND id_number {matches}")
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

    @classmethod
    def of(cls, skill: Skill, when: date) -> _SkillRules:
        settings = registration.settings_of(skill)
        rule = rules.age_rule(settings, skill.code)
        name = rules.age_skill(rule, (skill.code, skill.name, skill.name_en or ""))
        return cls(skill.id, skill.team_size, skill.capacity, settings, rule, name,
                   rules.age_screen(rule, competition_date=when, skill=name))


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
    table = tabular.read_full_table(data, filename, COLUMNS, preferred_sheets=SHEET_NAMES, max_rows=MAX_ROWS,
                                    tuples=True)
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
    if not table.rows:
        problems.append(RowProblem(1, "", N_("The file has no rows below the header.")))
    lookups = _Lookups(event)
    checked: list[_Row] = []
    cells = _CellCache()
    skills: dict[str, _SkillRef | None] = {}
    organisations: dict[str, int | None] = {}
    for raw in table.rows:
        row = _check_row(raw, today, problems, cells, lookups, organisation_id, skills, organisations)
        if row is not None:
            checked.append(row)
    lookups.load_people({row.key for row in checked})
    planned, unchanged = _plan(event, checked, lookups, problems)
    problems.sort(key=lambda p: (p.row, p.column))
    return EntryImportReport(filename, hashlib.sha256(data).hexdigest(), len(table.rows),
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


def _check_row(raw: tabular.Row, today: date, problems: list[RowProblem], cells: _CellCache, lookups: _Lookups,
               leader_org: int | None, skills: dict[str, _SkillRef | None],
               organisations: dict[str, int | None]) -> _Row | None:
    """One row on its own: the person (document, typed birth date and sex), the skill and the organisation.
    What depends on the people SaiPing knows and on the other rows is :func:`_plan`'s."""
    (skill_value, org_value, team_value, name, id_type_value, raw_number, nationality, name_latin, sex_value,
     birth_value, phone, district) = raw.values
    number = raw.number
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
            name=name if name.__class__ is str else _text(name), id_type=id_type,
            id_number=raw_number if raw_number.__class__ is str else _text(raw_number), today=today,
            nationality=_text(nationality) or None, name_latin=_text(name_latin) or None, birth_date=birth_date,
            sex=sex)
        if person_problems:
            problems.extend(RowProblem(number, p.field, p.message, p.params) for p in person_problems)
    skill_text = skill_value if skill_value.__class__ is str else _text(skill_value)
    try:
        skill = skills[skill_text]
    except KeyError:
        skill = skills[skill_text] = lookups.skills.get(skill_text.casefold()) if skill_text else None
    if skill is None:
        problems.append(RowProblem(number, "skill", N_("%(value)s is not a skill of this event: write its code or "
                                                       "name."), {"value": skill_text or "—"}))
    org_text = org_value if org_value.__class__ is str else _text(org_value)
    if org_text:
        try:
            organisation_id = organisations[org_text]
        except KeyError:
            organisation_id = organisations[org_text] = lookups.organisations.get(org_text.casefold())
    else:
        organisation_id = leader_org
    if org_text and organisation_id is None:
        problems.append(RowProblem(number, "organisation", N_("Unknown organisation: %(name)s. Register it in "
                                                              "SaiPing first, or correct the name."),
                                   {"name": org_text}))
    elif leader_org is not None and organisation_id != leader_org:
        problems.append(RowProblem(number, "organisation", N_("A team leader imports entries of their own "
                                                              "organisation only (%(name)s)."),
                                   {"name": lookups.organisation_names.get(leader_org, "")}))
    if person is None or skill is None or len(problems) > found:
        return None
    team_name = _text(team_value) or None if skill.team_size > 1 else None   # (a missing one: see _plan)
    return _Row(number, skill, organisation_id, team_name, person, _text(phone) or None, _text(district) or None,
                person.key)


def _plan(event: Event, rows: list[_Row], lookups: _Lookups, problems: list[RowProblem]
          ) -> tuple[list[PlannedEntry], int]:
    """Group rows into entries and check them together with what is already entered."""
    seen: dict[tuple[int, tuple[str, str, str]], int] = {}
    named: dict[tuple[str, str, str], tuple[str, int]] = {}
    groups: dict[tuple, list[_Row]] = {}
    people, entered = lookups.people, lookups.entered
    for row in rows:
        person = row.person
        key = row.key
        known = people.get(key)
        if known is not None and known[1] != person.name:
            problems.append(RowProblem(row.number, "name", N_("This ID number is already registered under another "
                                                              "name (%(name)s)."), {"name": known[1]}))
            continue
        if row.team_name is None and row.skill.team_size > 1:
            problems.append(RowProblem(row.number, "team_name", N_("%(skill)s is a team skill: give the team's "
                                                                   "name."), {"skill": row.skill.code}))
            continue
        first = named.setdefault(key, (person.name, row.number))
        if first[0] != person.name:
            problems.append(RowProblem(row.number, "name", N_("The same ID number has another name on row "
                                                              "%(row)s."), {"row": first[1]}))
            continue
        skill = row.skill
        skill_key = (skill.id, key)
        if skill_key in seen:
            problems.append(RowProblem(row.number, "id_number", N_("The same person is also entered in this skill "
                                                                   "on row %(row)s."), {"row": seen[skill_key]}))
            continue
        seen[skill_key] = row.number
        if skill.team_size > 1:
            groups.setdefault((skill.id, row.organisation_id, row.team_name), []).append(row)
        else:
            groups[(row.number,)] = [row]
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
        counts = lookups.counts[info.skill_id]
        organisation_id = first.organisation_id
        country = first.person.nationality
        for problem in rules.entry_problems(info.settings, team_size=info.team_size, capacity=info.capacity,
                                            members=len(members), organisation_id=organisation_id, country=country,
                                            counts=counts):
            column = "team_name" if problem.code == "entry.team_size" else "skill"
            for row in members:
                problems.append(RowProblem(row.number, column, problem.message, problem.params))
        if len(problems) > group_problems:
            continue
        counts.add(organisation_id, country)
        if len(members) == 1:   # list displays: a comprehension costs a call, once per row of a big file
            planned.append(PlannedEntry(info.skill_id, organisation_id, first.team_name, [first.number],
                                        [first.person], [(first.phone, first.district)]))
        else:
            planned.append(PlannedEntry(info.skill_id, organisation_id, first.team_name,
                                        [r.number for r in members], [r.person for r in members],
                                        [(r.phone, r.district) for r in members]))
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
    now = datetime.now(UTC)
    known = report.known_people
    ids: dict[tuple[str, str, str], int] = {}
    new_people: dict[tuple[str, str, str], tuple] = {}   # key → the person's column values (first row wins)
    people, entries, members = Person.__table__, Entry.__table__, EntryMember.__table__
    connection = db.session.connection()
    birth_date = _bind(connection, people.c.birth_date)
    created_at = _bind(connection, people.c.created_at)(now)
    for planned in report.planned:
        organisation_id = planned.organisation_id
        for p, (phone, district) in zip(planned.people, planned.contacts, strict=True):
            key = p.key
            if key in known:
                ids[key] = known[key]
            elif key not in new_people:
                new_people[key] = (p.name, p.name_latin, p.id_type, p.id_number, p.nationality,
                                   birth_date(p.birth_date), p.sex, phone, organisation_id, district, created_at)
    if new_people:
        ids.update(zip(new_people, _insert_with_ids(connection, people, (
            "name", "name_latin", "id_type", "id_number", "nationality", "birth_date", "sex", "phone",
            "organisation_id", "district", "created_at"), list(new_people.values())), strict=True))
    created_by = getattr(user, "id", None)
    created_at = _bind(connection, entries.c.created_at)(now)
    entry_ids = _insert_with_ids(connection, entries, ("skill_id", "organisation_id", "team_name", "status",
                                                       "created_by_id", "created_at"),
                                 [(p.skill_id, p.organisation_id, p.team_name, "submitted", created_by, created_at)
                                  for p in report.planned])
    _insert(connection, members, ("entry_id", "skill_id", "person_id"),
            [(entry_id, planned.skill_id, ids[person.key])
             for entry_id, planned in zip(entry_ids, report.planned, strict=True) for person in planned.people])
    audit.record("entry.import", None, actor=user, object_type="entry", after={
        "filename": report.filename, "sha256": report.digest, "rows": report.rows,
        "organisation_id": report.organisation_id, "entries_created": id_ranges(entry_ids),
        "people_created": id_ranges(ids[key] for key in new_people), "unchanged": report.unchanged})
    return EntryImportResult(len(entry_ids), len(new_people), report.unchanged)


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


def _bind(connection: Any, column: Any) -> Any:
    """How SQLAlchemy converts a value for ``column`` on this database (e.g. dates stored as text on SQLite),
    each distinct value converted once; values the driver takes as they are pass through."""
    dialect = connection.dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return lambda value: value
    cache: dict[Any, Any] = {None: None}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            converted = cache[value] = process(value)
            return converted

    return convert


def _insert(connection: Any, table: Any, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (values already converted, see :func:`_bind`) by one executemany of plain tuples through
    the driver, in the session's transaction: SQLAlchemy's per-row parameter handling cost more than the
    database's work. A column whose value is the same in every row (the status, the time, often the
    organisation and the document type) is written into the statement once, as a literal SQLAlchemy renders for
    the dialect, instead of being a parameter of every row: binding parameters is most of the driver's work
    (10,000 entries: 22 ms with seven parameters a row, 6 ms with two)."""
    if not rows:
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    values, varying = [], []
    for column in zip(*rows, strict=True):
        first = column[0]
        if len(column) > 1 and (first is None or first.__class__ is int or first.__class__ is str
                                and "\x00" not in first) \
                and column.count(first) == len(column) and len(set(map(type, column))) == 1:
            # (count compares with ==, and 1 == 1.0 == True; a lone row keeps its values as parameters)
            values.append(str(literal(first).compile(dialect=dialect, compile_kwargs={"literal_binds": True})))
        else:
            values.append(marker)
            varying.append(column)
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join(values)})")
    if varying:
        connection.exec_driver_sql(sql, list(zip(*varying, strict=True)))
    else:   # every row the same (one row): an executemany of empty tuples would insert nothing on SQLite
        for _ in rows:
            connection.exec_driver_sql(sql)


def _insert_with_ids(connection: Any, table: Any, columns: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """:func:`_insert` with the rows' ids chosen beforehand, so that none has to be read back; returns them in
    order. On PostgreSQL they come from the table's sequence (``nextval``: concurrent transactions never get the
    same ones); on SQLite the first row is inserted alone, which takes the database's write lock until the
    transaction ends, so no one else can insert and the ids after its rowid are free (those SQLite itself would
    have chosen)."""
    if not rows:
        return []
    dialect = connection.dialect.name
    if dialect == "postgresql":
        ids = list(connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, len(rows))).scalars())
        _insert(connection, table, ("id", *columns), [(i, *row) for i, row in zip(ids, rows, strict=True)])
        return ids
    if dialect != "sqlite":   # pragma: no cover - SaiPing runs on SQLite and PostgreSQL only
        raise NotImplementedError(dialect)
    _insert(connection, table, columns, rows[:1])
    first = connection.exec_driver_sql("SELECT last_insert_rowid()").scalar()
    ids = list(range(first, first + len(rows)))
    _insert(connection, table, ("id", *columns), [(i, *row) for i, row in zip(ids[1:], rows[1:], strict=True)])
    return ids


def template_xlsx() -> bytes:
    """An empty entry workbook: the header row in Chinese (English headers are accepted too)."""
    return tabular.write_xlsx([c.headers[0] for c in COLUMNS], [], sheet=SHEET_NAMES[0])
