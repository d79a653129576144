"""The judge's tablet pages. Judges see competitor numbers only, never names or organisations."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from competition import permissions
from competition.extensions import db
from competition.models import Entry, EntryStatus, Skill
from competition.services import events, marking, results
from competition.services.events import get_or_404
from competition.views._helpers import require

bp = Blueprint("tablet", __name__, url_prefix="/tablet")


@bp.before_request
@login_required
def _signed_in() -> None:
    pass


def _skill(skill_id: int) -> Skill:
    skill = get_or_404(Skill, skill_id)
    require(permissions.can_score, skill)
    return skill


@bp.get("/")
def panels():
    return render_template("tablet/panels.html", duties=results.judging_duties(current_user))


@bp.get("/skills/<int:skill_id>")
def skill(skill_id: int):
    item = _skill(skill_id)
    scheme = events.published_scheme(item.id)
    progress = marking.progress(item, current_user.person_id) if scheme else {}
    return render_template("tablet/skill.html", skill=item, scheme=scheme, entries=marking.markable_entries(item),
                           progress=progress, aspect_count=len(scheme.aspects) if scheme else 0)


@bp.route("/skills/<int:skill_id>/entries/<int:entry_id>", methods=["GET", "POST"])
def mark_entry(skill_id: int, entry_id: int):
    item = _skill(skill_id)
    entry = get_or_404(Entry, entry_id)
    if entry.skill_id != item.id or entry.status != EntryStatus.APPROVED:
        from competition.errors import not_found
        raise not_found()
    scheme = events.published_scheme(item.id)
    if request.method == "POST" and scheme is not None:
        batch = [{"aspect_id": aspect.id, "entry_id": entry.id, "value": request.form.get(f"aspect-{aspect.id}")}
                 for aspect in scheme.aspects if request.form.get(f"aspect-{aspect.id}", "").strip() != ""]
        outcomes = marking.record_marks(current_user, batch, device=request.headers.get("User-Agent", "")[:100])
        db.session.commit()
        refused = [o for o in outcomes if o.status == "refused"]
        for outcome in refused:
            flash(f"{outcome.aspect_code}: {outcome.message}", "danger")
        if not refused:
            flash(_("%(n)s marks saved.", n=len(outcomes)), "success")
        return redirect(url_for("tablet.mark_entry", skill_id=skill_id, entry_id=entry_id))
    return render_template("tablet/entry.html", skill=item, entry=entry, scheme=scheme,
                           current=marking.current_marks(entry.id, current_user.person_id))
