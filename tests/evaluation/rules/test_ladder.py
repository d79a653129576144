"""The 新八级 ladder (DOMAIN §8): the table itself, labels, stepping up and lookups."""
import ast
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.rules.ladder import (
    GRADES,
    HIGHEST_EXAMINED_GRADE,
    EvaluationRuleError,
    Grade,
    certificate_label,
    certificate_label_en,
    grade_by_code,
    grade_by_level_digit,
    grade_by_name_zh,
    next_grade,
    require_examined,
)

# order, code, Chinese name, level digit, Chinese level, certificate label
LADDER = [
    (1, "apprentice", "学徒工", None, None, "学徒工"),
    (2, "junior", "初级工", 5, "五级", "五级/初级工"),
    (3, "intermediate", "中级工", 4, "四级", "四级/中级工"),
    (4, "senior", "高级工", 3, "三级", "三级/高级工"),
    (5, "technician", "技师", 2, "二级", "二级/技师"),
    (6, "senior_technician", "高级技师", 1, "一级", "一级/高级技师"),
    (7, "special_technician", "特级技师", None, None, "特级技师"),
    (8, "chief_technician", "首席技师", None, None, "首席技师"),
]


@pytest.mark.parametrize(("order", "code", "name_zh", "level_digit", "level_name_zh", "label"), LADDER)
def test_the_ladder_matches_domain_section_8(order, code, name_zh, level_digit, level_name_zh, label):
    grade = GRADES[order - 1]
    assert (grade.order, grade.code, grade.value, grade.name_zh) == (order, code, code, name_zh)
    assert grade.level_digit == level_digit
    assert grade.level_name_zh == level_name_zh
    assert certificate_label(grade) == label
    assert grade.examined is (level_digit is not None)
    assert grade.name_en


def test_there_are_eight_grades_in_order():
    assert len(GRADES) == len(Grade) == 8
    assert [grade.order for grade in GRADES] == list(range(1, 9))
    assert list(GRADES) == sorted(Grade)


def test_only_special_and_chief_technicians_are_appointed():
    appointed = [grade for grade in GRADES if grade.appointed]
    assert appointed == [Grade.SPECIAL_TECHNICIAN, Grade.CHIEF_TECHNICIAN]
    assert Grade.APPRENTICE.appointed is False and Grade.APPRENTICE.examined is False


def test_highest_examined_grade_is_senior_technician():
    assert HIGHEST_EXAMINED_GRADE is Grade.SENIOR_TECHNICIAN
    assert max(grade for grade in GRADES if grade.examined) is HIGHEST_EXAMINED_GRADE


def test_english_labels():
    assert certificate_label_en(Grade.INTERMEDIATE) == "Level 4 / Intermediate Worker"
    assert certificate_label_en(Grade.SENIOR_TECHNICIAN) == "Level 1 / Senior Technician"
    assert certificate_label_en(Grade.CHIEF_TECHNICIAN) == "Chief Technician"
    assert Grade.APPRENTICE.level_name_en is None


def test_the_ladder_cannot_be_rewritten():
    with pytest.raises(AttributeError):
        Grade.JUNIOR.order = 9  # type: ignore[misc]
    with pytest.raises(AttributeError):
        Grade.JUNIOR.level_digit = 4  # type: ignore[misc]


@given(st.sampled_from(GRADES), st.sampled_from(GRADES))
def test_grades_compare_by_order(a, b):
    assert (a < b) == (a.order < b.order)
    assert (a <= b) == (a.order <= b.order)
    assert (a > b) == (a.order > b.order)
    assert (a >= b) == (a.order >= b.order)
    assert (a == b) == (a is b)


def test_grades_do_not_compare_with_other_things():
    with pytest.raises(TypeError):
        assert Grade.JUNIOR < 3  # type: ignore[operator]
    assert Grade.JUNIOR != "junior"


