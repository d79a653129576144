"""WorldSkills-scale standardisation (DOMAIN.md §5): hand-worked examples and properties."""
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.rules.standardise import (
    StandardiseError,
    StandardiseSettings,
    round_exact,
    standardise_to_worldskills_scale,
    worldskills_scale_exact,
)

D = Decimal
METHODS = ["mad", "stdev", "none"]

raw_score = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
raw_scores = st.lists(raw_score, min_size=1, max_size=40).map(lambda values: dict(enumerate(values)))
methods = st.sampled_from(METHODS)


def test_defaults_are_the_domain_ones():
    settings = StandardiseSettings()
    assert settings.centre == 700
    assert settings.method == "mad"
    assert settings.spread_per_sigma == 20
    assert settings.mad_to_sigma == D("1.4826")
    assert settings.decimals == 0


def test_mad_example_worked_by_hand():
    # median 75; |x − 75| = 15, 5, 0, 5, 20 → MAD 5; σ = 5 × 1.4826 = 7.413; 20 / 7.413 = 2.69796… per mark
    raw = {"a": D(60), "b": D(70), "c": D(75), "d": D(80), "e": D(95)}
    exact = standardise_to_worldskills_scale(raw, StandardiseSettings(decimals=2))
    assert exact == {"a": D("659.53"), "b": D("686.51"), "c": D("700.00"), "d": D("713.49"),
                     "e": D("753.96")}
    assert standardise_to_worldskills_scale(raw) == {"a": D(660), "b": D(687), "c": D(700), "d": D(713),
                                                     "e": D(754)}


def test_mad_is_robust_to_one_outlier():
    # The others keep their scaled scores when the weakest contestant collapses.
    steady = {"a": D(60), "b": D(70), "c": D(75), "d": D(80), "e": D(95)}
    collapsed = {**steady, "a": D(5)}
    # median still 75; |x − 75| = 70, 5, 0, 5, 20 → MAD still 5
    before, after = standardise_to_worldskills_scale(steady), standardise_to_worldskills_scale(collapsed)
    assert {key: after[key] for key in "bcde"} == {key: before[key] for key in "bcde"}
    assert after["a"] == D(511)  # 700 − 70 × 2.69796… = 511.14: far below, without moving the others


def test_stdev_example_worked_by_hand():
    # median = mean = 70; population σ = √(200 / 3) = 8.16497; 10 / σ × 20 = 24.49490
    raw = {"a": D(60), "b": D(70), "c": D(80)}
    settings = StandardiseSettings(method="stdev", decimals=3)
    assert standardise_to_worldskills_scale(raw, settings) == {"a": D("675.505"), "b": D("700.000"),
                                                               "c": D("724.495")}
    # 675.505 → 676 and 724.495 → 724 with ROUND_HALF_UP to whole points
    assert standardise_to_worldskills_scale(raw, StandardiseSettings(method="stdev")) == {
        "a": D(676), "b": D(700), "c": D(724)}


def test_none_only_shifts_the_median_to_the_centre():
    assert standardise_to_worldskills_scale({1: D(60), 2: D(70), 3: D("80.5")},
                                            StandardiseSettings(method="none", decimals=1)) == {
        1: D("690.0"), 2: D("700.0"), 3: D("710.5")}
    # even N: the median is the midpoint of the two middle scores
    assert standardise_to_worldskills_scale({1: D(60), 2: D(70)}, StandardiseSettings(method="none")) == {
        1: D(695), 2: D(705)}


def test_zero_mad_falls_back_to_the_standard_deviation():
    # three of five share the median: MAD = 0; population σ about the mean 60 = √240 = 15.4919
    raw = {"a": D(50), "b": D(50), "c": D(50), "d": D(60), "e": D(90)}
    mad = standardise_to_worldskills_scale(raw, StandardiseSettings(decimals=2))
    assert mad == {"a": D("700.00"), "b": D("700.00"), "c": D("700.00"), "d": D("712.91"), "e": D("751.64")}
    assert mad == standardise_to_worldskills_scale(raw, StandardiseSettings(method="stdev", decimals=2))


@pytest.mark.parametrize("method", METHODS)
def test_all_equal_or_single_scores_sit_at_the_centre(method):
    settings = StandardiseSettings(method=method)
    assert standardise_to_worldskills_scale({1: D(55), 2: D(55), 3: D(55)}, settings) == {
        1: D(700), 2: D(700), 3: D(700)}
    assert standardise_to_worldskills_scale({"only": D("83.25")}, settings) == {"only": D(700)}
    assert standardise_to_worldskills_scale({}, settings) == {}


def test_centre_and_spread_are_settings():
    settings = StandardiseSettings(centre=500, spread_per_sigma=100, method="stdev")
    assert standardise_to_worldskills_scale({1: D(60), 2: D(70), 3: D(80)}, settings) == {
        1: D(378), 2: D(500), 3: D(622)}


