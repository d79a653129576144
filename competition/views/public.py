"""Public pages: the home page, events, published results, the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user

from competition import permissions
from competition.errors import N_, NotAllowed, not_found
from competition.extensions import db, limiter
from competition.forms import LookupForm
from competition.i18n import select_locale
from competition.models import Event, Skill
from competition.services import events, results_public
from competition.services.results_public import page_cache

bp = Blueprint("public", __name__)


def _public_event(event_id: int) -> Event:
    """The event, when it is public or the signed-in user organises it: 404 otherwise."""
    item = db.session.get(Event, event_id)
    if item is None or not (item.is_public or permissions.can_manage_event(current_user, item)):
        raise not_found()
    return item


@bp.get("/")
def home():
    return render_template("competition/home.html", events=events.public_events())


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    item = _public_event(event_id)
    return render_template("competition/event.html", event=item, counts=events.entry_counts(item),
                           can_enter=permissions.can_enter_competitions(current_user),
                           any_published=bool(results_public.published_skills(item)),
                           medals=results_public.has_medal_table(item))


def _not_published() -> NotAllowed:
    return NotAllowed("results.not_published", N_("The results of this skill are not yet published."))


@bp.get("/skills/<int:skill_id>/results")
def skill_results(skill_id: int):
    """A skill's ranking. Anonymous visitors of a published skill get the cached page (see
    ``results_public``): one query for the version, then a dictionary look-up. The version is read before
    the page is rendered, so a stored page is never older than its version."""
    cacheable = not current_user.is_authenticated and not request.query_string and "_flashes" not in session
    key = (skill_id, select_locale())
    version = results_public.results_version(skill_id) if cacheable else None
    if version is not None and (page := page_cache.get(key, version)) is not None:
        return page
    skill = db.session.get(Skill, skill_id)
    if skill is None or not skill.event.is_public:
        raise not_found()
    if not permissions.can_view_results(current_user, skill):
        raise _not_published()
    page = render_template("competition/results.html", skill=skill, rows=results_public.ranking(skill),
                           scaled=results_public.is_worldskills_model(skill.event))
    if version is not None and skill.results_published:
        page_cache.put(key, version, page)
    return page


@bp.get("/events/<int:event_id>/results")
def event_results(event_id: int):
    """Every skill of the event whose results the visitor may see, one ranking each."""
    item = _public_event(event_id)
    skills = results_public.visible_skills(item, current_user)
    return render_template("competition/event_results.html", event=item,
                           sections=[(skill, results_public.ranking(skill)) for skill in skills],
                           scaled=results_public.is_worldskills_model(item),
                           medals=results_public.has_medal_table(item))


def lookup_limit() -> str:
    """Contestant look-ups allowed per address (Flask-Limiter syntax), a setting."""
    return current_app.config["SAIPING_LOOKUP_LIMIT"]


@bp.route("/events/<int:event_id>/lookup", methods=["GET", "POST"])
@limiter.limit(lookup_limit, methods=["POST"])
def lookup(event_id: int):
    """Find one's own published result by 参赛号, or by name and the last 4 characters of the ID. The answer
    is the same for "no such person", "no entry" and "not published", so the form cannot be used to find
    out who entered."""
    item = _public_event(event_id)
    form = LookupForm()
    form.skill_id.choices = [("", _("Choose a skill"))] + [(str(s.id), f"{s.code} {s.name}") for s in item.skills]
    found, searched = [], False
    if form.validate_on_submit():
        number, name, tail = (form.number.data or "").strip(), (form.name.data or "").strip(), \
            (form.id_tail.data or "").strip()
        if number and form.skill_id.data:
            found, searched = results_public.lookup_by_number(item, int(form.skill_id.data), number), True
        elif name and tail:
            found, searched = results_public.lookup_by_name(item, name, tail), True
        else:
            flash(_("Enter a skill and a competitor number, or a name and the last 4 characters of the ID "
                    "document number."), "warning")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "danger")
    return render_template("competition/lookup.html", event=item, form=form, found=found, searched=searched,
                           scaled=results_public.is_worldskills_model(item))


@bp.get("/events/<int:event_id>/medals")
def medal_table(event_id: int):
    """The medal table by country of a 一带一路 event (published skills only)."""
    item = _public_event(event_id)
    if not results_public.has_medal_table(item):
        raise not_found()
    published = results_public.published_skills(item)
    return render_template("competition/medals.html", event=item, published=published,
                           rows=results_public.medal_table(item) if published else [],
                           settings=results_public.medal_table_settings(item))


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
