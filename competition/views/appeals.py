"""Appeals (申诉): filing (contestant or team leader), the ruling (监督仲裁组) and re-marking (judges)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from competition import permissions
from competition.errors import DomainError, forbidden
from competition.extensions import db
from competition.forms import AppealDecisionForm, AppealForm, RemarkForm
from competition.models import AppealMark, Entry, Mark, Role
from competition.services import appeals
from competition.services.events import get_or_404
from competition.views._helpers import attempt, form_errors, require

bp = Blueprint("appeals", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    return None


@bp.get("/appeals")
def mine():
    """Entries the user may appeal for, with their windows, and the appeals filed for them."""
    return render_template("appeals/mine.html", entries=appeals.appealable_entries(current_user),
                           appeals=appeals.appeals_for(current_user), window=appeals.window,
                           window_open=appeals.window_open)


def _mark_choices(entry: Entry) -> list[SelectChoice]:
    """The entry's marks, named by aspect and an anonymous judge number (never the judge or the value)."""
    rows = db.session.scalars(select(Mark).where(Mark.entry_id == entry.id).order_by(Mark.aspect_id, Mark.id))
    choices, seen = [], {}
    for mark in rows:
        seen[mark.aspect_id] = seen.get(mark.aspect_id, 0) + 1
        choices.append(SelectChoice(mark.id, f"{mark.aspect.code} {mark.aspect.description} · "
                                    + _("mark %(n)s", n=seen[mark.aspect_id])))
    return choices


@bp.route("/appeals/entries/<int:entry_id>/new", methods=["GET", "POST"])
def file(entry_id: int):
    entry = get_or_404(Entry, entry_id)
    require(permissions.can_appeal_for, entry)
    form = AppealForm()
    form.marks.choices = _mark_choices(entry)
    if form.is_submitted():
        if form.validate():
            try:
                appeals.file_appeal(current_user, entry, list(form.marks.data or []), form.grounds.data)
                db.session.commit()
                flash(_("Your appeal has been filed with the supervision and arbitration group."), "success")
                return redirect(url_for("appeals.mine"))
            except DomainError as error:
                db.session.rollback()
                form.grounds.errors = [*form.grounds.errors, error.text()]
        else:
            form_errors(form)
    return render_template("appeals/file.html", entry=entry, form=form, window=appeals.window(entry.skill))


@bp.get("/arbitration")
def arbitration():
    """The 监督仲裁组's desk: pending appeals with the marks they name."""
    if not permissions.has_role(current_user, Role.SUPERVISOR):
        raise forbidden()
    return render_template("appeals/arbitration.html", pending=appeals.pending_for(current_user),
                           form=AppealDecisionForm())


@bp.post("/arbitration/<int:appeal_id>")
def decide(appeal_id: int):
    appeal = appeals.get(appeal_id)
    require(permissions.can_decide_appeals, appeal.skill)
    form = AppealDecisionForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("appeals.arbitration"))
    return attempt(lambda: appeals.decide(current_user, appeal, form.decision.data == "uphold", form.reason.data),
                   _("The ruling has been recorded."), url_for("appeals.arbitration"))


@bp.get("/appeals/remark")
def to_remark():
    return render_template("appeals/remark.html", items=appeals.to_remark(current_user), form=RemarkForm())


@bp.post("/appeals/marks/<int:item_id>/remark")
def remark(item_id: int):
    item = get_or_404(AppealMark, item_id)
    require(permissions.can_score, item.appeal.skill)
    form = RemarkForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(url_for("appeals.to_remark"))
    return attempt(lambda: appeals.remark(current_user, item, form.value.data, form.note.data or ""),
                   _("The mark has been re-marked."), url_for("appeals.to_remark"))
