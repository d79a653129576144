"""申报条件 (DOMAIN §8) and the assessment pass rule."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.rules.eligibility import (
    DEFAULT_ELIGIBILITY_TABLE,
    DEFAULT_EXAM_PASS_LINE,
    EXAMINED_GRADES,
    CandidateHistory,
    EligibilityPath,
    EligibilityTable,
    Schooling,
    assessment_passes,
    check_eligibility,
    eligibility_path_from_data,
    eligibility_path_to_data,
    eligibility_table_from_data,
)
from evaluation.rules.ladder import GRADES, EvaluationRuleError, Grade

G = Grade
S = Schooling


def history(grade=None, years_at_grade=0, years_in_occupation=0, schooling=(), apprenticeship=False):
    return CandidateHistory(grade, years_at_grade, years_in_occupation, frozenset(schooling), apprenticeship)


def passing(target, hist, table=None):
    res = check_eligibility(target, hist, table)
    assert res.code in {"eligible", "not_eligible"}
    assert res.ok is (res.code == "eligible") is bool(res.passed_paths)
    return {path.path.id for path in res.passed_paths}


# target, history, ids of the paths that pass (empty: not eligible)
CASES = [
    # 五级 ← 1 year in the occupation, or apprenticeship completed
    (G.JUNIOR, history(years_in_occupation=1), {"years_in_occupation"}),
    (G.JUNIOR, history(years_in_occupation=0.99), set()),
    (G.JUNIOR, history(G.APPRENTICE, years_in_occupation=0.5, apprenticeship=True),
     {"apprenticeship_completed"}),
    (G.JUNIOR, history(G.APPRENTICE, years_in_occupation=2, apprenticeship=True),
     {"years_in_occupation", "apprenticeship_completed"}),
    (G.JUNIOR, history(), set()),
    # 四级 ← 五级 + 4 years, or 6 years total, or 技工学校 graduate
    (G.INTERMEDIATE, history(G.JUNIOR, 4, 4), {"years_at_junior"}),
    (G.INTERMEDIATE, history(G.JUNIOR, 3.99, 5.99), set()),
    (G.INTERMEDIATE, history(None, 0, 6), {"years_in_occupation"}),
    (G.INTERMEDIATE, history(G.JUNIOR, 1, 6), {"years_in_occupation"}),
    (G.INTERMEDIATE, history(None, 0, 5.99), set()),
    (G.INTERMEDIATE, history(None, 0, 0, [S.TECHNICAL_SCHOOL]), {"technical_school_graduate"}),
    (G.INTERMEDIATE, history(None, 0, 0, [S.COLLEGE]), set()),
    (G.INTERMEDIATE, history(G.APPRENTICE, 5, 5), set()),  # years as an apprentice are not years at 五级
    (G.INTERMEDIATE, history(G.JUNIOR, 4, 6, [S.TECHNICAL_SCHOOL]),
     {"years_at_junior", "years_in_occupation", "technical_school_graduate"}),
    # 三级 ← 四级 + 5 years, or 四级 + 技师学院 graduate, or 大专 + 四级 + 2 years
    (G.SENIOR, history(G.INTERMEDIATE, 5, 5), {"years_at_intermediate"}),
    (G.SENIOR, history(G.INTERMEDIATE, 4.99, 20), set()),
    (G.SENIOR, history(G.INTERMEDIATE, 0, 0, [S.TECHNICIAN_COLLEGE]),
     {"intermediate_and_technician_college"}),
    (G.SENIOR, history(G.JUNIOR, 9, 9, [S.TECHNICIAN_COLLEGE]), set()),
    (G.SENIOR, history(G.INTERMEDIATE, 2, 2, [S.COLLEGE]), {"college_and_years_at_intermediate"}),
    (G.SENIOR, history(G.INTERMEDIATE, 2, 2, [S.BACHELOR]), {"college_and_years_at_intermediate"}),
    (G.SENIOR, history(G.INTERMEDIATE, 1.99, 9, [S.COLLEGE]), set()),
    (G.SENIOR, history(G.INTERMEDIATE, 3, 3, [S.TECHNICAL_SCHOOL]), set()),
    (G.SENIOR, history(None, 0, 30, [S.COLLEGE, S.TECHNICIAN_COLLEGE]), set()),
    # 二级 ← 三级 + 4 years, or 三级 + 技师学院 graduate + 3 years
    (G.TECHNICIAN, history(G.SENIOR, 4, 4), {"years_at_senior"}),
    (G.TECHNICIAN, history(G.SENIOR, 3.99, 10), set()),
    (G.TECHNICIAN, history(G.SENIOR, 3, 3, [S.TECHNICIAN_COLLEGE]),
     {"technician_college_and_years_at_senior"}),
    (G.TECHNICIAN, history(G.SENIOR, 2.99, 3, [S.TECHNICIAN_COLLEGE]), set()),
    (G.TECHNICIAN, history(G.SENIOR, 3, 3, [S.COLLEGE, S.BACHELOR]), set()),
    (G.TECHNICIAN, history(G.INTERMEDIATE, 8, 8, [S.TECHNICIAN_COLLEGE]), set()),
    # 一级 ← 二级 + 4 years
    (G.SENIOR_TECHNICIAN, history(G.TECHNICIAN, 4, 4), {"years_at_technician"}),
    (G.SENIOR_TECHNICIAN, history(G.TECHNICIAN, 3.99, 40, [S.TECHNICIAN_COLLEGE, S.BACHELOR]), set()),
    (G.SENIOR_TECHNICIAN, history(G.SENIOR, 10, 10), set()),
    # Exact fractions and decimals, at the boundary.
    (G.INTERMEDIATE, history(G.JUNIOR, Decimal("4.00"), 4), {"years_at_junior"}),
    (G.INTERMEDIATE, history(G.JUNIOR, Decimal("3.999"), 4), set()),
    (G.INTERMEDIATE, history(G.JUNIOR, Fraction(47, 12), 4), set()),
    (G.INTERMEDIATE, history(G.JUNIOR, Fraction(48, 12), 4), {"years_at_junior"}),
]


@pytest.mark.parametrize(("target", "hist", "expected"), CASES)
def test_default_table_paths(target, hist, expected):
    assert passing(target, hist) == expected


@pytest.mark.parametrize("grade", [G.SPECIAL_TECHNICIAN, G.CHIEF_TECHNICIAN])
def test_appointed_grades_are_not_examined(grade):
    res = check_eligibility(grade, history(G.SENIOR_TECHNICIAN, 30, 30))
    assert (res.code, res.ok, res.paths) == ("appointed", False, ())


def test_apprentice_is_entered_by_apprenticeship():
    res = check_eligibility(G.APPRENTICE, history())
    assert (res.code, res.ok, res.paths) == ("apprenticeship", False, ())


@pytest.mark.parametrize(("target", "held"), [(G.SENIOR, G.SENIOR), (G.SENIOR, G.TECHNICIAN),
                                              (G.JUNIOR, G.SPECIAL_TECHNICIAN)])
def test_a_grade_already_held_is_not_examined_again(target, held):
    res = check_eligibility(target, history(held, 10, 10))
    assert (res.code, res.ok, res.params, res.paths) == ("already_held", False, {"held": held.code}, ())


def test_every_path_and_every_requirement_is_reported_with_numbers():
    res = check_eligibility(G.SENIOR, history(G.JUNIOR, 3, 7.5, [S.COLLEGE]))
    assert res.code == "not_eligible" and res.target is G.SENIOR
    report = {path.path.id: [(c.code, c.ok, dict(c.params)) for c in path.checks] for path in res.paths}
    assert report == {
        "years_at_intermediate": [
            ("held_grade", False, {"required": "intermediate", "held": "junior"}),
            ("years_at_held_grade", False, {"grade": "intermediate", "required": 5, "actual": 0}),
        ],
        "intermediate_and_technician_college": [
            ("held_grade", False, {"required": "intermediate", "held": "junior"}),
            ("schooling", False, {"required_any": ["technician_college"], "held": ["college"]}),
        ],
        "college_and_years_at_intermediate": [
            ("held_grade", False, {"required": "intermediate", "held": "junior"}),
            ("years_at_held_grade", False, {"grade": "intermediate", "required": 2, "actual": 0}),
            ("schooling", True, {"required_any": ["bachelor", "college"], "held": ["college"]}),
        ],
    }
    assert [c.code for c in res.paths[2].failed] == ["held_grade", "years_at_held_grade"]


def test_passing_requirements_report_their_numbers_too():
    res = check_eligibility(G.JUNIOR, history(G.APPRENTICE, 0, 0.25, apprenticeship=True))
    assert res.ok
    by_id = {path.path.id: path for path in res.paths}
    assert [(c.code, c.ok, c.params) for c in by_id["years_in_occupation"].checks] == [
        ("years_in_occupation", False, {"required": 1, "actual": 0.25})]
    assert [(c.code, c.ok, c.params) for c in by_id["apprenticeship_completed"].checks] == [
        ("apprenticeship_completed", True, {"held": True})]


def test_default_table_is_the_domain_table():
    assert DEFAULT_ELIGIBILITY_TABLE.occupation is None
    assert tuple(DEFAULT_ELIGIBILITY_TABLE.paths) == EXAMINED_GRADES
    assert {g.code: [p.id for p in paths] for g, paths in DEFAULT_ELIGIBILITY_TABLE.paths.items()} == {
        "junior": ["years_in_occupation", "apprenticeship_completed"],
        "intermediate": ["years_at_junior", "years_in_occupation", "technical_school_graduate"],
        "senior": ["years_at_intermediate", "intermediate_and_technician_college",
                   "college_and_years_at_intermediate"],
        "technician": ["years_at_senior", "technician_college_and_years_at_senior"],
        "senior_technician": ["years_at_technician"],
    }
    with pytest.raises(TypeError):
        DEFAULT_ELIGIBILITY_TABLE.paths[G.JUNIOR] = ()  # type: ignore[index]


def test_an_occupation_overrides_the_paths_of_a_grade():
    welder = DEFAULT_ELIGIBILITY_TABLE.with_overrides("welder", {
        G.INTERMEDIATE: [EligibilityPath("years_at_junior", G.JUNIOR, min_years_at_held_grade=3)],
    })
    assert welder.occupation == "welder"
    assert passing(G.INTERMEDIATE, history(G.JUNIOR, 3, 3), welder) == {"years_at_junior"}
    assert passing(G.INTERMEDIATE, history(None, 0, 6), welder) == set()  # the grade's paths were replaced
    assert welder.paths[G.SENIOR] == DEFAULT_ELIGIBILITY_TABLE.paths[G.SENIOR]  # others kept
    assert passing(G.INTERMEDIATE, history(None, 0, 6)) == {"years_in_occupation"}  # default untouched


def test_an_occupation_override_from_data():
    cook = eligibility_table_from_data("cook", {
        "technician": [{"id": "years_at_senior", "held_grade": "senior", "min_years_at_held_grade": 5}],
    }, base=DEFAULT_ELIGIBILITY_TABLE)
    assert passing(G.TECHNICIAN, history(G.SENIOR, 4, 4), cook) == set()
    assert passing(G.TECHNICIAN, history(G.SENIOR, 5, 5), cook) == {"years_at_senior"}
    assert cook.paths[G.JUNIOR] == DEFAULT_ELIGIBILITY_TABLE.paths[G.JUNIOR]


def test_the_default_table_round_trips_through_data():
    data = {g.code: [eligibility_path_to_data(p) for p in paths]
            for g, paths in DEFAULT_ELIGIBILITY_TABLE.paths.items()}
    assert eligibility_table_from_data(None, data) == DEFAULT_ELIGIBILITY_TABLE


@pytest.mark.parametrize(("build", "code"), [
    (lambda: EligibilityTable("x", {G.JUNIOR: DEFAULT_ELIGIBILITY_TABLE.paths[G.JUNIOR]}),
     "eligibility_table_grades"),
    (lambda: EligibilityTable("x", {**DEFAULT_ELIGIBILITY_TABLE.paths, G.APPRENTICE: ()}),
     "eligibility_table_grades"),
    (lambda: DEFAULT_ELIGIBILITY_TABLE.with_overrides("x", {G.SENIOR: []}), "eligibility_paths_invalid"),
    (lambda: DEFAULT_ELIGIBILITY_TABLE.with_overrides("x", {G.SENIOR: [
        EligibilityPath("a", min_years_in_occupation=1), EligibilityPath("a", min_years_in_occupation=2)]}),
     "eligibility_paths_invalid"),
    (lambda: eligibility_table_from_data("x", {"junior": [{"id": "a", "min_years_in_occupation": 1}]}),
     "eligibility_table_grades"),
    (lambda: eligibility_table_from_data("x", {"master": []}, base=DEFAULT_ELIGIBILITY_TABLE),
     "unknown_grade_code"),
    (lambda: EligibilityPath("", min_years_in_occupation=1), "invalid_path_id"),
    (lambda: EligibilityPath("a"), "empty_eligibility_path"),
    (lambda: EligibilityPath("a", min_years_at_held_grade=2), "years_without_held_grade"),
    (lambda: EligibilityPath("a", held_grade=G.CHIEF_TECHNICIAN), "grade_not_examined"),
    (lambda: EligibilityPath("a", held_grade="senior"), "grade_not_examined"),
    (lambda: EligibilityPath("a", min_years_in_occupation=-1), "invalid_years"),
    (lambda: EligibilityPath("a", min_years_in_occupation=float("nan")), "invalid_years"),
    (lambda: EligibilityPath("a", schooling_any={"university"}), "unknown_schooling"),
    (lambda: EligibilityPath("a", schooling_any="college"), "unknown_schooling"),
    (lambda: eligibility_path_from_data({"id": "a", "min_years": 1}), "unknown_path_key"),
    (lambda: eligibility_path_from_data({"id": "a", "apprenticeship_completed": "yes"}),
     "invalid_apprenticeship_completed"),
    (lambda: eligibility_path_from_data({"id": "a", "held_grade": "boss"}), "unknown_grade_code"),
    (lambda: eligibility_path_from_data({"id": "a", "min_years_in_occupation": "4"}), "invalid_years"),
    (lambda: CandidateHistory("junior"), "unknown_grade_code"),
    (lambda: CandidateHistory(G.JUNIOR, -0.01), "invalid_years"),
    (lambda: CandidateHistory(G.JUNIOR, 1, float("inf")), "invalid_years"),
    (lambda: CandidateHistory(G.JUNIOR, True), "invalid_years"),
    (lambda: CandidateHistory(G.JUNIOR, "3"), "invalid_years"),
    (lambda: CandidateHistory(G.JUNIOR, 1, 1, {"phd"}), "unknown_schooling"),
])
def test_bad_tables_paths_and_histories_are_refused(build, code):
    with pytest.raises(EvaluationRuleError) as caught:
        build()
    assert caught.value.code == code
    str(caught.value)


def test_history_accepts_schooling_codes():
    assert CandidateHistory(None, schooling=["college"]).schooling == {S.COLLEGE}
    assert [s.name_zh for s in Schooling] == ["技工学校", "技师学院", "大专", "本科及以上"]


years = st.one_of(st.integers(0, 40), st.floats(0, 40, allow_nan=False))
histories = st.builds(CandidateHistory, st.none() | st.sampled_from(GRADES), years, years,
                      st.frozensets(st.sampled_from(Schooling)), st.booleans())


@given(st.sampled_from(EXAMINED_GRADES), histories, st.floats(0, 10, allow_nan=False),
       st.floats(0, 10, allow_nan=False))
def test_more_years_never_make_a_candidate_ineligible(target, hist, more_at_grade, more_in_occupation):
    before = check_eligibility(target, hist)
    after = check_eligibility(target, CandidateHistory(
        hist.current_grade, hist.years_at_current_grade + more_at_grade,
        hist.years_in_occupation + more_in_occupation, hist.schooling, hist.apprenticeship_completed))
    assert not before.ok or after.ok
    assert {p.path.id for p in before.passed_paths} <= {p.path.id for p in after.passed_paths}


@given(st.sampled_from(GRADES), histories)
def test_only_examined_grades_above_the_current_one_try_paths(target, hist):
    res = check_eligibility(target, hist)
    tries = target.examined and (hist.current_grade is None or hist.current_grade < target)
    assert bool(res.paths) is tries
    if tries:
        assert [p.path for p in res.paths] == list(DEFAULT_ELIGIBILITY_TABLE.paths[target])


# Assessment: theory and practical, each at least the pass line.

@pytest.mark.parametrize(("theory", "practical", "passes"), [
    (60, 60, True),
    (100, 100, True),
    (59.99, 100, False),
    (100, 59.99, False),
    (59, 59, False),
    (0, 0, False),
    (None, 100, False),
    (100, None, False),
    (None, None, False),
    (Decimal("60.00"), Fraction(60), True),
])
def test_assessment_passes_at_the_default_pass_line(theory, practical, passes):
    assert DEFAULT_EXAM_PASS_LINE == 60
    assert assessment_passes(theory, practical) is passes


def test_the_pass_line_is_a_setting():
    assert assessment_passes(70, 70, pass_line=70)
    assert not assessment_passes(69.5, 90, pass_line=70)
    assert assessment_passes(45, 45, pass_line=45)
    assert assessment_passes(90, 120, pass_line=90, max_score=150)


@pytest.mark.parametrize("kwargs", [
    {"theory": -1, "practical": 60},
    {"theory": 60, "practical": 100.5},
    {"theory": float("nan"), "practical": 60},
    {"theory": "60", "practical": 60},
    {"theory": True, "practical": 60},
    {"theory": 60, "practical": 60, "pass_line": 101},
    {"theory": 60, "practical": 60, "pass_line": None},
    {"theory": 60, "practical": 60, "pass_line": -5},
    {"theory": 60, "practical": 60, "max_score": 0},
    {"theory": 60, "practical": 60, "max_score": float("inf")},
])
def test_assessment_refuses_scores_out_of_range(kwargs):
    with pytest.raises(EvaluationRuleError) as caught:
        assessment_passes(**kwargs)
    assert caught.value.code == "invalid_score"
    str(caught.value)
