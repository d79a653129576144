"""Accounts: sign-in, sign-up, roles and API tokens."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from competition.errors import N_, DomainError, Invalid, StateConflict
from competition.extensions import db
from competition.models import ApiToken, Role, RoleGrant, User
from competition.rules.passwords import WeakPassword, check_password
from competition.security import token_hash
from competition.services import audit

# A fixed hash to compare against when the username is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def check_password_rules(password: str, username: str) -> None:
    """Raise :class:`Invalid` when the password breaks a rule of :mod:`competition.rules.passwords`."""
    try:
        check_password(password, username, min_length=current_app.config["SAIPING_PASSWORD_MIN_LENGTH"])
    except WeakPassword as error:
        raise Invalid.from_rule(error) from None


def create_user(username: str, password: str, display_name: str, *, person=None,
                roles: tuple[tuple[str, int | None, int | None], ...] = (), locale: str | None = None,
                check_rules: bool = True) -> User:
    """Create an account with grants given as (role, event_id, organisation_id)."""
    username = username.strip()
    if not username:
        raise Invalid("username.required", N_("Enter a user name."))
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise StateConflict("username.taken", N_("The user name %(name)s is already taken."), name=username)
    if check_rules:
        check_password_rules(password, username)
    user = User(username=username, password_hash=generate_password_hash(password), display_name=display_name,
                person=person, locale=locale)
    for role, event_id, organisation_id in roles:
        user.grants.append(RoleGrant(role=role, event_id=event_id, organisation_id=organisation_id))
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, actor=user if not _signed_in() else None,
                 after={"username": username, "roles": [list(r) for r in roles]})
    return user


def _signed_in() -> bool:
    from flask import has_request_context
    from flask_login import current_user
    return has_request_context() and getattr(current_user, "is_authenticated", False)


def authenticate(username: str, password: str) -> User:
    """The active user with these credentials, or raise. Failed and successful sign-ins are audited."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not user or not valid or not user.active:
        audit.record("auth.login_failed", actor=None, object_type="user_account",
                     object_id=user.id if user else None, after={"username": username.strip()[:64]})
        db.session.commit()
        raise DomainError("auth.invalid", N_("The user name or password is wrong."), 401)
    user.last_login_at = datetime.now(UTC)
    audit.record("auth.login", user, actor=user)
    return user


def load_active_user(user_id: str) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user and user.active else None


def issue_token(user: User, device: str | None = None) -> tuple[str, ApiToken]:
    """A new bearer token; the plain token is returned once and only its hash is stored."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=token_hash(token), device=(device or "")[:100] or None,
                   expires_at=datetime.now(UTC) + current_app.config["SAIPING_TOKEN_TTL"])
    db.session.add(row)
    audit.record("auth.token_issued", row, actor=user, after={"device": row.device})
    return token, row


def grant(user: User, role: Role, *, event_id: int | None = None, organisation_id: int | None = None) -> None:
    exists = db.session.scalar(select(RoleGrant.id).where(
        RoleGrant.user_id == user.id, RoleGrant.role == role,
        RoleGrant.event_id.is_(None) if event_id is None else RoleGrant.event_id == event_id,
        RoleGrant.organisation_id.is_(None) if organisation_id is None
        else RoleGrant.organisation_id == organisation_id))
    if exists:
        return
    db.session.add(RoleGrant(user_id=user.id, role=role, event_id=event_id, organisation_id=organisation_id))
    audit.record("role.grant", user, after={"role": role, "event_id": event_id,
                                            "organisation_id": organisation_id})


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one and the password rules; audited (no passwords in
    the log). The user's other sessions end at their next request (:func:`competition.security.password_stamp`)."""
    if not check_password_hash(user.password_hash, current_password):
        raise Invalid("password.current_wrong", N_("The current password is wrong."))
    check_password_rules(new_password, user.username)
    user.password_hash = generate_password_hash(new_password)
    audit.record("auth.password_changed", user, actor=user)
