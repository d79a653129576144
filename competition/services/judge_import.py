"""Importing the judge pool (裁判库) from a spreadsheet, like entries: check first, then store all or nothing.

:func:`check_pool_file` reads the file (``competition.services.tabular``) and checks every row, returning
the rows it understood and every problem by row number, column and reason. :func:`import_pool` stores a
report without problems: people are found by their identity document (or created), their employer set,
their pool record created or updated. Importing the same file again changes nothing and writes no
audit row. An occupation or organisation SaiPing does not know is a row problem, never created on the fly.

Columns (Chinese or English headers; * required):

=======================  ============================  =====================================================
姓名 *                    Name *                        as on the identity document
证件类型                  ID type                       身份证 (default), 护照, 港澳通行证, 台湾通行证
证件号码 *                ID number *
国籍                      Nationality                   ISO 3166-1 alpha-2, passport holders
英文姓名                  Name in Latin letters
裁判等级 *                Level *                       国家级, 市级 (省级), 行业
执裁职业 *                Occupations *                 codes or names of SaiPing's occupations, separated by 、
工作单位                  Employer or school            an organisation SaiPing knows, by its name
区县                      District                      the 区县 the judge comes from
语言                      Languages                     中文、英语… or ISO 639-1 codes
可任裁判长                May chair                     是/否 (default: 是 for 国家级)
每届最多场次              Max panels                    panels per event (default 2)
执裁经历                  Past events                   separated by ；
手机                      Phone
=======================  ============================  =====================================================
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select

from competition.errors import N_, DomainError, Invalid
from competition.extensions import db
from competition.models import IdType, Organisation, Person
from competition.models.judging import JudgeLevel
from competition.services import audit, entries, judging, tabular
from competition.services.tabular import Column

COLUMNS = (
    Column("name", ("姓名", "Name")),
    Column("id_type", ("证件类型", "ID type"), required=False),
    Column("id_number", ("证件号码", "ID number", "身份证号", "身份证号码")),
    Column("nationality", ("国籍", "Nationality"), required=False),
    Column("name_latin", ("英文姓名", "Name in Latin letters", "英文名"), required=False),
    Column("level", ("裁判等级", "Level", "等级")),
    Column("occupations", ("执裁职业", "Occupations", "职业")),
    Column("employer", ("工作单位", "Employer or school", "Employer", "单位"), required=False),
    Column("district", ("区县", "District"), required=False),
    Column("languages", ("语言", "Languages"), required=False),
    Column("may_chair", ("可任裁判长", "May chair"), required=False),
    Column("max_panels", ("每届最多场次", "Max panels"), required=False),
    Column("past_events", ("执裁经历", "Past events"), required=False),
    Column("phone", ("手机", "Phone"), required=False),
)
COLUMN_LABELS = {column.key: f"{column.headers[0]} / {column.headers[1]}" for column in COLUMNS}

LEVELS = {"国家级": JudgeLevel.NATIONAL, "国家": JudgeLevel.NATIONAL, "national": JudgeLevel.NATIONAL,
          "市级": JudgeLevel.MUNICIPAL, "省级": JudgeLevel.MUNICIPAL, "省市级": JudgeLevel.MUNICIPAL,
          "municipal": JudgeLevel.MUNICIPAL, "provincial": JudgeLevel.MUNICIPAL,
          "行业": JudgeLevel.INDUSTRY, "行业级": JudgeLevel.INDUSTRY, "industry": JudgeLevel.INDUSTRY}
ID_TYPES = {"身份证": IdType.RESIDENT_ID, "居民身份证": IdType.RESIDENT_ID, "护照": IdType.PASSPORT,
            "港澳通行证": IdType.HK_MACAU_PERMIT, "港澳居民来往内地通行证": IdType.HK_MACAU_PERMIT,
            "台湾通行证": IdType.TAIWAN_PERMIT, "台胞证": IdType.TAIWAN_PERMIT,
            "台湾居民来往大陆通行证": IdType.TAIWAN_PERMIT, **{t.value: t for t in IdType}}
LANGUAGES = {"中文": "zh", "汉语": "zh", "普通话": "zh", "英语": "en", "英文": "en", "俄语": "ru", "法语": "fr",
             "德语": "de", "西班牙语": "es", "阿拉伯语": "ar", "日语": "ja", "韩语": "ko", "泰语": "th",
             "越南语": "vi", "印尼语": "id", "马来语": "ms", "葡萄牙语": "pt", "哈萨克语": "kk", "乌尔都语": "ur",
             "chinese": "zh", "english": "en", "russian": "ru", "french": "fr", "arabic": "ar", "spanish": "es"}
YES = {"是", "可", "y", "yes", "1", "true", "√", "✓"}
NO = {"否", "不可", "n", "no", "0", "false", "×"}
_SEPARATORS = re.compile(r"[、,，;；/\n]+")
_EVENT_SEPARATORS = re.compile(r"[;；\n]+")


@dataclass(frozen=True)
class RowProblem:
    """Why one cell of one row is refused: ``message`` is an English msgid filled from ``params``."""

    row: int
    column: str          # a column key of COLUMNS
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def column_label(self) -> str:
        return COLUMN_LABELS[self.column]

    def text(self) -> str:
        return gettext(self.message, **self.params)


@dataclass(frozen=True)
class PoolRow:
    row: int
    name: str
    id_type: str
    id_number: str
    nationality: str | None
    name_latin: str | None
    level: str
    occupations: tuple[str, ...]
    organisation_id: int | None
    district: str | None
    languages: tuple[str, ...]
    may_chair: bool
    max_panels: int
    past_events: tuple[str, ...]
    phone: str | None


@dataclass
class PoolImportReport:
    """What a file holds: ``rows`` understood, ``problems`` found (nothing is stored while there are any)."""

    filename: str
    rows: list[PoolRow]
    problems: list[RowProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class PoolImportResult:
    people_created: int
    records_created: int
    records_updated: int
    unchanged: int


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _tokens(value: Any, separators: re.Pattern[str] = _SEPARATORS) -> list[str]:
    return [token.strip() for token in separators.split(_text(value)) if token.strip()]


class _Lookups:
    """What rows are checked against, loaded once per file."""

    def __init__(self) -> None:
        self.occupations = judging.known_occupations()
        self.occupation_by_name = {name: code for code, name in self.occupations.items()}
        self.organisations: dict[str, int] = {}
        for org_id, name, name_en in db.session.execute(select(Organisation.id, Organisation.name,
                                                               Organisation.name_en)):
            self.organisations[name] = org_id
            if name_en:
                self.organisations.setdefault(name_en.lower(), org_id)


def check_pool_file(data: bytes, filename: str) -> PoolImportReport:
    """Read and check a pool file. Raises :class:`Invalid` when the file itself cannot be read (see
    :func:`competition.services.tabular.read_table`); every problem with a row is in the report."""
    table = tabular.read_table(data, filename, COLUMNS)
    lookups = _Lookups()
    rows: list[PoolRow] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str], int] = {}
    for raw in table:
        found: list[RowProblem] = []
        row = _check_row(raw, lookups, found)
        if row is not None:
            key = (row.id_type, row.id_number)
            if key in seen:
                found.append(RowProblem(raw.number, "id_number", N_("The same person is also on row %(row)s."),
                                        {"row": seen[key]}))
            else:
                seen[key] = raw.number
        problems += found
        if row is not None and not found:
            rows.append(row)
    if not table:
        problems.append(RowProblem(1, "name", N_("The file has no rows below the header.")))
    return PoolImportReport(filename, rows, problems)


def _check_row(raw: tabular.Row, lookups: _Lookups, problems: list[RowProblem]) -> PoolRow | None:
    values = raw.values
    number = raw.number

    def problem(column: str, message: str, **params: Any) -> None:
        problems.append(RowProblem(number, column, message, params))

    name = " ".join(_text(values.get("name")).split())
    if not name:
        problem("name", N_("Enter the name as written on the identity document."))
    id_type_text = _text(values.get("id_type")) or IdType.RESIDENT_ID.value
    id_type = ID_TYPES.get(id_type_text) or ID_TYPES.get(id_type_text.lower())
    if id_type is None:
        problem("id_type", N_("%(value)s is not an identity document type (身份证, 护照, 港澳通行证, 台湾通行证)."),
                value=id_type_text)
    raw_number = values.get("id_number")
    id_number = _text(raw_number).upper()
    nationality = _text(values.get("nationality")).upper() or None
    checked_number = None
    if isinstance(raw_number, int | float) and len(id_number) > 15:
        # Excel keeps 15 significant digits: an 18-digit ID number typed as a number has lost its end.
        problem("id_number", N_("The ID number was stored as a number and has lost digits: format the column "
                                "as text and type it again."))
    elif not id_number:
        problem("id_number", N_("Enter the ID number."))
    elif id_type is not None:
        try:
            checked_number = entries.check_identity(id_type, id_number, nationality).number
        except DomainError as error:
            problem("id_number", error.message, **error.params)
    if checked_number and name and id_type is not None:
        holder = db.session.scalar(select(Person).where(
            Person.id_type == id_type, Person.id_number == checked_number,
            Person.nationality == ((nationality or "CN") if id_type == IdType.PASSPORT else "CN")))
        if holder is not None and holder.name != name:
            problem("name", N_("This ID number is already registered under another name (%(name)s)."),
                    name=holder.name)
    level_text = _text(values.get("level"))
    level = LEVELS.get(level_text) or LEVELS.get(level_text.lower())
    if level is None:
        problem("level", N_("%(value)s is not a judge level: write 国家级, 市级 or 行业."), value=level_text or "—")
    occupations: list[str] = []
    unknown: list[str] = []
    for token in _tokens(values.get("occupations")):
        code = token if token in lookups.occupations else lookups.occupation_by_name.get(token)
        (occupations if code else unknown).append(code or token)
    if unknown:
        problem("occupations", N_("Unknown occupation: %(occupations)s. Use the occupation codes or names of the "
                                  "skills in SaiPing."), occupations="、".join(unknown))
    elif not occupations:
        problem("occupations", N_("Name at least one occupation the judge may judge."))
    employer = _text(values.get("employer"))
    organisation_id = None
    if employer:
        organisation_id = lookups.organisations.get(employer) or lookups.organisations.get(employer.lower())
        if organisation_id is None:
            problem("employer", N_("Unknown organisation: %(name)s. Register it in SaiPing first, or correct the "
                                   "name."), name=employer)
    languages: list[str] = []
    for token in _tokens(values.get("languages")):
        code = LANGUAGES.get(token) or LANGUAGES.get(token.lower()) or (
            token.lower() if len(token) == 2 and token.isascii() and token.isalpha() else None)
        if code is None:
            problem("languages", N_("Unknown language: %(languages)s."), languages=token)
        else:
            languages.append(code)
    chair_text = _text(values.get("may_chair")).lower()
    if not chair_text:
        may_chair = level == JudgeLevel.NATIONAL
    elif chair_text in YES or chair_text in NO:
        may_chair = chair_text in YES
    else:
        may_chair = False
        problem("may_chair", N_("Write 是 or 否 (yes or no)."))
    max_text = _text(values.get("max_panels"))
    max_panels = 2
    if max_text:
        if not max_text.isdigit() or not 0 <= int(max_text) <= judging.MAX_PANELS_LIMIT:
            problem("max_panels", N_("A judge sits on 0 to %(max)s panels per event."), max=judging.MAX_PANELS_LIMIT)
        else:
            max_panels = int(max_text)
    if problems:
        return None
    return PoolRow(number, name, str(id_type), checked_number or id_number, nationality,
                   _text(values.get("name_latin")) or None, str(level), tuple(sorted(set(occupations))),
                   organisation_id, _text(values.get("district")) or None, tuple(sorted(set(languages))),
                   may_chair, max_panels, tuple(_tokens(values.get("past_events"), _EVENT_SEPARATORS)),
                   _text(values.get("phone")) or None)


def import_pool(report: PoolImportReport) -> PoolImportResult:
    """Store every row of a checked report, or nothing: a report with problems is refused
    (``pool.import_problems``). Rows that change nothing write nothing. The caller commits."""
    if report.problems:
        raise Invalid("pool.import_problems", N_("Nothing was imported: %(n)s rows need fixing."),
                      n=len({p.row for p in report.problems}))
    known = judging.known_occupations()
    created = records_created = records_updated = unchanged = 0
    for row in report.rows:
        person = db.session.scalar(select(Person).where(
            Person.id_type == row.id_type, Person.id_number == row.id_number,
            Person.nationality == ((row.nationality or "CN") if row.id_type == IdType.PASSPORT else "CN")))
        if person is None:
            person = entries.find_or_create_person(
                name=row.name, id_type=row.id_type, id_number=row.id_number, nationality=row.nationality,
                name_latin=row.name_latin, phone=row.phone, organisation_id=row.organisation_id,
                district=row.district)
            created += 1
        elif row.organisation_id is not None and person.organisation_id != row.organisation_id:
            before = {"organisation_id": person.organisation_id}
            person.organisation_id = row.organisation_id
            audit.record("person.update", person, before=before, after={"organisation_id": row.organisation_id})
        had_record = judging.profile_of(person.id) is not None
        _, changed = judging.save_profile(
            person, level=row.level, occupations=row.occupations, district=row.district, languages=row.languages,
            past_events=row.past_events, max_panels=row.max_panels, may_chair=row.may_chair, known=known)
        if not changed:
            unchanged += 1
        elif had_record:
            records_updated += 1
        else:
            records_created += 1
    if created or records_created or records_updated:
        audit.record("judge.import", None, object_type="judge_profile", after={
            "filename": report.filename, "rows": len(report.rows), "people_created": created,
            "records_created": records_created, "records_updated": records_updated,
            "at": datetime.now(UTC)})
    return PoolImportResult(created, records_created, records_updated, unchanged)


def template_xlsx() -> bytes:
    """An empty pool workbook: the header row, in Chinese (English headers are accepted too)."""
    return tabular.write_xlsx([column.headers[0] for column in COLUMNS], [], sheet="裁判库")
