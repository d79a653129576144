"""Awards: what each ranked competitor of one skill is given, for the three event kinds (DOMAIN.md §1, §5,
§6), and the medal table by delegation.

Pure: no Flask, no database, no I/O. Every number is a field of a frozen settings dataclass with the
DOMAIN.md default (or our stated choice where DOMAIN.md has none). Inputs are :class:`ranking.Placing`
lists as :func:`competition.rules.ranking.rank` returns them (a team is one placing) and are never changed.

Every award function returns an :class:`AwardOutcome`: one :class:`AwardRecord` per placing, in place
order, with the award code (or None), a stable :class:`Reason` code and the numbers behind it
(``params``; :data:`REASON_MESSAGES` has an English msgid per reason with matching placeholders).

- 巴渝工匠杯, :func:`bayu_cup_awards`: 一/二/三等奖 by share of the ranked competitors, 优胜奖 to the rest
  who reached the minimum total; nothing when fewer than ``min_entrants`` are ranked.
- 世赛选拔, :func:`selection_advancement` / :func:`advance`: the top N advance; :func:`carry_scores` carries a
  weighted score into the next round.
- 一带一路 / WorldSkills, :func:`worldskills_medals`: gold, silver, bronze with near-tie sharing, Medallion
  for Excellence, 优胜奖. :func:`medal_table` counts them per delegation.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeVar

from competition.rules.marking import N_, MarkingError
from competition.rules.ranking import Placing
from competition.rules.standardise import round_exact

__all__ = [
    "DEFAULT_BAYU_CUP_SETTINGS", "DEFAULT_MEDAL_SETTINGS", "DEFAULT_MEDAL_TABLE_SETTINGS",
    "DEFAULT_SELECTION_SETTINGS", "REASON_MESSAGES", "AwardCode", "AwardOutcome", "AwardRecord",
    "AwardsError", "BayuCupSettings", "BoundaryTies", "DelegationAward", "MedalSettings", "MedalTableRow",
    "MedalTableSettings", "Reason", "SelectionSettings", "ShareRounding", "advance", "bayu_cup_awards",
    "carry_scores", "medal_table", "selection_advancement", "worldskills_medals",
]

K = TypeVar("K", bound=Hashable)

# Shares and carry weights are per cent: 100 is what "per cent" means, not a setting.
PERCENT = 100


class AwardsError(MarkingError):
    """An award setting or input is unusable: ``awards.*``."""


class AwardCode(StrEnum):
    """The stored award codes (the same values as ``evaluation.rules.promotion.Award`` where both exist)."""

    FIRST = "first"            # 一等奖
    SECOND = "second"          # 二等奖
    THIRD = "third"            # 三等奖
    EXCELLENCE = "excellence"  # 优胜奖
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"
    MEDALLION = "medallion"    # Medallion for Excellence (WorldSkills), not 优胜奖
    ADVANCED = "advanced"      # 世赛选拔: goes on to the next round


BAYU_BANDS = (AwardCode.FIRST, AwardCode.SECOND, AwardCode.THIRD)
MEDALS = (AwardCode.GOLD, AwardCode.SILVER, AwardCode.BRONZE)


class Reason(StrEnum):
    TOO_FEW_ENTRANTS = "too_few_entrants"      # the skill ranks without awards
    IN_BAND = "in_band"                        # place inside an award band
    BOUNDARY_TIE_INCLUDED = "boundary_tie_included"  # shared place across a band boundary, given the band
    BOUNDARY_TIE_EXCLUDED = "boundary_tie_excluded"  # shared place across a band boundary, denied the band
    FINISHED = "finished"                      # 优胜奖: finished at or above the minimum total
    BELOW_MIN_TOTAL = "below_min_total"        # finished but below the 优胜奖 minimum
    ADVANCED = "advanced"
    NOT_ADVANCED = "not_advanced"
    MEDAL_PLACE = "medal_place"                # holds the medal's place (alone or on an exact tie)
    MEDAL_NEAR_TIE = "medal_near_tie"          # within the tolerance of the medal holder
    MEDALLION_THRESHOLD = "medallion_threshold"
    COMPETED = "competed"                      # 优胜奖 for the rest who competed


REASON_MESSAGES: dict[Reason, str] = {
    Reason.TOO_FEW_ENTRANTS: N_("Only %(entrants)s ranked; awards need at least %(minimum)s."),
    Reason.IN_BAND: N_("Place %(place)s is within places 1–%(band_last)s of %(entrants)s."),
    Reason.BOUNDARY_TIE_INCLUDED: N_("Place %(place)s is shared across the boundary at place %(boundary)s; "
                                     "all tied competitors receive the higher award."),
    Reason.BOUNDARY_TIE_EXCLUDED: N_("Place %(place)s is shared across the boundary at place %(boundary)s; "
                                     "tied competitors do not receive that award."),
    Reason.FINISHED: N_("Finished with %(total)s, at or above the minimum for 优胜奖."),
    Reason.BELOW_MIN_TOTAL: N_("Finished with %(total)s, below the minimum for 优胜奖."),
    Reason.ADVANCED: N_("Place %(place)s is within the top %(advance)s."),
    Reason.NOT_ADVANCED: N_("Place %(place)s is outside the top %(advance)s."),
    Reason.MEDAL_PLACE: N_("Place %(place)s receives %(medal)s."),
    Reason.MEDAL_NEAR_TIE: N_("%(score)s is within %(tolerance)s points of the %(medal)s holder's "
                              "%(holder)s."),
    Reason.MEDALLION_THRESHOLD: N_("%(score)s is at or above %(threshold)s."),
    Reason.COMPETED: N_("%(score)s is below %(threshold)s; competed."),
}


@dataclass(frozen=True)
class AwardRecord:
    """What one competitor is given: ``award`` (None for nothing), why (``reason``) and the numbers
    behind the reason (``params``, the placeholders of ``REASON_MESSAGES[reason]``)."""

    key: Hashable
    award: AwardCode | None
    reason: Reason
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AwardOutcome:
    """The awards of one skill, one record per placing in place order. ``withheld_reason`` is set (and
    every award is None) when the skill ranks without awards."""

    awards: tuple[AwardRecord, ...]
    withheld_reason: Reason | None = None


# --- settings -------------------------------------------------------------------------------------------

def _decimal(value: object, owner: str, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{owner}.{name} must be an int or a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        _invalid(owner, name, value, "finite")
    return number

def _count_setting(settings: object, name: str) -> None:
    value = getattr(settings, name)
    owner = type(settings).__name__
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{owner}.{name} must be an int, not {type(value).__name__}")
    if value < 0:
        _invalid(owner, name, value, ">= 0")

def _enum_setting(settings: object, name: str, kind: type[StrEnum]) -> None:
    value = getattr(settings, name)
    if not isinstance(value, str) or value not in {member.value for member in kind}:
        _invalid(type(settings).__name__, name, value, "one of " + ", ".join(member.value for member in kind))
    object.__setattr__(settings, name, kind(value))

def _invalid(owner: str, setting: str, value: object, requirement: str) -> None:
    raise AwardsError("awards.invalid",
                      N_("%(owner)s setting %(setting)s = %(value)s must be %(requirement)s."),
                      owner=owner, setting=setting, value=value, requirement=requirement)


class ShareRounding(StrEnum):
    FLOOR = "floor"                  # never more than the share
    ROUND_HALF_UP = "round_half_up"
    CEIL = "ceil"                    # never fewer than the share


class BoundaryTies(StrEnum):
    INCLUDE = "include"   # a shared place that starts inside a band gets the band, even past its end
    EXCLUDE = "exclude"   # it gets the band only if every tied competitor fits inside it


@dataclass(frozen=True)
class BayuCupSettings:
    """巴渝工匠杯 awards (DOMAIN.md §1).

    - ``shares``: per cent of the ranked competitors for 一/二/三等奖, each band on its own (10, 20, 30);
      (10, 20, 25) is the other common table. At most 100 together.
    - ``rounding``: how each band's count N × share / 100 becomes a whole number, a :class:`ShareRounding`
      ("floor": a share is read as a ceiling, so a rounding never gives more prizes than announced;
      37 competitors × 10 % = 3.7 → 3). Each band is rounded on its own, then the bands are stacked: with
      37 competitors 一等奖 covers places 1–3, 二等奖 4–10, 三等奖 11–21.
    - ``boundary_ties``: a shared place across a band boundary, a :class:`BoundaryTies` ("include": all
      tied competitors get the higher award, so a band can exceed its count and the next band starts
      later; "exclude": the whole tie falls to the next band that holds it entirely, or out of the bands).
    - ``min_entrants``: fewest ranked competitors for any award (30, DOMAIN.md §1); below it the skill
      ranks without awards.
    - ``excellence_min_total``: 优胜奖 goes to every other ranked competitor whose total is at least this;
      None (default) means a total above 0 (completed, and scored).
    """

    shares: tuple[Decimal, Decimal, Decimal] = (Decimal(10), Decimal(20), Decimal(30))
    rounding: ShareRounding | str = ShareRounding.FLOOR
    boundary_ties: BoundaryTies | str = BoundaryTies.INCLUDE
    min_entrants: int = 30
    excellence_min_total: Decimal | None = None

    def __post_init__(self) -> None:
        shares = tuple(self.shares)
        if len(shares) != len(BAYU_BANDS):
            _invalid("BayuCupSettings", "shares", shares, f"{len(BAYU_BANDS)} percentages")
        shares = tuple(_decimal(share, "BayuCupSettings", "shares") for share in shares)
        object.__setattr__(self, "shares", shares)
        if any(share < 0 for share in shares) or sum(shares) > PERCENT:
            _invalid("BayuCupSettings", "shares", shares, f">= 0 each and at most {PERCENT} together")
        _enum_setting(self, "rounding", ShareRounding)
        _enum_setting(self, "boundary_ties", BoundaryTies)
        _count_setting(self, "min_entrants")
        if self.excellence_min_total is not None:
            object.__setattr__(self, "excellence_min_total",
                               _decimal(self.excellence_min_total, "BayuCupSettings", "excellence_min_total"))


@dataclass(frozen=True)
class SelectionSettings:
    """世赛选拔 rounds (DOMAIN.md §1).

    - ``advance_count``: how many advance to the next round (5: our choice, DOMAIN.md gives no number;
      set it per round).
    - ``min_entrants``: fewest ranked competitors for anyone to advance (15, DOMAIN.md §1).
    - ``boundary_ties``: a shared place across the cut ("include": all tied advance, default).
    - ``carry_weight``: per cent of the previous round's score carried into the next (0 = start fresh).
    - ``decimals`` / ``rounding``: places and :mod:`decimal` mode of a carried score (2, ROUND_HALF_UP).
    """

    advance_count: int = 5
    min_entrants: int = 15
    boundary_ties: BoundaryTies | str = BoundaryTies.INCLUDE
    carry_weight: Decimal = Decimal(0)
    decimals: int = 2
    rounding: str = ROUND_HALF_UP

    def __post_init__(self) -> None:
        _count_setting(self, "advance_count")
        _count_setting(self, "min_entrants")
        _enum_setting(self, "boundary_ties", BoundaryTies)
        weight = _decimal(self.carry_weight, "SelectionSettings", "carry_weight")
        object.__setattr__(self, "carry_weight", weight)
        if not 0 <= weight <= PERCENT:
            _invalid("SelectionSettings", "carry_weight", weight, f"between 0 and {PERCENT}")
        _count_setting(self, "decimals")
        # Validates the rounding mode the way decimal itself does.
        try:
            Decimal(0).quantize(Decimal(1), rounding=self.rounding)
        except (TypeError, ValueError):
            _invalid("SelectionSettings", "rounding", self.rounding, "a decimal rounding mode")


@dataclass(frozen=True)
class MedalSettings:
    """一带一路 / WorldSkills medals (DOMAIN.md §1, §5), on the WorldSkills scale.

    - ``medal_tolerance``: competitors within this many scale points of a medal holder share the medal
      (0 = only equal scores; the older WorldSkills rule was 2 points on the 500 scale).
    - ``medallion_threshold``: a non-medallist at or above it gets the Medallion for Excellence (700).
    """

    medal_tolerance: Decimal = Decimal(0)
    medallion_threshold: Decimal = Decimal(700)

    def __post_init__(self) -> None:
        for name in ("medal_tolerance", "medallion_threshold"):
            object.__setattr__(self, name, _decimal(getattr(self, name), "MedalSettings", name))
        if self.medal_tolerance < 0:
            _invalid("MedalSettings", "medal_tolerance", self.medal_tolerance, ">= 0")


@dataclass(frozen=True)
class MedalTableSettings:
    """Points per award in the delegation table (4/3/2/1, DOMAIN.md §5)."""

    gold_points: int = 4
    silver_points: int = 3
    bronze_points: int = 2
    medallion_points: int = 1

    def __post_init__(self) -> None:
        for spec in fields(self):
            _count_setting(self, spec.name)

    def points(self, award: AwardCode) -> int:
        """Points for ``award``; 0 for anything that is not a medal or medallion."""
        by_award = {AwardCode.GOLD: self.gold_points, AwardCode.SILVER: self.silver_points,
                    AwardCode.BRONZE: self.bronze_points, AwardCode.MEDALLION: self.medallion_points}
        return by_award.get(award, 0)


DEFAULT_BAYU_CUP_SETTINGS = BayuCupSettings()
DEFAULT_SELECTION_SETTINGS = SelectionSettings()
DEFAULT_MEDAL_SETTINGS = MedalSettings()
DEFAULT_MEDAL_TABLE_SETTINGS = MedalTableSettings()


# --- 巴渝工匠杯 -----------------------------------------------------------------------------------------

def bayu_cup_awards(placings: Sequence[Placing],
                    settings: BayuCupSettings = DEFAULT_BAYU_CUP_SETTINGS) -> AwardOutcome:
    """一/二/三等奖 and 优胜奖 for one skill (one group), under ``settings`` (see :class:`BayuCupSettings`).

    N = ``len(placings)`` (ranked competitors; a team counts once). Band i covers places up to the sum of
    the rounded counts of bands 1..i; a competitor's band follows from its place and ``boundary_ties``.
    Outside the bands: 优胜奖 when the total reaches ``excellence_min_total`` (or is above 0), else nothing.
    When N < ``min_entrants`` every award is None and ``withheld_reason`` is ``too_few_entrants``.

    Raises :class:`AwardsError` (``awards.duplicate_key``).
    """
    ordered = _ordered(placings)
    entrants = len(ordered)
    if entrants < settings.min_entrants:
        return _withheld(ordered, entrants, settings.min_entrants)
    counts = [_share_count(entrants, share, ShareRounding(settings.rounding)) for share in settings.shares]
    band_lasts = [sum(counts[:index + 1]) for index in range(len(counts))]
    records = []
    for members in _tied_groups(ordered):
        award, reason, params = _bayu_band(members[0].place, len(members), band_lasts,
                                           BoundaryTies(settings.boundary_ties))
        for placing in members:
            record_params = {"place": placing.place, "entrants": entrants, "total": placing.total, **params}
            if award is not None:
                records.append(AwardRecord(placing.key, award, reason, record_params))
            elif _reaches_excellence(placing.total, settings):
                # A tie pushed out of the last band keeps that as its reason: it explains the missing prize.
                why = reason if reason is Reason.BOUNDARY_TIE_EXCLUDED else Reason.FINISHED
                records.append(AwardRecord(placing.key, AwardCode.EXCELLENCE, why, record_params))
            else:
                records.append(AwardRecord(placing.key, None, Reason.BELOW_MIN_TOTAL, record_params))
    return AwardOutcome(tuple(records))


# --- 世赛选拔 -------------------------------------------------------------------------------------------

def advance(round_placings: Sequence[Placing], n: int,
            boundary_ties: BoundaryTies | str = BoundaryTies.INCLUDE) -> AwardOutcome:
    """The top ``n`` places of one round advance (award ``advanced``); the rest do not (None).

    A shared place that starts inside the top ``n`` but runs past it advances entirely with "include"
    (so more than ``n`` may advance: there is no data to split them) and not at all with "exclude".
    Raises :class:`AwardsError` (``awards.duplicate_key``, ``awards.invalid`` for a negative ``n``).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int, not {type(n).__name__}")
    if n < 0:
        _invalid("advance", "n", n, ">= 0")
    ties = BoundaryTies(boundary_ties)
    records = []
    for members in _tied_groups(_ordered(round_placings)):
        place = members[0].place
        fits = place + len(members) - 1 <= n
        advanced = place <= n and (fits or ties == BoundaryTies.INCLUDE)
        if advanced:
            reason = Reason.ADVANCED if fits else Reason.BOUNDARY_TIE_INCLUDED
        else:
            reason = Reason.NOT_ADVANCED if place > n else Reason.BOUNDARY_TIE_EXCLUDED
        for placing in members:
            records.append(AwardRecord(placing.key, AwardCode.ADVANCED if advanced else None, reason,
                                       {"place": placing.place, "advance": n, "boundary": n}))
    return AwardOutcome(tuple(records))


