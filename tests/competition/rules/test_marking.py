"""Marking rules: hand-worked examples for every rule, the refusals, and properties checked by hypothesis."""
from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competition.rules.marking import (
    DEFAULT_RULES,
    AspectError,
    AspectKind,
    AspectSpec,
    CriterionSpec,
    MarkingError,
    MarkingRules,
    MarkingRulesError,
    MarkValueError,
    MeasurementError,
    MeasurementMethod,
    SchemeSpec,
    ScoreError,
    SubCriterionSpec,
    ToleranceBand,
    TotalsError,
    WeightingError,
    criterion_totals,
    judgement_aspect_mark,
    measurement_aspect_mark,
    skill_raw_total,
    spread_flag,
    subjective_item_mark,
    trimmed_mean,
    validate_scheme,
    validate_value,
    weighted_total,
)

D = Decimal
# No example database: the run leaves nothing behind in the working tree.
prop = settings(database=None, max_examples=200, deadline=None)

DESCRIPTORS = ("Below industry standard", "Meets industry standard",
               "Meets and in places exceeds industry standard", "Excellent")


def judgement(code: str = "A1.1", max_mark: str = "6") -> AspectSpec:
    return AspectSpec(code, "Finish of joints", AspectKind.JUDGEMENT, D(max_mark), descriptors=DESCRIPTORS)


def yes_no(code: str = "M1", max_mark: str = "5") -> AspectSpec:
    return AspectSpec(code, "Door closes", AspectKind.MEASUREMENT, D(max_mark),
                      method=MeasurementMethod.YES_NO)


def deduction(code: str = "M2", max_mark: str = "5") -> AspectSpec:
    return AspectSpec(code, "Safety", AspectKind.MEASUREMENT, D(max_mark), method=MeasurementMethod.DEDUCTION)


BANDS = (ToleranceBand(D("0.10"), D(5)), ToleranceBand(D("0.20"), D(3)), ToleranceBand(D("0.50"), D(1)))


def bands(code: str = "M3", band_list: tuple[ToleranceBand, ...] = BANDS, max_mark: str = "5") -> AspectSpec:
    return AspectSpec(code, "Length 120 mm", AspectKind.MEASUREMENT, D(max_mark),
                      method=MeasurementMethod.BANDS, bands=band_list)


def subjective(code: str = "S1", max_mark: str = "10") -> AspectSpec:
    return AspectSpec(code, "Presentation", AspectKind.SUBJECTIVE, D(max_mark))


def scheme_of(*aspects: AspectSpec, total: Decimal | None = None) -> SchemeSpec:
    """One criterion ``A`` with one sub-criterion ``A1`` holding ``aspects``."""
    return SchemeSpec((CriterionSpec("A", "Work", (SubCriterionSpec("A1", "Part", aspects),)),), total=total)


def full_scheme() -> SchemeSpec:
    """A publishable 100-mark scheme using every kind and method: A = 40, B = 60."""
    a = CriterionSpec("A", "Measurements", (
        SubCriterionSpec("A1", "Dimensions", (yes_no("A1.1", "10"), bands("A1.2", max_mark="5"))),
        SubCriterionSpec("A2", "Safety", (deduction("A2.1", "25"),)),
    ), max_mark=D(40))
    b = CriterionSpec("B", "Quality", (
        SubCriterionSpec("B1", "Finish", (judgement("B1.1", "30.5"), judgement("B1.2", "19.5"))),
        SubCriterionSpec("B2", "Presentation", (subjective("B2.1", "10"),)),
    ))
    return SchemeSpec((a, b))


def codes(problems: list) -> list[str]:
    return [problem.code for problem in problems]


judge_score = st.integers(min_value=0, max_value=3)
two_places = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


# --- settings -------------------------------------------------------------------------------------------

def test_default_rules_are_the_domain_defaults():
    rules = MarkingRules()
    assert (rules.judgement_min_score, rules.judgement_max_score) == (0, 3)
    assert rules.judgement_team_size == 3
    assert rules.judgement_allowed_spread == 1
    assert (rules.subjective_judges, rules.drop_highest, rules.drop_lowest) == (5, 1, 1)
    assert rules.trimmed_mean_min_judges == 5
    assert rules.decimals == 2
    assert rules.rounding == "ROUND_HALF_UP"
    assert rules.scheme_total == D(100)
    assert rules.paper_max_mark == D(100)
    assert rules.max_theory_weight == D(30)
    assert rules.judgement_levels == 4
    assert rules == DEFAULT_RULES


def test_rules_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_RULES.decimals = 3  # type: ignore[misc]


def test_integer_decimal_settings_become_decimals():
    rules = MarkingRules(scheme_total=50, max_theory_weight=20)
    assert isinstance(rules.scheme_total, Decimal)
    assert rules.scheme_total == 50
    assert isinstance(rules.max_theory_weight, Decimal)


@pytest.mark.parametrize(("changes", "setting"), [
    ({"judgement_min_score": -1}, "judgement_min_score"),
    ({"judgement_max_score": 0}, "judgement_max_score"),
    ({"judgement_team_size": 0}, "judgement_team_size"),
    ({"judgement_allowed_spread": -1}, "judgement_allowed_spread"),
    ({"drop_highest": -1}, "drop_highest"),
    ({"drop_lowest": -1}, "drop_lowest"),
    ({"trimmed_mean_min_judges": 2}, "trimmed_mean_min_judges"),
    ({"subjective_judges": 4}, "subjective_judges"),
    ({"decimals": -1}, "decimals"),
    ({"decimals": 11}, "decimals"),
    ({"rounding": "ROUND_SOMETIMES"}, "rounding"),
    ({"scheme_total": 0}, "scheme_total"),
    ({"paper_max_mark": D(-100)}, "paper_max_mark"),
    ({"max_theory_weight": 101}, "max_theory_weight"),
    ({"max_theory_weight": -1}, "max_theory_weight"),
    ({"scheme_total": D("NaN")}, "scheme_total"),
    ({"max_theory_weight": D("Infinity")}, "max_theory_weight"),
])
def test_impossible_settings_are_refused(changes, setting):
    with pytest.raises(MarkingRulesError) as caught:
        MarkingRules(**changes)
    assert caught.value.code == "rules.invalid"
    assert caught.value.params["setting"] == setting
    assert setting in str(caught.value)


