"""以赛代评: turn one competition result into a grade promotion, by an event's rule table.

A table is an ordered tuple of :class:`PromotionRule`. A rule matches a :class:`CompetitionResult` on the
competition tier (optional), the 命题等级 (optional) and either a rank band or a set of awards; its
effect is a target grade (optionally "if already held, one above it") or one grade above the current
grade or above the 命题等级, capped. :func:`apply_promotion_rules` lets the first matching rule decide.

Tables are data: :func:`promotion_rules_from_data` reads plain dicts (the shape an event stores as its
setting) and the ready-made tables below are built from such data. Pure: no Flask, no database, no I/O.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from evaluation.rules.ladder import (
    HIGHEST_EXAMINED_GRADE,
    EvaluationRuleError,
    Grade,
    grade_by_code,
    next_grade,
    require_examined,
)


class CompetitionTier(StrEnum):
    """The tiers that drive promotions (DOMAIN §1). The value is the stored code."""

    NATIONAL_CLASS_1 = "national_1"
    NATIONAL_CLASS_2 = "national_2"
    PROVINCIAL_CLASS_1 = "provincial_1"
    PROVINCIAL_CLASS_2 = "provincial_2"
    INDUSTRY = "industry"
    DISTRICT = "district"
    ENTERPRISE = "enterprise"

    @property
    def name_zh(self) -> str:
        return _TIER_NAMES_ZH[self]


_TIER_NAMES_ZH = {
    CompetitionTier.NATIONAL_CLASS_1: "国家级一类",
    CompetitionTier.NATIONAL_CLASS_2: "国家级二类",
    CompetitionTier.PROVINCIAL_CLASS_1: "省(市)级一类",
    CompetitionTier.PROVINCIAL_CLASS_2: "省(市)级二类",
    CompetitionTier.INDUSTRY: "行业赛",
    CompetitionTier.DISTRICT: "区县赛",
    CompetitionTier.ENTERPRISE: "企业岗位练兵",
}


class Award(StrEnum):
    """What a contestant can be given besides a rank. The value is the stored code."""

    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"
    EXCELLENCE = "excellence"
    TRAINING_SQUAD = "training_squad"

    @property
    def name_zh(self) -> str:
        return _AWARD_NAMES_ZH[self]


_AWARD_NAMES_ZH = {
    Award.GOLD: "金牌",
    Award.SILVER: "银牌",
    Award.BRONZE: "铜牌",
    Award.FIRST: "一等奖",
    Award.SECOND: "二等奖",
    Award.THIRD: "三等奖",
    Award.EXCELLENCE: "优胜奖",
    Award.TRAINING_SQUAD: "入选国家集训队",
}


class StepFrom(StrEnum):
    """What :class:`OneGradeUp` counts one grade up from."""

    CURRENT = "current"
    SET_LEVEL = "set_level"


@dataclass(frozen=True)
class CompetitionResult:
    """One contestant's result in one 赛项: the tier of the competition, the final rank (None when the
    event does not rank them), the awards given and the 命题等级 the 赛项 was set at (None if not set)."""

    tier: CompetitionTier
    rank: int | None = None
    awards: frozenset[Award] = frozenset()
    set_level: Grade | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tier", _parse_tier(self.tier))
        object.__setattr__(self, "awards", _parse_awards(self.awards, allow_empty=True))
        if self.rank is not None and (type(self.rank) is not int or self.rank < 1):
            raise EvaluationRuleError("invalid_rank", "A rank is a whole number from 1 up, not %(rank)r.",
                                      rank=self.rank)
        if self.set_level is not None:
            require_examined(self.set_level, "The 命题等级")


@dataclass(frozen=True)
class RankBand:
    """Matches a result ranked ``first`` to ``last``, both included."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not (type(self.first) is int and type(self.last) is int and 1 <= self.first <= self.last):
            raise EvaluationRuleError("invalid_rank_band",
                                      "A rank band runs from a first to a last place, 1 ≤ first ≤ last; "
                                      "got %(first)r–%(last)r.", first=self.first, last=self.last)

    def matches(self, result: CompetitionResult) -> bool:
        return result.rank is not None and self.first <= result.rank <= self.last


@dataclass(frozen=True)
class AwardIn:
    """Matches a result given at least one of ``awards``. Accepts award codes and coerces them."""

    awards: frozenset[Award]

    def __post_init__(self) -> None:
        object.__setattr__(self, "awards", _parse_awards(self.awards, allow_empty=False))

    def matches(self, result: CompetitionResult) -> bool:
        return not self.awards.isdisjoint(result.awards)


@dataclass(frozen=True)
class ToGrade:
    """Promote to ``grade``. With ``step_up_if_held``, a holder of exactly ``grade`` goes one above it
    ("技师; 已是技师的晋升高级技师")."""

    grade: Grade
    step_up_if_held: bool = False

    def __post_init__(self) -> None:
        require_examined(self.grade, "A promotion target")


