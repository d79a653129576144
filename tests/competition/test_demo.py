"""The demo data set loads, is idempotent, and is what the README promises."""
from __future__ import annotations

from sqlalchemy import func, select

from competition.extensions import db
from competition.models import AuditLog, EntryCode, Event, Mark, Person, User
from competition.services import audit
from evaluation.models import Certificate


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Event, Person, User, Mark, Certificate, AuditLog, EntryCode)}


def test_demo_loads_once_and_again_changes_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "organiser" in result.output and "saiping2026" in result.output
    with app.app_context():
        first = _counts()
        assert first["Event"] == 3 and first["Certificate"] == 1 and first["Mark"] > 200
        assert first["EntryCode"] == 32 + 6  # the drawn skills' judges see outer codes
        kinds = set(db.session.scalars(select(Event.kind)))
        assert kinds == {"bayu_cup", "worldskills_selection", "belt_and_road"}
        nationalities = set(db.session.scalars(select(Person.nationality)))
        assert {"CN", "TH", "VN", "KZ"} <= nationalities
        assert list(audit.verify_chain()) == []
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert _counts() == first


def test_demo_home_page_lists_the_three_events(app, client):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    html = client.get("/").get_data(as_text=True)
    for name in ("巴渝工匠杯", "第48届世界技能大赛重庆市选拔赛", "一带一路"):
        assert name in html