@pytest.mark.parametrize(("grade", "expected"), list(zip(GRADES, [*GRADES[1:], None], strict=True)))
def test_next_grade_without_cap(grade, expected):
    assert next_grade(grade) is expected


def test_next_grade_with_cap():
    assert next_grade(Grade.SENIOR, cap=Grade.TECHNICIAN) is Grade.TECHNICIAN
    assert next_grade(Grade.TECHNICIAN, cap=Grade.TECHNICIAN) is None
    assert next_grade(Grade.SENIOR_TECHNICIAN, cap=Grade.TECHNICIAN) is None
    assert next_grade(Grade.SENIOR_TECHNICIAN, cap=HIGHEST_EXAMINED_GRADE) is None


@given(st.sampled_from(GRADES), st.none() | st.sampled_from(GRADES))
def test_next_grade_is_one_step_and_never_past_the_cap(grade, cap):
    step = next_grade(grade, cap)
    if step is not None:
        assert step.order == grade.order + 1
        assert cap is None or step <= cap
    else:
        assert grade is GRADES[-1] or (cap is not None and grade >= cap)


@pytest.mark.parametrize("grade", GRADES)
def test_lookups_round_trip(grade):
    assert grade_by_code(grade.code) is grade
    assert grade_by_name_zh(grade.name_zh) is grade
    assert grade_by_name_zh(f" {grade.name_zh}\n") is grade
    if grade.level_digit is not None:
        assert grade_by_level_digit(grade.level_digit) is grade


@pytest.mark.parametrize(("lookup", "bad", "code"), [
    (grade_by_code, "master", "unknown_grade_code"),
    (grade_by_code, "Junior", "unknown_grade_code"),
    (grade_by_code, "", "unknown_grade_code"),
    (grade_by_level_digit, 0, "unknown_level_digit"),
    (grade_by_level_digit, 6, "unknown_level_digit"),
    (grade_by_level_digit, "3", "unknown_level_digit"),
    (grade_by_level_digit, 3.0, "unknown_level_digit"),
    (grade_by_level_digit, True, "unknown_level_digit"),
    (grade_by_name_zh, "四级", "unknown_grade_name"),
    (grade_by_name_zh, "中级", "unknown_grade_name"),
    (grade_by_name_zh, None, "unknown_grade_name"),
])
def test_lookups_refuse_unknown_values(lookup, bad, code):
    with pytest.raises(EvaluationRuleError) as caught:
        lookup(bad)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)
    assert caught.value.params and code in str(caught.value)


@pytest.mark.parametrize("grade", [grade for grade in GRADES if grade.examined])
def test_require_examined_passes_examined_grades(grade):
    assert require_examined(grade, "x") is grade


@pytest.mark.parametrize("bad", [Grade.APPRENTICE, Grade.SPECIAL_TECHNICIAN, Grade.CHIEF_TECHNICIAN,
                                 "senior", None])
def test_require_examined_refuses_the_rest(bad):
    with pytest.raises(EvaluationRuleError) as caught:
        require_examined(bad, "A target")
    assert caught.value.code == "grade_not_examined"
    assert caught.value.params == {"what": "A target", "grade": getattr(bad, "code", bad)}


RULE_MODULES = sorted((Path(__file__).parents[3] / "evaluation" / "rules").glob("*.py"))
OWN = {"ladder.py", "promotion.py", "eligibility.py", "certificate_number.py"}


@pytest.mark.parametrize("path", [p for p in RULE_MODULES if p.name in OWN], ids=lambda p: p.name)
def test_rule_modules_are_pure(path):
    """Only the standard library and other rule modules (and the shared RuleError base in competition.rules):
    no Flask, no database, no I/O."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    for name in imported:
        assert name.startswith("evaluation.rules.") or name == "competition.rules" \
            or name.split(".")[0] in sys.stdlib_module_names, name
    assert not imported & {"os", "io", "pathlib", "socket", "sqlite3", "subprocess", "random"}
