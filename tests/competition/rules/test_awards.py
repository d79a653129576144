"""Awards for the three event kinds and the medal table (DOMAIN.md §1, §5, §6)."""
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.rules.awards import (
    DEFAULT_MEDAL_SETTINGS,
    REASON_MESSAGES,
    AwardCode,
    AwardsError,
    BayuCupSettings,
    DelegationAward,
    MedalSettings,
    MedalTableSettings,
    Reason,
    SelectionSettings,
    advance,
    bayu_cup_awards,
    carry_scores,
    medal_table,
    selection_advancement,
    worldskills_medals,
)
from competition.rules.ranking import Competitor, Placing, RankingSettings, rank
from competition.rules.standardise import StandardiseSettings, standardise_to_worldskills_scale

D = Decimal
TOTAL_ONLY = RankingSettings(tie_breaks=("total",))


def ranked(totals) -> list[Placing]:
    """Placings for competitors 0, 1, 2 … with these totals (ties share places)."""
    return rank([Competitor(index, D(total)) for index, total in enumerate(totals)], TOTAL_ONLY)


def distinct(count: int) -> list[Placing]:
    """``count`` competitors with distinct totals 100, 99, …: competitor i is at place i + 1."""
    return ranked([D(100) - index for index in range(count)])


def awards_by_key(outcome) -> dict:
    return {record.key: record.award for record in outcome.awards}


def award_counts(outcome) -> Counter:
    return Counter(record.award for record in outcome.awards)


# --- 巴渝工匠杯 -----------------------------------------------------------------------------------------

def test_bayu_defaults_are_the_domain_ones():
    settings = BayuCupSettings()
    assert settings.shares == (10, 20, 30)
    assert (settings.rounding, settings.boundary_ties, settings.min_entrants) == ("floor", "include", 30)
    assert settings.excellence_min_total is None


def test_ten_per_cent_of_37_is_3_by_floor():
    # 37 × 10 % = 3.7 → 3, × 20 % = 7.4 → 7, × 30 % = 11.1 → 11: places 1–3, 4–10, 11–21
    outcome = bayu_cup_awards(distinct(37))
    awards = [record.award for record in outcome.awards]
    assert awards == ["first"] * 3 + ["second"] * 7 + ["third"] * 11 + ["excellence"] * 16
    assert outcome.withheld_reason is None
    third = outcome.awards[20]
    assert (third.reason, third.params["band_last"], third.params["entrants"]) == ("in_band", 21, 37)


@pytest.mark.parametrize(("rounding", "counts"), [
    ("floor", (3, 7, 11)),           # 3.7, 7.4, 11.1 rounded down
    ("round_half_up", (4, 7, 11)),
    ("ceil", (4, 8, 12)),
])
def test_share_rounding_of_37_entrants(rounding, counts):
    outcome = bayu_cup_awards(distinct(37), BayuCupSettings(rounding=rounding))
    found = award_counts(outcome)
    assert (found["first"], found["second"], found["third"]) == counts


def test_each_band_is_rounded_on_its_own_not_cumulatively():
    # cumulative floor would give 3, 11 − 3 = 8 seconds (more than 20 % of 37 = 7.4) and 22 − 11 = 11 thirds
    assert award_counts(bayu_cup_awards(distinct(37)))["second"] == 7


def test_the_other_share_table():
    found = award_counts(bayu_cup_awards(distinct(40), BayuCupSettings(shares=(10, 20, 25))))
    assert (found["first"], found["second"], found["third"], found["excellence"]) == (4, 8, 10, 18)


def test_round_half_up_rounds_an_exact_half_up():
    # 35 × 10 % = 3.5 → 4; 35 × 30 % = 10.5 → 11
    found = award_counts(bayu_cup_awards(distinct(35), BayuCupSettings(rounding="round_half_up")))
    assert (found["first"], found["second"], found["third"]) == (4, 7, 11)


def test_29_entrants_rank_without_awards_30_get_them():
    withheld = bayu_cup_awards(distinct(29))
    assert withheld.withheld_reason == "too_few_entrants"
    assert all(record.award is None and record.reason == "too_few_entrants" for record in withheld.awards)
    assert withheld.awards[0].params == {"entrants": 29, "minimum": 30}
    assert len(withheld.awards) == 29
    awarded = bayu_cup_awards(distinct(30))
    found = award_counts(awarded)
    assert awarded.withheld_reason is None
    assert (found["first"], found["second"], found["third"], found["excellence"]) == (3, 6, 9, 12)


