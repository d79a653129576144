"""The JSON API under /api/v1, documented at /api/v1/openapi.json (flask-smorest).

Tablets and scripts authenticate with a bearer token; pages' scripts may use the session cookie, and then
every state-changing call must carry the CSRF token in ``X-CSRFToken`` (bearer calls are not exposed to CSRF)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from competition.errors import DomainError

if TYPE_CHECKING:
    from flask_smorest import Api, Blueprint


def guard_api_request() -> None:
    """Cookie-authenticated calls that change state must carry the CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if not current_user.is_authenticated:
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError:
        from competition.web_errors import CSRF_MESSAGE
        raise DomainError("csrf", CSRF_MESSAGE, 400) from None


def api_blueprint(name: str, description: str) -> Blueprint:
    """A blueprint of the API: exempt from the form CSRF check (bearer calls cannot be forged by another
    site) and guarded by :func:`guard_api_request` for cookie-authenticated calls."""
    from flask_smorest import Blueprint

    from competition.extensions import csrf
    blueprint = Blueprint(name, name, description=description)
    blueprint.before_request(guard_api_request)
    csrf.exempt(blueprint)
    return blueprint


def register_api(api: Api) -> None:
    from competition.api import auth, events, marks, me

    for module in (auth, events, marks, me):
        api.register_blueprint(module.blp, url_prefix="/api/v1" + module.PREFIX)
