"""The draw, the anonymous codes and check-in: the public replay page, the 加密裁判's and organiser's draw
desk, the 裁判长's approval of the reveal, admission tickets and the check-in desk at the door."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from competition import permissions
from competition.errors import DomainError, not_found
from competition.extensions import db
from competition.models import Entry, Event, Skill
from competition.services import draw, marking
from competition.services.events import get_or_404
from competition.views._helpers import attempt, require

bp = Blueprint("draw", __name__)


def _public_skill(skill_id: int) -> Skill:
    skill = db.session.get(Skill, skill_id)
    if skill is None or not (skill.event.is_public or permissions.can_manage_event(current_user, skill.event)):
        raise not_found()
    return skill


def _draw_skill(skill_id: int) -> Skill:
    skill = get_or_404(Skill, skill_id)
    require(permissions.can_run_draw, skill)
    return skill


@bp.get("/skills/<int:skill_id>/draw")
def public_draw(skill_id: int):
    """Public: the commitment before the draw; after it the seed, the inputs and the replay's verdict."""
    skill = _public_skill(skill_id)
    committed = draw.current_draw(skill)
    checked = draw.replay(committed) if committed is not None and committed.drawn else None
    return render_template("draw/public.html", skill=skill, draw=committed, replay=checked)


@bp.route("/skills/<int:skill_id>/draw/desk", methods=["GET", "POST"])
@login_required
def desk(skill_id: int):
    skill = _draw_skill(skill_id)
    if request.method == "POST":
        stations = draw.parse_labels(request.form.get("stations", ""))
        sessions = draw.parse_labels(request.form.get("sessions", ""), commas=False)
        return attempt(lambda: draw.commit_draw(current_user, skill, stations, sessions,
                                                request.form.get("prefix", "")),
                       _("The draw is committed: its hash is public. Run the draw when everyone is present."),
                       url_for("draw.desk", skill_id=skill_id))
    committed = draw.current_draw(skill)
    entries = marking.markable_entries(skill)
    return render_template("draw/desk.html", skill=skill, draw=committed, marked=draw.has_marks(skill),
                           entries=entries,
                           changed=committed is not None and sorted(committed.entry_ids) != sorted(e.id for e in entries))


@bp.post("/skills/<int:skill_id>/draw/run")
@login_required
def run(skill_id: int):
    skill = _draw_skill(skill_id)
    return attempt(lambda: draw.run_draw(current_user, skill), _("The draw has been made and its seed published."),
                   url_for("draw.desk", skill_id=skill_id))


@bp.get("/skills/<int:skill_id>/codes")
@login_required
def codes(skill_id: int):
    """The chained mappings 参赛号 → 成果号: the 加密裁判 and organisers; the 裁判长 once revealed."""
    skill = get_or_404(Skill, skill_id)
    held = draw.anonymisation(skill)
    require(permissions.can_read_codes, skill, held is not None and held.revealed_at is not None)
    return render_template("draw/codes.html", skill=skill, held=held, rows=draw.code_rows(skill),
                           can_reveal=permissions.can_run_draw(current_user, skill))


@bp.post("/skills/<int:skill_id>/codes/approve")
@login_required
def approve_reveal(skill_id: int):
    skill = get_or_404(Skill, skill_id)
    require(permissions.is_chief_judge, skill)
    return attempt(lambda: draw.approve_reveal(current_user, skill),
                   _("You have approved the reveal of the anonymous codes."),
                   url_for("tablet.chief", skill_id=skill_id))


@bp.post("/skills/<int:skill_id>/codes/reveal")
@login_required
def reveal(skill_id: int):
    skill = _draw_skill(skill_id)
    return attempt(lambda: draw.reveal(current_user, skill), _("The anonymous codes have been revealed."),
                   url_for("draw.codes", skill_id=skill_id))


def _pdf(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/skills/<int:skill_id>/tickets.pdf")
@login_required
def skill_tickets(skill_id: int):
    """Every admission ticket of the skill in one PDF, for the organiser to print."""
    skill = get_or_404(Skill, skill_id)
    require(permissions.can_check_in, skill.event)
    admissions = draw.admissions_of_skill(skill)
    if not admissions:
        flash(_("There are no admission tickets before the draw."), "warning")
        return redirect(url_for("draw.desk", skill_id=skill_id))
    return _pdf(draw.tickets_pdf(admissions), f"admission-{skill.code}.pdf")


@bp.get("/me/entries/<int:entry_id>/ticket.pdf")
@login_required
def my_ticket(entry_id: int):
    """The contestant's own admission ticket (准考证)."""
    entry = get_or_404(Entry, entry_id)
    admission = draw.admission_of(current_user.person_id, entry) if current_user.person_id else None
    if admission is None:
        raise not_found()
    return _pdf(draw.tickets_pdf([admission]), f"admission-{entry.skill.code}-{entry.competitor_number}.pdf")


@bp.route("/events/<int:event_id>/checkin", methods=["GET", "POST"])
@login_required
def checkin(event_id: int):
    """检录: a USB scanner types the ticket's code and Enter into the focused field, or a person types it."""
    event = get_or_404(Event, event_id)
    require(permissions.can_check_in, event)
    if request.method == "POST":
        try:
            done = draw.check_in(current_user, event, request.form.get("code", ""))
            db.session.commit()
            who = f"{done.admission.person.name} · {done.admission.skill.code} {done.admission.entry.competitor_number}"
            if done.already:
                flash(_("%(who)s was already checked in.", who=who), "info")
            else:
                flash(_("%(who)s is checked in.", who=who), "success")
        except DomainError as error:
            db.session.rollback()
            flash(error.text(), "danger")
        return redirect(url_for("draw.checkin", event_id=event_id))
    tickets = draw.checkin_list(event)
    return render_template("draw/checkin.html", event=event,
                           present=[t for t in tickets if t.checked_in_at is not None],
                           missing=[t for t in tickets if t.checked_in_at is None])