@pytest.mark.parametrize("changes", [{"decimals": 2.0}, {"judgement_team_size": True},
                                     {"scheme_total": 100.0}, {"max_theory_weight": "30"}])
def test_settings_of_the_wrong_type_are_a_programming_error(changes):
    with pytest.raises(TypeError):
        MarkingRules(**changes)


# --- judgement aspects ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("scores", "max_mark", "expected"), [
    ([2, 3, 2], "6", "4.67"),      # 7/9 × 6 = 4.666…
    ([3, 3, 3], "6", "6.00"),      # all excellent: the max mark
    ([3, 3, 3], "6.5", "6.50"),
    ([0, 0, 0], "6", "0.00"),
    ([1, 1, 1], "6", "2.00"),
    ([2, 2, 3], "10", "7.78"),     # 7/9 × 10 = 7.777…
    ([1, 2, 1], "3", "1.33"),      # 4/9 × 3 = 1.333…
    ([1, 1, 1], "1.335", "0.45"),  # 0.445 exactly: half up
])
def test_judgement_aspect_mark_hand_worked(scores, max_mark, expected):
    mark = judgement_aspect_mark(scores, D(max_mark))
    assert mark == D(expected)
    assert str(mark) == expected


def test_judgement_accepts_integral_decimals_and_int_max():
    assert judgement_aspect_mark([D(2), D("3.0"), D(2)], 6) == D("4.67")


def test_judgement_rounding_is_a_setting():
    assert judgement_aspect_mark([1, 1, 1], D("1.335"), MarkingRules(rounding=ROUND_HALF_EVEN)) == D("0.44")
    assert str(judgement_aspect_mark([2, 3, 2], D(6), MarkingRules(decimals=3))) == "4.667"
    assert str(judgement_aspect_mark([2, 3, 2], D(6), MarkingRules(decimals=0))) == "5"


def test_judgement_scale_and_team_are_settings():
    rules = MarkingRules(judgement_min_score=1, judgement_max_score=5, judgement_team_size=4)
    # (mean − min) / (max − min) × max mark: mean 3 is halfway up a 1..5 scale.
    assert judgement_aspect_mark([2, 4, 3, 3], D(10), rules) == D("5.00")
    assert judgement_aspect_mark([5, 5, 5, 5], D(10), rules) == D("10.00")
    assert judgement_aspect_mark([1, 1, 1, 1], D(10), rules) == D("0.00")


def test_judgement_incomplete_team_only_when_allowed():
    with pytest.raises(ScoreError) as caught:
        judgement_aspect_mark([2, 3], D(6))
    assert caught.value.code == "judgement.wrong_team_size"
    assert caught.value.params == {"expected": 3, "found": 2}
    assert judgement_aspect_mark([2, 3], D(6), allow_incomplete=True) == D("5.00")


@pytest.mark.parametrize("allow_incomplete", [False, True])
def test_judgement_never_more_than_the_team(allow_incomplete):
    with pytest.raises(ScoreError) as caught:
        judgement_aspect_mark([2, 3, 2, 2], D(6), allow_incomplete=allow_incomplete)
    assert caught.value.code == "judgement.wrong_team_size"


@pytest.mark.parametrize("allow_incomplete", [False, True])
def test_judgement_needs_scores(allow_incomplete):
    with pytest.raises(ScoreError) as caught:
        judgement_aspect_mark([], D(6), allow_incomplete=allow_incomplete)
    assert caught.value.code == "judgement.no_scores"


@pytest.mark.parametrize(("scores", "code", "params"), [
    ([2, 4, 2], "judgement.score_out_of_range", {"position": 2, "value": "4", "minimum": 0, "maximum": 3}),
    ([-1, 2, 2], "judgement.score_out_of_range", {"position": 1, "value": "-1", "minimum": 0, "maximum": 3}),
    ([2, 2, D("2.5")], "judgement.score_not_integer", {"position": 3, "value": "2.5"}),
])
def test_judgement_scores_off_the_scale_are_refused(scores, code, params):
    with pytest.raises(ScoreError) as caught:
        judgement_aspect_mark(scores, D(6))
    assert (caught.value.code, caught.value.params) == (code, params)


def test_judgement_non_finite_score_is_refused():
    with pytest.raises(MarkValueError) as caught:
        judgement_aspect_mark([2, D("NaN"), 2], D(6))
    assert caught.value.code == "mark.not_finite"


@pytest.mark.parametrize("max_mark", [D(0), D(-1), 0])
def test_judgement_max_mark_must_be_positive(max_mark):
    with pytest.raises(AspectError) as caught:
        judgement_aspect_mark([2, 2, 2], max_mark)
    assert caught.value.code == "aspect.max_mark_not_positive"


@pytest.mark.parametrize(("scores", "max_mark"), [([2.0, 2, 2], D(6)), ([True, 2, 2], D(6)), ([2, 2, 2], 6.0),
                                                  (["2", 2, 2], D(6))])
def test_judgement_floats_and_bools_are_a_programming_error(scores, max_mark):
    with pytest.raises(TypeError):
        judgement_aspect_mark(scores, max_mark)


@prop
@given(st.lists(judge_score, min_size=3, max_size=3),
       st.decimals(min_value=D("0.01"), max_value=100, places=2, allow_nan=False, allow_infinity=False))
def test_judgement_mark_is_within_zero_and_max(scores, max_mark):
    mark = judgement_aspect_mark(scores, max_mark)
    assert D(0) <= mark <= max_mark
    assert mark.as_tuple().exponent == -2


@prop
@given(st.lists(judge_score, min_size=3, max_size=3), st.integers(min_value=0, max_value=2),
       st.decimals(min_value=D("0.01"), max_value=100, places=2, allow_nan=False, allow_infinity=False))