@dataclass(frozen=True)
class OneGradeUp:
    """Promote to one grade above the current grade, or above the 命题等级, never above ``cap`` (None
    means the highest examined grade, 高级技师: competitions never reach appointed grades)."""

    step_from: StepFrom = StepFrom.CURRENT
    cap: Grade | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "step_from", _parse_enum(StepFrom, self.step_from, "unknown_step_from"))
        if self.cap is not None:
            require_examined(self.cap, "A promotion cap")

    @property
    def effective_cap(self) -> Grade:
        return self.cap or HIGHEST_EXAMINED_GRADE


Condition = RankBand | AwardIn
Effect = ToGrade | OneGradeUp


@dataclass(frozen=True)
class PromotionRule:
    """One row of a table. ``id`` is stable and unique in its table: the record of a promotion names it.
    ``tier`` and ``set_level`` restrict the rule when given; the descriptions are shown on the record."""

    id: str
    condition: Condition
    effect: Effect
    tier: CompetitionTier | None = None
    set_level: Grade | None = None
    description_zh: str = ""
    description_en: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise EvaluationRuleError("invalid_rule_id", "A promotion rule needs a non-empty id, not %(id)r.",
                                      id=self.id)
        if not isinstance(self.condition, RankBand | AwardIn):
            raise EvaluationRuleError("invalid_rule_condition",
                                      "Rule %(id)s needs a rank band or a set of awards.", id=self.id)
        if not isinstance(self.effect, ToGrade | OneGradeUp):
            raise EvaluationRuleError("invalid_rule_effect",
                                      "Rule %(id)s needs a target grade or a one-grade-up effect.",
                                      id=self.id)
        if self.tier is not None:
            object.__setattr__(self, "tier", _parse_tier(self.tier))
        if self.set_level is not None:
            require_examined(self.set_level, "The 命题等级 of a rule")

    def matches(self, result: CompetitionResult) -> bool:
        """True when the tier, the 命题等级 and the condition all fit ``result``."""
        return ((self.tier is None or self.tier == result.tier)
                and (self.set_level is None or self.set_level == result.set_level)
                and self.condition.matches(result))


@dataclass(frozen=True)
class PromotionDecision:
    """What the first matching rule decided. ``new_grade`` is the grade to award, or None when the rule
    fired but gives nothing; ``refusal`` then says why, with ``refusal_params`` (grade codes):

    - ``not_above_current``: the rule's grade is not above the one held (``current``, ``proposed``);
    - ``cap_reached``: there is no grade one up within the cap (``step_from_grade``, ``cap``).
    """

    rule: PromotionRule
    current_grade: Grade | None
    new_grade: Grade | None
    refusal: str | None = None
    refusal_params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def promoted(self) -> bool:
        return self.new_grade is not None


def apply_promotion_rules(rules: Sequence[PromotionRule], result: CompetitionResult,
                          current_grade: Grade | None) -> PromotionDecision | None:
    """Apply a rule table to one result.

    The first rule in table order that matches ``result`` decides; later rules are not consulted, even
    when the first gives nothing. Returns None when no rule matches. ``current_grade`` is the grade held
    in this occupation (None: none held, so one grade up lands on 初级工). Never demotes: a rule whose
    grade is not above the current grade yields a decision with ``new_grade`` None and a refusal.
    Raises EvaluationRuleError('set_level_required') when a matching rule counts from the 命题等级 and
    the result has none.
    """
    for rule in rules:
        if rule.matches(result):
            return _decide(rule, result, current_grade)
    return None


def _decide(rule: PromotionRule, result: CompetitionResult, current: Grade | None) -> PromotionDecision:
    effect = rule.effect
    if isinstance(effect, ToGrade) and not (effect.step_up_if_held and current == effect.grade):
        proposed: Grade | None = effect.grade
    else:
        if isinstance(effect, ToGrade):
            step_from, cap = effect.grade, HIGHEST_EXAMINED_GRADE
        elif effect.step_from is StepFrom.CURRENT:
            # Holding no grade counts as 学徒工, so one up is 初级工.
            step_from, cap = current or Grade.APPRENTICE, effect.effective_cap
        elif result.set_level is None:
            raise EvaluationRuleError("set_level_required",
                                      "Rule %(rule)s counts from the 命题等级, but the result has none.",
                                      rule=rule.id)
        else:
            step_from, cap = result.set_level, effect.effective_cap
        proposed = next_grade(step_from, cap=cap)
        if proposed is None:
            return PromotionDecision(rule, current, None, "cap_reached",
                                     {"step_from_grade": step_from.code, "cap": cap.code})
    if current is not None and proposed <= current:
        return PromotionDecision(rule, current, None, "not_above_current",
                                 {"current": current.code, "proposed": proposed.code})
    return PromotionDecision(rule, current, proposed)