def test_minimum_entrants_is_a_setting():
    assert bayu_cup_awards(distinct(10), BayuCupSettings(min_entrants=10)).withheld_reason is None


def boundary_field() -> list[Placing]:
    # 30 competitors: bands end at places 3, 9, 18. Two share place 3 and two share place 18.
    totals = [100, 99, 98, 98] + [90 - i for i in range(13)] + [70, 70] + [60 - i for i in range(11)]
    placings = ranked(totals)
    assert len(placings) == 30
    assert [p.place for p in placings if p.shared] == [3, 3, 18, 18]
    return placings


def test_shared_place_at_a_band_boundary_include():
    outcome = bayu_cup_awards(boundary_field())
    awards = awards_by_key(outcome)
    assert [awards[key] for key in range(5)] == ["first", "first", "first", "first", "second"]
    tied_third = outcome.awards[3]
    assert (tied_third.reason, tied_third.params["boundary"]) == ("boundary_tie_included", 3)
    # the extra first prize uses up a place of the second band: second still ends at place 9
    assert [awards[key] for key in range(4, 9)] == ["second"] * 5
    assert awards[9] == "third"
    assert awards[17] == awards[18] == "third"   # the tie at 18 is included in the third band
    assert awards[19] == "excellence"
    assert award_counts(outcome) == Counter(first=4, second=5, third=10, excellence=11)


def test_shared_place_at_a_band_boundary_exclude():
    outcome = bayu_cup_awards(boundary_field(), BayuCupSettings(boundary_ties="exclude"))
    awards = awards_by_key(outcome)
    assert [awards[key] for key in range(5)] == ["first", "first", "second", "second", "second"]
    tied_third = outcome.awards[2]
    assert tied_third.reason == "boundary_tie_excluded"
    assert tied_third.params["excluded_from"] == "first"
    assert awards[17] == awards[18] == "excellence"   # pushed out of the last band
    assert outcome.awards[17].reason == "boundary_tie_excluded"
    assert award_counts(outcome) == Counter(first=2, second=7, third=8, excellence=13)


def test_excellence_needs_a_total_above_zero_by_default():
    placings = ranked([100 - i for i in range(29)] + [0])
    outcome = bayu_cup_awards(placings)
    assert outcome.awards[-1].award is None
    assert outcome.awards[-1].reason == "below_min_total"
    assert outcome.awards[-2].award == "excellence"


def test_excellence_minimum_total_is_a_setting():
    placings = ranked([D(100) - i for i in range(29)] + [D("59.99")])
    outcome = bayu_cup_awards(placings, BayuCupSettings(excellence_min_total=D(60)))
    assert outcome.awards[-1].award is None
    assert outcome.awards[-2].award == "excellence"   # total 72


@pytest.mark.parametrize("changes", [
    {"shares": (10, 20)}, {"shares": (50, 30, 30)}, {"shares": (-1, 20, 30)}, {"rounding": "nearest"},
    {"boundary_ties": "split"}, {"min_entrants": -1}, {"excellence_min_total": D("NaN")},
])
def test_impossible_bayu_settings_are_refused(changes):
    with pytest.raises(AwardsError) as caught:
        BayuCupSettings(**changes)
    assert caught.value.code == "awards.invalid"


def test_duplicate_placings_are_refused():
    placing = distinct(1)[0]
    with pytest.raises(AwardsError) as caught:
        bayu_cup_awards([placing, placing], BayuCupSettings(min_entrants=0))
    assert caught.value.code == "awards.duplicate_key"


# --- 世赛选拔 -------------------------------------------------------------------------------------------

def test_selection_defaults():
    settings = SelectionSettings()
    assert (settings.min_entrants, settings.boundary_ties, settings.carry_weight) == (15, "include", 0)


def test_top_n_advance():
    outcome = advance(distinct(8), 3)
    assert [record.award for record in outcome.awards] == ["advanced"] * 3 + [None] * 5
    assert outcome.awards[3].reason == "not_advanced"


def test_a_tie_across_the_cut():
    placings = ranked([90, 85, 80, 80, 70])   # places 1, 2, 3, 3, 5
    included = advance(placings, 3)
    assert [record.award for record in included.awards] == ["advanced"] * 4 + [None]
    assert included.awards[3].reason == "boundary_tie_included"
    excluded = advance(placings, 3, boundary_ties="exclude")
    assert [record.award for record in excluded.awards] == ["advanced"] * 2 + [None] * 3
    assert excluded.awards[2].reason == "boundary_tie_excluded"


