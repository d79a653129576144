"""A signed-in person's own page: entries, results, judging duties, certificates."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from competition import permissions
from competition.errors import DomainError
from competition.extensions import db
from competition.forms import PasswordChangeForm
from competition.models import Role, Skill
from competition.security import password_stamp
from competition.services import accounts, appeals, draw, entries, results
from competition.services.events import get_or_404
from competition.views._helpers import attempt, form_errors, require

bp = Blueprint("me", __name__)


@bp.get("/me")
@login_required
def dashboard():
    from evaluation.services import certificates_of  # the evaluation side, loaded when used
    person_id = current_user.person_id
    my_entries = entries.entries_of(person_id) if person_id else []
    my_results = {e.id: results.published_result(e) for e in my_entries}  # None until published
    return render_template(
        "competition/me.html", entries=my_entries, my_results=my_results,
        seats={e.id: seat for e in my_entries if (seat := draw.seat_of(e)) is not None},
        breakdowns={eid: results.criterion_breakdown(r) for eid, r in my_results.items() if r is not None},
        can_appeal=bool(appeals.appealable_entries(current_user)),
        is_supervisor=permissions.has_role(current_user, Role.SUPERVISOR),
        to_remark=appeals.to_remark(current_user),
        duties=results.judging_duties(current_user),
        certificates=certificates_of(person_id) if person_id else [],
        can_manage=permissions.can_manage_any_event(current_user),
        can_issue=permissions.can_issue_certificates(current_user),
        is_judge=permissions.has_role(current_user, Role.JUDGE),
        draw_events=draw.events_granted(current_user, Role.ENCRYPTION_JUDGE),
        checkin_events=draw.events_granted(current_user, Role.CHECKIN_STAFF))



@bp.post("/skills/<int:skill_id>/enter")
@login_required
def enter(skill_id: int):
    skill = get_or_404(Skill, skill_id)
    require(permissions.can_enter_competitions)
    return attempt(lambda: entries.enter_skill(current_user, skill),
                   _("Your entry has been submitted. The organiser will review it."), url_for("me.dashboard"))


@bp.route("/me/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.text(), "danger")
            return render_template("auth/password.html", form=form), error.status
        db.session.commit()
        session["password_stamp"] = password_stamp(current_user)  # this session goes on; the others end
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("me.dashboard"))
    form_errors(form)
    return render_template("auth/password.html", form=form)
