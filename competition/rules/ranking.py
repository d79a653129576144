"""Ranking: the places of one skill (one group) from totals and the tie-break chain (DOMAIN.md §6).

Pure: no Flask, no database, no I/O. The chain and the "no shared places in the top N" rule are
:class:`RankingSettings` fields with the DOMAIN.md defaults.

Contract of :func:`rank`:

- Competitors are ordered by the first criterion of ``settings.tie_breaks`` (always ``total``, higher is
  better); each later criterion only splits a group still tied on every earlier one. ``completion_time``
  is better when shorter, ``total``/``practical``/``theory`` when higher.
- Missing values (None) are never compared. A still-tied group is split by the earliest criterion of the
  chain, not yet used on it, that every member has a value for; a criterion skipped because someone
  lacked it is tried again once a later criterion has separated that competitor from the rest. So missing
  data neither helps nor harms anyone, and the result is always a consistent order. With no missing
  values this is exactly the chain in order.
- Whoever is still tied after the chain shares a place, by standard competition ranking ("1224"): a shared
  place p held by k competitors is followed by place p + k.
- ``no_shared_places_in_top`` = N > 0 (the national competition uses 3): a shared place that starts inside
  the top N cannot be split by any data we hold, so those competitors keep the shared place and are
  flagged ``unresolved_tie``. We never invent an order (by key, by draw or otherwise); the organiser must
  resolve it (e.g. by a further test) and re-rank with the new data.
- Ranking on WorldSkills-scale scores: pass the raw totals (or the unrounded scale), never the published
  rounded scale, which can tie competitors whose raw totals differ (see ``competition.rules.standardise``).
- A team is one :class:`Competitor`.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from competition.rules.marking import N_, MarkingError

__all__ = [
    "DEFAULT_RANKING_SETTINGS", "Competitor", "Placing", "RankingError", "RankingSettings", "TieBreak",
    "rank",
]

Number = int | Decimal


class RankingError(MarkingError):
    """A ranking setting or input is unusable: ``ranking.*``."""


class TieBreak(StrEnum):
    TOTAL = "total"                       # higher is better
    COMPLETION_TIME = "completion_time"   # seconds; shorter is better
    PRACTICAL = "practical"               # higher is better
    THEORY = "theory"                     # higher is better


# Criteria where a lower value ranks first.
_LOWER_IS_BETTER = frozenset({TieBreak.COMPLETION_TIME})


@dataclass(frozen=True)
class RankingSettings:
    """Every setting of the ranking (per event or per skill).

    - ``tie_breaks``: the ordered chain, :class:`TieBreak` members or their values; must start with
      ``total`` and name each criterion at most once. Default, DOMAIN.md §6: total → shorter completion
      time → higher practical → higher theory (then a shared place).
    - ``no_shared_places_in_top``: N > 0 flags ties left inside the top N as ``unresolved_tie``; 0 (the
      default) allows shared places everywhere.

    Raises :class:`RankingError` (``ranking.invalid``, params ``setting``, ``value``, ``requirement``).
    """

    tie_breaks: tuple[TieBreak | str, ...] = (TieBreak.TOTAL, TieBreak.COMPLETION_TIME, TieBreak.PRACTICAL,
                                              TieBreak.THEORY)
    no_shared_places_in_top: int = 0

    def __post_init__(self) -> None:
        chain = tuple(self.tie_breaks)
        known = {criterion.value for criterion in TieBreak}
        if not chain or any(not isinstance(name, str) or name not in known for name in chain):
            _invalid("tie_breaks", chain, "a non-empty sequence of " + ", ".join(sorted(known)))
        if len(set(chain)) != len(chain):
            _invalid("tie_breaks", chain, "free of repeats")
        if chain[0] != TieBreak.TOTAL:
            _invalid("tie_breaks", chain, "a chain starting with total")
        object.__setattr__(self, "tie_breaks", tuple(TieBreak(name) for name in chain))
        top = self.no_shared_places_in_top
        if isinstance(top, bool) or not isinstance(top, int):
            raise TypeError("RankingSettings.no_shared_places_in_top must be an int, "
                            f"not {type(top).__name__}")
        if top < 0:
            _invalid("no_shared_places_in_top", top, ">= 0")


DEFAULT_RANKING_SETTINGS = RankingSettings()


@dataclass(frozen=True)
class Competitor:
    """One ranked competitor (a person, or a team as a whole). ``key`` identifies it (keys of one ranking
    must be distinct and comparable with each other, e.g. all ints); ``total`` is the final mark;
    ``completion_time`` is in seconds; any tie-break value may be None when unknown or not applicable."""

    key: Hashable
    total: Number
    completion_time: Number | None = None
    practical: Number | None = None
    theory: Number | None = None


@dataclass(frozen=True)
class Placing:
    """A competitor's place.

    - ``place``: standard competition ranking (1, 2, 2, 4).
    - ``shared``: another competitor holds the same place.
    - ``decided_by``: the criterion that put this competitor's place below the place just above it, so a
      contestant can be told why (None for place 1, which has nothing above it).
    - ``unresolved_tie``: a shared place inside the top ``no_shared_places_in_top``; must be resolved before
      the results are final.
    - ``total``: the competitor's total, carried for the award rules.
    """

    key: Hashable
    place: int
    shared: bool
    decided_by: TieBreak | None
    unresolved_tie: bool
    total: Decimal


def rank(competitors: Sequence[Competitor],
         settings: RankingSettings = DEFAULT_RANKING_SETTINGS) -> list[Placing]:
    """Places for ``competitors`` under ``settings`` (see the module contract), sorted by place then key.

    Does not change its input. An empty sequence gives ``[]``.
    Guarantees: a higher total never gets a worse place; place p is shared by k competitors only when no
    criterion of the chain separates them, and the next place is p + k.

    Raises :class:`RankingError`: ``ranking.duplicate_key`` (param ``key``), ``ranking.not_finite`` for NaN
    or infinity, ``ranking.negative_time`` for a negative completion time; ``TypeError`` for a float or bool
    value.
    """
    seen: set[Hashable] = set()
    for competitor in competitors:
        if competitor.key in seen:
            raise RankingError("ranking.duplicate_key", N_("Competitor %(key)s is listed twice."),
                               key=str(competitor.key))
        seen.add(competitor.key)
    values = {competitor.key: _criterion_values(competitor) for competitor in competitors}
    groups = _split(list(values), values, settings.tie_breaks, None)
    placings: list[Placing] = []
    place = 1
    by_key = {competitor.key: competitor for competitor in competitors}
    for members, decided_by in groups:
        shared = len(members) > 1
        unresolved = shared and place <= settings.no_shared_places_in_top
        for key in sorted(members):  # type: ignore[type-var]  # keys of one ranking are comparable
            placings.append(Placing(key=key, place=place, shared=shared, decided_by=decided_by,
                                    unresolved_tie=unresolved, total=Decimal(by_key[key].total)))
        place += len(members)
    return placings


# --- helpers --------------------------------------------------------------------------------------------

_Values = dict[TieBreak, Fraction | None]


def _split(members: list[Hashable], values: dict[Hashable, _Values], pending: tuple[TieBreak, ...],
           decided_by: TieBreak | None) -> list[tuple[list[Hashable], TieBreak | None]]:
    """``members`` (tied on every criterion already used) split into ordered groups, best first, each with
    the criterion that separates it from the group before it (``decided_by`` for the first). ``pending``
    are the criteria not yet used, in chain order; the first that every member has is used next."""
    usable = [criterion for criterion in pending
              if all(values[key][criterion] is not None for key in members)]
    if len(members) == 1 or not usable:
        return [(members, decided_by)]
    criterion = usable[0]
    rest = tuple(other for other in pending if other is not criterion)
    by_value: dict[Fraction, list[Hashable]] = {}
    for key in members:
        by_value.setdefault(values[key][criterion], []).append(key)  # type: ignore[arg-type]
    ordered = sorted(by_value, reverse=criterion not in _LOWER_IS_BETTER)
    groups: list[tuple[list[Hashable], TieBreak | None]] = []
    for index, value in enumerate(ordered):
        groups.extend(_split(by_value[value], values, rest, decided_by if index == 0 else criterion))
    return groups


def _criterion_values(competitor: Competitor) -> _Values:
    values: _Values = {
        TieBreak.TOTAL: _exact(competitor.total, competitor.key, "total"),
        TieBreak.COMPLETION_TIME: _optional(competitor.completion_time, competitor.key, "completion_time"),
        TieBreak.PRACTICAL: _optional(competitor.practical, competitor.key, "practical"),
        TieBreak.THEORY: _optional(competitor.theory, competitor.key, "theory"),
    }
    time = values[TieBreak.COMPLETION_TIME]
    if time is not None and time < 0:
        raise RankingError("ranking.negative_time", N_("The completion time of %(key)s is negative."),
                           key=str(competitor.key))
    return values


def _optional(value: object, key: Hashable, what: str) -> Fraction | None:
    return None if value is None else _exact(value, key, what)


def _exact(value: object, key: Hashable, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{what} of {key!r} must be an int or a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise RankingError("ranking.not_finite", N_("The %(what)s of %(key)s is not a finite number."),
                           what=what, key=str(key))
    return Fraction(number)


def _invalid(setting: str, value: object, requirement: str) -> None:
    raise RankingError("ranking.invalid",
                       N_("Ranking setting %(setting)s = %(value)s must be %(requirement)s."),
                       setting=setting, value=value, requirement=requirement)