def test_selection_needs_15_entrants():
    assert selection_advancement(distinct(14)).withheld_reason == "too_few_entrants"
    outcome = selection_advancement(distinct(15), SelectionSettings(advance_count=2))
    assert award_counts(outcome) == Counter({"advanced": 2, None: 13})


def test_rounds_chain_with_carried_scores():
    round_one = {"a": D(80), "b": D(70), "c": D(60)}
    through = [r.key for r in advance(rank([Competitor(k, v) for k, v in round_one.items()]), 2).awards
               if r.award == "advanced"]
    round_two = {"a": D(60), "b": D(75)}
    assert sorted(through) == sorted(round_two)
    fresh = carry_scores(round_one, round_two)
    assert fresh == {"a": D("60.00"), "b": D("75.00")}
    weighted = carry_scores(round_one, round_two, SelectionSettings(carry_weight=50))
    assert weighted == {"a": D("70.00"), "b": D("72.50")}
    thirty = carry_scores(round_one, round_two, SelectionSettings(carry_weight=30))
    assert thirty == {"a": D("66.00"), "b": D("73.50")}   # 0.3 × 80 + 0.7 × 60; 0.3 × 70 + 0.7 × 75


def test_carry_rounds_once_half_up():
    assert carry_scores({1: D("70.01")}, {1: D(70)}, SelectionSettings(carry_weight=50)) == {1: D("70.01")}
    assert carry_scores({1: D("70.01")}, {1: D(70)}, SelectionSettings(carry_weight=50, decimals=1)) == {
        1: D("70.0")}


def test_carry_needs_every_previous_score_unless_starting_fresh():
    assert carry_scores({}, {1: D(70)}) == {1: D("70.00")}
    with pytest.raises(AwardsError) as caught:
        carry_scores({}, {1: D(70)}, SelectionSettings(carry_weight=20))
    assert caught.value.code == "awards.missing_previous"


@pytest.mark.parametrize("changes", [{"carry_weight": 101}, {"carry_weight": -1}, {"advance_count": -1},
                                     {"rounding": "sideways"}, {"boundary_ties": "coin"}])
def test_impossible_selection_settings_are_refused(changes):
    with pytest.raises(AwardsError):
        SelectionSettings(**changes)


# --- 一带一路 / WorldSkills --------------------------------------------------------------------------------

def medals(scaled: dict, settings: MedalSettings = DEFAULT_MEDAL_SETTINGS) -> list:
    """Rank on the scaled scores themselves (they stand in for the raw totals) and award medals."""
    placings = rank([Competitor(key, value) for key, value in scaled.items()], TOTAL_ONLY)
    return [(record.key, record.award) for record in worldskills_medals(placings, scaled, settings).awards]


def test_medal_defaults():
    assert MedalSettings() == MedalSettings(medal_tolerance=0, medallion_threshold=700)


def test_one_of_each_then_medallions_then_excellence():
    assert medals({"a": D(760), "b": D(750), "c": D(740), "d": D(700), "e": D(699)}) == [
        ("a", "gold"), ("b", "silver"), ("c", "bronze"), ("d", "medallion"), ("e", "excellence")]


def test_two_golds_mean_no_silver():
    assert medals({"a": D(750), "b": D(750), "c": D(730), "d": D(720), "e": D(690)}) == [
        ("a", "gold"), ("b", "gold"), ("c", "bronze"), ("d", "medallion"), ("e", "excellence")]


def test_three_golds_mean_no_silver_and_no_bronze():
    assert medals({1: D(750), 2: D(750), 3: D(750), 4: D(740)}) == [
        (1, "gold"), (2, "gold"), (3, "gold"), (4, "medallion")]


def test_two_silvers_mean_no_bronze():
    assert medals({1: D(760), 2: D(750), 3: D(750), 4: D(740)}) == [
        (1, "gold"), (2, "silver"), (3, "silver"), (4, "medallion")]


def test_near_tie_shares_a_medal_within_the_tolerance():
    scaled = {"a": D(752), "b": D(750), "c": D(740), "d": D(739), "e": D(737)}
    assert medals(scaled) == [("a", "gold"), ("b", "silver"), ("c", "bronze"), ("d", "medallion"),
                              ("e", "medallion")]
    shared = medals(scaled, MedalSettings(medal_tolerance=2))
    # b is 2 points behind the gold holder: gold, silver skipped; c holds bronze and d is within 2 of c;
    # e is 3 behind c (the run is measured from the holder, not chained) and gets a medallion
    assert shared == [("a", "gold"), ("b", "gold"), ("c", "bronze"), ("d", "bronze"), ("e", "medallion")]


