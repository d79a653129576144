"""The judges' tablet pages, the chief judge's view and the supervisor's countersigning.

Judges see the outer anonymous codes (成果号) only, never names, organisations or competitor numbers
(``draw.judge_labels``; before the draw has made codes, the provisional competitor number). The marking sheet is a small
offline-first page (static/tablet/): marks queue on the tablet and sync through the API when the
network is there; the per-competitor form is the same thing without JavaScript."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from competition import permissions
from competition.errors import not_found
from competition.extensions import db
from competition.models import Correction, Entry, EntryStatus, Mark, MarkConflict, Role, Skill
from competition.services import draw, events, marking, results
from competition.services.events import get_or_404
from competition.views._helpers import attempt, require

bp = Blueprint("tablet", __name__, url_prefix="/tablet")


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, served from /tablet/ so that its scope covers the tablet pages."""
    response = current_app.send_static_file("tablet/sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return response


@bp.before_request
@login_required
def _signed_in() -> None:
    pass


def _skill(skill_id: int) -> Skill:
    skill = get_or_404(Skill, skill_id)
    require(permissions.can_score, skill)
    return skill


def _chief_skill(skill_id: int) -> Skill:
    skill = get_or_404(Skill, skill_id)
    require(permissions.is_chief_judge, skill)
    return skill


@bp.get("/")
def panels():
    return render_template("tablet/panels.html", duties=results.judging_duties(current_user),
                           supervisor=permissions.has_role(current_user, Role.SUPERVISOR))


@bp.get("/skills/<int:skill_id>")
def skill(skill_id: int):
    item = _skill(skill_id)
    if permissions.is_chief_judge(current_user, item):
        return redirect(url_for("tablet.chief", skill_id=skill_id))
    scheme = events.published_scheme(item.id)
    labels = draw.judge_labels(item)
    entries = sorted(marking.markable_entries(item), key=lambda e: labels[e.id])
    own = marking.judge_view(item, current_user.person_id)
    sheet = {
        "skill": {"id": item.id, "code": item.code, "name": item.name},
        "entries": [{"id": e.id, "number": labels[e.id]} for e in entries],
        "aspects": [{"id": a.id, "code": a.code, "criterion": a.criterion.code, "kind": a.kind, "method": a.method,
                     "max": str(a.max_mark), "text": a.description, "text_en": a.description_en,
                     "descriptors": a.descriptors} for a in scheme.aspects] if scheme else [],
        "marks": {f"{e}:{a}": str(v) for (e, a), v in own.items()},
        "locked": item.marks_locked,
    }
    return render_template("tablet/sheet.html", skill=item, scheme=scheme, sheet=sheet, entries=entries, labels=labels,
                           progress=marking.progress(item, current_user.person_id) if scheme else {},
                           aspect_count=len(scheme.aspects) if scheme else 0)


@bp.route("/skills/<int:skill_id>/entries/<int:entry_id>", methods=["GET", "POST"])
def mark_entry(skill_id: int, entry_id: int):
    """The same marking without JavaScript: one form per competitor."""
    item = _skill(skill_id)
    entry = get_or_404(Entry, entry_id)
    if entry.skill_id != item.id or entry.status != EntryStatus.APPROVED:
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
                           label=draw.judge_labels(item)[entry.id],
                           current=marking.current_marks(entry.id, current_user.person_id))


@bp.post("/skills/<int:skill_id>/submit")
def submit(skill_id: int):
    item = _skill(skill_id)
    return attempt(lambda: marking.submit_sheet(current_user, item), _("Your sheet has been submitted."),
                   url_for("tablet.skill", skill_id=skill_id))


# --- the chief judge -----------------------------------------------------------------------------------

@bp.get("/skills/<int:skill_id>/chief")
def chief(skill_id: int):
    item = _chief_skill(skill_id)
    state = marking.sheet_state(item)
    labels = draw.judge_labels(item)
    locked_marks = sorted(db.session.scalars(select(Mark).join(Entry).where(Entry.skill_id == item.id)).all(),
                          key=lambda m: (labels.get(m.entry_id, ""), m.aspect_id)) if item.marks_locked else []
    corrections = db.session.scalars(select(Correction).join(Mark).join(Entry).where(Entry.skill_id == item.id)
                                     .order_by(Correction.id.desc())).all()
    return render_template("tablet/chief.html", skill=item, state=state, team=marking.scorers(item),
                           locked_marks=locked_marks, corrections=corrections,
                           scheme=events.published_scheme(item.id), labels=labels,
                           codes=draw.anonymisation(item))


@bp.get("/skills/<int:skill_id>/chief/state.json")
def chief_state(skill_id: int):
    """The live numbers of the chief judge's view, polled by the page."""
    item = _chief_skill(skill_id)
    state = marking.sheet_state(item)
    return jsonify(progress={str(k): list(v) for k, v in state.progress.items()}, missing=len(state.missing),
                   spread=len(state.spread), mismatched=len(state.mismatched), conflicts=len(state.conflicts),
                   submitted=sorted(state.submitted), locked=item.marks_locked, ready=state.ready_to_lock)


@bp.post("/skills/<int:skill_id>/lock")
def lock(skill_id: int):
    item = _chief_skill(skill_id)
    return attempt(lambda: marking.lock_skill(current_user, item), _("The marks are locked."),
                   url_for("tablet.chief", skill_id=skill_id))


@bp.post("/conflicts/<int:conflict_id>")
def resolve_conflict(conflict_id: int):
    conflict = get_or_404(MarkConflict, conflict_id)
    skill_id = conflict.mark.entry.skill_id
    _chief_skill(skill_id)
    replace = request.form.get("resolution") == "replace"
    return attempt(lambda: marking.resolve_conflict(current_user, conflict, replace), _("The conflict is resolved."),
                   url_for("tablet.chief", skill_id=skill_id))


@bp.post("/marks/<int:mark_id>/correction")
def request_correction(mark_id: int):
    mark = get_or_404(Mark, mark_id)
    skill_id = mark.entry.skill_id
    _chief_skill(skill_id)
    return attempt(lambda: marking.request_correction(current_user, mark, request.form.get("value"),
                                                      request.form.get("reason", "")),
                   _("The correction waits for a supervisor's countersignature."),
                   url_for("tablet.chief", skill_id=skill_id))


# --- the supervisor ------------------------------------------------------------------------------------

@bp.get("/corrections")
def corrections():
    require(permissions.has_role, Role.SUPERVISOR)
    pending = marking.pending_corrections()
    return render_template("tablet/corrections.html", corrections=pending,
                           labels=draw.labels_for_entries([c.mark.entry_id for c in pending]))


@bp.post("/corrections/<int:correction_id>")
def countersign(correction_id: int):
    require(permissions.has_role, Role.SUPERVISOR)
    correction = get_or_404(Correction, correction_id)
    approve = request.form.get("decision") == "approve"
    return attempt(lambda: marking.countersign_correction(current_user, correction, approve),
                   _("The correction has been applied.") if approve else _("The correction has been rejected."),
                   url_for("tablet.corrections"))
