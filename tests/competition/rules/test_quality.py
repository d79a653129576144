"""Judging quality rules: deviation from the panel, severity, spread flags, agreement, affiliated marks.
Every expected number is worked by hand in the comment beside it."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.rules.quality import (
    AffiliationKind,
    Cell,
    QualityError,
    QualitySettings,
    Verdict,
    affiliation_bias,
    aspect_agreement,
    deviations,
    judge_severity,
    spread_flags,
)

D = Decimal


def cell(contestant, scores, aspect="A1", first=None, scale=3, spread_rule=True):
    return Cell(contestant, aspect, scale, dict(scores), dict(first or {}), spread_rule)


def test_deviation_is_from_the_mean_of_the_other_judges_over_the_scale():
    # a: 3 − mean(1, 2) = 1.5 → 1.5 / 3 = 1/2; b: 1 − mean(3, 2) = −1.5 → −1/2; c: 2 − mean(3, 1) = 0.
    found = deviations([cell(1, {"a": 3, "b": 1, "c": 2})])
    assert [(d.judge, d.value) for d in found] == [("a", Fraction(1, 2)), ("b", Fraction(-1, 2)), ("c", 0)]


def test_a_lone_judge_has_no_consensus():
    assert deviations([cell(1, {"a": 3})]) == []


def test_subjective_items_are_measured_on_their_own_scale():
    # max mark 10: a 8 − mean(6, 7) = 1.5 → 0.15.
    found = deviations([cell(1, {"a": D(8), "b": D(6), "c": D(7)}, scale=10, spread_rule=False)])
    assert found[0].value == Fraction(15, 100)


def severity_cells():
    """Five contestants; judge s is always one level under the other two (who agree), judge l one level
    above them in the first two cells only."""
    cells = [cell(n, {"s": 1, "x": 2, "y": 2}) for n in range(5)]
    cells += [cell(n, {"l": 3, "x": 2, "y": 2}, aspect="A2") for n in range(2)]
    return cells


def test_severity_verdicts():
    rows = {r.judge: r for r in judge_severity(severity_cells(), QualitySettings(min_cells=2), judges=["z"])}
    # s: 1 − 2 = −1 level → −1/3 each time: mean −0.3333, severe (≤ −0.1).
    assert (rows["s"].cells, rows["s"].mean_deviation, rows["s"].verdict) == (5, D("-0.3333"), Verdict.SEVERE)
    assert rows["s"].mean_absolute_deviation == D("0.3333")
    # l: +1/3 twice → lenient.
    assert (rows["l"].cells, rows["l"].mean_deviation, rows["l"].verdict) == (2, D("0.3333"), Verdict.LENIENT)
    # x in the s cells: 2 − mean(1, 2) = 0.5 → +1/6; in the l cells: 2 − mean(3, 2) = −0.5 → −1/6.
    # mean over 7 cells: (5 − 2) / 6 / 7 = 1/14 = 0.0714 → in line.
    assert (rows["x"].cells, rows["x"].mean_deviation, rows["x"].verdict) == (7, D("0.0714"), Verdict.IN_LINE)
    # z was on the panel but shares no cell.
    assert (rows["z"].cells, rows["z"].mean_deviation, rows["z"].verdict) == (0, None, Verdict.TOO_FEW)
    assert list(rows)[0] == "z"


def test_too_few_cells_are_not_classified():
    rows = {r.judge: r for r in judge_severity(severity_cells())}  # default min_cells = 5
    assert rows["s"].verdict == Verdict.SEVERE
    assert rows["l"].verdict == Verdict.TOO_FEW and rows["l"].mean_deviation == D("0.3333")


def test_the_threshold_is_inclusive():
    # Subjective item out of 10: s gives 6 where the others give 7: −1 / 10 = −0.1 exactly, the default threshold.
    cells = [cell(n, {"s": D(6), "x": D(7), "y": D(7)}, scale=10, spread_rule=False) for n in range(5)]
    assert judge_severity(cells)[0].verdict == Verdict.SEVERE
    assert judge_severity(cells, QualitySettings(severity_threshold=D("0.11")))[0].verdict == Verdict.IN_LINE


def test_settings_are_checked():
    with pytest.raises(QualityError) as refused:
        QualitySettings(severity_threshold=D("1.5"))
    assert refused.value.code == "quality.invalid"
    with pytest.raises(QualityError):
        QualitySettings(min_cells=0)
    with pytest.raises(QualityError) as refused:
        Cell(1, "A1", 0, {"a": 1})
    assert refused.value.code == "quality.scale"
    with pytest.raises(QualityError) as refused:
        Cell(1, "A1", 3, {"a": 1}, {"b": 2})
    assert refused.value.code == "quality.unknown_judge"


def test_spread_flags_blame_the_judge_farthest_from_the_median_of_the_first_scores():
    cells = [
        # First scores 0, 1, 3 (c re-scored to 2 after the discussion): spread 3 > 1, median 1,
        # distances 1, 0, 2 → c caused it.
        cell(1, {"a": 0, "b": 1, "c": 2}, first={"c": 3}),
        # 0, 3, 3: median 3, distances 3, 0, 0 → a.
        cell(2, {"a": 2, "b": 3, "c": 3}, first={"a": 0}),
        # 1, 2, 2: within the spread: no flag.
        cell(3, {"a": 1, "b": 2, "c": 2}),
        # 0, 2, 1 as final and first: spread 2 > 1, median 1, distances 1, 1, 0 → a and b both.
        cell(4, {"a": 0, "b": 2, "c": 1}),
        # A measurement-like cell without the spread rule does not count.
        cell(5, {"a": 0, "b": 3, "c": 3}, spread_rule=False),
    ]
    rows = {r.judge: r for r in spread_flags(cells, 1)}
    assert (rows["a"].cells, rows["a"].flagged, rows["a"].caused) == (4, 3, 2)
    assert (rows["b"].cells, rows["b"].flagged, rows["b"].caused) == (4, 3, 1)
    assert (rows["c"].cells, rows["c"].flagged, rows["c"].caused) == (4, 3, 1)
    assert rows["a"].caused_share == D("0.5000") and rows["b"].caused_share == D("0.2500")


def test_with_two_judges_both_cause_the_flag():
    rows = spread_flags([cell(1, {"a": 0, "b": 3})], 1, judges=["a", "b", "idle"])
    assert [(r.judge, r.caused, r.caused_share) for r in rows] == [("a", 1, D(1)), ("b", 1, D(1)),
                                                                   ("idle", 0, None)]


def test_a_wider_allowed_spread_flags_less():
    rows = {r.judge: r for r in spread_flags([cell(1, {"a": 0, "b": 1, "c": 2})], 2)}
    assert rows["a"].flagged == 0 and rows["a"].caused == 0


def test_agreement_per_aspect_on_first_scores():
    cells = [
        # A1, contestant 1: first 2, 2, 3 → pairs (2,2) equal, (2,3) within, (2,3) within; |d| 0, 1, 1.
        cell(1, {"a": 2, "b": 2, "c": 3}),
        # A1, contestant 2: first 0, 2, 2 (a re-scored 0 → 1) → pairs (0,2) not within, (0,2), (2,2) equal.
        cell(2, {"a": 1, "b": 2, "c": 2}, first={"a": 0}),
        # A2: a single judge, no pair.
        cell(1, {"a": 3}, aspect="A2"),
    ]
    rows = {r.aspect: r for r in aspect_agreement(cells, 1, aspects=["A0"])}
    a1 = rows["A1"]
    # 6 pairs: equal 2 → 1/3; within 1: 4 → 2/3; mean |d| / 3 = (0+1+1+2+2+0) / 6 / 3 = 1/3.
    assert (a1.cells, a1.pairs, a1.exact, a1.within_spread, a1.mean_difference) == (
        2, 6, D("0.3333"), D("0.6667"), D("0.3333"))
    assert (rows["A2"].pairs, rows["A2"].exact) == (0, None)
    assert rows["A0"].cells == 0


def test_agreement_of_subjective_items_has_no_spread_share():
    rows = aspect_agreement([cell(1, {"a": D(8), "b": D(6)}, scale=10, spread_rule=False)], 1)
    # one pair: not equal; |8 − 6| / 10 = 0.2.
    assert (rows[0].exact, rows[0].within_spread, rows[0].mean_difference) == (D(0), None, D("0.2000"))


def test_affiliated_marks_against_the_others():
    cells = [
        # a shares a 区县 with contestant 1 and gives 3 where b and c give 1: a +2/3, b −1/3, c −1/3.
        cell(1, {"a": 3, "b": 1, "c": 1}),
        # contestant 2: all 2: every deviation 0.
        cell(2, {"a": 2, "b": 2, "c": 2}),
    ]
    rows = {r.kind: r for r in affiliation_bias(cells, [("a", 1, "district"), ("b", 2, AffiliationKind.COUNTRY)])}
    district = rows[AffiliationKind.DISTRICT]
    # related: a on 1 = 2/3; others: −1/3, −1/3, 0, 0, 0 → −2/15 = −0.1333; difference 2/3 + 2/15 = 4/5.
    assert (district.related, district.related_mean, district.others, district.others_mean) == (
        1, D("0.6667"), 5, D("-0.1333"))
    assert district.difference == D("0.8000")
    country = rows[AffiliationKind.COUNTRY]
    # related: b on 2 = 0; others: 2/3, −1/3, −1/3, 0, 0 → 0; difference 0.
    assert (country.related, country.related_mean, country.others_mean, country.difference) == (
        1, D(0), D(0), D(0))
    organisation = rows[AffiliationKind.ORGANISATION]
    assert (organisation.related, organisation.related_mean, organisation.others, organisation.difference) == (
        0, None, 6, None)


scores = st.integers(min_value=0, max_value=3)


@given(st.lists(st.lists(scores, min_size=2, max_size=5), min_size=1, max_size=20))
def test_deviations_of_a_cell_sum_to_zero(panels):
    """Each judge's deviation from the mean of the others: they cancel out within a cell, so the panel's
    average severity is always zero (nobody is severe without someone being lenient)."""
    cells = [cell(n, {f"j{i}": s for i, s in enumerate(panel)}) for n, panel in enumerate(panels)]
    found = deviations(cells)
    for n in range(len(panels)):
        assert sum(d.value for d in found if d.contestant == n) == 0
    assert all(-1 <= d.value <= 1 for d in found)


@given(st.lists(st.lists(scores, min_size=2, max_size=4), min_size=1, max_size=10))
def test_spread_flags_are_caused_by_someone_only_when_flagged(panels):
    cells = [cell(n, {f"j{i}": s for i, s in enumerate(panel)}) for n, panel in enumerate(panels)]
    rows = spread_flags(cells, 1)
    flagged_cells = sum(max(p) - min(p) > 1 for p in panels)
    assert all(r.caused <= r.flagged <= r.cells for r in rows)
    assert sum(r.caused for r in rows) >= flagged_cells
    if flagged_cells == 0:
        assert all(r.caused == 0 for r in rows)
