"""Languages: Chinese (zh_CN) by default, English complete. The choice is the user's saved preference,
else the language picked with the switch on every page (kept in the session), else zh_CN."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from competition.extensions import babel


def select_locale() -> str:
    supported = current_app.config["SAIPING_LOCALES"]
    if not has_request_context():  # the CLI and the scheduler
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in supported:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def is_english() -> bool:
    return str(get_locale()).startswith("en")


def pick(zh: str | None, en: str | None) -> str:
    """Of a record's Chinese and English texts, the one for the current locale (falling back to the other)."""
    if is_english():
        return en or zh or ""
    return zh or en or ""


def country_name(code: str | None) -> str:
    """The name of an ISO 3166-1 alpha-2 country or region in the current language (the code when unknown)."""
    if not code:
        return ""
    return get_locale().territories.get(code.upper(), code)


def colon() -> str:
    """The colon after a label: full-width in Chinese."""
    return ": " if is_english() else "："


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path + "/translations"))
    from competition.labels import label
    from competition.models.people import mask_name
    from evaluation.rules.ladder import Grade, certificate_label

    app.jinja_env.globals.update(get_locale=get_locale, pick=pick, is_english=is_english, label=label, colon=colon,
                                country_name=country_name)
    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime, decimal=format_decimal, mask_name=mask_name,
        grade_label=lambda code: certificate_label(Grade(code)))
