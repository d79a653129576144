"""Public pages: the home page, events, published results, the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user

from competition import permissions
from competition.errors import not_found
from competition.extensions import db
from competition.models import Event, Skill
from competition.services import events, results
from competition.views._helpers import require

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("competition/home.html", events=events.public_events())


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    item = db.session.get(Event, event_id)
    if item is None or not (item.is_public or permissions.can_manage_event(current_user, item)):
        raise not_found()
    return render_template("competition/event.html", event=item, counts=events.entry_counts(item),
                           can_enter=permissions.can_enter_competitions(current_user))


@bp.get("/skills/<int:skill_id>/results")
def skill_results(skill_id: int):
    skill = db.session.get(Skill, skill_id)
    if skill is None or not skill.event.is_public:
        raise not_found()
    require(permissions.can_view_results, skill)
    return render_template("competition/results.html", skill=skill, rows=results.result_rows(skill))


@bp.get("/lang/<code>")
def switch_language(code: str):
    if code in current_app.config["SAIPING_LOCALES"]:
        session["locale"] = code
        if current_user.is_authenticated and current_user.locale != code:
            current_user.locale = code
            db.session.commit()
    target = request.args.get("next", "/")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@bp.get("/livez")
def live():
    """Liveness: the process answers (no database). Also the benchmarks' bare endpoint."""
    return {"status": "ok"}


@bp.get("/healthz")
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