def selection_advancement(placings: Sequence[Placing],
                          settings: SelectionSettings = DEFAULT_SELECTION_SETTINGS) -> AwardOutcome:
    """One selection round of a skill: nobody advances when fewer than ``settings.min_entrants`` are ranked
    (``withheld_reason`` ``too_few_entrants``); otherwise :func:`advance` with ``settings.advance_count``
    and ``settings.boundary_ties``. Raises what :func:`advance` raises."""
    ordered = _ordered(placings)
    if len(ordered) < settings.min_entrants:
        return _withheld(ordered, len(ordered), settings.min_entrants)
    return advance(ordered, settings.advance_count, settings.boundary_ties)


def carry_scores(previous: Mapping[K, Decimal | int], current: Mapping[K, Decimal | int],
                 settings: SelectionSettings = DEFAULT_SELECTION_SETTINGS) -> dict[K, Decimal]:
    """Scores to rank the next round on: for each competitor of ``current``,
    (w × previous + (100 − w) × current) / 100 with w = ``settings.carry_weight``, rounded once to
    ``settings.decimals`` with ``settings.rounding``. With w = 0 this is the current score (rounded) and
    ``previous`` is not consulted. Competitors only in ``previous`` are left out.

    Raises :class:`AwardsError` (``awards.missing_previous``, param ``keys``) when w > 0 and a competitor of
    ``current`` has no previous score; ``TypeError`` for a float or bool score.
    """
    weight = Fraction(settings.carry_weight)
    if weight:
        missing = [key for key in current if key not in previous]
        if missing:
            raise AwardsError("awards.missing_previous",
                              N_("No previous-round score for %(keys)s."), keys=", ".join(map(str, missing)))
    carried = {}
    for key, score in current.items():
        combined = _exact(score, key) * (PERCENT - weight)
        if weight:
            combined += _exact(previous[key], key) * weight
        carried[key] = round_exact(combined / PERCENT, settings.decimals, settings.rounding)
    return carried


