"""The draw in Chromium: the organiser approves the entries, commits to a draw (the hash is public, the seed
is not), runs it (the seed is published and the replay agrees), and a judge's tablet shows only the outer
codes: no names, no competitor numbers."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from competition.extensions import db
from competition.models import EntryCode, Event
from competition.services import events
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e

NAMES = ["张三丰", "李四海", "王五岳"]


def _world(app) -> dict:
    with app.test_request_context():
        ev = factories.event()
        skill = factories.skill_with_scheme(ev)
        factories.assign(skill, factories.judge("judge1", "裁判1", 311))
        factories.assign(skill, factories.judge("chief", "陈裁判长", 399), "chief")
        factories.organiser("organiser", ev.id)
        events.change_status(ev, "registration_open")
        for i, name in enumerate(NAMES):
            factories.entry(skill, f"c{i}", name, 123 + 2 * i, approve=False)
        db.session.commit()
        return {"event": ev.id, "skill": skill.id}


def test_organiser_draws_and_the_tablet_shows_only_outer_codes(app, new_page, tmp_path: Path):
    world = _world(app)
    shots = Path(os.environ.get("SAIPING_SCREENSHOTS", tmp_path))
    page = new_page(viewport={"width": 1280, "height": 900})
    login(page, "organiser")

    page.goto(f"/manage/skills/{world['skill']}")
    for _ in NAMES:
        page.locator("#entries button.btn-success").first.click()
        page.wait_for_selector(".alert-success")
    assert page.locator("#entries button.btn-success").count() == 0

    page.click("#draw a[href$='/draw/desk']")
    page.fill("#stations", "3")
    page.fill("#sessions", "第一场 10月20日 08:30")
    page.click("button.commit-draw")
    page.wait_for_selector(".alert-success")
    commitment = page.locator("code.draw-commitment").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", commitment)
    assert page.locator("code.draw-seed").count() == 0

    public = new_page()
    public.goto(f"/skills/{world['skill']}/draw")
    assert public.locator("code.draw-commitment").inner_text() == commitment
    assert public.locator(".draw-seed-hidden").count() == 1

    page.click("button.run-draw")
    page.wait_for_selector("code.draw-seed")
    seed = page.locator("code.draw-seed").inner_text()
    public.reload()
    assert public.locator("code.draw-seed").inner_text() == seed
    assert public.locator(".replay-verdict").get_attribute("data-matches") == "yes"
    assert public.locator("table.draw-result tbody tr").count() == 3
    assert not any(name in public.content() for name in NAMES)
    public.set_viewport_size({"width": 1280, "height": 900})
    public.screenshot(path=str(shots / "draw-public.png"), full_page=True)

    with app.test_request_context():
        factories.open_marking(db.session.get(Event, world["event"]))
        db.session.commit()
        codes = set(db.session.scalars(select(EntryCode.outer_code)))
    judge = new_page(viewport={"width": 1024, "height": 768})
    login(judge, "judge1")
    judge.goto(f"/tablet/skills/{world['skill']}")
    judge.wait_for_selector(".competitor-card")
    shown = set(judge.locator(".competitor-card").evaluate_all("cards => cards.map(c => c.dataset.entry)"))
    assert shown == codes and len(codes) == 3
    text = judge.locator("main").inner_text()
    assert not any(name in text for name in NAMES)
    numbers = set(judge.locator(".competitor-card .competitor-number").all_inner_texts())
    assert numbers == codes and not numbers & {"001", "002", "003"}  # outer codes, never the competitor numbers
    judge.screenshot(path=str(shots / "draw-tablet.png"), full_page=True)
