"""Password rules, applied when an account is created and when a password is changed.

A password must have at least ``min_length`` characters (the setting ``SAIPING_PASSWORD_MIN_LENGTH``),
must not be all digits or all letters, and must not contain the user name."""
from __future__ import annotations

from competition.rules import N_, RuleError


class WeakPassword(RuleError):
    """The password breaks one of the rules; ``code`` says which."""


def check_password(password: str, username: str, *, min_length: int) -> None:
    """Return when ``password`` is acceptable for ``username``, else raise :class:`WeakPassword`."""
    if len(password) < min_length:
        raise WeakPassword("password.too_short", N_("The password must have at least %(n)s characters."),
                           n=min_length)
    if password.isdigit():
        raise WeakPassword("password.digits_only", N_("The password must not be made of digits only."))
    if password.isalpha():
        raise WeakPassword("password.letters_only",
                           N_("The password must mix letters with digits or symbols."))
    name = username.strip().casefold()
    if name and name in password.casefold():
        raise WeakPassword("password.contains_username", N_("The password must not contain the user name."))