def test_judgement_mark_is_monotone_in_each_score(scores, position, max_mark):
    raised = list(scores)
    raised[position] = min(raised[position] + 1, 3)
    assert judgement_aspect_mark(raised, max_mark) >= judgement_aspect_mark(scores, max_mark)


@prop
@given(st.lists(judge_score, min_size=3, max_size=3))
def test_judgement_mark_ignores_the_order_of_judges(scores):
    assert judgement_aspect_mark(scores, D(7)) == judgement_aspect_mark(list(reversed(scores)), D(7))


# --- spread ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("scores", "flagged"), [
    ([1, 3, 2], True),      # 1 and 3 differ by 2
    ([0, 3, 3], True),
    ([1, 2, 2], False),
    ([0, 1, 1], False),
    ([3, 3, 3], False),
    ([2], False),
    ([], False),
])
def test_spread_flag(scores, flagged):
    assert spread_flag(scores) is flagged


def test_allowed_spread_is_a_setting():
    assert spread_flag([1, 3, 2], MarkingRules(judgement_allowed_spread=2)) is False
    assert spread_flag([1, 2, 2], MarkingRules(judgement_allowed_spread=0)) is True


def test_spread_flag_checks_the_scale():
    with pytest.raises(ScoreError) as caught:
        spread_flag([1, 5])
    assert caught.value.code == "judgement.score_out_of_range"


@prop
@given(st.lists(judge_score, min_size=2, max_size=5))
def test_spread_flag_means_some_pair_differs_by_more_than_one(scores):
    pairs = [(a, b) for i, a in enumerate(scores) for b in scores[i + 1:]]
    assert spread_flag(scores) is any(abs(a - b) > 1 for a, b in pairs)


# --- trimmed mean and subjective items ------------------------------------------------------------------

@pytest.mark.parametrize(("scores", "expected"), [
    ([7, 9, 8, 10, 6], "8.00"),           # drop 10 and 6
    ([9, 9, 9, 5, 7], "8.33"),            # one 9 dropped, not all three: (7 + 9 + 9) / 3
    ([5, 5, 7, 9, 9], "7.00"),            # ties at both ends, each dropped once
    ([6, 6, 6, 6, 6], "6.00"),
    ([D("8.5"), 9, D("7.25"), D("9.5"), 6], "8.25"),
    ([7, 8, 8, 9, 10], "8.33"),
    ([D("8.025"), D("8.025"), D("8.025"), 0, 10], "8.03"),   # 8.025 exactly: half up
    ([1, 2, 3, 4, 5, 6, 7], "4.00"),       # more than five judges: still one dropped each end
])
def test_trimmed_mean_hand_worked(scores, expected):
    assert str(trimmed_mean(scores)) == expected


def test_trimmed_mean_rounding_is_a_setting():
    scores = [D("8.025"), D("8.025"), D("8.025"), 0, 10]
    assert trimmed_mean(scores, MarkingRules(rounding=ROUND_HALF_EVEN)) == D("8.02")


@pytest.mark.parametrize("count", [0, 1, 3, 4])
def test_trimmed_mean_refuses_too_few_scores(count):
    with pytest.raises(ScoreError) as caught:
        trimmed_mean([8] * count)
    assert caught.value.code == "trimmed_mean.too_few_scores"
    assert caught.value.params == {"minimum": 5, "found": count}


def test_trimmed_mean_drops_and_minimum_are_settings():
    two_each_end = MarkingRules(drop_highest=2, drop_lowest=2, trimmed_mean_min_judges=5, subjective_judges=7)
    assert trimmed_mean([1, 2, 3, 4, 10], two_each_end) == D("3.00")
    assert trimmed_mean([1, 1, 4, 10, 10, 10, 10], two_each_end) == D("8.00")
    three = MarkingRules(trimmed_mean_min_judges=3, subjective_judges=3)
    assert trimmed_mean([6, 9, 7], three) == D("7.00")
    no_trim = MarkingRules(drop_highest=0, drop_lowest=0, trimmed_mean_min_judges=1, subjective_judges=1)
    assert trimmed_mean([6, 9], no_trim) == D("7.50")


@prop
@given(st.lists(two_places, min_size=5, max_size=9), st.randoms(use_true_random=False))
def test_trimmed_mean_ignores_order(scores, random):
    shuffled = list(scores)
    random.shuffle(shuffled)
    assert trimmed_mean(shuffled) == trimmed_mean(scores)


@prop
@given(st.lists(two_places, min_size=5, max_size=9))
def test_trimmed_mean_lies_within_the_kept_scores(scores):
    kept = sorted(scores)[1:-1]
    assert min(kept) <= trimmed_mean(scores) <= max(kept)


@prop
@given(st.lists(two_places, min_size=5, max_size=9), two_places)
def test_trimmed_mean_ignores_how_extreme_the_dropped_scores_are(scores, bump):
    lifted = sorted(scores)
    lifted[-1] += bump  # the highest stays the highest and is dropped
    assert trimmed_mean(lifted) == trimmed_mean(scores)


def test_subjective_item_mark_hand_worked():
    assert subjective_item_mark([7, 9, 8, 10, 6], D(10)) == D("8.00")
    assert subjective_item_mark([D("8.5"), 9, D("7.25"), D("9.5"), 6], D(10)) == D("8.25")


@pytest.mark.parametrize(("scores", "code"), [
    ([7, 9, 8, D("10.5"), 6], "subjective.score_out_of_range"),
    ([7, 9, 8, 10, -1], "subjective.score_out_of_range"),
    ([7, 9, 8, 10], "subjective.wrong_panel_size"),
    ([7, 9, 8, 10, 6, 7], "subjective.wrong_panel_size"),
    ([], "subjective.no_scores"),
])
def test_subjective_item_refusals(scores, code):
    with pytest.raises(ScoreError) as caught:
        subjective_item_mark(scores, D(10))
    assert caught.value.code == code


