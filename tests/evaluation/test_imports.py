"""Enterprise self-evaluation imported from Excel: dry run with every bad row, all or none, idempotent."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import Person
from evaluation.models import Certificate, EnterpriseImport, EvaluationRecord
from evaluation.services import imports, records
from tests import factories

HEADER = ["姓名", "证件类型", "证件号码", "职业编码", "职业名称", "申报等级", "理论成绩", "实操成绩", "从业年限", "学历",
          "例外理由"]


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_row(name: str, sequence: int, grade: str = "五级/初级工", years: int = 2) -> list:
    return [name, "居民身份证", factories.id_number(sequence=sequence), "6-31-01-03", "电工", grade, 72, 81.5, years,
            "", ""]


GOOD = [good_row("王淼", 131), good_row("李晓雯", 133, "中级工", 7), good_row("赵子轩", 135, "4", 6)]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_dry_run_lists_every_bad_row_by_row_column_and_reason_in_both_languages(body, officer):
    bad_id = factories.id_number(sequence=137)[:-1] + ("0" if factories.id_number(sequence=137)[-1] != "0" else "1")
    data = workbook(GOOD + [
        ["周杰", "居民身份证", bad_id, "6-31-01-03", "电工", "初级工", 70, 70, 2, "", ""],           # row 5
        ["吴敏", "居民身份证", factories.id_number(sequence=139), "6-31-01-03", "电工", "九级", 70, 70, 2, "", ""],
        ["郑洋", "居民身份证", factories.id_number(sequence=141), "6-31-01-03", "电工", "初级工", 70, "", 2, "", ""],
        ["孙磊", "居民身份证", factories.id_number(sequence=143), "6-31-01-03", "电工", "技师", 70, 70, 1, "", ""],
        ["王淼", "居民身份证", factories.id_number(sequence=131), "6-31-01-03", "电工", "初级工", 70, 70, 2, "", ""],
        ["刘芳", "居民身份证", factories.id_number(sequence=145), "6-31-01-03", "电工", "初级工", 170, 70, 2, "幼儿园", ""],
    ])

    preview = imports.preview_import(officer, body.id, "员工评价.xlsx", data)

    found = {(e.row, e.column.split(" / ")[0], e.error.code) for e in preview.errors}
    assert found == {
        (5, "证件号码", "id.checksum"),
        (6, "申报等级", "import.grade"),
        (7, "实操成绩", "import.required"),
        (8, "申报等级", "import.not_eligible"),
        (9, "证件号码", "import.duplicate_row"),
        (10, "理论成绩", "record.score_range"),
        (10, "学历", "record.schooling"),
    }
    for error in preview.errors:
        texts = error.error.texts()
        assert texts["zh_CN"] and texts["en"]
    assert "years_at_senior" in next(e for e in preview.errors if e.row == 8).error.texts()["en"]
    assert [row.row for row in preview.rows] == [2, 3, 4]
    assert _count(Person) == 0 and _count(EvaluationRecord) == 0  # a dry run writes nothing

    with pytest.raises(DomainError) as refused:
        imports.commit_import(officer, body.id, "员工评价.xlsx", data)
    assert refused.value.code == "import.errors" and "7" in refused.value.texts()["en"]
    db.session.rollback()
    assert _count(EvaluationRecord) == 0 and _count(EnterpriseImport) == 0


def test_import_all_rows_then_again_changes_nothing(body, officer):
    data = workbook(GOOD)
    outcome = imports.commit_import(officer, body.id, "员工评价.xlsx", data)
    db.session.commit()
    assert (outcome.created, outcome.unchanged) == (3, 0)
    grades = db.session.scalars(select(EvaluationRecord.grade_code).order_by(EvaluationRecord.source_row)).all()
    assert grades == ["junior", "intermediate", "intermediate"]

    again = imports.commit_import(officer, body.id, "员工评价（副本）.xlsx", data)
    db.session.commit()
    assert again.created == 0 and again.batch.id == outcome.batch.id
    assert _count(EvaluationRecord) == 3 and _count(EnterpriseImport) == 1 and _count(Person) == 3

    # Another file with one row already imported: that row is skipped, the new one imported.
    more = imports.commit_import(officer, body.id, "补充.xlsx", workbook([GOOD[0], good_row("陈静", 147)]))
    db.session.commit()
    assert (more.created, more.unchanged) == (1, 1) and _count(EvaluationRecord) == 4


def test_approving_an_import_issues_every_certificate(body, officer):
    outcome = imports.commit_import(officer, body.id, "员工评价.xlsx", workbook(GOOD))
    db.session.commit()
    issued, refused = records.approve_import(officer, outcome.batch.id)
    assert (issued, refused) == (3, [])
    assert _count(Certificate) == 3
    assert {c.route for c in db.session.scalars(select(Certificate))} == {"enterprise"}


@pytest.mark.parametrize("data", [b"not a workbook", b"PK\x03\x04 broken zip", b""])
def test_a_file_that_is_not_a_workbook_is_refused(body, officer, data):
    with pytest.raises(DomainError) as refused:
        imports.preview_import(officer, body.id, "x.xlsx", data)
    assert refused.value.code == "import.not_xlsx"


def test_a_missing_column_is_named(body, officer):
    book = Workbook()
    book.active.append(["姓名", "证件号码"])
    book.active.append(["张三", factories.id_number()])
    out = io.BytesIO()
    book.save(out)
    preview = imports.preview_import(officer, body.id, "x.xlsx", out.getvalue())
    assert {e.column.split(" / ")[0] for e in preview.errors} == {"职业编码", "职业名称", "申报等级", "理论成绩", "实操成绩"}
    assert {e.row for e in preview.errors} == {1}


def test_english_headers_are_accepted_too(body, officer):
    book = Workbook()
    book.active.append(["Name", "ID number", "Occupation code", "Occupation", "Grade", "Theory score",
                        "Practical score", "Years in occupation"])
    book.active.append(["Li Lei", factories.id_number(sequence=151), "6-31-01-03", "电工", "junior", 80, 80, 3])
    out = io.BytesIO()
    book.save(out)
    assert imports.preview_import(officer, body.id, "x.xlsx", out.getvalue()).ok


def test_the_import_pages(app, browser):
    with app.test_request_context():
        body = factories.evaluation_body()
        factories.officer(body)
        db.session.commit()
        body_id = body.id
    browser.login("officer")
    bad = workbook(GOOD + [["周杰", "居民身份证", "123", "6-31-01-03", "电工", "初级工", 70, 70, 2, "", ""]])
    page = browser.post("/evaluation/imports", {"body_id": str(body_id),
                                                "workbook": (io.BytesIO(bad), "评价.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "row-errors" in page and "证件号码 / ID number" in page and "<td>5</td>" in page
    assert "commit" not in page.split("row-errors")[1]  # no import button while any row is bad

    page = browser.post("/evaluation/imports", {"body_id": str(body_id),
                                                "workbook": (io.BytesIO(workbook(GOOD)), "评价.xlsx")},
                        content_type="multipart/form-data").get_data(as_text=True)
    import re
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    response = browser.post("/evaluation/imports/commit", {"sha256": sha, "body_id": str(body_id),
                                                           "filename": "评价.xlsx"})
    assert response.status_code == 302 and "/evaluation/imports/" in response.headers["Location"]
    batch_page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "王淼" in batch_page and "李晓雯" in batch_page
    response = browser.post(response.headers["Location"] + "/approve")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 3
    template = browser.get("/evaluation/imports/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
