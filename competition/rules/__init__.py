"""Pure rules: plain functions with no Flask and no database (scoring, standardisation, ranking, awards,
identity, draw, conflicts, assignment). Every refusal is a :class:`RuleError`."""
from __future__ import annotations

from typing import Any


def N_(msgid: str) -> str:  # noqa: N802 - the conventional gettext marker (pybabel extract -k N_)
    """Mark an English msgid for extraction; it is translated when shown."""
    return msgid


class RuleError(ValueError):
    """A rule refused its input: ``code`` is stable and machine-readable, ``message`` an English msgid whose
    ``%(name)s`` placeholders are filled from ``params`` (services show it in Chinese or English)."""

    def __init__(self, code: str, message: str, /, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return f"{self.code}: {self.message % self.params}"