def test_subjective_incomplete_panel_still_needs_the_trimming_minimum():
    with pytest.raises(ScoreError) as caught:
        subjective_item_mark([7, 9, 8, 10], D(10), allow_incomplete=True)
    assert caught.value.code == "trimmed_mean.too_few_scores"
    seven = MarkingRules(subjective_judges=7)
    assert subjective_item_mark([7, 9, 8, 10, 6, 8], D(10), seven, allow_incomplete=True) == D("8.00")
    with pytest.raises(ScoreError) as caught:
        subjective_item_mark([7, 9, 8, 10, 6, 8], D(10), seven)
    assert caught.value.code == "subjective.wrong_panel_size"
    assert caught.value.params == {"expected": 7, "found": 6}


def test_subjective_max_mark_must_be_positive():
    with pytest.raises(AspectError) as caught:
        subjective_item_mark([0, 0, 0, 0, 0], D(0))
    assert caught.value.code == "aspect.max_mark_not_positive"


@prop
@given(st.lists(st.decimals(min_value=0, max_value=10, places=2, allow_nan=False, allow_infinity=False),
                min_size=5, max_size=5))
def test_subjective_item_mark_within_zero_and_max(scores):
    assert D(0) <= subjective_item_mark(scores, D(10)) <= D(10)


# --- measurement aspects --------------------------------------------------------------------------------

def test_yes_no_measurement():
    assert measurement_aspect_mark(yes_no(max_mark="5"), True) == D("5.00")
    assert str(measurement_aspect_mark(yes_no(max_mark="5"), False)) == "0.00"


@pytest.mark.parametrize("observation", [1, D(1), "yes", None])
def test_yes_no_observation_must_be_a_bool(observation):
    with pytest.raises(TypeError):
        measurement_aspect_mark(yes_no(), observation)


@pytest.mark.parametrize(("deductions", "expected"), [
    ([], "5.00"),
    ([D(1)], "4.00"),
    ([D(1), D("0.5")], "3.50"),
    ([2, 2, D("0.25")], "0.75"),
    ([D(3), D(3)], "0.00"),        # floored at 0, never negative
    ([D(5)], "0.00"),
    ([D(0)], "5.00"),
])
def test_deduction_measurement(deductions, expected):
    assert str(measurement_aspect_mark(deduction(max_mark="5"), deductions)) == expected


def test_negative_deduction_is_refused():
    with pytest.raises(MeasurementError) as caught:
        measurement_aspect_mark(deduction(), [D(1), D(-1)])
    assert caught.value.code == "measurement.negative_deduction"
    assert caught.value.params == {"position": 2, "value": "-1"}


@pytest.mark.parametrize("observation", [D(1), 1, True, "1", [1.0]])
def test_deduction_observation_must_be_a_sequence_of_decimals(observation):
    with pytest.raises(TypeError):
        measurement_aspect_mark(deduction(), observation)


@pytest.mark.parametrize(("deviation", "expected"), [
    (D(0), "5.00"),
    (D("0.05"), "5.00"),
    (D("0.10"), "5.00"),     # bounds are included
    (D("0.11"), "3.00"),
    (D("-0.15"), "3.00"),    # either side of nominal
    (D("0.20"), "3.00"),
    (D("0.5"), "1.00"),
    (D("0.51"), "0.00"),     # beyond the last band
    (D(-3), "0.00"),
    (0, "5.00"),
])
def test_band_measurement(deviation, expected):
    assert str(measurement_aspect_mark(bands(), deviation)) == expected


@pytest.mark.parametrize("deviation", [0.1, True, [D("0.1")]])
def test_band_observation_must_be_a_decimal(deviation):
    with pytest.raises(TypeError):
        measurement_aspect_mark(bands(), deviation)


def test_band_observation_must_be_finite():
    with pytest.raises(MarkValueError) as caught:
        measurement_aspect_mark(bands(), D("NaN"))
    assert caught.value.code == "mark.not_finite"


@pytest.mark.parametrize("aspect", [judgement(), subjective()])
def test_measurement_mark_refuses_other_kinds(aspect):
    with pytest.raises(AspectError) as caught:
        measurement_aspect_mark(aspect, True)
    assert caught.value.code == "aspect.wrong_kind"
    assert caught.value.params["expected"] == "measurement"


@pytest.mark.parametrize(("aspect", "code"), [
    (dataclasses.replace(yes_no(), method=None), "aspect.method_missing"),
    (dataclasses.replace(yes_no(), method="guess"), "aspect.unknown_method"),
    (dataclasses.replace(yes_no(), max_mark=D(0)), "aspect.max_mark_not_positive"),
    (bands(band_list=()), "aspect.bands_missing"),
    (bands(band_list=(ToleranceBand(D("0.2"), D(5)), ToleranceBand(D("0.1"), D(3)))),
     "aspect.band_deviations_not_increasing"),
    (bands(band_list=(ToleranceBand(D("0.1"), D(3)), ToleranceBand(D("0.2"), D(5)))),
     "aspect.band_marks_increasing"),
])
def test_measurement_mark_refuses_an_unmarkable_aspect(aspect, code):
    with pytest.raises(AspectError) as caught:
        measurement_aspect_mark(aspect, True if aspect.method == "yes_no" else D(0))
    assert caught.value.code == code
    assert caught.value.params["aspect"] == aspect.code


@prop
@given(st.lists(st.decimals(min_value=0, max_value=10, places=2, allow_nan=False, allow_infinity=False),
                max_size=6),
       st.decimals(min_value=D("0.01"), max_value=50, places=2, allow_nan=False, allow_infinity=False))
def test_deduction_mark_is_within_zero_and_max(deductions, max_mark):
    aspect = dataclasses.replace(deduction(), max_mark=max_mark)
    assert D(0) <= measurement_aspect_mark(aspect, deductions) <= max_mark


@prop
@given(st.decimals(min_value=-1, max_value=1, places=3, allow_nan=False, allow_infinity=False),
       st.decimals(min_value=0, max_value=1, places=3, allow_nan=False, allow_infinity=False))
def test_band_mark_never_rises_as_the_deviation_grows(first, second):
    small, large = sorted([abs(first), abs(second)])
    assert measurement_aspect_mark(bands(), small) >= measurement_aspect_mark(bands(), large)


