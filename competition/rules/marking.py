"""Marking rules: how an aspect, a subjective item, a criterion and a contestant's total are marked.

Pure: plain dataclasses and functions, no Flask, no database, no I/O. Every number comes from a
:class:`MarkingRules` setting whose default is the one in DOMAIN.md §5 (WorldSkills model) and §6
(Chinese 技能竞赛 model); nothing here is a bare constant.

Arithmetic. Marks are :class:`~decimal.Decimal` (or ``int``) at every boundary; a ``float`` or ``bool``
is a programming error and raises ``TypeError``. Sums and means are computed as exact fractions and each
result is rounded once, to ``rules.decimals`` places with ``rules.rounding`` (default ``ROUND_HALF_UP``,
so 4.665 → 4.67). Totals add the already-rounded marks exactly, so a criterion total is always the sum
of the marks printed on the score sheet.

Errors. Every refusal raises a subclass of :class:`MarkingError` (a ``ValueError``) with a stable
``code`` such as ``mark.out_of_range``, an English msgid ``message`` with ``%(name)s`` placeholders and
the ``params`` that fill it, so a service can re-raise it as
``competition.errors.Invalid(error.code, error.message, **error.params)`` and show it in both languages.
:func:`validate_scheme` reports problems instead of raising: whoever fixes a scheme wants them all at once.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
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
from typing import Any

from competition.rules import N_, RuleError

__all__ = [
    "DEFAULT_RULES", "AspectError", "AspectKind", "AspectSpec", "CriterionSpec", "MarkValueError",
    "MarkingError", "MarkingRules", "MarkingRulesError", "MeasurementError", "MeasurementMethod",
    "SchemeProblem", "SchemeSpec", "ScoreError", "SubCriterionSpec", "ToleranceBand", "TotalsError",
    "WeightingError", "criterion_totals", "judgement_aspect_mark", "measurement_aspect_mark",
    "skill_raw_total", "spread_flag", "subjective_item_mark", "trimmed_mean", "validate_scheme",
    "validate_value", "weighted_total", "weighted_totals",
]

Number = int | Decimal

# Weights are percentages of the final mark: 100 is what "per cent" means, not a setting.
PERCENT = 100

# Beyond this many places the default 28-digit decimal context could round a mark silently.
_MAX_DECIMALS = 10

_ROUNDING_MODES = frozenset({ROUND_05UP, ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_DOWN,
                             ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP})

# What a tablet may send: optional sign, digits, optional decimal point. No exponent, no "_", no ",".
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_NOT_FINITE = re.compile(r"[+-]?(?:s?nan\d*|inf(?:inity)?)", re.ASCII | re.IGNORECASE)


def _to_decimal(value: object, what: str) -> Decimal:
    """An int or Decimal as a Decimal; floats and bools are refused because their value is not exact."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{what} must be an int or a Decimal, not {type(value).__name__}")
    return Decimal(value)


# --- errors ---------------------------------------------------------------------------------------------

class MarkingError(RuleError):
    """A refusal from the marking rules: ``code`` is stable and machine-readable, ``message`` an English
    msgid whose ``%(name)s`` placeholders are filled from ``params``."""


class MarkingRulesError(MarkingError):
    """A :class:`MarkingRules` setting is impossible (``rules.invalid``)."""


class ScoreError(MarkingError):
    """Judges' scores cannot be combined: ``judgement.*``, ``subjective.*``, ``trimmed_mean.*``."""


class MarkValueError(MarkingError):
    """A raw value is not an acceptable mark for its aspect: ``mark.*``."""


class AspectError(MarkingError):
    """An aspect cannot be marked as defined, or is the wrong kind for the call: ``aspect.*``."""


class MeasurementError(MarkingError):
    """A measurement observation is unusable: ``measurement.*``."""


class TotalsError(MarkingError):
    """Aspect marks do not fit the scheme they are totalled against: ``totals.*``."""


class WeightingError(MarkingError):
    """Theory and practical cannot be combined with these weights: ``weighting.*``."""


# --- settings -------------------------------------------------------------------------------------------

_INVALID_SETTING = N_("Marking setting %(setting)s = %(value)s must be %(requirement)s.")