def test_rounding_can_tie_different_raw_scores_but_the_exact_scale_does_not():
    raw = {"lo": D(60), "low": D(65), "m": D(70), "x": D("70.2"), "y": D("70.4")}
    settings = StandardiseSettings(method="none")
    published = standardise_to_worldskills_scale(raw, settings)
    assert published["x"] == published["y"] == D(700)
    exact = worldskills_scale_exact(raw, settings)
    assert exact["x"] == Fraction("700.2") < exact["y"] == Fraction("700.4")


def test_input_is_not_changed():
    raw = {1: D(60), 2: D(70), 3: D(80)}
    before = dict(raw)
    standardise_to_worldskills_scale(raw)
    assert raw == before


def test_int_scores_are_accepted_and_floats_refused():
    assert standardise_to_worldskills_scale({1: 60, 2: 70, 3: 80}, StandardiseSettings(method="none")) == {
        1: D(690), 2: D(700), 3: D(710)}
    with pytest.raises(TypeError):
        standardise_to_worldskills_scale({1: 60.5})
    with pytest.raises(TypeError):
        standardise_to_worldskills_scale({1: True})


def test_non_finite_score_is_refused():
    with pytest.raises(StandardiseError) as caught:
        standardise_to_worldskills_scale({1: D("NaN"), 2: D(3)})
    assert caught.value.code == "standardise.not_finite"


@pytest.mark.parametrize("changes", [
    {"method": "zscore"}, {"spread_per_sigma": 0}, {"mad_to_sigma": -1}, {"decimals": 11}, {"decimals": -1},
    {"rounding": "up"}, {"centre": D("Infinity")},
])
def test_impossible_settings_are_refused(changes):
    with pytest.raises(StandardiseError) as caught:
        StandardiseSettings(**changes)
    assert caught.value.code == "standardise.invalid"


def test_settings_refuse_floats():
    with pytest.raises(TypeError):
        StandardiseSettings(centre=700.0)
    with pytest.raises(TypeError):
        StandardiseSettings(decimals=True)


def test_settings_are_frozen_and_normalised():
    settings = StandardiseSettings(centre=500, method="stdev")
    assert settings.centre == D(500) and isinstance(settings.centre, Decimal)
    assert settings.method == "stdev"
    with pytest.raises(AttributeError):
        settings.centre = D(1)  # type: ignore[misc]


@pytest.mark.parametrize(("value", "decimals", "rounding", "expected"), [
    (Fraction(7, 2), 0, "ROUND_HALF_UP", D(4)),
    (Fraction(-7, 2), 0, "ROUND_HALF_UP", D(-4)),
    (Fraction(5, 2), 0, ROUND_HALF_EVEN, D(2)),
    (Fraction(1, 3), 2, "ROUND_HALF_UP", D("0.33")),
    (Fraction(-1, 1000), 2, "ROUND_HALF_UP", D("0.00")),
    (Fraction("4.665"), 2, "ROUND_HALF_UP", D("4.67")),
])
def test_round_exact(value, decimals, rounding, expected):
    result = round_exact(value, decimals, rounding)
    assert result == expected and str(result) == str(expected)


# --- properties -----------------------------------------------------------------------------------------

@given(raw_scores, methods)
def test_order_is_preserved(raw, method):
    settings = StandardiseSettings(method=method)
    published = standardise_to_worldskills_scale(raw, settings)
    exact = worldskills_scale_exact(raw, settings)
    keys = list(raw)
    for a in keys:
        for b in keys:
            if raw[a] < raw[b]:
                assert published[a] <= published[b]
                assert exact[a] < exact[b]
            elif raw[a] == raw[b]:
                assert published[a] == published[b]
                assert exact[a] == exact[b]


odd_length_scores = st.integers(min_value=0, max_value=20).flatmap(
    lambda half: st.lists(raw_score, min_size=2 * half + 1, max_size=2 * half + 1))


@given(odd_length_scores, methods)
def test_median_maps_to_the_centre_for_odd_n(values, method):
    raw = dict(enumerate(values))
    median_key = sorted(raw, key=raw.__getitem__)[len(values) // 2]
    settings = StandardiseSettings(method=method)
    assert worldskills_scale_exact(raw, settings)[median_key] == 700
    assert standardise_to_worldskills_scale(raw, settings)[median_key] == D(700)


@given(raw_score, st.integers(min_value=1, max_value=30), methods)
def test_all_equal_is_700(score, count, method):
    raw = dict.fromkeys(range(count), score)
    result = standardise_to_worldskills_scale(raw, StandardiseSettings(method=method))
    assert set(result.values()) == {D(700)}


@given(raw_scores, methods)
def test_published_score_has_the_set_number_of_places(raw, method):
    published = standardise_to_worldskills_scale(raw, StandardiseSettings(method=method, decimals=2))
    assert all(value.as_tuple().exponent == -2 for value in published.values())
