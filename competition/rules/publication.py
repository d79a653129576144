"""Publication and appeal deadlines (DOMAIN.md §6): pure date arithmetic, no Flask, no database.

- 公示 (publicity): published results become final after ``publicity_working_days`` working days
  (default 5). A working day is Monday to Friday; the period ends at the same local time of day as the
  publication, on the N-th working day after the day of publication (published on a Saturday or Sunday,
  the count starts on the Monday). Public holidays are a setting (``holidays``: ISO dates off), as are the
  weekend days worked in their place (``extra_working_days``, 调休): the State Council publishes both each year.
- 申诉 (appeals): accepted for ``window_hours`` (default 2) from the moment the window starts:
  ``window_starts`` = "marks_locked" (default: the chief judge's lock, which closes the skill's
  competition and marking) or "published" (the start of the 公示 period, for events that let contestants
  see their marks first). An appeal at exactly the deadline is still in time.

Datetimes must be timezone-aware; the caller passes them in the event's local time zone so that
"Saturday" means the local Saturday.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from competition.rules import N_, RuleError

__all__ = ["AppealSettings", "PublicationError", "PublicationSettings", "WindowStart", "appeal_deadline",
           "is_working_day", "publicity_ends"]


class PublicationError(RuleError):
    pass


class WindowStart(StrEnum):
    MARKS_LOCKED = "marks_locked"
    PUBLISHED = "published"


@dataclass(frozen=True)
class PublicationSettings:
    """``publicity_working_days``: length of the 公示 period (DOMAIN.md §6 default 5; 0 = final at once).
    ``holidays``: ISO dates that are not working days (法定节假日); ``extra_working_days``: weekend dates that
    are (调休). Both empty by default."""

    publicity_working_days: int = 5
    holidays: tuple[date, ...] | tuple[str, ...] = ()
    extra_working_days: tuple[date, ...] | tuple[str, ...] = ()

    def __post_init__(self) -> None:
        days = self.publicity_working_days
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise PublicationError("publication.invalid", N_("The publicity period must be a whole number of "
                                                             "working days, 0 or more."))
        for name in ("holidays", "extra_working_days"):
            object.__setattr__(self, name, tuple(_date(value) for value in getattr(self, name) or ()))


def _date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PublicationError("publication.invalid_date", N_("%(value)s is not a date (write it as 2026-10-01)."),
                               value=value) from None


@dataclass(frozen=True)
class AppealSettings:
    """``window_hours`` (DOMAIN.md §6 default 2) counted from ``window_starts``."""

    window_hours: float = 2
    window_starts: WindowStart | str = WindowStart.MARKS_LOCKED

    def __post_init__(self) -> None:
        hours = self.window_hours
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= 24 * 30:
            raise PublicationError("appeals.invalid_window", N_("The appeal window must be between 0 and 720 "
                                                                "hours."))
        if self.window_starts not in {w.value for w in WindowStart}:
            raise PublicationError("appeals.invalid_start", N_("The appeal window starts at the marks lock or "
                                                               "at publication."))
        object.__setattr__(self, "window_starts", WindowStart(self.window_starts))


def _aware(moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")


def is_working_day(moment: datetime, settings: PublicationSettings = PublicationSettings()) -> bool:
    day = moment.date()
    if day in settings.extra_working_days:
        return True
    return day.weekday() < 5 and day not in settings.holidays


def publicity_ends(published_at: datetime, settings: PublicationSettings = PublicationSettings()) -> datetime:
    """The end of the 公示 period for results published at ``published_at`` (see the module contract)."""
    _aware(published_at)
    end, counted = published_at, 0
    while counted < settings.publicity_working_days:
        end += timedelta(days=1)
        if is_working_day(end, settings):
            counted += 1
    return end


def appeal_deadline(window_start: datetime, settings: AppealSettings = AppealSettings()) -> datetime:
    """The last moment an appeal is accepted, for a window starting at ``window_start``."""
    _aware(window_start)
    return window_start + timedelta(hours=settings.window_hours)
