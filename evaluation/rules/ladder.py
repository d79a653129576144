"""The 新八级 ladder: eight grades, in order, and the lookups every other evaluation rule uses.

Pure: no Flask, no database, no I/O. Also home of :class:`EvaluationRuleError`, the one error type that
every module under ``evaluation.rules`` raises (they all build on the ladder, so it lives at the bottom).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Self

from competition.rules import RuleError


class EvaluationRuleError(RuleError):
    """A rule refused its input. ``code`` is stable (pages and the API key their Chinese and English text
    on it); ``params`` hold the numbers and codes the text needs; ``message`` is the English text with
    ``%(name)s`` placeholders filled from ``params``."""


_LEVEL_DIGIT_ZH = {5: "五", 4: "四", 3: "三", 2: "二", 1: "一"}


@dataclass(frozen=True)
class _GradeSpec:
    code: str
    order: int
    name_zh: str
    name_en: str
    level_digit: int | None


class Grade(Enum):
    """One grade of the ladder. The value is the stable ``code`` (store it; ``Grade(code)`` reads it back).

    Grades compare by ``order`` (学徒工 = 1 < … < 首席技师 = 8). ``level_digit`` is the national
    level (五级 = 5 … 一级 = 1) and is None for 学徒工, 特级技师 and 首席技师, which have no level.
    """

    APPRENTICE = ("apprentice", 1, "学徒工", "Apprentice", None)
    JUNIOR = ("junior", 2, "初级工", "Junior Worker", 5)
    INTERMEDIATE = ("intermediate", 3, "中级工", "Intermediate Worker", 4)
    SENIOR = ("senior", 4, "高级工", "Senior Worker", 3)
    TECHNICIAN = ("technician", 5, "技师", "Technician", 2)
    SENIOR_TECHNICIAN = ("senior_technician", 6, "高级技师", "Senior Technician", 1)
    SPECIAL_TECHNICIAN = ("special_technician", 7, "特级技师", "Special-Grade Technician", None)
    CHIEF_TECHNICIAN = ("chief_technician", 8, "首席技师", "Chief Technician", None)

    def __new__(cls, code: str, order: int, name_zh: str, name_en: str, level_digit: int | None) -> Self:
        member = object.__new__(cls)
        member._value_ = code
        member._spec = _GradeSpec(code, order, name_zh, name_en, level_digit)
        return member

    # Read-only views of the spec, so nobody can rewrite the ladder at run time.
    @property
    def code(self) -> str:
        return self._spec.code

    @property
    def order(self) -> int:
        return self._spec.order

    @property
    def name_zh(self) -> str:
        return self._spec.name_zh

    @property
    def name_en(self) -> str:
        return self._spec.name_en

    @property
    def level_digit(self) -> int | None:
        return self._spec.level_digit

    @property
    def level_name_zh(self) -> str | None:
        """'五级' … '一级'; None for grades without a level."""
        return None if self.level_digit is None else f"{_LEVEL_DIGIT_ZH[self.level_digit]}级"

    @property
    def level_name_en(self) -> str | None:
        """'Level 5' … 'Level 1'; None for grades without a level."""
        return None if self.level_digit is None else f"Level {self.level_digit}"

    @property
    def examined(self) -> bool:
        """True for the five grades reached by assessment (五级 … 一级)."""
        return self.level_digit is not None

    @property
    def appointed(self) -> bool:
        """True for 特级技师 and 首席技师: an enterprise appoints (评聘) them; nobody is examined for them."""
        return self in (Grade.SPECIAL_TECHNICIAN, Grade.CHIEF_TECHNICIAN)

    def __lt__(self, other: object) -> bool:
        return self.order < other.order if isinstance(other, Grade) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.order <= other.order if isinstance(other, Grade) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.order > other.order if isinstance(other, Grade) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.order >= other.order if isinstance(other, Grade) else NotImplemented


GRADES: tuple[Grade, ...] = tuple(sorted(Grade, key=lambda grade: grade.order))
"""All eight grades, lowest first."""

HIGHEST_EXAMINED_GRADE = Grade.SENIOR_TECHNICIAN
"""The top of what an assessment or a competition can award; above it grades are appointed."""


def require_examined(grade: Grade, what: str) -> Grade:
    """``grade`` if it is one of the five examined grades; otherwise raises
    EvaluationRuleError('grade_not_examined') saying ``what`` needed one."""
    if not isinstance(grade, Grade) or not grade.examined:
        raise EvaluationRuleError("grade_not_examined",
                                  "%(what)s must be one of the five examined grades (五级 to 一级), "
                                  "not %(grade)r.", what=what, grade=getattr(grade, "code", grade))
    return grade


def certificate_label(grade: Grade) -> str:
    """The grade as the certificate prints it: exactly '四级/中级工'; a grade without a level prints its
    name alone ('学徒工', '特级技师', '首席技师')."""
    if grade.level_name_zh is None:
        return grade.name_zh
    return f"{grade.level_name_zh}/{grade.name_zh}"


def certificate_label_en(grade: Grade) -> str:
    """The English counterpart of :func:`certificate_label`: 'Level 4 / Intermediate Worker', or the
    grade name alone for a grade without a level."""
    if grade.level_name_en is None:
        return grade.name_en
    return f"{grade.level_name_en} / {grade.name_en}"


def next_grade(grade: Grade, cap: Grade | None = None) -> Grade | None:
    """The grade one step above ``grade``, or None when there is no step to take: ``grade`` is the top
    of the ladder, or ``cap`` is given and ``grade`` is already at or above it. The result never
    exceeds ``cap``."""
    if cap is not None and grade >= cap:
        return None
    return GRADES[grade.order] if grade.order < len(GRADES) else None


def grade_by_code(code: str) -> Grade:
    """The grade with this code ('intermediate'); raises EvaluationRuleError('unknown_grade_code')."""
    try:
        return Grade(code)
    except ValueError:
        raise EvaluationRuleError("unknown_grade_code", "There is no grade with code %(code)r.",
                                  code=code) from None


_BY_LEVEL_DIGIT = {grade.level_digit: grade for grade in GRADES if grade.level_digit is not None}
_BY_NAME_ZH = {grade.name_zh: grade for grade in GRADES}


def grade_by_level_digit(level_digit: int) -> Grade:
    """The grade at this national level (5 → 初级工 … 1 → 高级技师); raises
    EvaluationRuleError('unknown_level_digit') for anything but the integers 1–5."""
    grade = _BY_LEVEL_DIGIT.get(level_digit) if type(level_digit) is int else None
    if grade is None:
        raise EvaluationRuleError("unknown_level_digit",
                                  "A level is a whole number from 1 to 5, not %(level)r.", level=level_digit)
    return grade


def grade_by_name_zh(name: str) -> Grade:
    """The grade with this Chinese name ('中级工'; surrounding spaces ignored); raises
    EvaluationRuleError('unknown_grade_name')."""
    grade = _BY_NAME_ZH.get(name.strip()) if isinstance(name, str) else None
    if grade is None:
        raise EvaluationRuleError("unknown_grade_name", "There is no grade named %(name)r.", name=name)
    return grade
