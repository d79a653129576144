"""Judging quality: how each judge marks compared with the rest of the panel (DOMAIN.md §4, §5, §6).

Pure: no Flask, no database, no I/O. A service loads one skill's judged cells and the judges' ties with
the contestants, and calls these functions; the report shows what they return.

Inputs. A :class:`Cell` is one contestant's one judged aspect (judgement or subjective: measurement
aspects have one agreed mark and say nothing about a judge): each judge's final score, each judge's
*first* score (before any re-score after a spread discussion) and the width of the aspect's scale
(3 for the 0–3 judgement scale, the max mark for a subjective item), so that deviations of different
aspects can be averaged.

Definitions (each function's docstring has the detail; all are computed exactly with fractions):

- **Deviation** of one score: the score minus the mean of the *other* judges' scores of the cell (the
  panel consensus without the judge, so the judge does not pull the consensus towards themself), divided
  by the scale width. Negative = stricter than the panel, positive = more lenient. Cells with a single
  judge have no consensus and are skipped.
- **Severity** of a judge: the mean deviation of their final scores; ``severe`` when at most
  −``severity_threshold``, ``lenient`` when at least +``severity_threshold``, ``in_line`` between, and
  ``too_few`` with fewer than ``min_cells`` cells.
- **Spread flags caused**: a cell is flagged when its *first* scores differ by more than the allowed
  spread (``MarkingRules.judgement_allowed_spread``; judgement aspects only). The judges who caused it are
  those whose first score is farthest from the median of the first scores (all of them on a tie).
- **Agreement per aspect**, on the first (independent) scores: over every pair of judges of every cell,
  the share of pairs with equal scores, the share within the allowed spread (judgement aspects) and the
  mean absolute difference divided by the scale width.
- **Affiliated marks**: the deviations of scores given by a judge who shares an organisation, a 区县 or a
  country with the contestant, against those of every other score, per kind of tie.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import combinations

from competition.rules import N_, RuleError
from competition.rules.standardise import round_exact

__all__ = [
    "DEFAULT_QUALITY_SETTINGS", "AffiliationComparison", "AffiliationKind", "AspectAgreement", "Cell",
    "JudgeSeverity", "QualityError", "QualitySettings", "SpreadRecord", "Verdict", "affiliation_bias",
    "aspect_agreement", "deviations", "judge_severity", "spread_flags",
]

Number = int | Decimal
# Shares and deviations are reported with this many decimals (a share of 0.3333 is 33.33 %).
REPORT_DECIMALS = 4


class QualityError(RuleError):
    """A quality setting or input is unusable: ``quality.*``."""


class Verdict(StrEnum):
    SEVERE = "severe"
    LENIENT = "lenient"
    IN_LINE = "in_line"
    TOO_FEW = "too_few"


class AffiliationKind(StrEnum):
    ORGANISATION = "organisation"  # same employer or school
    DISTRICT = "district"          # same 区县
    COUNTRY = "country"            # same country


@dataclass(frozen=True)
class QualitySettings:
    """Settings of the quality report (per event or skill, section ``quality``).

    - ``severity_threshold``: mean deviation, as a share of the scale width, from which a judge is called
      severe or lenient (0.1: a tenth of the scale, 0.3 of a level on the 0–3 judgement scale; our choice).
    - ``min_cells``: fewest cells a judge must have marked beside others to be classified (5; our choice:
      below it one unusual contestant decides the verdict).
    """

    severity_threshold: Decimal = Decimal("0.1")
    min_cells: int = 5

    def __post_init__(self) -> None:
        threshold = self.severity_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, int | Decimal | str):
            raise TypeError("QualitySettings.severity_threshold must be a Decimal")
        object.__setattr__(self, "severity_threshold", Decimal(threshold))
        if not Decimal(0) <= self.severity_threshold <= 1:
            _invalid("severity_threshold", threshold, "between 0 and 1")
        if isinstance(self.min_cells, bool) or not isinstance(self.min_cells, int) or self.min_cells < 1:
            _invalid("min_cells", self.min_cells, "a whole number >= 1")


DEFAULT_QUALITY_SETTINGS = QualitySettings()


def _invalid(setting: str, value: object, requirement: str) -> None:
    raise QualityError("quality.invalid", N_("Quality setting %(setting)s = %(value)s must be %(requirement)s."),
                       setting=setting, value=value, requirement=requirement)


@dataclass(frozen=True)
class Cell:
    """One contestant's one judged aspect.

    ``scores``: judge → final score; ``first_scores``: judge → the score first entered, for judges who
    re-scored (the others' first score is their final one); ``scale``: width of the aspect's score range
    (> 0); ``spread_rule``: whether the spread rule applies (judgement aspects)."""

    contestant: Hashable
    aspect: Hashable
    scale: Number
    scores: Mapping[Hashable, Number]
    first_scores: Mapping[Hashable, Number] = field(default_factory=dict)
    spread_rule: bool = True

    def __post_init__(self) -> None:
        if Fraction(self.scale) <= 0:
            raise QualityError("quality.scale", N_("The score range of aspect %(aspect)s must be above 0."),
                               aspect=str(self.aspect))
        unknown = set(self.first_scores) - set(self.scores)
        if unknown:
            raise QualityError("quality.unknown_judge",
                               N_("A first score is given for judges without a score: %(judges)s."),
                               judges=", ".join(sorted(map(str, unknown))))

    def first(self) -> dict[Hashable, Fraction]:
        """Every judge's first score."""
        return {judge: _exact(self.first_scores.get(judge, score)) for judge, score in self.scores.items()}


def _exact(value: Number) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | Fraction):
        raise TypeError(f"a score must be an int or a Decimal, not {type(value).__name__}")
    return Fraction(value)


