"""Standardisation: one skill's raw results (out of 100) on the WorldSkills scale (DOMAIN.md §5).

Pure: no Flask, no database, no I/O. Every number is a :class:`StandardiseSettings` field whose default
is the DOMAIN.md one (or, where DOMAIN.md says the official formula is unpublished, our stated choice).

The formula, for raw scores x₁ … xₙ of one skill::

    m        = median(x)                          (mean of the two middle values when n is even)
    σ        = robust or classic spread, by ``settings.method``:
               "mad"   : median(|xᵢ − m|) × ``mad_to_sigma`` (1.4826, which makes the MAD estimate σ for
                         normally distributed marks); when that is 0 but the scores are not all equal
                         (more than half share the median), the "stdev" σ is used instead
               "stdev" : population standard deviation √(Σ(xᵢ − mean)² / n)
               "none"  : no scaling, the scale is a shift (σ is taken as ``spread_per_sigma``)
    scaled_i = ``centre`` + (xᵢ − m) / σ × ``spread_per_sigma``
    published_i = scaled_i rounded to ``decimals`` places with ``rounding``

Every method centres on the median, so the median contestant gets exactly ``centre`` (700) when n is
odd. When every score is equal (including n = 1) σ is 0 and everyone gets ``centre``: nothing is ever
divided by zero. The computation is exact (fractions) except for the square root of "stdev".

Order. σ > 0, so the unrounded scale is strictly increasing in the raw score and equal raw scores get
equal scaled scores. Rounding keeps the order but can make two different raw scores print the same
published score: a ranking must therefore never be computed from the published (rounded) scores. Rank
on the raw totals: within one skill they give exactly the order of the unrounded scale.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, fields
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    localcontext,
)
from enum import StrEnum
from fractions import Fraction
from typing import TypeVar

from competition.rules.marking import N_, MarkingError

__all__ = [
    "DEFAULT_STANDARDISE_SETTINGS", "SpreadMethod", "StandardiseError", "StandardiseSettings",
    "round_exact", "standardise_to_worldskills_scale", "worldskills_scale_exact",
]

K = TypeVar("K", bound=Hashable)

# Beyond this many places the published score would carry digits the square root does not have.
_MAX_DECIMALS = 10
# Significant digits for the square root of "stdev": far beyond any published place.
_SQRT_DIGITS = 50

_ROUNDING_MODES = frozenset({ROUND_05UP, ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN,
                             ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP})


class StandardiseError(MarkingError):
    """A standardisation setting or input is unusable: ``standardise.*``."""


def _setting_decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"StandardiseSettings.{name} must be an int or a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        _invalid(name, value, "finite")
    return number

def _invalid(setting: str, value: object, requirement: str) -> None:
    raise StandardiseError("standardise.invalid",
                           N_("Standardisation setting %(setting)s = %(value)s must be %(requirement)s."),
                           setting=setting, value=value, requirement=requirement)


class SpreadMethod(StrEnum):
    MAD = "mad"        # median absolute deviation × mad_to_sigma (robust to one outlier)
    STDEV = "stdev"    # population standard deviation
    NONE = "none"      # shift the median to the centre, keep raw distances


@dataclass(frozen=True)
class StandardiseSettings:
    """Every number standardisation uses (per skill or per event).

    - ``centre``: where the skill's median lands (700, DOMAIN.md §5).
    - ``method``: how the spread is measured, a :class:`SpreadMethod` or its value ("mad").
    - ``spread_per_sigma``: scaled points per σ of raw spread (20; the official figure is not published).
    - ``mad_to_sigma``: factor turning a MAD into a σ estimate (1.4826, the normal-distribution constant).
    - ``decimals`` / ``rounding``: places and :mod:`decimal` mode of the published score (0, ROUND_HALF_UP:
      WorldSkills publishes whole points).

    Ints are accepted for the Decimal settings. Raises :class:`StandardiseError` (``standardise.invalid``,
    params ``setting``, ``value``, ``requirement``) for an impossible setting, ``TypeError`` for a float.
    """

    centre: Decimal = Decimal(700)
    method: SpreadMethod | str = SpreadMethod.MAD
    spread_per_sigma: Decimal = Decimal(20)
    mad_to_sigma: Decimal = Decimal("1.4826")
    decimals: int = 0
    rounding: str = ROUND_HALF_UP

    def __post_init__(self) -> None:
        for spec in fields(self):
            if spec.type == "Decimal":
                object.__setattr__(self, spec.name, _setting_decimal(getattr(self, spec.name), spec.name))
        if isinstance(self.decimals, bool) or not isinstance(self.decimals, int):
            raise TypeError("StandardiseSettings.decimals must be an int, "
                            f"not {type(self.decimals).__name__}")
        if self.method not in set(SpreadMethod):
            _invalid("method", self.method, "one of " + ", ".join(m.value for m in SpreadMethod))
        object.__setattr__(self, "method", SpreadMethod(self.method))
        checks = [
            ("spread_per_sigma", self.spread_per_sigma > 0, "> 0"),
            ("mad_to_sigma", self.mad_to_sigma > 0, "> 0"),
            ("decimals", 0 <= self.decimals <= _MAX_DECIMALS, f"between 0 and {_MAX_DECIMALS}"),
            ("rounding", self.rounding in _ROUNDING_MODES, "a decimal rounding mode"),
        ]
        for setting, ok, requirement in checks:
            if not ok:
                _invalid(setting, getattr(self, setting), requirement)


DEFAULT_STANDARDISE_SETTINGS = StandardiseSettings()


def standardise_to_worldskills_scale(raw_scores: Mapping[K, Decimal | int],
                                     settings: StandardiseSettings = DEFAULT_STANDARDISE_SETTINGS,
                                     ) -> dict[K, Decimal]:
    """The published WorldSkills-scale score of each competitor of one skill: the module formula,
    rounded to ``settings.decimals`` places with ``settings.rounding``.

    ``raw_scores`` maps a competitor key (a team is one key) to its raw total, an int or finite Decimal.
    Returns a new dict with the same keys; an empty mapping gives ``{}``. The input is not changed.
    Guarantees: raw a < raw b ⇒ published a ≤ published b; raw a = raw b ⇒ published a = published b; all
    equal (or one competitor) ⇒ everyone exactly ``settings.centre``. Do not rank on the result (rounding
    can tie different raw totals): rank on the raw totals.

    Raises ``TypeError`` for a float or bool score, :class:`StandardiseError` (``standardise.not_finite``)
    for NaN or infinity.
    """
    exact = _scale(raw_scores, settings)
    return {key: round_exact(value, settings.decimals, settings.rounding) for key, value in exact.items()}


def worldskills_scale_exact(raw_scores: Mapping[K, Decimal | int],
                            settings: StandardiseSettings = DEFAULT_STANDARDISE_SETTINGS,
                            ) -> dict[K, Fraction]:
    """The same scale as :func:`standardise_to_worldskills_scale`, unrounded, as exact fractions (the
    square root of "stdev" to 50 significant digits). Strictly increasing in the raw score whenever the
    scores are not all equal. For explaining a published score or comparing across skills, not for
    publishing. Raises what :func:`standardise_to_worldskills_scale` raises."""
    return _scale(raw_scores, settings)


def round_exact(value: Fraction, decimals: int, rounding: str) -> Decimal:
    """``value`` rounded once to ``decimals`` places with the :mod:`decimal` mode ``rounding``, exactly
    (no binary or double rounding). Never returns a negative zero."""
    scaled = abs(value) * 10 ** decimals
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    # Any remainder is replaced by 0, .4, .5 or .6, which every rounding mode treats like the true one.
    if rest == 0:
        tail = Decimal(0)
    elif 2 * rest < scaled.denominator:
        tail = Decimal("0.4")
    elif 2 * rest == scaled.denominator:
        tail = Decimal("0.5")
    else:
        tail = Decimal("0.6")
    stand_in = Decimal(whole) + tail
    if value < 0:
        stand_in = -stand_in
    rounded = stand_in.quantize(Decimal(1), rounding=rounding).scaleb(-decimals)
    return abs(rounded) if rounded == 0 else rounded


# --- helpers --------------------------------------------------------------------------------------------

def _scale(raw_scores: Mapping[K, Decimal | int], settings: StandardiseSettings) -> dict[K, Fraction]:
    raw = {key: _exact_score(value, key) for key, value in raw_scores.items()}
    if not raw:
        return {}
    values = list(raw.values())
    centre = Fraction(settings.centre)
    middle = _median(values)
    sigma = _sigma(values, middle, settings)
    if sigma == 0:
        return {key: centre for key in raw}
    factor = Fraction(settings.spread_per_sigma) / sigma
    return {key: centre + (value - middle) * factor for key, value in raw.items()}


def _sigma(values: list[Fraction], middle: Fraction, settings: StandardiseSettings) -> Fraction:
    """The spread σ; 0 exactly when every value is equal."""
    if min(values) == max(values):
        return Fraction(0)
    if settings.method is SpreadMethod.NONE:
        return Fraction(settings.spread_per_sigma)
    if settings.method is SpreadMethod.MAD:
        mad = _median([abs(value - middle) for value in values])
        if mad > 0:
            return mad * Fraction(settings.mad_to_sigma)
    mean = sum(values, Fraction(0)) / len(values)
    variance = sum(((value - mean) ** 2 for value in values), Fraction(0)) / len(values)
    with localcontext() as context:
        context.prec = _SQRT_DIGITS
        root = (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()
    return Fraction(root)


def _median(values: list[Fraction]) -> Fraction:
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) / 2


def _exact_score(value: object, key: object) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"the raw score of {key!r} must be an int or a Decimal, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise StandardiseError("standardise.not_finite",
                               N_("The raw score %(value)s of %(key)s is not a finite number."),
                               value=str(number), key=str(key))
    return Fraction(number)