# --- raw values from a tablet ---------------------------------------------------------------------------

@pytest.mark.parametrize(("aspect", "raw", "expected"), [
    (judgement(), "0", "0"),
    (judgement(), "3", "3"),
    (judgement(), " 2 ", "2"),
    (judgement(), "+2", "2"),
    (judgement(), "2.0", "2"),
    (judgement(), "\uff12", "2"),             # full-width ２ from a Chinese input method
    (judgement(), "-0", "0"),
    (judgement(), 3, "3"),
    (judgement(), D("1.00"), "1"),
    (deduction(max_mark="5"), "4.25", "4.25"),
    (deduction(max_mark="5"), "4.250", "4.25"),  # trailing zeros are not extra places
    (deduction(max_mark="5"), "5", "5.00"),
    (deduction(max_mark="5"), "0", "0.00"),
    (deduction(max_mark="5"), "-0.00", "0.00"),
    (deduction(max_mark="5"), ".5", "0.50"),
    (deduction(max_mark="5"), "2.", "2.00"),
    (deduction(max_mark="5"), "\uff12\uff0e\uff15", "2.50"),   # ２．５
    (deduction(max_mark="5"), "2\u30025", "2.50"),   # 2。5: the point typed in Chinese mode
    (deduction(max_mark="5"), "\u30002.5\u3000", "2.50"),
    (deduction(max_mark="5"), D("4.5"), "4.50"),
    (yes_no(max_mark="5"), "0", "0.00"),
    (yes_no(max_mark="5"), "5", "5.00"),
    (yes_no(max_mark="5"), "5.00", "5.00"),
    (bands(), "3", "3.00"),
    (bands(), "0", "0.00"),
    (subjective(max_mark="10"), "9.5", "9.50"),
    (subjective(max_mark="10"), "10", "10.00"),
])
def test_validate_value_accepts(aspect, raw, expected):
    value = validate_value(aspect, raw)
    assert isinstance(value, Decimal)
    assert str(value) == expected


@pytest.mark.parametrize(("aspect", "raw", "code"), [
    (judgement(), None, "mark.empty"),
    (judgement(), "", "mark.empty"),
    (judgement(), "   ", "mark.empty"),
    (judgement(), "abc", "mark.not_a_number"),
    (judgement(), "1e0", "mark.not_a_number"),
    (judgement(), "1_0", "mark.not_a_number"),
    (judgement(), "2,5", "mark.not_a_number"),
    (judgement(), "0x2", "mark.not_a_number"),
    (judgement(), "2 3", "mark.not_a_number"),
    (judgement(), "--2", "mark.not_a_number"),
    (judgement(), ".", "mark.not_a_number"),
    (judgement(), "\u0663", "mark.not_a_number"),   # Arabic-Indic 3: not what a tablet sends
    (judgement(), "nan", "mark.not_finite"),
    (judgement(), "NaN", "mark.not_finite"),
    (judgement(), "sNaN", "mark.not_finite"),
    (judgement(), "inf", "mark.not_finite"),
    (judgement(), "-Infinity", "mark.not_finite"),
    (judgement(), D("NaN"), "mark.not_finite"),
    (judgement(), D("-Infinity"), "mark.not_finite"),
    (judgement(), "4", "mark.out_of_range"),
    (judgement(), "-1", "mark.out_of_range"),
    (judgement(), "3.5", "mark.out_of_range"),
    (judgement(), 10 ** 30, "mark.out_of_range"),
    (judgement(), "2.5", "mark.not_integer"),
    (judgement(), "0.001", "mark.not_integer"),
    (deduction(max_mark="5"), "5.01", "mark.out_of_range"),
    (deduction(max_mark="5"), "-0.01", "mark.out_of_range"),
    (deduction(max_mark="5"), "4.255", "mark.too_many_decimals"),
    (deduction(max_mark="5"), D("1E-30"), "mark.too_many_decimals"),
    (yes_no(max_mark="5"), "2.5", "mark.not_allowed_value"),
    (yes_no(max_mark="5"), "6", "mark.out_of_range"),
    (bands(), "2", "mark.not_allowed_value"),
    (subjective(max_mark="10"), "10.5", "mark.out_of_range"),
    (subjective(max_mark="10"), "9.125", "mark.too_many_decimals"),
])
def test_validate_value_refuses(aspect, raw, code):
    with pytest.raises(MarkValueError) as caught:
        validate_value(aspect, raw)
    assert caught.value.code == code
    assert caught.value.message % caught.value.params  # the message can be rendered from its params


def test_validate_value_out_of_range_params():
    with pytest.raises(MarkValueError) as caught:
        validate_value(judgement(), "4")
    assert caught.value.params == {"value": "4", "minimum": "0", "maximum": "3"}


def test_validate_value_not_allowed_lists_the_allowed_marks():
    with pytest.raises(MarkValueError) as caught:
        validate_value(bands(), "2")
    assert caught.value.params["allowed"] == "0, 1, 3, 5"


def test_validate_value_decimals_is_a_setting():
    one_place = MarkingRules(decimals=1)
    assert str(validate_value(deduction(), "2.5", one_place)) == "2.5"
    with pytest.raises(MarkValueError) as caught:
        validate_value(deduction(), "2.25", one_place)
    assert caught.value.params == {"value": "2.25", "decimals": 1}


@pytest.mark.parametrize("raw", [2.0, True, b"2", [2]])
def test_validate_value_other_types_are_a_programming_error(raw):
    with pytest.raises(TypeError):
        validate_value(judgement(), raw)


def test_validate_value_refuses_an_unmarkable_aspect():
    with pytest.raises(AspectError) as caught:
        validate_value(dataclasses.replace(deduction(), max_mark=D(0)), "0")
    assert caught.value.code == "aspect.max_mark_not_positive"
    with pytest.raises(AspectError) as caught:
        validate_value(dataclasses.replace(judgement(), kind="opinion"), "2")
    assert caught.value.code == "aspect.unknown_kind"