def _report(value: Fraction) -> Decimal:
    return round_exact(value, REPORT_DECIMALS, ROUND_HALF_UP)


# --- deviation and severity -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deviation:
    judge: Hashable
    contestant: Hashable
    aspect: Hashable
    value: Fraction   # (score − mean of the other judges' scores) / scale


def deviations(cells: Iterable[Cell]) -> list[Deviation]:
    """The deviation of every final score from the mean of the other judges' final scores of its cell,
    divided by the cell's scale, in input order (judges in their mapping's order). Cells with fewer than
    two judges give nothing."""
    found = []
    for cell in cells:
        scores = {judge: _exact(score) for judge, score in cell.scores.items()}
        if len(scores) < 2:
            continue
        total = sum(scores.values(), Fraction(0))
        scale = Fraction(cell.scale)
        for judge, score in scores.items():
            others = (total - score) / (len(scores) - 1)
            found.append(Deviation(judge, cell.contestant, cell.aspect, (score - others) / scale))
    return found


@dataclass(frozen=True)
class JudgeSeverity:
    """One judge: ``cells`` marked beside other judges, ``mean_deviation`` (signed; negative = severe) and
    ``mean_absolute_deviation`` as shares of the scale (None without cells), and the :class:`Verdict`."""

    judge: Hashable
    cells: int
    mean_deviation: Decimal | None
    mean_absolute_deviation: Decimal | None
    verdict: Verdict


def judge_severity(cells: Iterable[Cell], settings: QualitySettings = DEFAULT_QUALITY_SETTINGS,
                   judges: Sequence[Hashable] = ()) -> list[JudgeSeverity]:
    """Per judge, the mean of their deviations (see :func:`deviations`) and its verdict under ``settings``
    (the exact mean is compared with the threshold; the reported means are rounded). Rows: every judge of
    ``judges`` first (one without any shared cell is ``too_few``), then any other judge found, in order of
    appearance."""
    by_judge: dict[Hashable, list[Fraction]] = {judge: [] for judge in judges}
    for deviation in deviations(cells):
        by_judge.setdefault(deviation.judge, []).append(deviation.value)
    threshold = Fraction(settings.severity_threshold)
    rows = []
    for judge, values in by_judge.items():
        if not values:
            rows.append(JudgeSeverity(judge, 0, None, None, Verdict.TOO_FEW))
            continue
        mean = sum(values, Fraction(0)) / len(values)
        absolute = sum((abs(v) for v in values), Fraction(0)) / len(values)
        if len(values) < settings.min_cells:
            verdict = Verdict.TOO_FEW
        elif mean <= -threshold:
            verdict = Verdict.SEVERE
        elif mean >= threshold:
            verdict = Verdict.LENIENT
        else:
            verdict = Verdict.IN_LINE
        rows.append(JudgeSeverity(judge, len(values), _report(mean), _report(absolute), verdict))
    return rows


# --- spread flags -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpreadRecord:
    """One judge: ``cells`` where the spread rule applied and they scored beside others, ``flagged`` how
    many of those were flagged on the first scores, ``caused`` how many of those they caused, and
    ``caused_share`` = caused / cells (None without cells)."""

    judge: Hashable
    cells: int
    flagged: int
    caused: int
    caused_share: Decimal | None


def _median(values: Sequence[Fraction]) -> Fraction:
    return Fraction(statistics.median(values))


