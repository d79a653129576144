"""Ranking with the DOMAIN.md §6 tie-break chain: hand-worked examples and properties."""
import random
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.rules.ranking import Competitor, Placing, RankingError, RankingSettings, TieBreak, rank

D = Decimal
TOTAL_ONLY = RankingSettings(tie_breaks=("total",))


def places(placings: list[Placing]) -> dict:
    return {placing.key: placing.place for placing in placings}


def test_default_chain_is_the_domain_one():
    assert RankingSettings().tie_breaks == (TieBreak.TOTAL, TieBreak.COMPLETION_TIME, TieBreak.PRACTICAL,
                                            TieBreak.THEORY)
    assert RankingSettings().no_shared_places_in_top == 0


def test_domain_chain_worked_by_hand():
    competitors = [
        Competitor("C", D(85), completion_time=3200, practical=D(70), theory=D(90)),
        Competitor("A", D(90), completion_time=3600, practical=D(60), theory=D(60)),
        Competitor("D", D(85), completion_time=3000, practical=D(60), theory=D(95)),
        Competitor("B", D(85), completion_time=3000, practical=D(62), theory=D(50)),
        Competitor("F", D(80), completion_time=2900, practical=D(75), theory=D(70)),
        Competitor("E", D(80), completion_time=2900, practical=D(75), theory=D(70)),
        Competitor("G", D(70)),
    ]
    result = rank(competitors)
    assert [(p.key, p.place, p.shared, p.decided_by) for p in result] == [
        ("A", 1, False, None),
        ("B", 2, False, "total"),             # 85 < 90
        ("D", 3, False, "practical"),         # same total and time as B, lower practical
        ("C", 4, False, "completion_time"),   # same total, slower
        ("E", 5, True, "total"),              # E and F equal on everything: shared place
        ("F", 5, True, "total"),
        ("G", 7, False, "total"),             # standard competition ranking: 5, 5, then 7
    ]
    assert not any(p.unresolved_tie for p in result)
    assert [p.total for p in result] == [D(90), D(85), D(85), D(85), D(80), D(80), D(70)]


def test_theory_is_the_last_tie_break():
    result = rank([Competitor(1, D(80), 100, D(70), D(60)), Competitor(2, D(80), 100, D(70), D(65))])
    assert [(p.key, p.place, p.decided_by) for p in result] == [(2, 1, None), (1, 2, "theory")]


def test_standard_competition_ranking_1224():
    result = rank([Competitor("a", D(90)), Competitor("b", D(80)), Competitor("c", D(80)),
                   Competitor("d", 70)])
    assert [p.place for p in result] == [1, 2, 2, 4]
    assert [p.shared for p in result] == [False, True, True, False]


def test_a_missing_value_skips_that_criterion_for_the_whole_tied_group():
    # x has no completion time: time is skipped for the group and practical decides (y was faster than z,
    # but practical already separates all three, so time is never needed).
    result = rank([
        Competitor("x", D(80), completion_time=None, practical=D(50)),
        Competitor("y", D(80), completion_time=100, practical=D(40)),
        Competitor("z", D(80), completion_time=200, practical=D(60)),
    ])
    assert [(p.key, p.place, p.decided_by) for p in result] == [
        ("z", 1, None), ("x", 2, "practical"), ("y", 3, "practical")]


def test_a_skipped_criterion_is_tried_again_once_the_competitor_lacking_it_is_separated():
    # practical is skipped for the three (x has none); theory puts x last; practical then splits y and z
    result = rank([
        Competitor("x", D(80), practical=None, theory=D(60)),
        Competitor("y", D(80), practical=D(60), theory=D(70)),
        Competitor("z", D(80), practical=D(70), theory=D(70)),
    ])
    assert [(p.key, p.place, p.decided_by) for p in result] == [
        ("z", 1, None), ("y", 2, "practical"), ("x", 3, "theory")]


def test_competitors_that_cannot_be_compared_share_a_place():
    # w lacks practical, so it cannot be placed against y and z; nothing else separates them
    result = rank([Competitor("w", D(80), theory=D(70)),
                   Competitor("y", D(80), practical=D(60), theory=D(70)),
                   Competitor("z", D(80), practical=D(70), theory=D(70))])
    assert [(p.key, p.place, p.shared) for p in result] == [("w", 1, True), ("y", 1, True), ("z", 1, True)]


def test_a_criterion_nobody_has_leaves_a_shared_place():
    # 0:10 skills have no theory; nobody has a completion time
    result = rank([Competitor(1, D(80), practical=D(80)), Competitor(2, D(80), practical=D(80))])
    assert [(p.place, p.shared) for p in result] == [(1, True), (1, True)]


def test_the_chain_is_a_setting():
    competitors = [Competitor(1, D(80), completion_time=100), Competitor(2, D(80), completion_time=90)]
    assert places(rank(competitors)) == {2: 1, 1: 2}
    assert places(rank(competitors, TOTAL_ONLY)) == {1: 1, 2: 1}
    by_practical_first = RankingSettings(tie_breaks=("total", "practical", "completion_time"))
    result = rank([Competitor(1, D(80), 100, D(70)), Competitor(2, D(80), 90, D(60))], by_practical_first)
    assert places(result) == {1: 1, 2: 2}


