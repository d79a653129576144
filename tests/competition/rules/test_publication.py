"""Publicity (公示) periods in working days and appeal deadlines: hand-worked dates and properties."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.rules.publication import (
    AppealSettings,
    PublicationError,
    PublicationSettings,
    appeal_deadline,
    is_working_day,
    publicity_ends,
)

CHONGQING = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(("published", "ends"), [
    (datetime(2026, 10, 23, 10, 0), datetime(2026, 10, 30, 10, 0)),   # Friday → next Friday
    (datetime(2026, 10, 24, 10, 0), datetime(2026, 10, 30, 10, 0)),   # Saturday → Friday (count from Monday)
    (datetime(2026, 10, 25, 22, 0), datetime(2026, 10, 30, 22, 0)),   # Sunday evening
    (datetime(2026, 10, 26, 9, 30), datetime(2026, 11, 2, 9, 30)),    # Monday → next Monday
    (datetime(2026, 10, 28, 17, 0), datetime(2026, 11, 4, 17, 0)),    # Wednesday → next Wednesday
])
def test_five_working_days(published, ends):
    assert publicity_ends(published.replace(tzinfo=CHONGQING)) == ends.replace(tzinfo=CHONGQING)


def test_the_period_is_a_setting():
    start = datetime(2026, 10, 23, 10, 0, tzinfo=CHONGQING)  # a Friday
    assert publicity_ends(start, PublicationSettings(publicity_working_days=0)) == start
    assert publicity_ends(start, PublicationSettings(publicity_working_days=1)) == start + timedelta(days=3)
    for bad in (-1, 1.5, True, "5"):
        with pytest.raises(PublicationError):
            PublicationSettings(publicity_working_days=bad)


def test_appeal_deadline():
    locked = datetime(2026, 10, 22, 16, 0, tzinfo=UTC)
    assert appeal_deadline(locked) == datetime(2026, 10, 22, 18, 0, tzinfo=UTC)
    assert appeal_deadline(locked, AppealSettings(window_hours=0.5)) == locked + timedelta(minutes=30)
    for bad in ({"window_hours": 0}, {"window_hours": -2}, {"window_hours": 10_000}, {"window_starts": "end"}):
        with pytest.raises(PublicationError):
            AppealSettings(**bad)
    with pytest.raises(ValueError):
        appeal_deadline(datetime(2026, 10, 22, 16, 0))  # naive: which Saturday would that be?


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)), st.integers(0, 30))
def test_the_period_holds_exactly_n_working_days(start, days):
    start = start.replace(tzinfo=CHONGQING)
    end = publicity_ends(start, PublicationSettings(publicity_working_days=days))
    assert end.time() == start.time() and end >= start
    between = [start.date() + timedelta(days=i) for i in range(1, (end.date() - start.date()).days + 1)]
    assert sum(1 for d in between if d.weekday() < 5) == days
    assert days == 0 or is_working_day(end)


def test_public_holidays_and_makeup_working_days_are_settings():
    """An example National Day week: 1-7 October off, Saturday 10 October worked (调休)."""
    settings = PublicationSettings(holidays=[f"2026-10-0{d}" for d in range(1, 8)],
                                   extra_working_days=["2026-10-10"])
    published = datetime(2026, 9, 30, 10, 0, tzinfo=CHONGQING)   # a Wednesday
    # 8 (Thu), 9 (Fri), 10 (Sat, worked), 12 (Mon), 13 (Tue)
    assert publicity_ends(published, settings) == datetime(2026, 10, 13, 10, 0, tzinfo=CHONGQING)
    assert publicity_ends(published) == datetime(2026, 10, 7, 10, 0, tzinfo=CHONGQING)  # without them
    assert not is_working_day(datetime(2026, 10, 5, 9, 0, tzinfo=CHONGQING), settings)   # a Monday off
    assert is_working_day(datetime(2026, 10, 10, 9, 0, tzinfo=CHONGQING), settings)      # a Saturday worked
    with pytest.raises(PublicationError) as bad:
        PublicationSettings(holidays=["2026-13-01"])
    assert bad.value.code == "publication.invalid_date"
