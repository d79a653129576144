"""Small helpers shared by the page handlers."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request, url_for
from flask_login import current_user

from competition.errors import DomainError, forbidden
from competition.extensions import db


def require(predicate: Callable[..., bool], *args: Any) -> None:
    """Abort with 403 unless ``predicate(current_user, *args)`` holds."""
    if not predicate(current_user, *args):
        raise forbidden()


def attempt(action: Callable[[], Any], success: str, redirect_to: str) -> Any:
    """Run a service call and commit; on a refusal roll back and flash its message. Either way, redirect."""
    try:
        action()
        db.session.commit()
        flash(success, "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.text(), "danger")
    return redirect(redirect_to)


def form_errors(form: Any) -> None:
    for field, messages in form.errors.items():
        label = getattr(getattr(form, field, None), "label", None)
        for message in messages:
            flash(f"{label.text if label else field}: {message}", "danger")


def safe_next(default_endpoint: str) -> str:
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else url_for(default_endpoint)


def managed_event(event_id: int) -> Any:
    """The event, when the signed-in user organises it: 404 when unknown, 403 otherwise."""
    from competition import permissions
    from competition.models import Event
    from competition.services.events import get_or_404
    event = get_or_404(Event, event_id)
    require(permissions.can_manage_event, event)
    return event


def managed_skill(skill_id: int) -> Any:
    """The skill, when the signed-in user organises its event: 404 when unknown, 403 otherwise."""
    from competition import permissions
    from competition.models import Skill
    from competition.services.events import get_or_404
    skill = get_or_404(Skill, skill_id)
    require(permissions.can_manage_event, skill.event)
    return skill