def test_ties_inside_the_top_n_are_flagged_not_split():
    competitors = [Competitor("a", D(90)), Competitor("b", D(85)), Competitor("c", D(85)),
                   Competitor("d", D(80)), Competitor("e", D(80))]
    result = rank(competitors, RankingSettings(no_shared_places_in_top=3))
    assert [(p.key, p.place, p.shared, p.unresolved_tie) for p in result] == [
        ("a", 1, False, False),
        ("b", 2, True, True),
        ("c", 2, True, True),
        ("d", 4, True, False),   # place 4 is outside the top 3: sharing it is allowed
        ("e", 4, True, False),
    ]


def test_a_tie_starting_at_the_last_protected_place_is_flagged():
    competitors = [Competitor(k, D(t)) for k, t in [(1, 90), (2, 85), (3, 80), (4, 80)]]
    result = rank(competitors, RankingSettings(no_shared_places_in_top=3))
    assert [(p.place, p.unresolved_tie) for p in result] == [(1, False), (2, False), (3, True), (3, True)]


def test_a_team_is_one_competitor():
    result = rank([Competitor("team-7", D("88.5")), Competitor("solo", D(80))])
    assert [(p.key, p.place) for p in result] == [("team-7", 1), ("solo", 2)]


def test_empty_and_input_untouched():
    assert rank([]) == []
    competitors = [Competitor(2, D(80)), Competitor(1, D(90))]
    before = list(competitors)
    rank(competitors)
    assert competitors == before


@pytest.mark.parametrize("chain", [(), ("practical", "total"), ("total", "total"), ("total", "speed"),
                                   ("total", 3)])
def test_impossible_chains_are_refused(chain):
    with pytest.raises(RankingError) as caught:
        RankingSettings(tie_breaks=chain)
    assert caught.value.code == "ranking.invalid"


def test_impossible_top_n_is_refused():
    with pytest.raises(RankingError):
        RankingSettings(no_shared_places_in_top=-1)
    with pytest.raises(TypeError):
        RankingSettings(no_shared_places_in_top=True)


def test_bad_input_is_refused():
    with pytest.raises(RankingError) as caught:
        rank([Competitor(1, D(80)), Competitor(1, D(70))])
    assert caught.value.code == "ranking.duplicate_key"
    with pytest.raises(TypeError):
        rank([Competitor(1, 80.5)])
    with pytest.raises(RankingError) as caught:
        rank([Competitor(1, D("NaN"))])
    assert caught.value.code == "ranking.not_finite"
    with pytest.raises(RankingError) as caught:
        rank([Competitor(1, D(80), completion_time=-5)])
    assert caught.value.code == "ranking.negative_time"


# --- properties -----------------------------------------------------------------------------------------

small_mark = st.sampled_from([D(60), D(70), D("70.5"), D(80)])  # few values, so ties are common
competitor_fields = st.tuples(
    small_mark, st.none() | st.sampled_from([100, 200]), st.none() | small_mark, st.none() | small_mark)
fields_lists = st.lists(competitor_fields, max_size=25)


def build(fields_list) -> list[Competitor]:
    return [Competitor(index, total, time, practical, theory)
            for index, (total, time, practical, theory) in enumerate(fields_list)]


@given(fields_lists)
def test_a_higher_total_never_gets_a_worse_place(fields_list):
    result = rank(build(fields_list))
    for a in result:
        for b in result:
            if a.total > b.total:
                assert a.place < b.place


@given(fields_lists)
def test_places_follow_standard_competition_ranking(fields_list):
    result = rank(build(fields_list))
    counts = Counter(p.place for p in result)
    expected_place = 1
    for place in sorted(counts):
        assert place == expected_place
        expected_place += counts[place]
    assert all(p.shared == (counts[p.place] > 1) for p in result)
    assert len(result) == len(fields_list)


@given(st.lists(small_mark, max_size=25))
def test_total_only_place_is_one_plus_the_number_strictly_ahead(totals):
    result = rank([Competitor(index, total) for index, total in enumerate(totals)], TOTAL_ONLY)
    for placing in result:
        assert placing.place == 1 + sum(total > placing.total for total in totals)


@given(fields_lists)
def test_a_shared_place_means_equal_totals_and_values_equal_where_both_have_them(fields_list):
    competitors = {c.key: c for c in build(fields_list)}
    result = rank(list(competitors.values()))
    for placing_a in result:
        for placing_b in result:
            if placing_a.place == placing_b.place:
                a, b = competitors[placing_a.key], competitors[placing_b.key]
                assert a.total == b.total
                for name in ("completion_time", "practical", "theory"):
                    values = {getattr(c, name) for c in competitors.values()
                              if c.key in {p.key for p in result if p.place == placing_a.place}}
                    # a criterion split the group unless someone in it lacked the value
                    assert len(values) == 1 or None in values


@given(fields_lists, st.randoms(use_true_random=False))
def test_result_is_sorted_and_independent_of_input_order(fields_list, rnd: random.Random):
    competitors = build(fields_list)
    result = rank(competitors)
    assert [(p.place, p.key) for p in result] == sorted((p.place, p.key) for p in result)
    shuffled = list(competitors)
    rnd.shuffle(shuffled)
    assert rank(shuffled) == result


@given(fields_lists, st.integers(min_value=0, max_value=5))
def test_unresolved_ties_are_exactly_the_shared_places_inside_the_top_n(fields_list, top):
    result = rank(build(fields_list), RankingSettings(no_shared_places_in_top=top))
    for placing in result:
        assert placing.unresolved_tie == (placing.shared and placing.place <= top)
