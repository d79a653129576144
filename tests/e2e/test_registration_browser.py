"""Registration in Chromium: a 领队 imports a workbook with errors, sees the row report, fixes it and imports
it; the organiser approves the entries and runs the draw; the judge's tablet shows only anonymous codes. And a
contestant registers and enters on a 375 px wide phone screen."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from competition.extensions import db
from competition.models import Entry, EntryCode, EntryStatus, Event, EventStatus, Role
from competition.services import events
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("SAIPING_SCREENSHOTS")  # a folder to keep the screenshots in, for a person to look at
HEADERS = ["赛项", "单位", "姓名", "证件类型", "证件号码", "性别"]
ORG = "重庆渝江机械制造有限公司"


def _shot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(Path(SHOTS or tmp_path) / name), full_page=True)


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
        skill = factories.skill_with_scheme(ev)   # B01 电工, its marking scheme published
        factories.assign(skill, factories.judge("judge1", "裁判1", 311))
        factories.assign(skill, factories.judge("chief", "陈裁判长", 399), "chief")
        org = factories.organisation(ORG)
        events.change_status(ev, EventStatus.REGISTRATION_OPEN)
        factories.user("leader", (Role.TEAM_LEADER, None, org.id))
        factories.organiser()
        db.session.commit()
        return {"event": ev.id, "skill": skill.id, "org": org.id}


def test_a_leader_fixes_a_workbook_the_organiser_approves_and_draws_the_judge_sees_codes(app, new_page,
                                                                                         tmp_path: Path):
    world = _world(app)
    good = factories.id_number(sequence=123)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "leader")
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
    login(organiser, "organiser")
    organiser.goto(f"/manage/skills/{world['skill']}")
    organiser.locator("#entries button:has-text('通过')").first.click()
    organiser.wait_for_selector(".alert-success")
    with app.app_context():
        statuses = sorted(db.session.scalars(select(Entry.status)))
        assert statuses == [EntryStatus.APPROVED, EntryStatus.SUBMITTED]
    organiser.locator("#entries button:has-text('通过')").first.click()
    organiser.wait_for_selector(".alert-success")

    organiser.click("#draw a[href$='/draw/desk']")   # the draw: commit (hash shown), then run (seed shown)
    organiser.fill("#stations", "2")
    organiser.fill("#sessions", "第一场 10月20日 08:30")
    organiser.click("button.commit-draw")
    organiser.wait_for_selector("code.draw-commitment")
    organiser.click("button.run-draw")
    organiser.wait_for_selector("code.draw-seed")
    with app.test_request_context():
        factories.open_marking(db.session.get(Event, world["event"]))
        db.session.commit()
        codes = set(db.session.scalars(select(EntryCode.outer_code)))
        numbers = set(db.session.scalars(select(Entry.competitor_number)))
    assert len(codes) == 2 and None not in numbers

    judge = new_page(viewport={"width": 1024, "height": 768})
    login(judge, "judge1")
    judge.goto(f"/tablet/skills/{world['skill']}")
    judge.wait_for_selector(".competitor-card")
    shown = set(judge.locator(".competitor-card .competitor-number").all_inner_texts())
    assert shown == codes and not shown & numbers   # the outer codes, never the 参赛号
    text = judge.locator("main").inner_text()
    assert "张三" not in text and "李四" not in text
    _shot(judge, tmp_path, "registration-judge-tablet.png")


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
