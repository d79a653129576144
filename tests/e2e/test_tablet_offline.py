"""The tablet keeps working without a network: marks queue on the device, survive a reload while offline,
and reach the server exactly once when the network returns."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from competition.extensions import db
from competition.models import Mark
from tests import factories
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def _setup(app) -> int:
    with app.test_request_context():
        skill, _entry, _judges, _chief = factories.marked_skill(contestants=2)
        db.session.commit()
        return skill.id


def _cell_states(page) -> list[str]:
    return page.eval_on_selector_all(".mark-state", "nodes => nodes.map(n => n.className)")


def test_marks_survive_going_offline_and_a_reload(app, new_page):
    skill_id = _setup(app)
    page = new_page(viewport={"width": 1280, "height": 800})
    page.goto("/login?next=/tablet/")
    page.fill("#username", "judge1")
    page.fill("#password", factories.PASSWORD)
    page.click("#submit")
    page.goto(f"/tablet/skills/{skill_id}")
    wait_until(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    wait_until(page, "async () => !!(await caches.match(location.pathname))")

    # Online: competitor 001.
    page.click(".competitor-card[data-entry='001']")
    page.fill("input.measurement-input", "51")
    page.press("input.measurement-input", "Tab")
    page.click("button.btn-judgement[data-level='2']")
    wait_until(page, "document.querySelectorAll('.mark-state.state-server').length === 2")

    # The Wi-Fi drops: competitor 002 is marked on the tablet only.
    page.context.set_offline(True)
    page.click("text=←")
    page.click(".competitor-card[data-entry='002']")
    page.fill("input.measurement-input", "47.5")
    page.press("input.measurement-input", "Tab")
    page.click("button.btn-judgement[data-level='3']")
    wait_until(page, "document.querySelectorAll('.mark-state.state-local').length === 2")
    assert "state-server" not in " ".join(_cell_states(page))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mark)) == 2

    # A reload with no network: the page comes from the tablet, and so do the queued marks.
    response = page.reload()
    assert response is not None and response.from_service_worker
    page.wait_for_selector(".mark-state.state-local")
    assert len(page.query_selector_all(".mark-state.state-local")) == 2
    assert page.input_value("input.measurement-input") == "47.5"
    page.screenshot(path="/tmp/tablet-offline.png", full_page=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mark)) == 2

    # The network returns: the queue drains and the server holds every mark exactly once.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(page, "document.querySelectorAll('.mark-state.state-server').length === 2", 20)
    page.wait_for_selector(".sync-status.is-synced")
    with app.app_context():
        values = sorted(str(v) for v in db.session.scalars(select(Mark.value)))
        assert values == ["2.00", "3.00", "47.50", "51.00"]
    # Sending the queue again (a second tablet tab, a retry) changes nothing.
    page.reload()
    page.wait_for_selector(".sync-status.is-synced")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mark)) == 4
