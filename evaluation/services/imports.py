"""Enterprise self-evaluation: results imported in batches from an Excel workbook (.xlsx).

Contract: :func:`preview_import` is the dry run. It reads the first sheet (header row first; headers in
Chinese or English, see :data:`COLUMNS`), checks every row as the import would, writes nothing and lists
every bad row by row number, column and reason (the reason renders in Chinese and English).
:func:`commit_import` imports all rows or none: any error refuses the whole file. Importing the same
file again changes nothing (the file's SHA-256 is remembered per body), and a row already imported from
another file is skipped (its key: body, document, occupation, grade).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from competition.errors import N_, DomainError, Invalid, StateConflict
from competition.extensions import db
from competition.models import IdType, Person, User
from competition.services import audit, entries
from evaluation.models import EnterpriseImport, EvaluationRecord, Route
from evaluation.rules.ladder import EvaluationRuleError, Grade, grade_by_code, grade_by_level_digit, grade_by_name_zh
from evaluation.services import records

# field, Chinese header, English header, required
COLUMNS: tuple[tuple[str, str, str, bool], ...] = (
    ("name", "姓名", "Name", True),
    ("id_type", "证件类型", "ID type", False),
    ("id_number", "证件号码", "ID number", True),
    ("nationality", "国籍", "Nationality", False),
    ("occupation_code", "职业编码", "Occupation code", True),
    ("occupation_name", "职业名称", "Occupation", True),
    ("trade", "工种/职业方向", "Trade", False),
    ("grade", "申报等级", "Grade", True),
    ("theory", "理论成绩", "Theory score", True),
    ("practical", "实操成绩", "Practical score", True),
    ("years", "从业年限", "Years in occupation", False),
    ("schooling", "学历", "Schooling", False),
    ("apprenticeship", "学徒期满", "Apprenticeship completed", False),
    ("exception_reason", "例外理由", "Exception reason", False),
    ("evidence", "备注", "Notes", False),
)
_HEADERS = {header.strip().lower(): name for name, zh, en, _req in COLUMNS for header in (zh, en, name)}
_LABELS = {name: f"{zh} / {en}" for name, zh, en, _req in COLUMNS}
ID_TYPES = {"居民身份证": IdType.RESIDENT_ID, "身份证": IdType.RESIDENT_ID, "护照": IdType.PASSPORT,
            "港澳居民来往内地通行证": IdType.HK_MACAU_PERMIT, "台湾居民来往大陆通行证": IdType.TAIWAN_PERMIT}
SCHOOLING = {"技工学校": "technical_school", "技师学院": "technician_college", "大专": "college",
             "本科": "bachelor", "本科及以上": "bachelor"}
YES = {"是", "yes", "y", "true", "1", "√"}
NO = {"否", "no", "n", "false", "0", ""}
DEFAULT_MAX_ROWS = 5000


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row number (1 is the header), column label (Chinese / English), reason."""

    row: int
    column: str
    error: DomainError


@dataclass
class RowPlan:
    row: int
    values: dict[str, Any]
    import_key: str
    person: Person | None
    already_imported: bool = False


@dataclass
class ImportPreview:
    filename: str
    sha256: str
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    previous: EnterpriseImport | None = None

    @property
    def new_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if not row.already_imported]

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _grade(text: str) -> Grade:
    text = text.strip()
    for reader in (grade_by_code, grade_by_name_zh):
        try:
            return reader(text)
        except EvaluationRuleError:
            pass
    if "/" in text:
        return grade_by_name_zh(text.split("/", 1)[1])
    for digit, zh in ((5, "五"), (4, "四"), (3, "三"), (2, "二"), (1, "一")):
        if text in (str(digit), f"{zh}级", f"{digit}级"):
            return grade_by_level_digit(digit)
    raise Invalid("import.grade", N_("Unknown grade %(value)s: write it as 四级/中级工, 中级工 or 4."), value=text)


