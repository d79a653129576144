"""Evaluation officers' pages and the public certificate verification page."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from competition import permissions
from competition.errors import forbidden
from competition.extensions import db, limiter
from competition.models import Organisation
from competition.services.events import get_or_404
from competition.views._helpers import attempt, require
from evaluation import services
from evaluation.models import Certificate

bp = Blueprint("evaluation", __name__)


@bp.get("/evaluation/")
@login_required
def dashboard():
    require(permissions.can_issue_certificates)
    bodies = db.session.scalars(select(Organisation).where(
        Organisation.id.in_(permissions.evaluation_bodies(current_user)))).all()
    issued = db.session.scalars(select(Certificate).where(
        Certificate.body_id.in_([b.id for b in bodies])).order_by(Certificate.id.desc()).limit(200)).all()
    return render_template("evaluation/dashboard.html", bodies=bodies, candidates=services.promotion_candidates(),
                           issued=issued)


@bp.post("/evaluation/issue")
@login_required
def issue():
    require(permissions.can_issue_certificates)
    form = request.form
    try:
        body_id, result_id, person_id = (int(form.get(k, "")) for k in ("body_id", "result_id", "person_id"))
    except ValueError:
        from competition.errors import N_, Invalid
        raise Invalid("certificate.form", N_("The request is incomplete.")) from None
    return attempt(lambda: services.issue_from_candidate(current_user, body_id, result_id, person_id),
                   _("The certificate has been issued."), url_for("evaluation.dashboard"))


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id: int):
    certificate = get_or_404(Certificate, certificate_id)
    if not (current_user.person_id == certificate.person_id
            or permissions.can_issue_certificates(current_user, certificate.body_id)):
        raise forbidden()
    pdf = services.certificate_pdf(certificate)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{certificate.number}.pdf"'})


@bp.get("/verify")
@limiter.limit("30 per minute")
def verify():
    number, code = request.args.get("number", ""), request.args.get("code", "")
    certificate = services.verify(number, code) if number and code else None
    return render_template("evaluation/verify.html", number=number, code=code, certificate=certificate,
                           asked=bool(number and code))