@prop
@given(st.sampled_from([judgement(), deduction(), yes_no(), bands(), subjective()]),
       st.one_of(st.text(max_size=12), st.integers(), st.decimals(), st.none(),
                 st.decimals(allow_nan=False, allow_infinity=False).map(str)))
def test_validate_value_either_returns_a_mark_in_range_or_raises_mark_value_error(aspect, raw):
    try:
        value = validate_value(aspect, raw)
    except MarkValueError as error:
        refused = error
    else:
        refused = None
    if refused is not None:
        assert refused.code.startswith("mark.")
        assert str(refused)
        return
    top = D(3) if aspect.kind == AspectKind.JUDGEMENT else aspect.max_mark
    assert D(0) <= value <= top
    assert validate_value(aspect, str(value)) == value  # what we return is accepted again unchanged


# --- scheme validation ----------------------------------------------------------------------------------

def test_full_scheme_is_publishable():
    assert validate_scheme(full_scheme()) == []


def test_scheme_totalling_99_5_is_refused():
    scheme = scheme_of(judgement("A1.1", "50"), judgement("A1.2", "49.5"))
    problems = validate_scheme(scheme)
    assert codes(problems) == ["scheme.total_mismatch"]
    assert problems[0].location == ""
    assert problems[0].params == {"found": "99.5", "expected": "100"}


def test_scheme_totalling_more_than_100_is_refused():
    assert codes(validate_scheme(scheme_of(judgement("A1.1", "100.01")))) == ["scheme.total_mismatch"]


def test_scheme_total_can_be_stated_or_set():
    fifty = scheme_of(judgement("A1.1", "50"))
    assert validate_scheme(fifty, MarkingRules(scheme_total=50)) == []
    assert validate_scheme(dataclasses.replace(fifty, total=D(50))) == []
    assert codes(validate_scheme(fifty)) == ["scheme.total_mismatch"]


def test_judgement_aspect_with_three_descriptors_is_refused():
    aspect = dataclasses.replace(judgement("A1.1", "100"), descriptors=DESCRIPTORS[:3])
    problems = validate_scheme(scheme_of(aspect))
    assert codes(problems) == ["aspect.descriptors_wrong_count"]
    assert problems[0].location == "A/A1/A1.1"
    assert problems[0].params == {"expected": 4, "found": 3}


def test_descriptor_count_follows_the_judgement_scale():
    five_levels = MarkingRules(judgement_max_score=4)
    assert codes(validate_scheme(scheme_of(judgement("A1.1", "100")), five_levels)) == [
        "aspect.descriptors_wrong_count"]


def test_blank_descriptor_is_refused_with_its_level():
    aspect = dataclasses.replace(judgement("A1.1", "100"), descriptors=("a", "b", "  ", "d"))
    problems = validate_scheme(scheme_of(aspect))
    assert codes(problems) == ["aspect.descriptor_blank"]
    assert problems[0].params == {"level": 2}


def _problem_codes_for(aspect: AspectSpec) -> list[str]:
    """Problems of ``aspect`` alone, padded with a judgement aspect so the scheme still totals 100."""
    rest = D(100) - aspect.max_mark
    padding = (judgement("PAD", str(rest)),) if rest > 0 else ()
    return [problem.code for problem in validate_scheme(scheme_of(aspect, *padding))
            if problem.code != "scheme.total_mismatch" and not problem.location.endswith("/PAD")]


@pytest.mark.parametrize(("aspect", "expected"), [
    (dataclasses.replace(yes_no(), code=" "), ["aspect.blank_code"]),
    (dataclasses.replace(yes_no(), description=""), ["aspect.blank_description"]),
    (dataclasses.replace(yes_no(), kind="opinion", method=None), ["aspect.unknown_kind"]),
    (dataclasses.replace(yes_no(), max_mark=D(0)), ["aspect.max_mark_not_positive"]),
    (dataclasses.replace(yes_no(), max_mark=D(-5)), ["aspect.max_mark_not_positive"]),
    (dataclasses.replace(yes_no(), max_mark=D("2.555")), ["aspect.max_mark_too_many_decimals"]),
    (dataclasses.replace(yes_no(), descriptors=DESCRIPTORS), ["aspect.descriptors_not_allowed"]),
    (dataclasses.replace(subjective(), descriptors=("x",)), ["aspect.descriptors_not_allowed"]),
    (dataclasses.replace(yes_no(), method=None), ["aspect.method_missing"]),
    (dataclasses.replace(yes_no(), method="guess"), ["aspect.unknown_method"]),
    (dataclasses.replace(judgement(), method=MeasurementMethod.YES_NO), ["aspect.method_not_allowed"]),
    (dataclasses.replace(subjective(), bands=BANDS), ["aspect.bands_not_allowed"]),
    (dataclasses.replace(yes_no(), bands=BANDS), ["aspect.bands_not_allowed"]),
    (bands(band_list=()), ["aspect.bands_missing"]),
    (bands(band_list=(ToleranceBand(D("0.1"), D(5)), ToleranceBand(D("0.1"), D(3)))),
     ["aspect.band_deviations_not_increasing"]),
    (bands(band_list=(ToleranceBand(D("0.2"), D(5)), ToleranceBand(D("0.1"), D(3)))),
     ["aspect.band_deviations_not_increasing"]),
    (bands(band_list=(ToleranceBand(D("0.1"), D(3)), ToleranceBand(D("0.2"), D(4)))),
     ["aspect.band_marks_increasing"]),
    (bands(band_list=(ToleranceBand(D("0.1"), D(6)),)), ["aspect.band_mark_above_max"]),
    (bands(band_list=(ToleranceBand(D("-0.1"), D(5)),)), ["aspect.band_negative"]),
    (bands(band_list=(ToleranceBand(D("0.1"), D(5)), ToleranceBand(D("0.2"), D(-1)))),
     ["aspect.band_negative"]),
    (bands(band_list=(ToleranceBand(D("0.1"), D("4.125")),)), ["aspect.band_mark_too_many_decimals"]),
])
def test_aspect_problems(aspect, expected):
    assert _problem_codes_for(aspect) == expected