def _read_rows(data: bytes) -> list[tuple[int, tuple[Any, ...]]]:
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zipfile, KeyError, XML) for what is not a workbook
        raise Invalid("import.not_xlsx", N_("The file is not an Excel workbook (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        max_rows = current_app.config.get("SAIPING_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
        out = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > max_rows + 1:
                raise Invalid("import.too_many_rows", N_("The file has more than %(n)s rows: split it."), n=max_rows)
            out.append((number, tuple(values)))
        return out
    finally:
        workbook.close()


def import_key(body_id: int, id_type: str, nationality: str, id_number: str, occupation_code: str,
               grade: Grade) -> str:
    raw = "|".join((str(body_id), id_type, nationality, id_number, occupation_code, grade.code, Route.ENTERPRISE))
    return hashlib.sha256(raw.encode()).hexdigest()


def preview_import(officer: User, body_id: int, filename: str, data: bytes) -> ImportPreview:
    """The dry run: check every row, write nothing. Raises Invalid only for a file that cannot be read at
    all (too large, not a workbook, too many rows); every row problem is in ``errors``."""
    records._require_officer(officer, body_id)
    limit = current_app.config.get("SAIPING_IMPORT_MAX_BYTES", 10 * 1_048_576)
    if len(data) > limit:
        raise Invalid("import.too_large", N_("The file is larger than %(limit)s MB."), limit=f"{limit / 1_048_576:g}")
    digest = hashlib.sha256(data).hexdigest()
    preview = ImportPreview(filename, digest, previous=db.session.scalar(select(EnterpriseImport).where(
        EnterpriseImport.body_id == body_id, EnterpriseImport.sha256 == digest)))
    rows = _read_rows(data)
    if not rows:
        raise Invalid("import.empty", N_("The workbook is empty."))
    header_row = rows[0][1]
    columns: dict[str, int] = {}
    for index, header in enumerate(header_row):
        name = _HEADERS.get(_text(header).lower())
        if name is not None and name not in columns:
            columns[name] = index
    for name, _zh, _en, required in COLUMNS:
        if required and name not in columns:
            preview.errors.append(RowError(1, _LABELS[name], Invalid(
                "import.missing_column", N_("The column is missing from the header row."))))
    if preview.errors:
        return preview
    seen: dict[str, int] = {}
    for number, values in rows[1:]:
        cells = {name: _text(values[index]) if index < len(values) else "" for name, index in columns.items()}
        if not any(cells.values()):
            continue
        plan = _check_row(body_id, number, cells, preview.errors)
        if plan is None:
            continue
        if plan.import_key in seen:
            preview.errors.append(RowError(number, _LABELS["id_number"], Invalid(
                "import.duplicate_row", N_("The same person, occupation and grade are already on row %(row)s."),
                row=seen[plan.import_key])))
            continue
        seen[plan.import_key] = number
        plan.already_imported = db.session.scalar(select(EvaluationRecord.id).where(
            EvaluationRecord.import_key == plan.import_key)) is not None
        preview.rows.append(plan)
    if not preview.rows and not preview.errors:
        raise Invalid("import.no_rows", N_("The workbook has a header row but no data rows."))
    return preview


def _check_row(body_id: int, number: int, cells: dict[str, str], errors: list[RowError]) -> RowPlan | None:
    before = len(errors)

    def fail(column: str, error: DomainError) -> None:
        errors.append(RowError(number, _LABELS[column], error))

    for name, _zh, _en, required in COLUMNS:
        if required and not cells.get(name):
            fail(name, Invalid("import.required", N_("This column must not be empty.")))
    if len(errors) > before:
        return None
    id_type = ID_TYPES.get(cells.get("id_type", ""), cells.get("id_type") or IdType.RESIDENT_ID)
    person = None
    checked_number = cells["id_number"]
    nationality = (cells.get("nationality") or "CN").upper()
    try:
        checked_number = entries.check_identity(id_type, cells["id_number"], cells.get("nationality") or None).number
        nationality = nationality if id_type == IdType.PASSPORT else "CN"
        person = db.session.scalar(select(Person).where(Person.id_type == id_type, Person.nationality == nationality,
                                                        Person.id_number == checked_number))
        if person is not None and person.name != cells["name"]:
            fail("name", StateConflict("person.name_mismatch",
                                       N_("This ID number is already registered under another name.")))
    except DomainError as error:
        fail("id_type" if error.code == "id.type" else "id_number", error)
    grade = None
    try:
        grade = _grade(cells["grade"])
        if not grade.examined:
            raise Invalid("import.grade_examined", N_("Enterprise self-evaluation awards 五级 to 一级 only."))
    except EvaluationRuleError:
        fail("grade", Invalid("import.grade", N_("Unknown grade %(value)s: write it as 四级/中级工, 中级工 or 4."),
                              value=cells["grade"]))
        grade = None
    except DomainError as error:
        fail("grade", error)
        grade = None
    scores = {}
    for name, what in (("theory", "theory score"), ("practical", "practical score")):
        try:
            scores[name] = records.parse_score(cells[name], what)
        except DomainError as error:
            fail(name, error)
    facts = None
    try:
        schooling = [SCHOOLING.get(part.strip(), part.strip()) for part in
                     cells.get("schooling", "").replace("，", "、").replace(",", "、").split("、") if part.strip()]
        apprenticeship = cells.get("apprenticeship", "").lower()
        if apprenticeship not in YES | NO:
            raise Invalid("import.yes_no", N_("Write 是 or 否 (yes or no)."))
        facts = records.parse_facts(cells.get("years") or "0", schooling, apprenticeship in YES)
    except DomainError as error:
        column = {"record.schooling": "schooling", "import.yes_no": "apprenticeship"}.get(error.code, "years")
        fail(column, error)
    if len(errors) > before or grade is None or facts is None:
        return None
    explanation = records.check_record_eligibility(person.id if person else -1, cells["occupation_code"], grade,
                                                   facts)
    if explanation["code"] == "already_held":
        fail("grade", StateConflict("record.already_held", N_("The person already holds this grade or a higher "
                                                              "one in this occupation.")))
    elif not explanation["ok"] and not cells.get("exception_reason"):
        fail("grade", Invalid("import.not_eligible", N_("The person does not meet the conditions for this grade "
                                                        "(%(paths)s): give a reason in the exception column, or "
                                                        "correct the row."),
                              paths="; ".join(_failed_summary(explanation))))
    if len(errors) > before:
        return None
    values = {**cells, "id_type": id_type, "id_number": checked_number, "nationality": nationality,
              "grade": grade, "facts": facts, **scores}
    key = import_key(body_id, id_type, nationality, checked_number, cells["occupation_code"], grade)
    return RowPlan(number, values, key, person)


def _failed_summary(explanation: dict[str, Any]) -> list[str]:
    out = []
    for path in explanation.get("paths", []):
        failed = [check["code"] for check in path["checks"] if not check["ok"]]
        out.append(f"{path['id']}: {', '.join(failed)}")
    return out or [explanation.get("code", "")]


@dataclass(frozen=True)
class ImportOutcome:
    batch: EnterpriseImport | None
    created: int
    unchanged: int


def commit_import(officer: User, body_id: int, filename: str, data: bytes) -> ImportOutcome:
    """Import all rows or none. Raises Invalid('import.errors') when the dry run finds any error (nothing
    is written). The same file again: nothing changes (``batch`` is the earlier import, ``created`` 0).
    Rows imported before from another file are skipped (``unchanged``). Audited."""
    preview = preview_import(officer, body_id, filename, data)
    if not preview.ok:
        raise Invalid("import.errors", N_("The file has %(n)s errors: nothing was imported. Fix them and try "
                                          "again."), n=len(preview.errors))
    if preview.previous is not None:
        return ImportOutcome(preview.previous, 0, len(preview.rows))
    new_rows = preview.new_rows
    batch = EnterpriseImport(body_id=body_id, filename=filename[:200], sha256=preview.sha256,
                             row_count=len(preview.rows), created_count=len(new_rows), imported_by_id=officer.id)
    db.session.add(batch)
    db.session.flush()
    for plan in new_rows:
        values = plan.values
        person = plan.person or entries.find_or_create_person(
            name=values["name"], id_type=values["id_type"], id_number=values["id_number"],
            nationality=values["nationality"] if values["id_type"] == IdType.PASSPORT else None)
        records.create_record(
            officer, body_id=body_id, person=person, route=Route.ENTERPRISE,
            occupation_code=values["occupation_code"], occupation_name=values["occupation_name"],
            trade=values.get("trade"), grade_code=values["grade"].code, facts=values["facts"],
            theory=values["theory"], practical=values["practical"], evidence=values.get("evidence") or
            f"企业自主评价 Enterprise self-evaluation: {filename}, 第{plan.row}行 row {plan.row}",
            exception_reason=values.get("exception_reason"), import_id=batch.id, source_row=plan.row,
            import_key=plan.import_key)
    audit.record("enterprise_import.commit", batch, actor=officer,
                 after={"filename": filename, "sha256": preview.sha256, "rows": len(preview.rows),
                        "created": len(new_rows)})
    return ImportOutcome(batch, len(new_rows), len(preview.rows) - len(new_rows))


def template_workbook() -> bytes:
    """An empty workbook with the header row, for enterprises to fill in."""
    from openpyxl import Workbook
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "企业自主评价"
    sheet.append([zh for _name, zh, _en, _req in COLUMNS])
    sheet.append(["张三", "居民身份证", "360426199101010071", "", "6-31-01-03", "电工", "", "四级/中级工",
                  78, 82, 7, "技工学校", "否", "", ""])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