def test_near_tie_record_explains_itself():
    scaled = {"a": D(752), "b": D(750)}
    placings = rank([Competitor(key, value) for key, value in scaled.items()])
    record = worldskills_medals(placings, scaled, MedalSettings(medal_tolerance=2)).awards[1]
    assert record.reason == "medal_near_tie"
    assert record.params == {"place": 2, "medal": "gold", "score": D(750), "holder": D(752), "tolerance": 2}
    assert REASON_MESSAGES[record.reason] % record.params


def test_rounding_ties_on_the_published_scale_share_a_medal():
    # raw 80.2 and 80.4 are ranked 2nd and 1st on the raw totals, but both publish as 710 (method "none")
    raw = {"x": D("80.4"), "y": D("80.2"), "m": D(70), "lo": D(60), "lower": D(50)}
    published = standardise_to_worldskills_scale(raw, StandardiseSettings(method="none"))
    assert published["x"] == published["y"] == D(710)
    placings = rank([Competitor(key, value) for key, value in raw.items()])
    assert [(p.key, p.place) for p in placings][:2] == [("x", 1), ("y", 2)]
    outcome = worldskills_medals(placings, published)
    assert awards_by_key(outcome) == {"x": "gold", "y": "gold", "m": "bronze", "lo": "excellence",
                                      "lower": "excellence"}


def test_exact_scale_values_are_accepted():
    placings = ranked([80, 70])
    outcome = worldskills_medals(placings, {0: Fraction(1401, 2), 1: Fraction(1399, 2)})
    assert awards_by_key(outcome) == {0: "gold", 1: "silver"}


def test_medallion_threshold_is_a_setting():
    result = medals({1: D(760), 2: D(750), 3: D(740), 4: D(650)}, MedalSettings(medallion_threshold=650))
    assert result[3] == (4, "medallion")


def test_missing_scaled_score_is_refused():
    with pytest.raises(AwardsError) as caught:
        worldskills_medals(ranked([80, 70]), {0: D(710)})
    assert caught.value.code == "awards.missing_scaled"


def test_negative_tolerance_is_refused():
    with pytest.raises(AwardsError):
        MedalSettings(medal_tolerance=-1)


def test_award_functions_do_not_change_their_input():
    placings = distinct(30)
    before = list(placings)
    scaled = {p.key: D(800) - p.key for p in placings}
    scaled_before = dict(scaled)
    bayu_cup_awards(placings)
    selection_advancement(placings)
    worldskills_medals(placings, scaled)
    assert placings == before and scaled == scaled_before


# --- medal table ----------------------------------------------------------------------------------------

def test_medal_table_with_a_team():
    awards = [
        DelegationAward("cn-1", "CN", "gold"),
        # a three-person team listed once per member under the team's key: one gold, not three
        DelegationAward("team-cn", "CN", "gold"),
        DelegationAward("team-cn", "CN", "gold"),
        DelegationAward("team-cn", "CN", "gold"),
        DelegationAward("cn-2", "CN", "bronze"),
        DelegationAward("de-1", "DE", "silver"),
        DelegationAward("de-2", "DE", "silver"),
        DelegationAward("de-3", "DE", "bronze"),
        DelegationAward("de-4", "DE", "medallion"),
        DelegationAward("fr-1", "FR", "gold"),
        DelegationAward("fr-2", "FR", "silver"),
        DelegationAward("fr-3", "FR", "bronze"),
        DelegationAward("kr-1", "KR", "medallion"),
        DelegationAward("at-1", "AT", AwardCode.MEDALLION),
        DelegationAward("th-1", "TH", "excellence"),
        DelegationAward("th-2", "TH", None),
    ]
    table = medal_table(awards)
    assert [(r.delegation, r.place, r.gold, r.silver, r.bronze, r.medallion, r.points, r.competitors)
            for r in table] == [
        ("CN", 1, 2, 0, 1, 0, 10, 3),   # 4 + 4 + 2
        ("FR", 2, 1, 1, 1, 0, 9, 3),    # 9 points, one gold: ahead of DE
        ("DE", 3, 0, 2, 1, 1, 9, 4),    # 3 + 3 + 2 + 1
        ("AT", 4, 0, 0, 0, 1, 1, 1),    # equal with KR on everything: shared place, name order
        ("KR", 4, 0, 0, 0, 1, 1, 1),
        ("TH", 6, 0, 0, 0, 0, 0, 2),
    ]


