"""以赛代评 (DOMAIN §7): rule tables, matching, effects, never demoting, tables as data."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.rules.ladder import GRADES, HIGHEST_EXAMINED_GRADE, EvaluationRuleError, Grade
from evaluation.rules.promotion import (
    CHONGQING_2018_RULES,
    NATIONAL_CLASS_1_RULES,
    NATIONAL_COMPETITION_RULES,
    ZHENXING_CUP_RULES,
    Award,
    AwardIn,
    CompetitionResult,
    CompetitionTier,
    OneGradeUp,
    PromotionRule,
    RankBand,
    StepFrom,
    ToGrade,
    apply_promotion_rules,
    promotion_rule_from_data,
    promotion_rule_to_data,
    promotion_rules_from_data,
)

G = Grade
T = CompetitionTier
READY_MADE = {
    "national_competition": NATIONAL_COMPETITION_RULES,
    "national_1": NATIONAL_CLASS_1_RULES,
    "cq2018": CHONGQING_2018_RULES,
    "zhenxing": ZHENXING_CUP_RULES,
}


def result(tier=T.NATIONAL_CLASS_1, rank=None, awards=(), set_level=None):
    return CompetitionResult(tier, rank, frozenset(awards), set_level)


def decide(table, res, current):
    return apply_promotion_rules(READY_MADE[table], res, current)


# Every row of DOMAIN §7. Each case: table, result, current grade -> (rule id, new grade) or
# (rule id, refusal) or None (no rule matches).
PROMOTES = [
    # 全国技能大赛 | 优胜奖 or better | 技师; if already 技师 → 高级技师
    ("national_competition", result(awards=[Award.GOLD]), None,
     "national_skills_competition.excellence_or_better", G.TECHNICIAN),
    ("national_competition", result(awards=[Award.SILVER]), G.SENIOR,
     "national_skills_competition.excellence_or_better", G.TECHNICIAN),
    ("national_competition", result(awards=[Award.BRONZE]), G.INTERMEDIATE,
     "national_skills_competition.excellence_or_better", G.TECHNICIAN),
    ("national_competition", result(awards=[Award.EXCELLENCE]), G.JUNIOR,
     "national_skills_competition.excellence_or_better", G.TECHNICIAN),
    ("national_competition", result(awards=[Award.EXCELLENCE]), G.TECHNICIAN,
     "national_skills_competition.excellence_or_better", G.SENIOR_TECHNICIAN),
    ("national_competition", result(awards=[Award.GOLD]), G.TECHNICIAN,
     "national_skills_competition.excellence_or_better", G.SENIOR_TECHNICIAN),
    # 国家级一类 | places 1–5 / 6–20 | 技师 (技师 → 高级技师) / 高级工
    ("national_1", result(rank=1), G.SENIOR, "national_1.ranks_1_5", G.TECHNICIAN),
    ("national_1", result(rank=5), None, "national_1.ranks_1_5", G.TECHNICIAN),
    ("national_1", result(rank=3), G.TECHNICIAN, "national_1.ranks_1_5", G.SENIOR_TECHNICIAN),
    ("national_1", result(rank=6), G.INTERMEDIATE, "national_1.ranks_6_20", G.SENIOR),
    ("national_1", result(rank=20), None, "national_1.ranks_6_20", G.SENIOR),
    # Chongqing 2018 | 国家一类 top 5, 二类 top 3 | one grade up
    ("cq2018", result(rank=1), G.INTERMEDIATE, "cq2018.national_1.top_5", G.SENIOR),
    ("cq2018", result(rank=5), G.TECHNICIAN, "cq2018.national_1.top_5", G.SENIOR_TECHNICIAN),
    ("cq2018", result(rank=5), None, "cq2018.national_1.top_5", G.JUNIOR),
    ("cq2018", result(rank=5), G.APPRENTICE, "cq2018.national_1.top_5", G.JUNIOR),
    ("cq2018", result(T.NATIONAL_CLASS_2, rank=1), G.SENIOR, "cq2018.national_2.top_3", G.TECHNICIAN),
    ("cq2018", result(T.NATIONAL_CLASS_2, rank=3), G.JUNIOR, "cq2018.national_2.top_3", G.INTERMEDIATE),
    # Chongqing 2018 | 行业赛 / 区县赛 一、二、三等奖 | certificate one grade above the 命题等级
    ("cq2018", result(T.INDUSTRY, awards=[Award.FIRST], set_level=G.SENIOR), G.SENIOR,
     "cq2018.industry.prizes", G.TECHNICIAN),
    ("cq2018", result(T.INDUSTRY, awards=[Award.THIRD], set_level=G.INTERMEDIATE), G.JUNIOR,
     "cq2018.industry.prizes", G.SENIOR),
    ("cq2018", result(T.DISTRICT, awards=[Award.SECOND], set_level=G.JUNIOR), None,
     "cq2018.district.prizes", G.INTERMEDIATE),
    ("cq2018", result(T.DISTRICT, awards=[Award.FIRST], set_level=G.TECHNICIAN), G.TECHNICIAN,
     "cq2018.district.prizes", G.SENIOR_TECHNICIAN),
    # Chongqing 2018 | WorldSkills national training squad | 一级 / 高级技师
    ("cq2018", result(awards=[Award.TRAINING_SQUAD]), None, "cq2018.training_squad", G.SENIOR_TECHNICIAN),
    ("cq2018", result(T.PROVINCIAL_CLASS_1, awards=[Award.TRAINING_SQUAD]), G.TECHNICIAN,
     "cq2018.training_squad", G.SENIOR_TECHNICIAN),
    # The squad row comes first, so a squad member ranked in the top 5 gets the higher grade.
    ("cq2018", result(rank=2, awards=[Award.TRAINING_SQUAD]), G.SENIOR, "cq2018.training_squad",
     G.SENIOR_TECHNICIAN),
    # 振兴杯 (一类) | 6–20 | one grade up, capped at 技师
    ("zhenxing", result(rank=6), G.INTERMEDIATE, "zhenxing.ranks_6_20", G.SENIOR),
    ("zhenxing", result(rank=20), G.SENIOR, "zhenxing.ranks_6_20", G.TECHNICIAN),
    ("zhenxing", result(rank=12), None, "zhenxing.ranks_6_20", G.JUNIOR),
]


@pytest.mark.parametrize(("table", "res", "current", "rule_id", "new_grade"), PROMOTES)
def test_domain_section_7_promotions(table, res, current, rule_id, new_grade):
    decision = decide(table, res, current)
    assert decision is not None
    assert decision.rule.id == rule_id
    assert decision.promoted and decision.new_grade is new_grade
    assert decision.current_grade is current
    assert decision.refusal is None and decision.refusal_params == {}
    assert decision.rule.description_zh and decision.rule.description_en


REFUSES = [
    # A rule fires but gives a grade that is not above the one held: never demote.
    ("national_competition", result(awards=[Award.GOLD]), G.SENIOR_TECHNICIAN,
     "national_skills_competition.excellence_or_better", "not_above_current",
     {"current": "senior_technician", "proposed": "technician"}),
    ("national_competition", result(awards=[Award.GOLD]), G.CHIEF_TECHNICIAN,
     "national_skills_competition.excellence_or_better", "not_above_current",
     {"current": "chief_technician", "proposed": "technician"}),
    ("national_1", result(rank=4), G.SENIOR_TECHNICIAN, "national_1.ranks_1_5", "not_above_current",
     {"current": "senior_technician", "proposed": "technician"}),
    ("national_1", result(rank=6), G.SENIOR, "national_1.ranks_6_20", "not_above_current",
     {"current": "senior", "proposed": "senior"}),
    ("national_1", result(rank=6), G.TECHNICIAN, "national_1.ranks_6_20", "not_above_current",
     {"current": "technician", "proposed": "senior"}),
    ("cq2018", result(T.INDUSTRY, awards=[Award.FIRST], set_level=G.SENIOR), G.TECHNICIAN,
     "cq2018.industry.prizes", "not_above_current", {"current": "technician", "proposed": "technician"}),
    ("cq2018", result(awards=[Award.TRAINING_SQUAD]), G.SENIOR_TECHNICIAN, "cq2018.training_squad",
     "not_above_current", {"current": "senior_technician", "proposed": "senior_technician"}),
    ("cq2018", result(awards=[Award.TRAINING_SQUAD]), G.SPECIAL_TECHNICIAN, "cq2018.training_squad",
     "not_above_current", {"current": "special_technician", "proposed": "senior_technician"}),
    # One up from the top of what competitions award, or from the cap: nothing.
    ("cq2018", result(rank=1), G.SENIOR_TECHNICIAN, "cq2018.national_1.top_5", "cap_reached",
     {"step_from_grade": "senior_technician", "cap": "senior_technician"}),
    ("cq2018", result(rank=1), G.CHIEF_TECHNICIAN, "cq2018.national_1.top_5", "cap_reached",
     {"step_from_grade": "chief_technician", "cap": "senior_technician"}),
    ("cq2018", result(T.DISTRICT, awards=[Award.FIRST], set_level=G.SENIOR_TECHNICIAN), G.SENIOR,
     "cq2018.district.prizes", "cap_reached",
     {"step_from_grade": "senior_technician", "cap": "senior_technician"}),
    ("zhenxing", result(rank=6), G.TECHNICIAN, "zhenxing.ranks_6_20", "cap_reached",
     {"step_from_grade": "technician", "cap": "technician"}),
    ("zhenxing", result(rank=6), G.SENIOR_TECHNICIAN, "zhenxing.ranks_6_20", "cap_reached",
     {"step_from_grade": "senior_technician", "cap": "technician"}),
]


@pytest.mark.parametrize(("table", "res", "current", "rule_id", "refusal", "params"), REFUSES)
def test_a_rule_that_would_not_raise_the_grade_gives_no_grade_and_says_why(table, res, current, rule_id,
                                                                           refusal, params):
    decision = decide(table, res, current)
    assert decision is not None and decision.rule.id == rule_id
    assert not decision.promoted and decision.new_grade is None
    assert decision.refusal == refusal
    assert decision.refusal_params == params


NO_RULE = [
    ("national_competition", result(), None),
    ("national_competition", result(awards=[Award.FIRST]), None),  # 一等奖 is not a medal of this event
    ("national_competition", result(rank=1), G.SENIOR),
    ("national_1", result(rank=21), G.SENIOR),
    ("national_1", result(), G.SENIOR),
    ("national_1", result(T.NATIONAL_CLASS_2, rank=1), G.SENIOR),
    ("cq2018", result(rank=6), G.SENIOR),
    ("cq2018", result(T.NATIONAL_CLASS_2, rank=4), G.SENIOR),
    ("cq2018", result(T.PROVINCIAL_CLASS_1, rank=1), G.SENIOR),
    ("cq2018", result(T.INDUSTRY, awards=[Award.EXCELLENCE], set_level=G.SENIOR), G.SENIOR),
    ("cq2018", result(T.ENTERPRISE, awards=[Award.FIRST], set_level=G.SENIOR), G.SENIOR),
    ("cq2018", result(T.INDUSTRY, rank=1, set_level=G.SENIOR), G.SENIOR),
    ("zhenxing", result(rank=5), G.SENIOR),  # DOMAIN gives the 6–20 row only
    ("zhenxing", result(rank=21), G.SENIOR),
    ("zhenxing", result(T.NATIONAL_CLASS_2, rank=10), G.SENIOR),
]


@pytest.mark.parametrize(("table", "res", "current"), NO_RULE)
def test_no_matching_rule_gives_none(table, res, current):
    assert decide(table, res, current) is None


def test_one_up_from_the_set_level_needs_the_set_level():
    with pytest.raises(EvaluationRuleError) as caught:
        decide("cq2018", result(T.INDUSTRY, awards=[Award.FIRST]), G.SENIOR)
    assert caught.value.code == "set_level_required"
    assert caught.value.params == {"rule": "cq2018.industry.prizes"}


def test_the_first_matching_rule_decides_even_when_it_gives_nothing():
    rules = promotion_rules_from_data([
        {"id": "a", "ranks": [1, 10], "to": "senior"},
        {"id": "b", "ranks": [1, 3], "to": "technician"},
    ])
    decision = apply_promotion_rules(rules, result(rank=2), G.SENIOR)
    assert decision is not None and decision.rule.id == "a" and decision.refusal == "not_above_current"
    assert apply_promotion_rules(rules[1:], result(rank=2), G.SENIOR).new_grade is G.TECHNICIAN
    assert apply_promotion_rules((), result(rank=2), G.SENIOR) is None


def test_a_rule_can_be_restricted_to_a_set_level_and_a_tier():
    rules = promotion_rules_from_data([
        {"id": "senior_set", "tier": "provincial_1", "set_level": "senior", "awards": ["first"],
         "to": "technician"},
        {"id": "any_set", "tier": "provincial_1", "awards": ["first"], "one_up_from": "current"},
    ])
    first = [Award.FIRST]
    assert apply_promotion_rules(rules, result(T.PROVINCIAL_CLASS_1, awards=first, set_level=G.SENIOR),
                                 G.INTERMEDIATE).rule.id == "senior_set"
    assert apply_promotion_rules(rules, result(T.PROVINCIAL_CLASS_1, awards=first, set_level=G.INTERMEDIATE),
                                 G.INTERMEDIATE).rule.id == "any_set"
    no_set_level = result(T.PROVINCIAL_CLASS_1, awards=first)
    assert apply_promotion_rules(rules, no_set_level, G.JUNIOR).rule.id == "any_set"
    assert apply_promotion_rules(rules, result(T.PROVINCIAL_CLASS_2, awards=first), G.JUNIOR) is None


def test_step_up_if_held_only_for_exactly_the_target():
    rule = PromotionRule("r", AwardIn({Award.FIRST}), ToGrade(G.SENIOR, step_up_if_held=True))
    won = result(awards=[Award.FIRST])
    assert apply_promotion_rules([rule], won, G.INTERMEDIATE).new_grade is G.SENIOR
    assert apply_promotion_rules([rule], won, G.SENIOR).new_grade is G.TECHNICIAN
    assert apply_promotion_rules([rule], won, G.TECHNICIAN).refusal == "not_above_current"
    top = PromotionRule("top", AwardIn({Award.FIRST}), ToGrade(G.SENIOR_TECHNICIAN, step_up_if_held=True))
    decision = apply_promotion_rules([top], won, G.SENIOR_TECHNICIAN)
    assert decision.refusal == "cap_reached"  # never into the appointed grades
    assert decision.refusal_params == {"step_from_grade": "senior_technician", "cap": "senior_technician"}


def test_one_grade_up_defaults_to_the_highest_examined_grade_as_cap():
    assert OneGradeUp().effective_cap is HIGHEST_EXAMINED_GRADE
    assert OneGradeUp(cap=G.SENIOR).effective_cap is G.SENIOR
    assert OneGradeUp("set_level").step_from is StepFrom.SET_LEVEL


def test_enum_codes():
    assert [tier.value for tier in CompetitionTier] == [
        "national_1", "national_2", "provincial_1", "provincial_2", "industry", "district", "enterprise"]
    assert [tier.name_zh for tier in CompetitionTier] == [
        "国家级一类", "国家级二类", "省(市)级一类", "省(市)级二类", "行业赛", "区县赛", "企业岗位练兵"]
    assert Award.EXCELLENCE.name_zh == "优胜奖" and Award.FIRST.name_zh == "一等奖"
    assert all(award.name_zh for award in Award)


def test_results_accept_codes():
    res = CompetitionResult("industry", 3, {"first", "excellence"}, G.SENIOR)
    assert res.tier is T.INDUSTRY and res.awards == {Award.FIRST, Award.EXCELLENCE}


@pytest.mark.parametrize(("build", "code"), [
    (lambda: CompetitionResult("worldwide"), "unknown_tier"),
    (lambda: CompetitionResult(T.INDUSTRY, rank=0), "invalid_rank"),
    (lambda: CompetitionResult(T.INDUSTRY, rank=1.0), "invalid_rank"),
    (lambda: CompetitionResult(T.INDUSTRY, rank=True), "invalid_rank"),
    (lambda: CompetitionResult(T.INDUSTRY, awards={"platinum"}), "unknown_award"),
    (lambda: CompetitionResult(T.INDUSTRY, awards="first"), "unknown_award"),
    (lambda: CompetitionResult(T.INDUSTRY, set_level=G.CHIEF_TECHNICIAN), "grade_not_examined"),
    (lambda: CompetitionResult(T.INDUSTRY, set_level="senior"), "grade_not_examined"),
    (lambda: RankBand(0, 5), "invalid_rank_band"),
    (lambda: RankBand(6, 5), "invalid_rank_band"),
    (lambda: RankBand(1, 5.0), "invalid_rank_band"),
    (lambda: AwardIn(frozenset()), "empty_award_set"),
    (lambda: AwardIn({"bogus"}), "unknown_award"),
    (lambda: ToGrade(G.SPECIAL_TECHNICIAN), "grade_not_examined"),
    (lambda: ToGrade(G.APPRENTICE), "grade_not_examined"),
    (lambda: OneGradeUp(cap=G.CHIEF_TECHNICIAN), "grade_not_examined"),
    (lambda: OneGradeUp("sideways"), "unknown_step_from"),
    (lambda: PromotionRule("", RankBand(1, 3), OneGradeUp()), "invalid_rule_id"),
    (lambda: PromotionRule("r", (1, 3), OneGradeUp()), "invalid_rule_condition"),
    (lambda: PromotionRule("r", RankBand(1, 3), G.SENIOR), "invalid_rule_effect"),
    (lambda: PromotionRule("r", RankBand(1, 3), OneGradeUp(), tier="galactic"), "unknown_tier"),
    (lambda: PromotionRule("r", RankBand(1, 3), OneGradeUp(), set_level=G.APPRENTICE), "grade_not_examined"),
])
def test_bad_rules_and_results_are_refused(build, code):
    with pytest.raises(EvaluationRuleError) as caught:
        build()
    assert caught.value.code == code


@pytest.mark.parametrize(("data", "code"), [
    ({"id": "x", "ranks": [1, 3], "to": "senior", "colour": "red"}, "unknown_rule_key"),
    ({"id": "x", "to": "senior"}, "rule_condition_count"),
    ({"id": "x", "ranks": [1, 3], "awards": ["first"], "to": "senior"}, "rule_condition_count"),
    ({"id": "x", "ranks": [1, 3]}, "rule_effect_count"),
    ({"id": "x", "ranks": [1, 3], "to": "senior", "one_up_from": "current"}, "rule_effect_count"),
    ({"id": "x", "ranks": [1, 3], "to": "senior", "cap": "technician"}, "rule_effect_count"),
    ({"id": "x", "ranks": [1, 3], "one_up_from": "current", "step_up_if_held": True}, "rule_effect_count"),
    ({"id": "x", "ranks": [1, 3], "to": "senior", "step_up_if_held": "yes"}, "invalid_step_up_if_held"),
    ({"id": "x", "ranks": [1], "to": "senior"}, "invalid_rank_band"),
    ({"id": "x", "ranks": "1-3", "to": "senior"}, "invalid_rank_band"),
    ({"id": "x", "ranks": [3, 1], "to": "senior"}, "invalid_rank_band"),
    ({"id": "x", "awards": [], "to": "senior"}, "empty_award_set"),
    ({"id": "x", "awards": ["first", "wooden_spoon"], "to": "senior"}, "unknown_award"),
    ({"id": "x", "ranks": [1, 3], "to": "grandmaster"}, "unknown_grade_code"),
    ({"id": "x", "ranks": [1, 3], "to": "chief_technician"}, "grade_not_examined"),
    ({"id": "x", "ranks": [1, 3], "one_up_from": "current", "cap": "special_technician"},
     "grade_not_examined"),
    ({"id": "x", "ranks": [1, 3], "one_up_from": "nowhere"}, "unknown_step_from"),
    ({"id": "x", "tier": "county", "ranks": [1, 3], "to": "senior"}, "unknown_tier"),
    ({"id": "x", "set_level": "四级", "ranks": [1, 3], "to": "senior"}, "unknown_grade_code"),
    ({"ranks": [1, 3], "to": "senior"}, "invalid_rule_id"),
    ({"id": " ", "ranks": [1, 3], "to": "senior"}, "invalid_rule_id"),
])
def test_bad_rule_data_is_refused_with_a_code(data, code):
    with pytest.raises(EvaluationRuleError) as caught:
        promotion_rule_from_data(data)
    assert caught.value.code == code
    str(caught.value)  # the message formats with its params


def test_a_table_refuses_duplicate_ids():
    with pytest.raises(EvaluationRuleError) as caught:
        promotion_rules_from_data([{"id": "a", "ranks": [1, 3], "to": "senior"},
                                   {"id": "a", "ranks": [4, 6], "to": "intermediate"}])
    assert caught.value.code == "duplicate_rule_id" and caught.value.params == {"id": "a"}


@pytest.mark.parametrize("table", READY_MADE.values(), ids=READY_MADE.keys())
def test_ready_made_tables_round_trip_through_data(table):
    assert promotion_rules_from_data(promotion_rule_to_data(rule) for rule in table) == table
    assert len({rule.id for rule in table}) == len(table)


examined = st.sampled_from([grade for grade in GRADES if grade.examined])
conditions = st.one_of(
    st.tuples(st.integers(1, 50), st.integers(0, 50)).map(lambda ab: RankBand(ab[0], ab[0] + ab[1])),
    st.frozensets(st.sampled_from(Award), min_size=1).map(AwardIn),
)
effects = st.one_of(
    st.builds(ToGrade, examined, st.booleans()),
    st.builds(OneGradeUp, st.sampled_from(StepFrom), st.none() | examined),
)
rules = st.builds(PromotionRule, st.text(min_size=1).filter(str.strip), conditions, effects,
                  st.none() | st.sampled_from(CompetitionTier), st.none() | examined, st.text(), st.text())
results = st.builds(CompetitionResult, st.sampled_from(CompetitionTier), st.none() | st.integers(1, 60),
                    st.frozensets(st.sampled_from(Award)), examined)


@given(rules)
def test_any_rule_round_trips_through_data(rule):
    assert promotion_rule_from_data(promotion_rule_to_data(rule)) == rule


@given(st.lists(rules, max_size=6), results, st.none() | st.sampled_from(GRADES))
def test_never_demotes_never_exceeds_examined_grades_and_first_match_wins(table, res, current):
    decision = apply_promotion_rules(table, res, current)
    matching = [rule for rule in table if rule.matches(res)]
    if not matching:
        assert decision is None
        return
    assert decision.rule is matching[0]
    if decision.promoted:
        assert decision.refusal is None
        assert current is None or decision.new_grade > current
        assert decision.new_grade.examined
        effect = decision.rule.effect
        if isinstance(effect, OneGradeUp):
            assert decision.new_grade <= effect.effective_cap
    else:
        assert decision.refusal in {"not_above_current", "cap_reached"}