def test_equal_band_marks_are_allowed():
    equal = bands(band_list=(ToleranceBand(D("0.1"), D(5)), ToleranceBand(D("0.2"), D(5))))
    assert _problem_codes_for(equal) == []


def test_duplicate_codes_are_refused_per_level():
    scheme = SchemeSpec((
        CriterionSpec("A", "One", (SubCriterionSpec("A1", "x", (judgement("X1", "25"),
                                                                judgement("X1", "25"))),)),
        CriterionSpec("A", "Two", (SubCriterionSpec("A1", "y", (judgement("X2", "50"),)),)),
    ))
    problems = validate_scheme(scheme)
    assert codes(problems) == ["scheme.duplicate_code"] * 3
    assert [p.location for p in problems] == ["A/A1/X1", "A", "A/A1"]
    assert [p.params["code"] for p in problems] == ["X1", "A", "A1"]


def test_the_same_code_at_different_levels_is_allowed():
    scheme = SchemeSpec((CriterionSpec("A", "x", (SubCriterionSpec("A", "y", (judgement("A", "100"),)),)),))
    assert validate_scheme(scheme) == []


def test_empty_scheme_criterion_and_sub_criterion_are_refused():
    assert codes(validate_scheme(SchemeSpec())) == ["scheme.no_criteria"]
    scheme = SchemeSpec((
        CriterionSpec("A", "x"),
        CriterionSpec("B", "y", (SubCriterionSpec("B1", "z"),
                                 SubCriterionSpec("B2", "w", (judgement("B2.1", "100"),)))),
    ))
    problems = validate_scheme(scheme)
    assert [(p.code, p.location) for p in problems] == [("scheme.empty_criterion", "A"),
                                                       ("scheme.empty_sub_criterion", "B/B1")]


def test_blank_criterion_code_is_located_by_position():
    scheme = SchemeSpec((CriterionSpec("A", "x", (SubCriterionSpec("A1", "y", (judgement("A1.1", "50"),)),)),
                         CriterionSpec("", "z", (SubCriterionSpec("B1", "w", (judgement("B1.1", "50"),)),))))
    problems = validate_scheme(scheme)
    assert [(p.code, p.location) for p in problems] == [("scheme.blank_code", "#2")]


def test_stated_criterion_mark_must_match_its_aspects():
    scheme = full_scheme()
    wrong = dataclasses.replace(scheme, criteria=(dataclasses.replace(scheme.criteria[0], max_mark=D(45)),
                                                  scheme.criteria[1]))
    problems = validate_scheme(wrong)
    assert codes(problems) == ["scheme.criterion_total_mismatch"]
    assert problems[0].location == "A"
    assert problems[0].params == {"found": "40", "expected": "45"}


def test_every_problem_is_reported_at_once():
    broken = scheme_of(dataclasses.replace(judgement("A1.1", "0"), descriptors=()), yes_no("A1.1", "5"))
    assert codes(validate_scheme(broken)) == [
        "aspect.max_mark_not_positive", "aspect.descriptors_wrong_count", "scheme.duplicate_code",
        "scheme.total_mismatch"]


def test_problem_messages_render_from_their_params():
    broken = scheme_of(
        dataclasses.replace(judgement("", "0"), descriptors=("a", "")),
        bands("B", (ToleranceBand(D("0.2"), D(3)), ToleranceBand(D("-0.1"), D(9)))),
        dataclasses.replace(yes_no("B"), kind="x", description=""),
    )
    problems = validate_scheme(broken)
    assert len(problems) >= 8
    for problem in problems:
        assert problem.message % problem.params


def test_float_marks_in_a_scheme_are_a_programming_error():
    with pytest.raises(TypeError):
        validate_scheme(scheme_of(dataclasses.replace(judgement(), max_mark=100.0)))


# --- totals ---------------------------------------------------------------------------------------------

FULL_MARKS = {"A1.1": D(10), "A1.2": D(3), "A2.1": D("22.5"), "B1.1": D("20.33"), "B1.2": D("13"),
              "B2.1": D("8.25")}


def test_criterion_totals_hand_worked():
    totals = criterion_totals(FULL_MARKS, full_scheme())
    assert totals == {"A": D("35.50"), "B": D("41.58")}
    assert list(totals) == ["A", "B"]
    assert str(totals["A"]) == "35.50"
    assert skill_raw_total(FULL_MARKS, full_scheme()) == D("77.08")


def test_totals_accept_integers_and_zero():
    marks = dict.fromkeys(FULL_MARKS, 0)
    assert criterion_totals(marks, full_scheme()) == {"A": D(0), "B": D(0)}
    assert str(skill_raw_total(marks, full_scheme())) == "0.00"


def test_full_marks_total_the_scheme():
    scheme = full_scheme()
    marks = {aspect.code: aspect.max_mark for _, aspect in scheme.aspects()}
    assert skill_raw_total(marks, scheme) == DEFAULT_RULES.scheme_total


@pytest.mark.parametrize(("marks", "code", "params"), [
    ({k: v for k, v in FULL_MARKS.items() if k != "B1.2"}, "totals.missing_mark", {"aspect": "B1.2"}),
    ({**FULL_MARKS, "Z9": D(1), "Y1": D(1)}, "totals.unknown_aspect", {"codes": "Y1, Z9"}),
    ({**FULL_MARKS, "A1.1": D("10.01")}, "totals.mark_out_of_range",
     {"aspect": "A1.1", "mark": "10.01", "maximum": "10"}),
    ({**FULL_MARKS, "A1.2": D(-1)}, "totals.mark_out_of_range",
     {"aspect": "A1.2", "mark": "-1", "maximum": "5"}),
])
def test_totals_refusals(marks, code, params):
    with pytest.raises(TotalsError) as caught:
        criterion_totals(marks, full_scheme())
    assert (caught.value.code, caught.value.params) == (code, params)
    with pytest.raises(TotalsError):
        skill_raw_total(marks, full_scheme())