# --- 一带一路 / WorldSkills --------------------------------------------------------------------------------

def worldskills_medals(placings: Sequence[Placing], scaled: Mapping[Any, Decimal | int | Fraction],
                       settings: MedalSettings = DEFAULT_MEDAL_SETTINGS) -> AwardOutcome:
    """Gold, silver and bronze, then Medallion for Excellence, then 优胜奖, for one skill.

    Walking down the places: the best-placed competitor not yet given anything holds the next medal, and
    so does everyone right after it who shares its place or whose scaled score is within
    ``settings.medal_tolerance`` of the holder's (the run stops at the first who is not). Each extra holder
    uses up the next medal: two golds mean no silver, three mean no silver and no bronze. Non-medallists
    with a scaled score ≥ ``medallion_threshold`` get ``medallion``; everyone else ranked gets
    ``excellence`` (优胜奖).

    ``scaled`` maps every placing's key to its WorldSkills-scale score. Pass the published scores to judge
    ties and the threshold on what contestants see (equal published scores then share a medal even when
    the raw totals differ), or :func:`competition.rules.standardise.worldskills_scale_exact` to judge on
    unrounded scores.

    Raises :class:`AwardsError` (``awards.duplicate_key``, ``awards.missing_scaled``, param ``keys``).
    """
    ordered = _ordered(placings)
    missing = [placing.key for placing in ordered if placing.key not in scaled]
    if missing:
        raise AwardsError("awards.missing_scaled", N_("No scaled score for %(keys)s."),
                          keys=", ".join(map(str, missing)))
    score = {placing.key: _exact(scaled[placing.key], placing.key) for placing in ordered}
    tolerance = Fraction(settings.medal_tolerance)
    threshold = Fraction(settings.medallion_threshold)
    records: list[AwardRecord] = []
    medal_index = 0
    index = 0
    while index < len(ordered) and medal_index < len(MEDALS):
        holder = ordered[index]
        medal = MEDALS[medal_index]
        group = [holder]
        for placing in ordered[index + 1:]:
            if placing.place != holder.place and score[holder.key] - score[placing.key] > tolerance:
                break
            group.append(placing)
        for placing in group:
            params = {"place": placing.place, "medal": medal, "score": scaled[placing.key]}
            if placing.place == holder.place:
                records.append(AwardRecord(placing.key, medal, Reason.MEDAL_PLACE, params))
            else:
                records.append(AwardRecord(placing.key, medal, Reason.MEDAL_NEAR_TIE, {
                    **params, "holder": scaled[holder.key], "tolerance": settings.medal_tolerance}))
        medal_index += len(group)
        index += len(group)
    for placing in ordered[index:]:
        params = {"place": placing.place, "score": scaled[placing.key],
                  "threshold": settings.medallion_threshold}
        if score[placing.key] >= threshold:
            records.append(AwardRecord(placing.key, AwardCode.MEDALLION, Reason.MEDALLION_THRESHOLD, params))
        else:
            records.append(AwardRecord(placing.key, AwardCode.EXCELLENCE, Reason.COMPETED, params))
    return AwardOutcome(tuple(records))