@dataclass(frozen=True)
class MarkingRules:
    """Every number the marking rules use, as a per-event or per-skill setting (defaults: DOMAIN.md §5, §6).

    - ``judgement_min_score`` .. ``judgement_max_score``: the judgement scale (0..3); one written descriptor
      per level, so a judgement aspect needs ``judgement_max_score - judgement_min_score + 1`` descriptors.
    - ``judgement_team_size``: judges scoring each judgement aspect (3).
    - ``judgement_allowed_spread``: largest difference between two judges' scores that needs no
      discussion (1).
    - ``subjective_judges``: panel size for a subjective item in the Chinese model (5).
    - ``drop_highest`` / ``drop_lowest``: scores removed at each end before averaging (1 and 1).
    - ``trimmed_mean_min_judges``: fewest scores a trimmed mean accepts (5, DOMAIN.md §1 "≥5 judges").
    - ``decimals`` / ``rounding``: places and :mod:`decimal` rounding mode for every mark (2, ROUND_HALF_UP).
    - ``scheme_total``: what a marking scheme adds up to unless the scheme states its own total (100).
    - ``paper_max_mark``: what the theory and the practical paper are each marked out of (100).
    - ``max_theory_weight``: highest weight, in per cent, the theory paper may carry (30).

    Integers are accepted for the Decimal settings. Raises :class:`MarkingRulesError` (``rules.invalid``,
    params ``setting``, ``value``, ``requirement``) when a setting is impossible or contradicts another.
    """

    judgement_min_score: int = 0
    judgement_max_score: int = 3
    judgement_team_size: int = 3
    judgement_allowed_spread: int = 1
    subjective_judges: int = 5
    drop_highest: int = 1
    drop_lowest: int = 1
    trimmed_mean_min_judges: int = 5
    decimals: int = 2
    rounding: str = ROUND_HALF_UP
    scheme_total: Decimal = Decimal(100)
    paper_max_mark: Decimal = Decimal(100)
    max_theory_weight: Decimal = Decimal(30)

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.type == "int" and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"MarkingRules.{spec.name} must be an int, not {type(value).__name__}")
            if spec.type == "Decimal":
                # Frozen: normalising an int setting to Decimal has to go through object.__setattr__.
                object.__setattr__(self, spec.name, _to_decimal(value, f"MarkingRules.{spec.name}"))
                if not getattr(self, spec.name).is_finite():
                    raise MarkingRulesError("rules.invalid", _INVALID_SETTING, setting=spec.name, value=value,
                                            requirement="finite")
        checks = [
            ("judgement_min_score", self.judgement_min_score >= 0, ">= 0"),
            ("judgement_max_score", self.judgement_max_score > self.judgement_min_score,
             "> judgement_min_score"),
            ("judgement_team_size", self.judgement_team_size >= 1, ">= 1"),
            ("judgement_allowed_spread", self.judgement_allowed_spread >= 0, ">= 0"),
            ("drop_highest", self.drop_highest >= 0, ">= 0"),
            ("drop_lowest", self.drop_lowest >= 0, ">= 0"),
            ("trimmed_mean_min_judges", self.trimmed_mean_min_judges > self.drop_highest + self.drop_lowest,
             "> drop_highest + drop_lowest"),
            ("subjective_judges", self.subjective_judges >= self.trimmed_mean_min_judges,
             ">= trimmed_mean_min_judges"),
            ("decimals", 0 <= self.decimals <= _MAX_DECIMALS, f"between 0 and {_MAX_DECIMALS}"),
            ("rounding", self.rounding in _ROUNDING_MODES, "a decimal rounding mode"),
            ("scheme_total", self.scheme_total > 0, "> 0"),
            ("paper_max_mark", self.paper_max_mark > 0, "> 0"),
            ("max_theory_weight", 0 <= self.max_theory_weight <= PERCENT, f"between 0 and {PERCENT}"),
        ]
        for setting, ok, requirement in checks:
            if not ok:
                raise MarkingRulesError("rules.invalid", _INVALID_SETTING, setting=setting,
                                        value=getattr(self, setting), requirement=requirement)

    @property
    def judgement_levels(self) -> int:
        """How many levels the judgement scale has, hence how many descriptors a judgement aspect needs."""
        return self.judgement_max_score - self.judgement_min_score + 1


DEFAULT_RULES = MarkingRules()


# --- marking scheme -------------------------------------------------------------------------------------

class AspectKind(StrEnum):
    MEASUREMENT = "measurement"   # objective: yes/no, deductions or tolerance bands
    JUDGEMENT = "judgement"       # a team of judges scores on the judgement scale against descriptors
    SUBJECTIVE = "subjective"     # Chinese model: a panel scores 0..max, trimmed mean


class MeasurementMethod(StrEnum):
    YES_NO = "yes_no"             # max mark or 0
    DEDUCTION = "deduction"       # max mark minus stated deductions, never below 0
    BANDS = "bands"               # marks by the band the measured deviation falls in


_KINDS = frozenset(kind.value for kind in AspectKind)
_METHODS = frozenset(method.value for method in MeasurementMethod)


@dataclass(frozen=True)
class ToleranceBand:
    """A deviation up to and including ``max_deviation`` (either side of nominal) earns ``marks``."""

    max_deviation: Decimal
    marks: Decimal


@dataclass(frozen=True)
class AspectSpec:
    """One aspect of a marking scheme. ``descriptors`` only for judgement aspects (one per level of the
    judgement scale, lowest first); ``method`` only for measurement aspects; ``bands`` only with the
    ``bands`` method, narrowest first."""

    code: str
    description: str
    kind: AspectKind | str
    max_mark: Decimal
    descriptors: tuple[str, ...] = ()
    method: MeasurementMethod | str | None = None
    bands: tuple[ToleranceBand, ...] = ()


