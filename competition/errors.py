"""Domain errors: every refusal carries a stable code, an HTTP status and a message that can be rendered
in Chinese and in English. Services raise them; routes flash them; the API returns both languages."""
from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext

from competition.rules import N_

__all__ = ["N_", "DomainError", "Invalid", "NotAllowed", "NotFound", "StateConflict"]




class DomainError(Exception):
    """A refusal the user can act on. ``message`` is an English msgid marked with ``N_`` whose
    ``%(name)s`` placeholders are filled from ``params``."""

    status = 400

    def __init__(self, code: str, message: str, status: int | None = None, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.params = params
        if status is not None:
            self.status = status

    @classmethod
    def from_rule(cls, error: Exception, status: int | None = None) -> DomainError:
        """Wrap a pure rule's error (``code``, ``message`` msgid, ``params``) for the user."""
        return cls(error.code, error.message, status, **getattr(error, "params", {}))

    def text(self) -> str:
        """The message in the current locale."""
        return gettext(self.message, **self.params)

    def texts(self) -> dict[str, str]:
        """The message in every supported locale, for API clients and logs."""
        out = {}
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                out[locale] = self.text()
        return out

    def as_json(self) -> dict[str, Any]:
        texts = self.texts()
        return {"code": self.code, "message": self.text(), "message_zh": texts["zh_CN"],
                "message_en": texts["en"], "params": {k: str(v) for k, v in self.params.items()}}


class Invalid(DomainError):
    status = 400


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class StateConflict(DomainError):
    status = 409


def not_found() -> NotFound:
    return NotFound("not_found", N_("The page or record you asked for does not exist."))


def forbidden() -> NotAllowed:
    return NotAllowed("forbidden", N_("You do not have permission to do this."))