# --- medal table ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DelegationAward:
    """One competitor's award for the medal table. ``competitor`` identifies the entry: a team is one
    entry, and listing each team member under the team's key counts it once. ``award`` is a WorldSkills
    award code (gold, silver, bronze, medallion, excellence) or None."""

    competitor: Hashable
    delegation: str
    award: AwardCode | str | None


@dataclass(frozen=True)
class MedalTableRow:
    """One delegation: medal counts, points, and its place (standard competition ranking on points, then
    golds, silvers, bronzes; delegations equal on all four share a place). ``competitors`` counts its
    distinct entries."""

    delegation: str
    place: int
    gold: int
    silver: int
    bronze: int
    medallion: int
    points: int
    competitors: int


_TABLE_AWARDS = frozenset({*MEDALS, AwardCode.MEDALLION, AwardCode.EXCELLENCE})


def medal_table(awards: Iterable[DelegationAward],
                settings: MedalTableSettings = DEFAULT_MEDAL_TABLE_SETTINGS) -> list[MedalTableRow]:
    """The medal table: one row per delegation that appears in ``awards`` (with zero medals too), sorted by
    points, then golds, silvers, bronzes (all descending), then delegation name. Points are the
    ``settings`` points per gold/silver/bronze/medallion; 优胜奖 and None count nothing.

    Raises :class:`AwardsError`: ``awards.unknown_award`` (e.g. a 巴渝工匠杯 code), ``awards.conflict``
    when one competitor is listed with two different delegations or awards.
    """
    by_competitor: dict[Hashable, tuple[str, AwardCode | None]] = {}
    for entry in awards:
        award = entry.award
        if award is not None and award not in _TABLE_AWARDS:
            raise AwardsError("awards.unknown_award", N_("%(award)s is not a medal-table award."),
                              award=str(award))
        listed = (entry.delegation, None if award is None else AwardCode(award))
        if by_competitor.setdefault(entry.competitor, listed) != listed:
            raise AwardsError("awards.conflict",
                              N_("Competitor %(key)s is listed with different delegations or awards."),
                              key=str(entry.competitor))
    counts: dict[str, dict[str, int]] = {}
    for delegation, award in by_competitor.values():
        row = counts.setdefault(delegation, {"gold": 0, "silver": 0, "bronze": 0, "medallion": 0, "points": 0,
                                             "competitors": 0})
        row["competitors"] += 1
        if award is not None and award != AwardCode.EXCELLENCE:
            row[award.value] += 1
            row["points"] += settings.points(award)

    def standing(item: tuple[str, dict[str, int]]) -> tuple[int, int, int, int]:
        row = item[1]
        return row["points"], row["gold"], row["silver"], row["bronze"]

    ordered = sorted(counts.items(), key=lambda item: (tuple(-value for value in standing(item)), item[0]))
    rows: list[MedalTableRow] = []
    for position, item in enumerate(ordered, start=1):
        tied_with_previous = position > 1 and standing(item) == standing(ordered[position - 2])
        place = rows[-1].place if tied_with_previous else position
        rows.append(MedalTableRow(delegation=item[0], place=place, **item[1]))
    return rows