@dataclass(frozen=True)
class SubCriterionSpec:
    code: str
    description: str
    aspects: tuple[AspectSpec, ...] = ()


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion (A, B, C …). ``max_mark``, when stated, is what its aspects must add up to."""

    code: str
    description: str
    sub_criteria: tuple[SubCriterionSpec, ...] = ()
    max_mark: Decimal | None = None


@dataclass(frozen=True)
class SchemeSpec:
    """A marking scheme. ``total`` is the stated total; ``None`` means ``rules.scheme_total``."""

    criteria: tuple[CriterionSpec, ...] = ()
    total: Decimal | None = None

    def aspects(self) -> Iterator[tuple[CriterionSpec, AspectSpec]]:
        """Every aspect with its criterion, in scheme order."""
        for criterion in self.criteria:
            for sub in criterion.sub_criteria:
                for aspect in sub.aspects:
                    yield criterion, aspect


@dataclass(frozen=True)
class SchemeProblem:
    """Why a scheme cannot be published. ``location`` is the path of codes, e.g. ``A/A1/A1.2``
    (``#n`` for an item without a code, ``""`` for the scheme itself)."""

    code: str
    location: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


# --- judgement and subjective scores --------------------------------------------------------------------

def judgement_aspect_mark(scores: Sequence[Number], max_mark: Number, rules: MarkingRules = DEFAULT_RULES,
                          *, allow_incomplete: bool = False) -> Decimal:
    """Mark of a judgement aspect: mean(scores) / 3 × ``max_mark`` on the default scale (in general
    (mean − ``judgement_min_score``) / (``judgement_max_score`` − ``judgement_min_score``) × ``max_mark``),
    rounded once. Each score is an integral int or Decimal on the judgement scale.

    Exactly ``rules.judgement_team_size`` scores are required; with ``allow_incomplete`` fewer (but at
    least one) are accepted, never more. The result lies in [0, max_mark] and never decreases when one
    score increases.

    Raises :class:`ScoreError` (``judgement.no_scores``, ``judgement.wrong_team_size``,
    ``judgement.score_not_integer``, ``judgement.score_out_of_range``), :class:`AspectError`
    (``aspect.max_mark_not_positive``), :class:`MarkValueError` (``mark.not_finite``).
    """
    levels = _judgement_scores(scores, rules)
    _check_panel_size(len(levels), rules.judgement_team_size, allow_incomplete, "judgement")
    maximum = _positive_max_mark(max_mark)
    mean = Fraction(sum(levels), len(levels))
    span = rules.judgement_max_score - rules.judgement_min_score
    return _round((mean - rules.judgement_min_score) / span * maximum, rules)


def spread_flag(scores: Sequence[Number], rules: MarkingRules = DEFAULT_RULES) -> bool:
    """True when two of the judges' scores differ by more than ``rules.judgement_allowed_spread``: the
    team must discuss and re-score. Fewer than two scores are never flagged.

    Raises :class:`ScoreError` (``judgement.score_not_integer``, ``judgement.score_out_of_range``).
    """
    levels = _judgement_scores(scores, rules)
    return len(levels) > 1 and max(levels) - min(levels) > rules.judgement_allowed_spread


def trimmed_mean(scores: Sequence[Number], rules: MarkingRules = DEFAULT_RULES) -> Decimal:
    """Drop ``rules.drop_highest`` highest and ``rules.drop_lowest`` lowest scores (one score per drop,
    even when several are tied), average the rest exactly and round once to ``rules.decimals``.

    The result does not depend on the order of ``scores``; when every score has at most ``rules.decimals``
    places it lies between the lowest and the highest kept score.

    Raises :class:`ScoreError` (``trimmed_mean.too_few_scores``, params ``minimum``, ``found``) when there
    are fewer than ``rules.trimmed_mean_min_judges`` scores, rather than averaging a panel too small to trim;
    :class:`MarkValueError` (``mark.not_finite``).
    """
    values = sorted(_exact(score, "score") for score in scores)
    if len(values) < rules.trimmed_mean_min_judges:
        raise ScoreError("trimmed_mean.too_few_scores",
                         N_("A trimmed mean needs at least %(minimum)s scores; %(found)s were given."),
                         minimum=rules.trimmed_mean_min_judges, found=len(values))
    kept = values[rules.drop_lowest:len(values) - rules.drop_highest]
    return _round(sum(kept, Fraction(0)) / len(kept), rules)


def subjective_item_mark(scores: Sequence[Number], max_mark: Number, rules: MarkingRules = DEFAULT_RULES,
                         *, allow_incomplete: bool = False) -> Decimal:
    """Mark of a subjective (Chinese-model) item: each judge scores 0..``max_mark``; the mark is the
    :func:`trimmed_mean` of the scores.

    Exactly ``rules.subjective_judges`` scores are required; with ``allow_incomplete`` fewer are accepted
    down to ``rules.trimmed_mean_min_judges``, never more.

    Raises :class:`ScoreError` (``subjective.no_scores``, ``subjective.wrong_panel_size``,
    ``subjective.score_out_of_range``, ``trimmed_mean.too_few_scores``), :class:`AspectError`
    (``aspect.max_mark_not_positive``), :class:`MarkValueError` (``mark.not_finite``).
    """
    maximum = _positive_max_mark(max_mark)
    values = [_exact(score, "score") for score in scores]
    _check_panel_size(len(values), rules.subjective_judges, allow_incomplete, "subjective")
    for position, value in enumerate(values, start=1):
        if not 0 <= value <= maximum:
            raise ScoreError("subjective.score_out_of_range",
                             N_("Score %(position)s is %(value)s; it must be between 0 and %(maximum)s."),
                             position=position, value=_plain(value), maximum=_plain(maximum))
    return trimmed_mean(scores, rules)


# --- measurement ----------------------------------------------------------------------------------------

def measurement_aspect_mark(aspect: AspectSpec, observation: bool | Number | Sequence[Number],
                            rules: MarkingRules = DEFAULT_RULES) -> Decimal:
    """Mark of a measurement aspect from what was observed, by the aspect's method:

    - ``yes_no``: ``observation`` is a bool, True when the requirement is met → ``max_mark``, else 0.
    - ``deduction``: a sequence of stated deductions (each ≥ 0) → ``max_mark`` − their sum, never below 0.
    - ``bands``: the measured deviation from nominal (its sign is ignored) → the marks of the first band
      whose ``max_deviation`` is at least that deviation (bounds included), 0 beyond the last band.

    Raises :class:`AspectError` (``aspect.wrong_kind``, or any ``aspect.*`` problem that makes the aspect
    unmarkable, see :func:`validate_scheme`), :class:`MeasurementError` (``measurement.negative_deduction``),
    :class:`MarkValueError` (``mark.not_finite``); ``TypeError`` when the observation's type does not match
    the method.
    """
    _require_kind(aspect, AspectKind.MEASUREMENT)
    _require_markable(aspect, rules)
    maximum = Fraction(aspect.max_mark)
    method = MeasurementMethod(aspect.method)
    if method is MeasurementMethod.YES_NO:
        if not isinstance(observation, bool):
            raise TypeError(f"a yes/no observation must be a bool, not {type(observation).__name__}")
        return _round(maximum if observation else Fraction(0), rules)
    if method is MeasurementMethod.DEDUCTION:
        if isinstance(observation, bool | int | Decimal | str) or not isinstance(observation, Sequence):
            raise TypeError("a deduction observation must be a sequence of deductions")
        deductions = [_exact(deduction, "deduction") for deduction in observation]
        for position, deduction in enumerate(deductions, start=1):
            if deduction < 0:
                raise MeasurementError(
                    "measurement.negative_deduction",
                    N_("Deduction %(position)s is %(value)s; deductions cannot be negative."),
                    position=position, value=_plain(deduction))
        return _round(max(maximum - sum(deductions, Fraction(0)), Fraction(0)), rules)
    deviation = abs(_exact(observation, "deviation"))
    for band in aspect.bands:
        if deviation <= Fraction(band.max_deviation):
            return _round(Fraction(band.marks), rules)
    return _round(Fraction(0), rules)


# --- raw values from a tablet ---------------------------------------------------------------------------

def validate_value(aspect: AspectSpec, value: str | Number | None,
                   rules: MarkingRules = DEFAULT_RULES) -> Decimal:
    """Parse one raw value entered on a tablet for ``aspect`` and return it as a Decimal: a judge's score
    for a judgement aspect (an integer on the judgement scale, returned without places), a judge's score
    for a subjective item or the mark of a measurement aspect (0..``max_mark`` with at most
    ``rules.decimals`` places, trailing zeros not counted; returned with exactly ``rules.decimals`` places).
    A yes/no aspect accepts only 0 or ``max_mark``; a bands aspect only 0 or one of its band marks.

    Strings are NFKC-normalised (full-width digits, ``．`` and ``。`` from Chinese input methods) and
    stripped; they must be plain decimals: optional sign, digits, optional point. No exponent, separator or
    underscore.

    Raises :class:`MarkValueError` with ``code``: ``mark.empty`` (None or blank), ``mark.not_a_number``,
    ``mark.not_finite`` (NaN, infinity), ``mark.out_of_range``, ``mark.not_integer``,
    ``mark.too_many_decimals``, ``mark.not_allowed_value``; :class:`AspectError` when the aspect itself
    cannot be marked; ``TypeError`` for a float, bool or any other type (parse JSON with
    ``parse_float=Decimal``).
    """
    _require_markable(aspect, rules)
    number = _parse_raw(value)
    kind = AspectKind(aspect.kind)
    if kind is AspectKind.JUDGEMENT:
        minimum, maximum = Decimal(rules.judgement_min_score), Decimal(rules.judgement_max_score)
    else:
        minimum, maximum = Decimal(0), _to_decimal(aspect.max_mark, "max_mark")
    if not minimum <= number <= maximum:
        raise MarkValueError("mark.out_of_range", N_("%(value)s is not between %(minimum)s and %(maximum)s."),
                             value=_plain(number), minimum=_plain(minimum), maximum=_plain(maximum))
    if kind is AspectKind.JUDGEMENT:
        if number != number.to_integral_value():
            raise MarkValueError("mark.not_integer", N_("%(value)s is not a whole number."),
                                 value=_plain(number))
        return Decimal(int(number))
    step = Decimal(1).scaleb(-rules.decimals)
    if number.quantize(step) != number:
        raise MarkValueError("mark.too_many_decimals",
                             N_("%(value)s has more than %(decimals)s decimal places."),
                             value=_plain(number), decimals=rules.decimals)
    mark = abs(number.quantize(step)) if number == 0 else number.quantize(step)
    allowed = _allowed_measurement_marks(aspect)
    if allowed is not None and mark not in allowed:
        raise MarkValueError("mark.not_allowed_value", N_("%(value)s is not one of %(allowed)s."),
                             value=_plain(mark), allowed=", ".join(_plain(a) for a in sorted(allowed)))
    return mark


# --- scheme validation ----------------------------------------------------------------------------------

def validate_scheme(scheme: SchemeSpec, rules: MarkingRules = DEFAULT_RULES) -> list[SchemeProblem]:
    """Every reason ``scheme`` cannot be published, in scheme order; empty when it can.

    Scheme level: ``scheme.no_criteria``; ``scheme.total_mismatch`` (aspect max marks must add up exactly
    to ``scheme.total``, else ``rules.scheme_total``); ``scheme.duplicate_code`` (criterion codes, then
    sub-criterion codes, then aspect codes, each unique across the scheme). Criterion and sub-criterion:
    ``scheme.blank_code``, ``scheme.empty_criterion``, ``scheme.empty_sub_criterion``,
    ``scheme.criterion_total_mismatch`` (when the criterion states a max mark).
    Aspect: ``aspect.blank_code``, ``aspect.blank_description``, ``aspect.unknown_kind``,
    ``aspect.max_mark_not_positive``, ``aspect.max_mark_too_many_decimals``,
    ``aspect.descriptors_wrong_count``, ``aspect.descriptor_blank``, ``aspect.descriptors_not_allowed``,
    ``aspect.method_missing``, ``aspect.unknown_method``, ``aspect.method_not_allowed``,
    ``aspect.bands_missing``, ``aspect.bands_not_allowed``, ``aspect.band_negative``,
    ``aspect.band_deviations_not_increasing``, ``aspect.band_marks_increasing``,
    ``aspect.band_mark_above_max``, ``aspect.band_mark_too_many_decimals``.

    Raises only ``TypeError`` (a float or other non-Decimal where a mark belongs) and
    :class:`MarkValueError` (``mark.not_finite``, a NaN or infinite mark).
    """
    problems: list[SchemeProblem] = []
    if not scheme.criteria:
        problems.append(SchemeProblem("scheme.no_criteria", "", N_("The scheme has no criteria.")))
    seen: dict[str, set[str]] = {"criterion": set(), "sub_criterion": set(), "aspect": set()}

    def check_code(code: str, level: str, location: str) -> None:
        if not code.strip():
            problem_code = "aspect.blank_code" if level == "aspect" else "scheme.blank_code"
            problems.append(SchemeProblem(problem_code, location, N_("A code is missing.")))
        elif code in seen[level]:
            problems.append(SchemeProblem("scheme.duplicate_code", location,
                                          N_("The code %(code)s is used twice."), {"code": code}))
        seen[level].add(code)

    total = Fraction(0)
    for c_index, criterion in enumerate(scheme.criteria, start=1):
        c_location = _location("", criterion.code, c_index)
        check_code(criterion.code, "criterion", c_location)
        if not criterion.sub_criteria:
            problems.append(SchemeProblem("scheme.empty_criterion", c_location,
                                          N_("The criterion has no sub-criteria.")))
        criterion_total = Fraction(0)
        for s_index, sub in enumerate(criterion.sub_criteria, start=1):
            s_location = _location(c_location, sub.code, s_index)
            check_code(sub.code, "sub_criterion", s_location)
            if not sub.aspects:
                problems.append(SchemeProblem("scheme.empty_sub_criterion", s_location,
                                              N_("The sub-criterion has no aspects.")))
            for a_index, aspect in enumerate(sub.aspects, start=1):
                a_location = _location(s_location, aspect.code, a_index)
                check_code(aspect.code, "aspect", a_location)
                problems.extend(_aspect_problems(aspect, rules, a_location))
                criterion_total += _exact(aspect.max_mark, "max_mark")
        if criterion.max_mark is not None and criterion_total != _exact(criterion.max_mark, "max_mark"):
            problems.append(SchemeProblem(
                "scheme.criterion_total_mismatch", c_location,
                N_("The aspects add up to %(found)s; the criterion states %(expected)s."),
                {"found": _plain(criterion_total), "expected": _plain(criterion.max_mark)}))
        total += criterion_total
    expected = rules.scheme_total if scheme.total is None else scheme.total
    if scheme.criteria and total != _exact(expected, "total"):
        problems.append(SchemeProblem(
            "scheme.total_mismatch", "",
            N_("The aspects add up to %(found)s; the scheme must total %(expected)s."),
            {"found": _plain(total), "expected": _plain(expected)}))
    return problems


# --- totals ---------------------------------------------------------------------------------------------

def criterion_totals(aspect_marks_by_code: Mapping[str, Number], scheme: SchemeSpec,
                     rules: MarkingRules = DEFAULT_RULES) -> dict[str, Decimal]:
    """Total per criterion code, in scheme order: the exact sum of its aspects' marks, with
    ``rules.decimals`` places. ``scheme`` is assumed to pass :func:`validate_scheme` (unique codes).

    Every aspect of the scheme needs a mark, between 0 and its max mark, and no other code may appear.
    Raises :class:`TotalsError` (``totals.missing_mark``, ``totals.unknown_aspect``,
    ``totals.mark_out_of_range``), :class:`MarkValueError` (``mark.not_finite``).
    """
    known = {aspect.code for _, aspect in scheme.aspects()}
    unknown = sorted(set(aspect_marks_by_code) - known)
    if unknown:
        raise TotalsError("totals.unknown_aspect", N_("No aspect in the scheme has the code %(codes)s."),
                          codes=", ".join(unknown))
    sums: dict[str, Fraction] = {criterion.code: Fraction(0) for criterion in scheme.criteria}
    for criterion, aspect in scheme.aspects():
        if aspect.code not in aspect_marks_by_code:
            raise TotalsError("totals.missing_mark", N_("Aspect %(aspect)s has no mark."), aspect=aspect.code)
        mark = _exact(aspect_marks_by_code[aspect.code], "mark")
        if not 0 <= mark <= _exact(aspect.max_mark, "max_mark"):
            raise TotalsError("totals.mark_out_of_range",
                              N_("Aspect %(aspect)s has %(mark)s; it must be between 0 and %(maximum)s."),
                              aspect=aspect.code, mark=_plain(mark), maximum=_plain(aspect.max_mark))
        sums[criterion.code] += mark
    return {code: _round(value, rules) for code, value in sums.items()}


def skill_raw_total(aspect_marks_by_code: Mapping[str, Number], scheme: SchemeSpec,
                    rules: MarkingRules = DEFAULT_RULES) -> Decimal:
    """A contestant's raw total on the scheme (out of its total, usually 100): the sum of
    :func:`criterion_totals`, with ``rules.decimals`` places. Raises what :func:`criterion_totals` raises."""
    totals = criterion_totals(aspect_marks_by_code, scheme, rules)
    return _round(sum((Fraction(value) for value in totals.values()), Fraction(0)), rules)


def weighted_total(theory: Number | None, practical: Number, theory_weight: Number, practical_weight: Number,
                   rules: MarkingRules = DEFAULT_RULES) -> Decimal:
    """Final mark of the Chinese model: (theory × theory_weight + practical × practical_weight) / 100,
    rounded once. Both papers are out of ``rules.paper_max_mark`` (so is the result); weights are per cent,
    e.g. 30/70, 20/80, 0/100. ``theory`` may be None only when its weight is 0 (no theory paper).

    Raises :class:`WeightingError`: ``weighting.negative_weight``, ``weighting.weights_not_100``,
    ``weighting.theory_weight_too_high`` (above ``rules.max_theory_weight``), ``weighting.theory_missing``,
    ``weighting.theory_out_of_range``, ``weighting.practical_out_of_range``;
    :class:`MarkValueError` (``mark.not_finite``).
    """
    weights = {"theory": _exact(theory_weight, "theory_weight"),
               "practical": _exact(practical_weight, "practical_weight")}
    for paper, weight in weights.items():
        if weight < 0:
            raise WeightingError("weighting.negative_weight",
                                 N_("The %(paper)s weight %(weight)s is negative."), paper=paper,
                                 weight=_plain(weight))
    if weights["theory"] + weights["practical"] != PERCENT:
        raise WeightingError("weighting.weights_not_100",
                             N_("Weights %(theory)s + %(practical)s must add up to 100."),
                             theory=_plain(weights["theory"]), practical=_plain(weights["practical"]))
    if weights["theory"] > rules.max_theory_weight:
        raise WeightingError("weighting.theory_weight_too_high",
                             N_("The theory weight %(weight)s is above the maximum %(maximum)s."),
                             weight=_plain(weights["theory"]), maximum=_plain(rules.max_theory_weight))
    if theory is None:
        if weights["theory"] != 0:
            raise WeightingError("weighting.theory_missing",
                                 N_("The theory mark is missing but carries %(weight)s per cent."),
                                 weight=_plain(weights["theory"]))
        theory = 0
    papers = {"theory": _exact(theory, "theory"), "practical": _exact(practical, "practical")}
    for paper, mark in papers.items():
        if not 0 <= mark <= rules.paper_max_mark:
            raise WeightingError(f"weighting.{paper}_out_of_range",
                                 N_("The mark %(mark)s is not between 0 and %(maximum)s."),
                                 mark=_plain(mark), maximum=_plain(rules.paper_max_mark))
    combined = sum((papers[paper] * weights[paper] for paper in papers), Fraction(0)) / PERCENT
    return _round(combined, rules)



def weighted_totals(papers: Mapping[Any, tuple[Number | None, Number]], theory_weight: Number,
                    practical_weight: Number, rules: MarkingRules = DEFAULT_RULES) -> dict[Any, Decimal]:
    """:func:`weighted_total` for many competitors: key → (theory, practical) in, key → total out, with the
    same results and the same errors. The weights are checked once; each total is computed in exact decimal
    arithmetic (the inputs are finite decimals, so the sum of products divided by 100 is exact) and rounded
    once with ``rules.rounding``, which is what :func:`weighted_total` does with fractions. Any input outside
    the fast path's assumptions goes through :func:`weighted_total` itself (which raises what it raises)."""
    out: dict[Any, Decimal] = {}
    if not papers:
        return out
    first = next(iter(papers))
    out[first] = weighted_total(*papers[first], theory_weight, practical_weight, rules)  # checks the weights
    weights = (_to_decimal(theory_weight, "theory_weight"), _to_decimal(practical_weight, "practical_weight"))
    step = Decimal(1).scaleb(-rules.decimals)
    top = rules.paper_max_mark
    with localcontext() as context:
        context.prec = 60  # far above any product of two Numeric(8, 2) values and a weight: exact
        for key, (theory, practical) in papers.items():
            if key in out:
                continue
            exact = type(practical) in (Decimal, int) and (theory is None or type(theory) in (Decimal, int))
            t = Decimal(0) if theory is None else Decimal(theory) if exact else None
            p = Decimal(practical) if exact else None
            if not exact or not (t.is_finite() and p.is_finite() and 0 <= t <= top and 0 <= p <= top) \
                    or (theory is None and weights[0] != 0):
                out[key] = weighted_total(theory, practical, theory_weight, practical_weight, rules)
                continue
            total = ((t * weights[0] + p * weights[1]) / PERCENT).quantize(step, rounding=rules.rounding)
            out[key] = abs(total) if total == 0 else total
    return out

# --- helpers --------------------------------------------------------------------------------------------

def _exact(value: object, what: str) -> Fraction:
    """An int or finite Decimal as an exact fraction."""
    number = _to_decimal(value, what)
    if not number.is_finite():
        raise MarkValueError("mark.not_finite", N_("%(value)s is not a finite number."), value=str(number))
    return Fraction(number)


def _round(value: Fraction, rules: MarkingRules) -> Decimal:
    """``value`` rounded once to ``rules.decimals`` places with ``rules.rounding``, exactly.

    The scaled value's whole part is kept and its remainder replaced by 0, .4, .5 or .6, which every
    decimal rounding mode treats as the true remainder (zero, below, at or above half), so there is no
    double rounding."""
    scaled = abs(value) * 10 ** rules.decimals
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if rest == 0:
        tail = Decimal(0)
    else:
        tail = Decimal("0.4") if 2 * rest < scaled.denominator else (
            Decimal("0.5") if 2 * rest == scaled.denominator else Decimal("0.6"))
    stand_in = Decimal(whole) + tail
    if value < 0:
        stand_in = -stand_in
    rounded = stand_in.quantize(Decimal(1), rounding=rules.rounding).scaleb(-rules.decimals)
    return abs(rounded) if rounded == 0 else rounded  # no "-0.00"


def _plain(value: Fraction | Decimal | int) -> str:
    """A number for a message: exact decimals as written, other fractions to 4 places."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        value = Decimal(value.numerator) / Decimal(value.denominator)
        return f"{value.quantize(Decimal('0.0001')).normalize():f}"
    return f"{Decimal(value):f}"


def _location(parent: str, code: str, index: int) -> str:
    name = code.strip() or f"#{index}"
    return f"{parent}/{name}" if parent else name


def _judgement_scores(scores: Sequence[Number], rules: MarkingRules) -> list[int]:
    levels = []
    for position, score in enumerate(scores, start=1):
        value = _exact(score, "score")
        if value.denominator != 1:
            raise ScoreError("judgement.score_not_integer",
                             N_("Score %(position)s is %(value)s; judgement scores are whole numbers."),
                             position=position, value=_plain(value))
        if not rules.judgement_min_score <= value <= rules.judgement_max_score:
            raise ScoreError("judgement.score_out_of_range",
                             N_("Score %(position)s is %(value)s; it must be between %(minimum)s and "
                                "%(maximum)s."), position=position, value=_plain(value),
                             minimum=rules.judgement_min_score, maximum=rules.judgement_max_score)
        levels.append(int(value))
    return levels


def _check_panel_size(found: int, expected: int, allow_incomplete: bool, kind: str) -> None:
    if found == 0:
        raise ScoreError(f"{kind}.no_scores", N_("No scores were given."))
    if found > expected or (found < expected and not allow_incomplete):
        code = "judgement.wrong_team_size" if kind == "judgement" else "subjective.wrong_panel_size"
        raise ScoreError(code, N_("%(expected)s judges must score; %(found)s scores were given."),
                         expected=expected, found=found)


def _positive_max_mark(max_mark: Number) -> Fraction:
    maximum = _exact(max_mark, "max_mark")
    if maximum <= 0:
        raise AspectError("aspect.max_mark_not_positive", N_("The max mark %(max_mark)s must be positive."),
                          max_mark=_plain(maximum))
    return maximum


def _require_kind(aspect: AspectSpec, kind: AspectKind) -> None:
    if aspect.kind != kind:
        raise AspectError("aspect.wrong_kind",
                          N_("Aspect %(aspect)s is a %(found)s aspect, not %(expected)s."),
                          aspect=aspect.code, found=str(aspect.kind), expected=kind.value)


def _require_markable(aspect: AspectSpec, rules: MarkingRules) -> None:
    """Raise the first problem that makes a mark for ``aspect`` impossible to compute or to check."""
    for problem in _markability_problems(aspect, rules, aspect.code):
        raise AspectError(problem.code, problem.message, aspect=aspect.code, **problem.params)


def _aspect_problems(aspect: AspectSpec, rules: MarkingRules, location: str) -> list[SchemeProblem]:
    problems = []
    if not aspect.description.strip():
        problems.append(SchemeProblem("aspect.blank_description", location,
                                      N_("The description is missing.")))
    problems.extend(_markability_problems(aspect, rules, location))
    if aspect.kind == AspectKind.JUDGEMENT:
        if len(aspect.descriptors) != rules.judgement_levels:
            problems.append(SchemeProblem(
                "aspect.descriptors_wrong_count", location,
                N_("A judgement aspect needs %(expected)s descriptors; it has %(found)s."),
                {"expected": rules.judgement_levels, "found": len(aspect.descriptors)}))
        for level, descriptor in enumerate(aspect.descriptors, start=rules.judgement_min_score):
            if not descriptor.strip():
                problems.append(SchemeProblem("aspect.descriptor_blank", location,
                                              N_("The descriptor for level %(level)s is blank."),
                                              {"level": level}))
    elif aspect.descriptors:
        problems.append(SchemeProblem("aspect.descriptors_not_allowed", location,
                                      N_("Only judgement aspects have descriptors.")))
    return problems


def _markability_problems(aspect: AspectSpec, rules: MarkingRules, location: str) -> list[SchemeProblem]:
    """Problems that stop a mark being computed or validated: kind, max mark, method and bands."""
    problems = []
    if aspect.kind not in _KINDS:
        problems.append(SchemeProblem("aspect.unknown_kind", location, N_("%(kind)s is not an aspect kind."),
                                      {"kind": str(aspect.kind)}))
    maximum = _exact(aspect.max_mark, "max_mark")
    if maximum <= 0:
        problems.append(SchemeProblem("aspect.max_mark_not_positive", location,
                                      N_("The max mark %(max_mark)s must be positive."),
                                      {"max_mark": _plain(aspect.max_mark)}))
    elif _has_too_many_places(maximum, rules):
        problems.append(SchemeProblem("aspect.max_mark_too_many_decimals", location,
                                      N_("The max mark %(max_mark)s has more than %(decimals)s decimal "
                                         "places."),
                                      {"max_mark": _plain(aspect.max_mark), "decimals": rules.decimals}))
    if aspect.kind != AspectKind.MEASUREMENT:
        if aspect.method is not None:
            problems.append(SchemeProblem("aspect.method_not_allowed", location,
                                          N_("Only measurement aspects have a method.")))
        if aspect.bands:
            problems.append(SchemeProblem("aspect.bands_not_allowed", location,
                                          N_("Only measurement aspects marked by bands have bands.")))
        return problems
    if aspect.method is None:
        problems.append(SchemeProblem("aspect.method_missing", location,
                                      N_("A measurement aspect needs a method: yes_no, deduction or bands.")))
    elif aspect.method not in _METHODS:
        problems.append(SchemeProblem("aspect.unknown_method", location,
                                      N_("%(method)s is not a measurement method."),
                                      {"method": str(aspect.method)}))
    elif aspect.method == MeasurementMethod.BANDS:
        problems.extend(_band_problems(aspect, maximum, rules, location))
    elif aspect.bands:
        problems.append(SchemeProblem("aspect.bands_not_allowed", location,
                                      N_("Only measurement aspects marked by bands have bands.")))
    return problems


def _band_problems(aspect: AspectSpec, maximum: Fraction, rules: MarkingRules,
                   location: str) -> list[SchemeProblem]:
    if not aspect.bands:
        return [SchemeProblem("aspect.bands_missing", location,
                              N_("The aspect is marked by bands but has none."))]
    problems = []
    previous: ToleranceBand | None = None
    for position, band in enumerate(aspect.bands, start=1):
        deviation, marks = _exact(band.max_deviation, "max_deviation"), _exact(band.marks, "marks")
        params = {"band": position, "max_deviation": _plain(band.max_deviation), "marks": _plain(band.marks)}
        if deviation < 0 or marks < 0:
            problems.append(SchemeProblem("aspect.band_negative", location,
                                          N_("Band %(band)s has a negative deviation or mark."), params))
        if marks > maximum:
            problems.append(SchemeProblem("aspect.band_mark_above_max", location,
                                          N_("Band %(band)s awards %(marks)s, above the max mark "
                                             "%(maximum)s."), {**params, "maximum": _plain(aspect.max_mark)}))
        if _has_too_many_places(marks, rules):
            problems.append(SchemeProblem("aspect.band_mark_too_many_decimals", location,
                                          N_("Band %(band)s awards %(marks)s, with more than %(decimals)s "
                                             "decimal places."), {**params, "decimals": rules.decimals}))
        if previous is not None:
            if deviation <= Fraction(previous.max_deviation):
                problems.append(SchemeProblem("aspect.band_deviations_not_increasing", location,
                                              N_("Band %(band)s must allow a larger deviation than the one "
                                                 "before it."), params))
            if marks > Fraction(previous.marks):
                problems.append(SchemeProblem("aspect.band_marks_increasing", location,
                                              N_("Band %(band)s awards more than the narrower band before "
                                                 "it."), params))
        previous = band
    return problems


def _has_too_many_places(value: Fraction, rules: MarkingRules) -> bool:
    return (value * 10 ** rules.decimals).denominator != 1


def _allowed_measurement_marks(aspect: AspectSpec) -> set[Decimal] | None:
    """The only marks a yes/no or bands aspect can have; None when any mark in range is possible."""
    if aspect.kind != AspectKind.MEASUREMENT:
        return None
    if aspect.method == MeasurementMethod.YES_NO:
        return {Decimal(0), Decimal(aspect.max_mark)}
    if aspect.method == MeasurementMethod.BANDS:
        return {Decimal(0), *(Decimal(band.marks) for band in aspect.bands)}
    return None


def _parse_raw(value: str | Number | None) -> Decimal:
    if value is None:
        raise MarkValueError("mark.empty", N_("No value was entered."))
    if isinstance(value, str):
        # NFKC turns full-width digits, "．" and "－" into ASCII; "。" is the point typed in Chinese mode.
        text = unicodedata.normalize("NFKC", value).replace("\u3002", ".").strip()
        if not text:
            raise MarkValueError("mark.empty", N_("No value was entered."))
        if _NOT_FINITE.fullmatch(text):
            raise MarkValueError("mark.not_finite", N_("%(value)s is not a finite number."), value=text)
        if not _PLAIN_NUMBER.fullmatch(text):
            raise MarkValueError("mark.not_a_number", N_("%(value)s is not a number."), value=text)
        return Decimal(text)
    number = _to_decimal(value, "value")
    if not number.is_finite():
        raise MarkValueError("mark.not_finite", N_("%(value)s is not a finite number."), value=str(number))
    return number