# Reading tables from data -------------------------------------------------------------------------------

_RULE_KEYS = frozenset({"id", "tier", "set_level", "ranks", "awards", "to", "step_up_if_held",
                        "one_up_from", "cap", "description_zh", "description_en"})


def promotion_rule_from_data(data: Mapping[str, Any]) -> PromotionRule:
    """Build one rule from a plain mapping, the shape an event stores::

        {"id": "national_1.ranks_1_5", "tier": "national_1", "set_level": None,
         "ranks": [1, 5]  or  "awards": ["first", "second"],
         "to": "technician", "step_up_if_held": True  or  "one_up_from": "current"|"set_level", "cap": None,
         "description_zh": "...", "description_en": "..."}

    Exactly one of ``ranks``/``awards`` and one of ``to``/``one_up_from``. Raises EvaluationRuleError
    ('unknown_rule_key', 'rule_condition_count', 'rule_effect_count', 'unknown_tier', 'unknown_award',
    'unknown_grade_code', 'grade_not_examined', 'invalid_rank_band', …) naming what is wrong.
    """
    rule_id = data.get("id")
    unknown = sorted(set(data) - _RULE_KEYS)
    if unknown:
        raise EvaluationRuleError("unknown_rule_key", "Rule %(id)s has unknown keys: %(keys)s.",
                                  id=rule_id, keys=", ".join(map(str, unknown)))
    if ("ranks" in data) == ("awards" in data):
        raise EvaluationRuleError("rule_condition_count",
                                  "Rule %(id)s needs exactly one of 'ranks' and 'awards'.", id=rule_id)
    if ("to" in data) == ("one_up_from" in data):
        raise EvaluationRuleError("rule_effect_count",
                                  "Rule %(id)s needs exactly one of 'to' and 'one_up_from'.", id=rule_id)
    if "ranks" in data:
        ranks = data["ranks"]
        if not isinstance(ranks, Sequence) or isinstance(ranks, str) or len(ranks) != 2:
            raise EvaluationRuleError("invalid_rank_band", "A rank band is [first, last], not %(ranks)r.",
                                      ranks=ranks)
        condition: Condition = RankBand(ranks[0], ranks[1])
    else:
        condition = AwardIn(data["awards"])
    if "to" in data:
        if "cap" in data:
            raise EvaluationRuleError("rule_effect_count", "Rule %(id)s: 'cap' goes with 'one_up_from' only.",
                                      id=rule_id)
        step_up = data.get("step_up_if_held", False)
        if not isinstance(step_up, bool):
            raise EvaluationRuleError("invalid_step_up_if_held",
                                      "Rule %(id)s: 'step_up_if_held' is true or false, not %(value)r.",
                                      id=rule_id, value=step_up)
        effect: Effect = ToGrade(grade_by_code(data["to"]), step_up)
    else:
        if "step_up_if_held" in data:
            raise EvaluationRuleError("rule_effect_count",
                                      "Rule %(id)s: 'step_up_if_held' goes with 'to' only.", id=rule_id)
        cap = data.get("cap")
        effect = OneGradeUp(data["one_up_from"], None if cap is None else grade_by_code(cap))
    set_level = data.get("set_level")
    return PromotionRule(
        id=rule_id,  # type: ignore[arg-type]  # checked in PromotionRule
        condition=condition,
        effect=effect,
        tier=None if data.get("tier") is None else _parse_tier(data["tier"]),
        set_level=None if set_level is None else grade_by_code(set_level),
        description_zh=str(data.get("description_zh", "")),
        description_en=str(data.get("description_en", "")),
    )


def promotion_rule_to_data(rule: PromotionRule) -> dict[str, Any]:
    """The inverse of :func:`promotion_rule_from_data` (awards sorted, optional keys left out when unset)."""
    data: dict[str, Any] = {"id": rule.id}
    if rule.tier is not None:
        data["tier"] = rule.tier.value
    if rule.set_level is not None:
        data["set_level"] = rule.set_level.code
    if isinstance(rule.condition, RankBand):
        data["ranks"] = [rule.condition.first, rule.condition.last]
    else:
        data["awards"] = sorted(award.value for award in rule.condition.awards)
    if isinstance(rule.effect, ToGrade):
        data["to"] = rule.effect.grade.code
        if rule.effect.step_up_if_held:
            data["step_up_if_held"] = True
    else:
        data["one_up_from"] = rule.effect.step_from.value
        if rule.effect.cap is not None:
            data["cap"] = rule.effect.cap.code
    if rule.description_zh:
        data["description_zh"] = rule.description_zh
    if rule.description_en:
        data["description_en"] = rule.description_en
    return data


