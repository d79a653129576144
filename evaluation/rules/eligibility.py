"""Who may sit the assessment for a grade (申报条件), and whether an assessment was passed.

Each examined grade has one or more *paths* (any one suffices); each path is a conjunction of
requirements: a grade held for some years, years in the occupation, a school, a completed
apprenticeship. The numbers are a table per occupation: :data:`DEFAULT_ELIGIBILITY_TABLE` holds the
DOMAIN §8 defaults and an occupation overrides the paths of any grade. :func:`check_eligibility` tries
every path and reports every requirement, passed or failed, as codes with numbers, so a page can explain
the outcome in Chinese and in English.

Pure: no Flask, no database, no I/O.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from evaluation.rules.ladder import GRADES, EvaluationRuleError, Grade, grade_by_code, require_examined

Years = int | float | Decimal | Fraction
"""A number of years, possibly fractional (3.99 is less than 4)."""

EXAMINED_GRADES: tuple[Grade, ...] = tuple(grade for grade in GRADES if grade.examined)

DEFAULT_EXAM_PASS_LINE = 60
"""Default pass line of each part of an assessment, out of :data:`DEFAULT_EXAM_MAX_SCORE`."""

DEFAULT_EXAM_MAX_SCORE = 100


class Schooling(StrEnum):
    """Schools that open a path. The value is the stored code."""

    TECHNICAL_SCHOOL = "technical_school"
    TECHNICIAN_COLLEGE = "technician_college"
    COLLEGE = "college"
    BACHELOR = "bachelor"

    @property
    def name_zh(self) -> str:
        return _SCHOOLING_NAMES_ZH[self]


_SCHOOLING_NAMES_ZH = {
    Schooling.TECHNICAL_SCHOOL: "技工学校",
    Schooling.TECHNICIAN_COLLEGE: "技师学院",
    Schooling.COLLEGE: "大专",
    Schooling.BACHELOR: "本科及以上",
}


def _is_number(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | float | Decimal | Fraction)
            and math.isfinite(value))


def _years(value: Any, what: str) -> Years:
    if not _is_number(value) or value < 0:
        raise EvaluationRuleError("invalid_years",
                                  "%(what)s must be a number of years, 0 or more, not %(value)r.",
                                  what=what, value=value)
    return value


def _schooling(values: Any) -> frozenset[Schooling]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise EvaluationRuleError("unknown_schooling", "Schooling is a collection of codes, not %(value)r.",
                                  value=values)
    out = set()
    for value in values:
        try:
            out.add(Schooling(value))
        except ValueError:
            raise EvaluationRuleError("unknown_schooling", "%(value)r is not one of %(allowed)s.",
                                      value=value, allowed=", ".join(s.value for s in Schooling)) from None
    return frozenset(out)


@dataclass(frozen=True)
class CandidateHistory:
    """A candidate in one occupation: the grade held (None: none), the years since obtaining it, the
    years worked in the occupation in all, the schools graduated from, and whether an apprenticeship
    was completed. Schooling accepts codes and is coerced."""

    current_grade: Grade | None
    years_at_current_grade: Years = 0
    years_in_occupation: Years = 0
    schooling: frozenset[Schooling] = frozenset()
    apprenticeship_completed: bool = False

    def __post_init__(self) -> None:
        if self.current_grade is not None and not isinstance(self.current_grade, Grade):
            raise EvaluationRuleError("unknown_grade_code", "There is no grade with code %(code)r.",
                                      code=self.current_grade)
        _years(self.years_at_current_grade, "Years at the current grade")
        _years(self.years_in_occupation, "Years in the occupation")
        object.__setattr__(self, "schooling", _schooling(self.schooling))


@dataclass(frozen=True)
class EligibilityPath:
    """One way to qualify for a grade; every requirement that is set must hold.

    ``held_grade``: the candidate holds at least this grade; ``min_years_at_held_grade``: and has held
    their current grade (at least ``held_grade``) this long; ``min_years_in_occupation``: years worked in
    the occupation; ``schooling_any``: graduated from one of these; ``apprenticeship_completed``.
    ``id`` is unique among the paths of one grade and is shown on the page.
    """

    id: str
    held_grade: Grade | None = None
    min_years_at_held_grade: Years = 0
    min_years_in_occupation: Years = 0
    schooling_any: frozenset[Schooling] = frozenset()
    apprenticeship_completed: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise EvaluationRuleError("invalid_path_id",
                                      "An eligibility path needs a non-empty id, not %(id)r.", id=self.id)
        if self.held_grade is not None:
            require_examined(self.held_grade, f"The grade held on path {self.id}")
        _years(self.min_years_at_held_grade, f"Years at the held grade on path {self.id}")
        _years(self.min_years_in_occupation, f"Years in the occupation on path {self.id}")
        object.__setattr__(self, "schooling_any", _schooling(self.schooling_any))
        if self.min_years_at_held_grade and self.held_grade is None:
            raise EvaluationRuleError("years_without_held_grade",
                                      "Path %(id)s counts years at a grade but names no grade.", id=self.id)
        if not (self.held_grade or self.min_years_in_occupation or self.schooling_any
                or self.apprenticeship_completed is True):
            raise EvaluationRuleError("empty_eligibility_path", "Path %(id)s requires nothing.", id=self.id)


@dataclass(frozen=True)
class RequirementCheck:
    """One requirement of one path, tried. ``code`` and ``params`` (codes and numbers):

    - ``held_grade``: ``required``, ``held`` (grade codes; ``held`` may be None);
    - ``years_at_held_grade``: ``grade``, ``required``, ``actual`` (0 when the grade is not held);
    - ``years_in_occupation``: ``required``, ``actual``;
    - ``schooling``: ``required_any``, ``held`` (sorted lists of schooling codes);
    - ``apprenticeship_completed``: ``held`` (bool).
    """

    code: str
    ok: bool
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class PathResult:
    """A path and every requirement of it, tried; ``ok`` when all passed."""

    path: EligibilityPath
    checks: tuple[RequirementCheck, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> tuple[RequirementCheck, ...]:
        return tuple(check for check in self.checks if not check.ok)


@dataclass(frozen=True)
class EligibilityResult:
    """The outcome for one target grade. ``code`` is one of:

    - ``eligible``: at least one path passed (``paths`` lists all, passed or not);
    - ``not_eligible``: every path failed;
    - ``already_held``: the candidate holds the target or a higher grade (``params``: ``held``);
    - ``appointed``: 特级技师 / 首席技师 are appointed (评聘) by an enterprise, not examined;
    - ``apprenticeship``: 学徒工 is entered by an apprenticeship, not examined.
    Only ``eligible`` has ``ok`` True; only the first two try paths.
    """

    target: Grade
    code: str
    paths: tuple[PathResult, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def ok(self) -> bool:
        return self.code == "eligible"

    @property
    def passed_paths(self) -> tuple[PathResult, ...]:
        return tuple(path for path in self.paths if path.ok)


@dataclass(frozen=True)
class EligibilityTable:
    """The paths to each of the five examined grades for one occupation (``occupation`` None: the
    default). Every examined grade has at least one path; path ids are unique within a grade."""

    occupation: str | None
    paths: Mapping[Grade, tuple[EligibilityPath, ...]] = field(hash=False)

    def __post_init__(self) -> None:
        if set(self.paths) != set(EXAMINED_GRADES):
            got = ", ".join(sorted(getattr(grade, "code", str(grade)) for grade in self.paths))
            raise EvaluationRuleError("eligibility_table_grades",
                                      "A table has paths for exactly the five examined grades; "
                                      "got %(grades)s.", grades=got)
        frozen = {}
        for grade in EXAMINED_GRADES:
            paths = tuple(self.paths[grade])
            ids = [path.id for path in paths]
            if not paths or len(set(ids)) != len(ids):
                raise EvaluationRuleError("eligibility_paths_invalid",
                                          "Grade %(grade)s needs at least one path, with distinct ids.",
                                          grade=grade.code)
            frozen[grade] = paths
        object.__setattr__(self, "paths", MappingProxyType(frozen))

    def with_overrides(self, occupation: str | None,
                       overrides: Mapping[Grade, Sequence[EligibilityPath]]) -> EligibilityTable:
        """A table for ``occupation``: this table with the paths of each grade in ``overrides``
        replaced as a whole (grades not named keep this table's paths)."""
        return EligibilityTable(occupation, {**self.paths, **{g: tuple(p) for g, p in overrides.items()}})


def check_eligibility(target_grade: Grade, history: CandidateHistory,
                      table: EligibilityTable | None = None) -> EligibilityResult:
    """May a candidate with ``history`` sit the assessment for ``target_grade``, by ``table`` (default:
    :data:`DEFAULT_ELIGIBILITY_TABLE`)? Tries every path and every requirement of every path; see
    :class:`EligibilityResult` for the codes. Years are compared with ≥ (4 years passes a 4-year
    minimum, 3.99 does not)."""
    if table is None:
        table = DEFAULT_ELIGIBILITY_TABLE
    if target_grade.appointed:
        return EligibilityResult(target_grade, "appointed")
    if not target_grade.examined:
        return EligibilityResult(target_grade, "apprenticeship")
    if history.current_grade is not None and history.current_grade >= target_grade:
        return EligibilityResult(target_grade, "already_held", params={"held": history.current_grade.code})
    paths = tuple(PathResult(path, _check_path(path, history)) for path in table.paths[target_grade])
    return EligibilityResult(target_grade, "eligible" if any(p.ok for p in paths) else "not_eligible", paths)


def _check_path(path: EligibilityPath, history: CandidateHistory) -> tuple[RequirementCheck, ...]:
    checks = []
    held = history.current_grade
    if path.held_grade is not None:
        holds = held is not None and held >= path.held_grade
        checks.append(RequirementCheck("held_grade", holds, {"required": path.held_grade.code,
                                                             "held": held.code if held else None}))
        if path.min_years_at_held_grade:
            actual = history.years_at_current_grade if holds else 0
            checks.append(RequirementCheck("years_at_held_grade", actual >= path.min_years_at_held_grade,
                                           {"grade": path.held_grade.code,
                                            "required": path.min_years_at_held_grade, "actual": actual}))
    if path.min_years_in_occupation:
        checks.append(RequirementCheck("years_in_occupation",
                                       history.years_in_occupation >= path.min_years_in_occupation,
                                       {"required": path.min_years_in_occupation,
                                        "actual": history.years_in_occupation}))
    if path.schooling_any:
        checks.append(RequirementCheck("schooling", not path.schooling_any.isdisjoint(history.schooling),
                                       {"required_any": sorted(s.value for s in path.schooling_any),
                                        "held": sorted(s.value for s in history.schooling)}))
    if path.apprenticeship_completed:
        checks.append(RequirementCheck("apprenticeship_completed", history.apprenticeship_completed,
                                       {"held": history.apprenticeship_completed}))
    return tuple(checks)


# Tables as data -----------------------------------------------------------------------------------------

_PATH_KEYS = frozenset({"id", "held_grade", "min_years_at_held_grade", "min_years_in_occupation",
                        "schooling_any", "apprenticeship_completed"})


def eligibility_path_from_data(data: Mapping[str, Any]) -> EligibilityPath:
    """One path from a plain mapping with the keys of :class:`EligibilityPath` (``held_grade`` a grade
    code, ``schooling_any`` a list of codes). Raises EvaluationRuleError ('unknown_path_key',
    'unknown_grade_code', 'invalid_years', 'unknown_schooling', 'empty_eligibility_path', …)."""
    unknown = sorted(set(data) - _PATH_KEYS)
    if unknown:
        raise EvaluationRuleError("unknown_path_key", "Path %(id)s has unknown keys: %(keys)s.",
                                  id=data.get("id"), keys=", ".join(map(str, unknown)))
    apprenticeship = data.get("apprenticeship_completed", False)
    if not isinstance(apprenticeship, bool):
        raise EvaluationRuleError("invalid_apprenticeship_completed",
                                  "Path %(id)s: 'apprenticeship_completed' is true or false, not %(value)r.",
                                  id=data.get("id"), value=apprenticeship)
    held = data.get("held_grade")
    return EligibilityPath(
        id=data.get("id"),  # type: ignore[arg-type]  # checked in EligibilityPath
        held_grade=None if held is None else grade_by_code(held),
        min_years_at_held_grade=data.get("min_years_at_held_grade", 0),
        min_years_in_occupation=data.get("min_years_in_occupation", 0),
        schooling_any=data.get("schooling_any", frozenset()),
        apprenticeship_completed=apprenticeship,
    )


def eligibility_path_to_data(path: EligibilityPath) -> dict[str, Any]:
    """The inverse of :func:`eligibility_path_from_data`; requirements left unset are left out."""
    data: dict[str, Any] = {"id": path.id}
    if path.held_grade is not None:
        data["held_grade"] = path.held_grade.code
    if path.min_years_at_held_grade:
        data["min_years_at_held_grade"] = path.min_years_at_held_grade
    if path.min_years_in_occupation:
        data["min_years_in_occupation"] = path.min_years_in_occupation
    if path.schooling_any:
        data["schooling_any"] = sorted(s.value for s in path.schooling_any)
    if path.apprenticeship_completed:
        data["apprenticeship_completed"] = True
    return data


def eligibility_table_from_data(occupation: str | None, data: Mapping[str, Sequence[Mapping[str, Any]]],
                                base: EligibilityTable | None = None) -> EligibilityTable:
    """A table from ``{grade code: [path, …]}``. With ``base``, grades missing from ``data`` keep the
    base's paths (an occupation's override); without it, all five examined grades must be present."""
    paths = {grade_by_code(code): tuple(eligibility_path_from_data(row) for row in rows)
             for code, rows in data.items()}
    if base is not None:
        return base.with_overrides(occupation, paths)
    return EligibilityTable(occupation, paths)


DEFAULT_ELIGIBILITY_TABLE = eligibility_table_from_data(None, {
    "junior": [
        {"id": "years_in_occupation", "min_years_in_occupation": 1},
        {"id": "apprenticeship_completed", "apprenticeship_completed": True},
    ],
    "intermediate": [
        {"id": "years_at_junior", "held_grade": "junior", "min_years_at_held_grade": 4},
        {"id": "years_in_occupation", "min_years_in_occupation": 6},
        {"id": "technical_school_graduate", "schooling_any": ["technical_school"]},
    ],
    "senior": [
        {"id": "years_at_intermediate", "held_grade": "intermediate", "min_years_at_held_grade": 5},
        {"id": "intermediate_and_technician_college", "held_grade": "intermediate",
         "schooling_any": ["technician_college"]},
        # 大专 reads as 大专及以上, as in the national standards.
        {"id": "college_and_years_at_intermediate", "held_grade": "intermediate",
         "min_years_at_held_grade": 2, "schooling_any": ["college", "bachelor"]},
    ],
    "technician": [
        {"id": "years_at_senior", "held_grade": "senior", "min_years_at_held_grade": 4},
        {"id": "technician_college_and_years_at_senior", "held_grade": "senior", "min_years_at_held_grade": 3,
         "schooling_any": ["technician_college"]},
    ],
    "senior_technician": [
        {"id": "years_at_technician", "held_grade": "technician", "min_years_at_held_grade": 4},
    ],
})
"""DOMAIN §8 defaults. Years at a grade count from obtaining the grade the candidate now holds."""


def assessment_passes(theory: float | None, practical: float | None,
                      pass_line: float = DEFAULT_EXAM_PASS_LINE,
                      max_score: float = DEFAULT_EXAM_MAX_SCORE) -> bool:
    """True when both parts were sat (not None) and each scored at least ``pass_line`` (the evaluation's
    ``exam_pass_line`` setting). Scores run from 0 to ``max_score``. Raises
    EvaluationRuleError('invalid_score') for a score or pass line that is not a number in that range."""
    if not _is_number(max_score) or max_score <= 0:
        raise EvaluationRuleError("invalid_score", "%(what)s must be a number above 0, not %(value)r.",
                                  what="max_score", value=max_score)
    for what, value in (("pass_line", pass_line), ("theory", theory), ("practical", practical)):
        if (value is not None or what == "pass_line") and not (_is_number(value) and 0 <= value <= max_score):
            raise EvaluationRuleError("invalid_score",
                                      "%(what)s must be a number from 0 to %(max)s, not %(value)r.",
                                      what=what, max=max_score, value=value)
    return theory is not None and practical is not None and theory >= pass_line and practical >= pass_line