@prop
@given(st.fixed_dictionaries({code: st.decimals(min_value=0, max_value=top, places=2, allow_nan=False,
                                                allow_infinity=False)
                              for code, top in [("A1.1", 10), ("A1.2", 5), ("A2.1", 25), ("B1.1", D("30.5")),
                                                ("B1.2", D("19.5")), ("B2.1", 10)]}))
def test_raw_total_is_the_sum_of_criterion_totals_and_within_the_scheme(marks):
    totals = criterion_totals(marks, full_scheme())
    raw = skill_raw_total(marks, full_scheme())
    assert raw == sum(totals.values()) == sum(marks.values())
    assert D(0) <= raw <= D(100)


# --- weighted totals ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("theory", "practical", "weights", "expected"), [
    (D(80), D(90), (30, 70), "87.00"),
    (D(80), D("90.5"), (30, 70), "87.35"),
    (D(60), D(75), (20, 80), "72.00"),
    (None, D("88.88"), (0, 100), "88.88"),
    (D(50), D("88.88"), (0, 100), "88.88"),   # a theory mark with no weight changes nothing
    (D("85.15"), D(0), (30, 70), "25.55"),    # 25.545 exactly: half up
    (D(100), D(100), (D("25.5"), D("74.5")), "100.00"),
    (D(0), D(0), (30, 70), "0.00"),
    (81, 77, (30, 70), "78.20"),
])
def test_weighted_total_hand_worked(theory, practical, weights, expected):
    assert str(weighted_total(theory, practical, *weights)) == expected


@pytest.mark.parametrize(("args", "code"), [
    ((D(80), D(90), 30, 60), "weighting.weights_not_100"),
    ((D(80), D(90), 30, 80), "weighting.weights_not_100"),
    ((D(80), D(90), 40, 60), "weighting.theory_weight_too_high"),
    ((D(80), D(90), D("30.01"), D("69.99")), "weighting.theory_weight_too_high"),
    ((D(80), D(90), -10, 110), "weighting.negative_weight"),
    ((None, D(90), 30, 70), "weighting.theory_missing"),
    ((D("100.01"), D(90), 30, 70), "weighting.theory_out_of_range"),
    ((D(-1), D(90), 30, 70), "weighting.theory_out_of_range"),
    ((D(80), D(101), 30, 70), "weighting.practical_out_of_range"),
])
def test_weighted_total_refusals(args, code):
    with pytest.raises(WeightingError) as caught:
        weighted_total(*args)
    assert caught.value.code == code
    assert str(caught.value)


def test_max_theory_weight_and_paper_mark_are_settings():
    forty = MarkingRules(max_theory_weight=40)
    assert weighted_total(D(80), D(90), 40, 60, forty) == D("86.00")
    out_of_150 = MarkingRules(paper_max_mark=150)
    assert weighted_total(D(150), D(120), 30, 70, out_of_150) == D("129.00")


def test_weighted_total_rounding_is_a_setting():
    assert weighted_total(D("85.15"), D(0), 30, 70, MarkingRules(rounding=ROUND_HALF_EVEN)) == D("25.54")


@pytest.mark.parametrize("args", [(80.0, D(90), 30, 70), (D(80), D(90), 30.0, 70), (D(80), True, 30, 70)])
def test_weighted_total_floats_are_a_programming_error(args):
    with pytest.raises(TypeError):
        weighted_total(*args)


@prop
@given(two_places, two_places, st.integers(min_value=0, max_value=30))
def test_weighted_total_within_0_and_100_and_between_the_papers(theory, practical, theory_weight):
    total = weighted_total(theory, practical, theory_weight, 100 - theory_weight)
    assert D(0) <= total <= D(100)
    assert min(theory, practical) <= total <= max(theory, practical)


# --- errors ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("error_class", [MarkingRulesError, ScoreError, MarkValueError, AspectError,
                                         MeasurementError, TotalsError, WeightingError])
def test_every_error_is_a_marking_error_and_a_value_error(error_class):
    assert issubclass(error_class, MarkingError)
    assert issubclass(error_class, ValueError)


def test_error_carries_code_message_and_params():
    with pytest.raises(MarkingError) as caught:
        trimmed_mean([1, 2])
    error = caught.value
    assert error.code == "trimmed_mean.too_few_scores"
    assert error.params == {"minimum": 5, "found": 2}
    assert "%(minimum)s" in error.message
    assert str(error) == "trimmed_mean.too_few_scores: A trimmed mean needs at least 5 scores; 2 were given."


# --- weighted_totals: many competitors at once, the same results as weighted_total ----------------------

_two_places = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(_two_places, _two_places), min_size=1, max_size=20),
       st.sampled_from([(0, 100), (30, 70), (20, 80), (25, 75)]),
       st.sampled_from(["ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_DOWN", "ROUND_CEILING"]),
       st.integers(0, 3))
def test_weighted_totals_equal_weighted_total(papers, weights, rounding, decimals):
    from competition.rules.marking import weighted_totals
    rules = MarkingRules(rounding=rounding, decimals=decimals)
    theory_weight, practical_weight = weights
    keyed = {i: (None if theory_weight == 0 and i % 2 else t, p) for i, (t, p) in enumerate(papers)}
    expected = {k: weighted_total(t, p, theory_weight, practical_weight, rules) for k, (t, p) in keyed.items()}
    got = weighted_totals(keyed, theory_weight, practical_weight, rules)
    assert got == expected and list(got) == list(keyed)
    assert all(str(got[k]) == str(expected[k]) for k in keyed)  # the same places too


def test_weighted_totals_raise_what_weighted_total_raises():
    from competition.rules.marking import WeightingError, weighted_totals
    with pytest.raises(WeightingError) as refused:
        weighted_totals({1: (Decimal(50), Decimal(50)), 2: (None, Decimal(60))}, 30, 70)
    assert refused.value.code == "weighting.theory_missing"
    with pytest.raises(WeightingError) as refused:
        weighted_totals({1: (Decimal(50), Decimal(101))}, 30, 70)
    assert refused.value.code == "weighting.practical_out_of_range"
    with pytest.raises(WeightingError):
        weighted_totals({1: (None, Decimal(50))}, 40, 70)
    assert weighted_totals({}, 30, 70) == {}
