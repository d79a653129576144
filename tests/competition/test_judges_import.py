"""Importing the judge pool from Excel or CSV: a dry run lists every bad row by row, column and reason; a file
with any problem stores nothing; importing the same file twice changes nothing."""
from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import AuditLog, Person
from competition.models.judging import JudgeProfile
from competition.services import judge_import, judging, tabular
from tests import factories
from tests.conftest import Browser

HEADERS = ["姓名", "证件类型", "证件号码", "国籍", "英文姓名", "裁判等级", "执裁职业", "工作单位", "区县", "语言",
           "可任裁判长", "每届最多场次", "执裁经历", "手机"]


def _rows() -> list[list]:
    return [
        ["陈建国", "身份证", factories.id_number(sequence=311), "", "", "国家级", "电工", "重庆渝江机械制造有限公司",
         "九龙坡区", "中文、英语", "是", 3, "2025年巴渝工匠杯电工赛项裁判长；2024年全国行业赛裁判", "13800000000"],
        ["Somchai Prasert", "护照", "TH8800001", "TH", "Somchai Prasert", "national", "6-31-01-03", "", "",
         "英语、泰语", "否", "", "", ""],
    ]


def _xlsx(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    return tabular.write_xlsx(headers, rows)


def _world() -> None:
    factories.organisation()
    factories.judged_event()        # knows the occupation 电工 (6-31-01-03)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_good_file_dry_run_then_import_then_again(ctx):
    _world()
    data = _xlsx(_rows())
    report = judge_import.check_pool_file(data, "pool.xlsx")
    assert report.ok and [row.row for row in report.rows] == [2, 3]
    chen, somchai = report.rows
    assert chen.level == "national" and chen.occupations == ("6-31-01-03",) and chen.languages == ("en", "zh")
    assert chen.past_events == ("2025年巴渝工匠杯电工赛项裁判长", "2024年全国行业赛裁判") and chen.max_panels == 3
    assert somchai.id_type == "passport" and somchai.may_chair is False and somchai.languages == ("en", "th")
    assert _count(JudgeProfile) == 0                         # checking stores nothing

    result = judge_import.import_pool(report)
    db.session.commit()
    assert (result.people_created, result.records_created, result.records_updated) == (2, 2, 0)
    profile = judging.profile_of(db.session.scalar(select(Person.id).where(Person.name == "陈建国")))
    assert profile.district == "九龙坡区" and profile.may_chair and profile.person.organisation.name.startswith("重庆渝江")
    audit_rows = _count(AuditLog)

    again = judge_import.import_pool(judge_import.check_pool_file(data, "pool.xlsx"))
    db.session.commit()
    assert (again.people_created, again.records_created, again.records_updated, again.unchanged) == (0, 0, 0, 2)
    assert _count(AuditLog) == audit_rows and _count(JudgeProfile) == 2

    changed = _rows()
    changed[1][5] = "市级"
    update = judge_import.import_pool(judge_import.check_pool_file(_xlsx(changed), "pool.xlsx"))
    assert (update.records_updated, update.unchanged) == (1, 1)


def test_every_bad_row_is_named_and_nothing_is_stored(ctx):
    _world()
    rows = _rows() + [
        ["王五", "身份证", factories.id_number(sequence=313), "", "", "国家级", "电工、飞行员", "", "", "", "", "", "", ""],
        ["赵六", "身份证", factories.id_number(sequence=315), "", "", "国家级", "电工", "不存在的公司", "", "", "", "", "", ""],
        ["钱七", "身份证", "110101202311012171", "", "", "大师", "电工", "", "", "克林贡语", "也许", "很多", "", ""],
        ["陈建国", "身份证", factories.id_number(sequence=311), "", "", "国家级", "电工", "", "", "", "", "", "", ""],
        ["", "居住证", "", "", "", "", "", "", "", "", "", "", "", ""],
    ]
    report = judge_import.check_pool_file(_xlsx(rows), "pool.xlsx")
    assert not report.ok
    found = {(p.row, p.column) for p in report.problems}
    assert found == {(4, "occupations"), (5, "employer"), (6, "id_number"), (6, "level"), (6, "languages"),
                     (6, "may_chair"), (6, "max_panels"), (7, "id_number"), (8, "name"), (8, "id_type"),
                     (8, "id_number"), (8, "level"), (8, "occupations")}
    texts = {(p.row, p.column): p.text() for p in report.problems}
    with force_locale("en"):
        english = {(p.row, p.column): p.text() for p in report.problems}
    assert "飞行员" in texts[(4, "occupations")] and "Unknown occupation: 飞行员" in english[(4, "occupations")]
    assert "不存在的公司" in english[(5, "employer")] and "also on row 2" in english[(7, "id_number")]
    assert report.problems[0].column_label == "执裁职业 / Occupations"
    with pytest.raises(DomainError) as refused:
        judge_import.import_pool(report)
    assert refused.value.code == "pool.import_problems"
    assert _count(JudgeProfile) == 0 and _count(Person) == 0


def test_an_id_number_typed_as_a_number_is_refused(ctx):
    _world()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    number = next(n for n in (factories.id_number(sequence=s) for s in range(311, 400)) if n.isdigit())
    sheet.append(["陈建国", "身份证", int(number), "", "", "国家级", "电工"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = judge_import.check_pool_file(buffer.getvalue(), "pool.xlsx")
    [problem] = report.problems
    assert (problem.row, problem.column) == (2, "id_number")
    with force_locale("en"):
        assert "lost digits" in problem.text()


def test_english_headers_and_a_gb18030_csv(ctx):
    _world()
    english = ["Name", "ID number", "Level", "Occupations", "Employer or school"]
    text = "\n".join([",".join(english), f"陈建国,{factories.id_number(sequence=311)},municipal,电工,"])
    report = judge_import.check_pool_file(text.encode("gb18030"), "pool.csv")
    assert report.ok and report.rows[0].level == "municipal" and report.rows[0].may_chair is False


def test_unreadable_files_are_refused_clearly(ctx):
    _world()
    for data, name, code in ((b"not a workbook", "pool.xlsx", "table.not_xlsx"),
                             (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "pool.xlsx", "table.encrypted"),
                             (b"whatever", "pool.pdf", "table.type"),
                             (_xlsx([], ["姓名", "证件号码"]), "pool.xlsx", "table.missing_columns")):
        with pytest.raises(DomainError) as refused:
            judge_import.check_pool_file(data, name)
        assert refused.value.code == code


def test_the_template_reads_back(ctx):
    _world()
    report = judge_import.check_pool_file(judge_import.template_xlsx(), "template.xlsx")
    assert report.rows == [] and [p.message for p in report.problems] == ["The file has no rows below the header."]


# --- the page ------------------------------------------------------------------------------------------------

def _upload(browser: Browser, data: bytes, dry_run: bool):
    payload = {"file": (io.BytesIO(data), "pool.xlsx")}
    if dry_run:
        payload["dry_run"] = "y"
    return browser.post("/manage/judges/import", payload, content_type="multipart/form-data")


def test_the_import_page_dry_run_problems_and_success(app, browser):
    with app.test_request_context():
        _world()
        factories.organiser()
        db.session.commit()
    browser.login("organiser")
    page = _upload(browser, _xlsx(_rows()), dry_run=True).get_data(as_text=True)
    assert 'id="import-ok"' in page and "陈建国" in page
    bad = _rows()
    bad[0][6] = "飞行员"
    page = _upload(browser, _xlsx(bad), dry_run=False).get_data(as_text=True)
    assert 'id="problem-table"' in page and "飞行员" in page and "执裁职业 / Occupations" in page
    with app.app_context():
        assert _count(JudgeProfile) == 0
    response = _upload(browser, _xlsx(_rows()), dry_run=False)
    assert response.status_code == 302
    with app.app_context():
        assert _count(JudgeProfile) == 2
    pool = browser.get("/manage/judges").get_data(as_text=True)
    assert "陈建国" in pool and "Somchai Prasert" in pool


def test_only_a_global_organiser_imports(app, browser):
    with app.test_request_context():
        _world()
        ev = factories.event("other-event")
        factories.organiser("event_organiser", ev.id)
        db.session.commit()
    browser.login("event_organiser")
    assert browser.get("/manage/judges").status_code == 200
    assert _upload(browser, _xlsx(_rows()), dry_run=False).status_code == 403