def spread_flags(cells: Iterable[Cell], allowed_spread: Number,
                 judges: Sequence[Hashable] = ()) -> list[SpreadRecord]:
    """Per judge, how often their first scores caused a spread flag (module docstring). A cell counts only
    when the spread rule applies to it and it has at least two judges. ``allowed_spread`` is
    ``MarkingRules.judgement_allowed_spread``. Rows: ``judges`` first, then any other judge found."""
    allowed = _exact(allowed_spread)
    if allowed < 0:
        _invalid("allowed_spread", allowed_spread, ">= 0")
    counts: dict[Hashable, list[int]] = {judge: [0, 0, 0] for judge in judges}
    for cell in cells:
        first = cell.first()
        if not cell.spread_rule or len(first) < 2:
            continue
        flagged = max(first.values()) - min(first.values()) > allowed
        causes: set[Hashable] = set()
        if flagged:
            median = _median(sorted(first.values()))
            farthest = max(abs(score - median) for score in first.values())
            causes = {judge for judge, score in first.items() if abs(score - median) == farthest}
        for judge in first:
            row = counts.setdefault(judge, [0, 0, 0])
            row[0] += 1
            row[1] += flagged
            row[2] += judge in causes
    return [SpreadRecord(judge, n, flagged, caused, _report(Fraction(caused, n)) if n else None)
            for judge, (n, flagged, caused) in counts.items()]


# --- agreement per aspect -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AspectAgreement:
    """One aspect: ``cells`` with two or more judges, ``pairs`` of judges compared, the share of pairs
    with equal first scores (``exact``), within the allowed spread (``within_spread``; None where the
    spread rule does not apply) and the mean absolute difference as a share of the scale
    (``mean_difference``). All None without pairs."""

    aspect: Hashable
    cells: int
    pairs: int
    exact: Decimal | None
    within_spread: Decimal | None
    mean_difference: Decimal | None


def aspect_agreement(cells: Iterable[Cell], allowed_spread: Number,
                     aspects: Sequence[Hashable] = ()) -> list[AspectAgreement]:
    """Agreement between judges per aspect, on first scores (module docstring). Rows: ``aspects`` first,
    then any other aspect found, in order of appearance."""
    allowed = _exact(allowed_spread)
    totals: dict[Hashable, dict[str, Fraction | int | bool]] = {
        aspect: {"cells": 0, "pairs": 0, "exact": 0, "within": 0, "difference": Fraction(0), "spread": True}
        for aspect in aspects}
    for cell in cells:
        first = list(cell.first().values())
        row = totals.setdefault(cell.aspect, {"cells": 0, "pairs": 0, "exact": 0, "within": 0,
                                              "difference": Fraction(0), "spread": True})
        if len(first) < 2:
            continue
        row["cells"] += 1
        row["spread"] = row["spread"] and cell.spread_rule
        scale = Fraction(cell.scale)
        for a, b in combinations(first, 2):
            row["pairs"] += 1
            row["exact"] += a == b
            row["within"] += abs(a - b) <= allowed
            row["difference"] += abs(a - b) / scale
    rows = []
    for aspect, row in totals.items():
        pairs = row["pairs"]
        if not pairs:
            rows.append(AspectAgreement(aspect, row["cells"], 0, None, None, None))
            continue
        rows.append(AspectAgreement(
            aspect, row["cells"], pairs, _report(Fraction(row["exact"], pairs)),
            _report(Fraction(row["within"], pairs)) if row["spread"] else None,
            _report(row["difference"] / pairs)))
    return rows


# --- affiliated marks ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AffiliationComparison:
    """One kind of tie: how many scores came from judges with that tie to the contestant (``related``) and
    how many from judges without it (``others``), the mean deviation of each (None when there are none)
    and ``difference`` = related − others (None unless both exist). A positive difference means judges
    marked contestants they share this tie with more leniently than the panel did."""

    kind: AffiliationKind
    related: int
    related_mean: Decimal | None
    others: int
    others_mean: Decimal | None
    difference: Decimal | None


def affiliation_bias(cells: Iterable[Cell],
                     ties: Iterable[tuple[Hashable, Hashable, AffiliationKind | str]]) -> list[AffiliationComparison]:
    """For each :class:`AffiliationKind`, the deviations (see :func:`deviations`) of scores whose judge
    has that tie with the cell's contestant, against all other scores. ``ties`` lists (judge, contestant,
    kind) triples; a pair may have several kinds."""
    tied: dict[AffiliationKind, set[tuple[Hashable, Hashable]]] = defaultdict(set)
    for judge, contestant, kind in ties:
        tied[AffiliationKind(kind)].add((judge, contestant))
    found = deviations(cells)
    rows = []
    for kind in AffiliationKind:
        pairs = tied.get(kind, set())
        related = [d.value for d in found if (d.judge, d.contestant) in pairs]
        others = [d.value for d in found if (d.judge, d.contestant) not in pairs]
        related_mean = sum(related, Fraction(0)) / len(related) if related else None
        others_mean = sum(others, Fraction(0)) / len(others) if others else None
        rows.append(AffiliationComparison(
            kind, len(related), None if related_mean is None else _report(related_mean), len(others),
            None if others_mean is None else _report(others_mean),
            None if related_mean is None or others_mean is None else _report(related_mean - others_mean)))
    return rows