# --- helpers --------------------------------------------------------------------------------------------

def _ordered(placings: Sequence[Placing]) -> list[Placing]:
    """Placings by place then key; refuses a key listed twice."""
    seen: set[Hashable] = set()
    for placing in placings:
        if placing.key in seen:
            raise AwardsError("awards.duplicate_key", N_("Competitor %(key)s is listed twice."),
                              key=str(placing.key))
        seen.add(placing.key)
    return sorted(placings, key=lambda placing: (placing.place, placing.key))


def _tied_groups(ordered: list[Placing]) -> list[list[Placing]]:
    groups: list[list[Placing]] = []
    for placing in ordered:
        if groups and groups[-1][0].place == placing.place:
            groups[-1].append(placing)
        else:
            groups.append([placing])
    return groups


def _withheld(ordered: list[Placing], entrants: int, minimum: int) -> AwardOutcome:
    params = {"entrants": entrants, "minimum": minimum}
    return AwardOutcome(tuple(AwardRecord(placing.key, None, Reason.TOO_FEW_ENTRANTS, params)
                              for placing in ordered), withheld_reason=Reason.TOO_FEW_ENTRANTS)


def _bayu_band(place: int, tied: int, band_lasts: list[int],
               ties: BoundaryTies) -> tuple[AwardCode | None, Reason, dict[str, Any]]:
    """The band of a place held by ``tied`` competitors: (award or None, reason, params). None means
    outside every band: the total then decides between 优胜奖 and nothing, and the reason only matters
    when it is ``boundary_tie_excluded``."""
    last_place = place + tied - 1
    excluded: dict[str, Any] = {}
    for code, band_last in zip(BAYU_BANDS, band_lasts, strict=True):
        if place > band_last:
            continue
        if last_place <= band_last:
            reason = Reason.BOUNDARY_TIE_EXCLUDED if excluded else Reason.IN_BAND
            return code, reason, {**excluded, "band": code, "band_last": band_last}
        if ties == BoundaryTies.INCLUDE:
            return code, Reason.BOUNDARY_TIE_INCLUDED, {"band": code, "band_last": band_last,
                                                         "boundary": band_last}
        excluded = excluded or {"excluded_from": code, "boundary": band_last}
    if excluded:
        return None, Reason.BOUNDARY_TIE_EXCLUDED, excluded
    return None, Reason.FINISHED, {"band_last": band_lasts[-1]}


def _share_count(entrants: int, share: Decimal, rounding: ShareRounding) -> int:
    exact = Fraction(entrants) * Fraction(share) / PERCENT
    if rounding == ShareRounding.FLOOR:
        return math.floor(exact)
    if rounding == ShareRounding.CEIL:
        return math.ceil(exact)
    return math.floor(exact + Fraction(1, 2))


def _reaches_excellence(total: Decimal, settings: BayuCupSettings) -> bool:
    if settings.excellence_min_total is None:
        return total > 0
    return total >= settings.excellence_min_total


def _exact(value: object, key: object) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"the score of {key!r} must be an int or a Decimal, not {type(value).__name__}")
    if not Decimal(value).is_finite():
        raise AwardsError("awards.not_finite", N_("The score of %(key)s is not a finite number."),
                          key=str(key))
    return Fraction(value)
