"""Registration in Chromium: a 领队 imports a workbook with errors, sees the row report, fixes it and imports
it; the organiser approves an entry; a contestant registers and enters on a 375 px wide phone screen."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from competition.extensions import db
from competition.models import Entry, EntryStatus, EventStatus, Role
from competition.services import events
from tests import factories

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("SAIPING_SCREENSHOTS")  # a folder to keep the screenshots in, for a person to look at
HEADERS = ["赛项", "单位", "姓名", "证件类型", "证件号码", "性别"]
ORG = "重庆渝江机械制造有限公司"


def _shot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / name), full_page=True)


def _login(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", factories.PASSWORD)
    page.click("#submit")
    page.wait_for_url("**/me")


def _workbook(path: Path, rows) -> str:
    book = Workbook()
    book.active.title = "报名表"
    book.active.append(HEADERS)
    for values in rows:
        book.active.append(values)
    book.save(path)
    return str(path)


def _world(app) -> dict:
    with app.test_request_context():
        ev = factories.event("reg-e2e", starts_on=date(2026, 10, 20))
        skill = events.add_skill(ev, code="B01", name="电工", occupation_code="6-31-01-03", occupation_name="电工",
                                 level_grade_code="senior")
        org = factories.organisation(ORG)
        events.change_status(ev, EventStatus.REGISTRATION_OPEN)
        factories.user("leader", (Role.TEAM_LEADER, None, org.id))
        factories.organiser()
        db.session.commit()
        return {"event": ev.id, "skill": skill.id, "org": org.id}


def test_a_leader_fixes_a_workbook_and_the_organiser_approves(app, new_page, tmp_path: Path):
    world = _world(app)
    good = factories.id_number(sequence=123)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    page = new_page(viewport={"width": 1280, "height": 900})
    _login(page, "leader")
    page.click("text=领队工作台")
    page.click("text=测试赛")
    page.wait_for_selector("#import")
    page.set_input_files("#import input[type=file]",
                         _workbook(tmp_path / "entries.xlsx", [["B01", ORG, "张三", "身份证", wrong, "男"],
                                                               ["B01", ORG, "李四", "身份证",
                                                                factories.id_number(sequence=124), "女"]]))
    page.uncheck("#dry_run")
    page.click("#import input[type=submit]")
    page.wait_for_selector("#problem-table")
    report = page.locator("#problem-table").inner_text()
    assert "2" in report and "证件号码" in report and "校验" in report   # row 2, its column, the reason
    assert "\n3\t" not in report   # the right row is not listed
    _shot(page, tmp_path, "registration-import-report.png")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 0   # nothing stored

    page.go_back()
    page.wait_for_selector("#import")
    page.set_input_files("#import input[type=file]",
                         _workbook(tmp_path / "entries-fixed.xlsx", [["B01", ORG, "张三", "身份证", good.lower(), "男"],
                                                                     ["B01", ORG, "李四", "身份证",
                                                                      factories.id_number(sequence=124), "女"]]))
    page.uncheck("#dry_run")
    page.click("#import input[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "张三" in page.locator("#entry-table").inner_text() and good not in page.content()   # masked
    _shot(page, tmp_path, "registration-leader-event.png")

    organiser = new_page(viewport={"width": 1280, "height": 900})
    _login(organiser, "organiser")
    organiser.goto(f"/manage/skills/{world['skill']}")
    organiser.locator("#entries button:has-text('通过')").first.click()
    organiser.wait_for_selector(".alert-success")
    with app.app_context():
        statuses = sorted(db.session.scalars(select(Entry.status)))
        assert statuses == [EntryStatus.APPROVED, EntryStatus.SUBMITTED]


def test_a_contestant_registers_and_enters_on_a_phone(app, new_page, tmp_path: Path):
    world = _world(app)
    page = new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.goto("/register")
    page.fill("#name", "王小明")
    page.select_option("#id_type", "resident_id")
    page.fill("#id_number", factories.id_number(date(2000, 2, 29), 127))
    page.fill("#birth_date", "2000-02-29")
    page.select_option("#sex", "M")
    page.fill("#username", "wangxm")
    page.fill("#password", "a-long-password-1")
    _shot(page, tmp_path, "registration-phone-form.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("#submit")
    page.wait_for_url("**/me")
    page.goto(f"/events/{world['event']}")
    page.locator("button:has-text('报名')").first.click()
    page.wait_for_url("**/me")
    assert "待审核" in page.locator(".my-entries").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    _shot(page, tmp_path, "registration-phone-me.png")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry)) == 1