def test_medal_points_are_settings():
    table = medal_table([DelegationAward(1, "A", "gold"), DelegationAward(2, "B", "silver"),
                         DelegationAward(3, "B", "silver")], MedalTableSettings(gold_points=5))
    assert [(r.delegation, r.points) for r in table] == [("B", 6), ("A", 5)]


def test_medal_table_refuses_unknown_awards_and_conflicts():
    with pytest.raises(AwardsError) as caught:
        medal_table([DelegationAward(1, "CN", "first")])
    assert caught.value.code == "awards.unknown_award"
    with pytest.raises(AwardsError) as caught:
        medal_table([DelegationAward(1, "CN", "gold"), DelegationAward(1, "CN", "silver")])
    assert caught.value.code == "awards.conflict"
    with pytest.raises(AwardsError) as caught:
        medal_table([DelegationAward(1, "CN", "gold"), DelegationAward(1, "HK", "gold")])
    assert caught.value.code == "awards.conflict"


def test_medal_table_of_a_whole_event_from_medal_outcomes():
    welding = {"w-cn": D(760), "w-de": D(750), "w-fr": D(720)}
    cooking = {"c-fr": D(740), "c-cn": D(740), "c-de": D(690)}   # two golds, no silver, bronze below 700
    entries = []
    for scaled in (welding, cooking):
        placings = rank([Competitor(key, value) for key, value in scaled.items()])
        entries += [DelegationAward(r.key, r.key[2:].upper(), r.award)
                    for r in worldskills_medals(placings, scaled).awards]
    table = medal_table(entries)
    assert [(r.delegation, r.gold, r.silver, r.bronze, r.points) for r in table] == [
        ("CN", 2, 0, 0, 8), ("FR", 1, 0, 1, 6), ("DE", 0, 1, 1, 5)]


def test_every_reason_has_a_message():
    assert set(REASON_MESSAGES) == set(Reason)


# --- properties -----------------------------------------------------------------------------------------

BAYU_ORDER = {"first": 0, "second": 1, "third": 2, "excellence": 3, None: 4}
MEDAL_ORDER = {"gold": 0, "silver": 1, "bronze": 2, "medallion": 3, "excellence": 4}
totals = st.lists(st.integers(min_value=0, max_value=12).map(D), min_size=1, max_size=60)


@given(totals, st.sampled_from(["floor", "round_half_up", "ceil"]), st.sampled_from(["include", "exclude"]))
def test_a_better_place_never_gets_a_lower_bayu_award(values, rounding, ties):
    placings = ranked(values)
    settings = BayuCupSettings(rounding=rounding, boundary_ties=ties, min_entrants=1)
    outcome = bayu_cup_awards(placings, settings)
    place = {p.key: p.place for p in placings}
    for a in outcome.awards:
        for b in outcome.awards:
            if place[a.key] < place[b.key]:
                assert BAYU_ORDER[a.award] <= BAYU_ORDER[b.award]
            if place[a.key] == place[b.key]:
                assert a.award == b.award


@given(st.integers(min_value=30, max_value=200))
def test_floor_never_gives_more_than_the_share_without_ties(count):
    found = award_counts(bayu_cup_awards(distinct(count)))
    for code, share in zip(("first", "second", "third"), (10, 20, 30), strict=True):
        assert found[code] <= count * share / 100 < found[code] + 1


@given(st.lists(st.integers(min_value=680, max_value=760).map(D), min_size=1, max_size=30),
       st.integers(min_value=0, max_value=5).map(D))
def test_medals_follow_places_and_skip_for_extra_holders(values, tolerance):
    scaled = dict(enumerate(values))
    placings = rank([Competitor(key, value) for key, value in scaled.items()], TOTAL_ONLY)
    outcome = worldskills_medals(placings, scaled, MedalSettings(medal_tolerance=tolerance))
    awards = [record.award for record in outcome.awards]
    assert [MEDAL_ORDER[a] for a in awards] == sorted(MEDAL_ORDER[a] for a in awards)
    counts = Counter(awards)
    # a medal is awarded only while fewer medallists than its rank are ahead of it
    assert counts["silver"] == 0 or counts["gold"] == 1
    assert counts["bronze"] == 0 or counts["gold"] + counts["silver"] <= 2
    assert counts["gold"] >= 1
    assert counts["gold"] + counts["silver"] + counts["bronze"] >= min(3, len(values))
    for record in outcome.awards:
        if record.award == "medallion":
            assert scaled[record.key] >= 700
        if record.award == "excellence":
            assert scaled[record.key] < 700