def promotion_rules_from_data(rows: Iterable[Mapping[str, Any]]) -> tuple[PromotionRule, ...]:
    """A whole table, in order; raises EvaluationRuleError('duplicate_rule_id') when two rows share an id,
    or any error of :func:`promotion_rule_from_data`."""
    rules = tuple(promotion_rule_from_data(row) for row in rows)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise EvaluationRuleError("duplicate_rule_id", "Two rules share the id %(id)s.", id=rule.id)
        seen.add(rule.id)
    return rules


def _parse_enum(enum: type[StrEnum], value: Any, code: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        raise EvaluationRuleError(code, "%(value)r is not one of %(allowed)s.", value=value,
                                  allowed=", ".join(member.value for member in enum)) from None


def _parse_tier(value: Any) -> CompetitionTier:
    return _parse_enum(CompetitionTier, value, "unknown_tier")


def _parse_awards(values: Any, *, allow_empty: bool) -> frozenset[Award]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise EvaluationRuleError("unknown_award", "Awards are a collection of award codes, not %(value)r.",
                                  value=values)
    awards = frozenset(_parse_enum(Award, value, "unknown_award") for value in values)
    if not awards and not allow_empty:
        raise EvaluationRuleError("empty_award_set", "A rule on awards needs at least one award.")
    return awards


# Ready-made tables (DOMAIN §7) --------------------------------------------------------------------------

NATIONAL_COMPETITION_RULES = promotion_rules_from_data([
    {"id": "national_skills_competition.excellence_or_better",
     "awards": ["gold", "silver", "bronze", "excellence"], "to": "technician", "step_up_if_held": True,
     "description_zh": "全国技能大赛获优胜奖及以上：晋升技师；已是技师的晋升高级技师",
     "description_en": "National Skills Competition, Excellence award or better: Technician; "
                       "a Technician becomes Senior Technician"},
])
"""全国技能大赛 (its own event, so the rule names no tier)."""

NATIONAL_CLASS_1_RULES = promotion_rules_from_data([
    {"id": "national_1.ranks_1_5", "tier": "national_1", "ranks": [1, 5], "to": "technician",
     "step_up_if_held": True,
     "description_zh": "国家级一类竞赛第1–5名：晋升技师；已是技师的晋升高级技师",
     "description_en": "National class-1 competition, places 1–5: Technician; "
                       "a Technician becomes Senior Technician"},
    {"id": "national_1.ranks_6_20", "tier": "national_1", "ranks": [6, 20], "to": "senior",
     "description_zh": "国家级一类竞赛第6–20名：晋升高级工",
     "description_en": "National class-1 competition, places 6–20: Senior Worker"},
])

CHONGQING_2018_RULES = promotion_rules_from_data([
    # First: a squad member who also placed in a national class-1 final gets the higher grade.
    {"id": "cq2018.training_squad", "awards": ["training_squad"], "to": "senior_technician",
     "description_zh": "入选世界技能大赛国家集训队：一级/高级技师",
     "description_en": "WorldSkills national training squad: Level 1 / Senior Technician"},
    {"id": "cq2018.national_1.top_5", "tier": "national_1", "ranks": [1, 5], "one_up_from": "current",
     "description_zh": "国家级一类竞赛前5名：晋升一个等级",
     "description_en": "National class-1 competition, top 5: one grade up"},
    {"id": "cq2018.national_2.top_3", "tier": "national_2", "ranks": [1, 3], "one_up_from": "current",
     "description_zh": "国家级二类竞赛前3名：晋升一个等级",
     "description_en": "National class-2 competition, top 3: one grade up"},
    {"id": "cq2018.industry.prizes", "tier": "industry", "awards": ["first", "second", "third"],
     "one_up_from": "set_level",
     "description_zh": "行业赛一、二、三等奖：颁发高于命题等级一级的证书",
     "description_en": "Industry competition, first to third prize: "
                       "certificate one grade above the set level"},
    {"id": "cq2018.district.prizes", "tier": "district", "awards": ["first", "second", "third"],
     "one_up_from": "set_level",
     "description_zh": "区县赛一、二、三等奖：颁发高于命题等级一级的证书",
     "description_en": "District competition, first to third prize: "
                       "certificate one grade above the set level"},
])

ZHENXING_CUP_RULES = promotion_rules_from_data([
    {"id": "zhenxing.ranks_6_20", "tier": "national_1", "ranks": [6, 20], "one_up_from": "current",
     "cap": "technician",
     "description_zh": "振兴杯第6–20名：晋升一个等级，最高至技师",
     "description_en": "Zhenxing Cup, places 6–20: one grade up, at most Technician"},
])
"""振兴杯 (a 国家级一类 competition). DOMAIN gives only the 6–20 row; places 1–5 match no rule here."""
