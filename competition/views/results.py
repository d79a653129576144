"""The chief judge's review of a skill's draft results (before the organisers publish them)."""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from competition import permissions
from competition.models import Skill
from competition.services import publication, results
from competition.services.events import get_or_404
from competition.views._helpers import attempt, require

bp = Blueprint("results", __name__)


@bp.get("/skills/<int:skill_id>/results/review")
@login_required
def review(skill_id: int):
    skill = get_or_404(Skill, skill_id)
    require(permissions.can_view_unpublished_results, skill)
    return render_template("competition/review.html", skill=skill, rows=results.result_rows(skill),
                           missing=results.missing_marks(skill),
                           is_chief=permissions.is_chief_judge(current_user, skill))


@bp.post("/skills/<int:skill_id>/results/review")
@login_required
def confirm_review(skill_id: int):
    skill = get_or_404(Skill, skill_id)
    require(permissions.is_chief_judge, skill)
    return attempt(lambda: publication.review(current_user, skill),
                   _("You have reviewed the results; the organisers can publish them."),
                   url_for("results.review", skill_id=skill_id))
