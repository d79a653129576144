"""Panel assignment: hand-made cases for every hard rule and soft goal, the diagnosis of impossible
instances, the check of manual assignments, determinism, and a hypothesis property on small random
instances (whatever is returned as feasible passes check_assignment; the cheap pre-checks never reject a
feasible instance)."""
from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from competition.rules.assignment import (
    DEFAULT_SETTINGS,
    AssignmentCost,
    AssignmentError,
    AssignmentInputError,
    AssignmentResult,
    AssignmentSettings,
    AssignmentStatus,
    JudgeSpec,
    PanelSpec,
    Role,
    Seat,
    assign_panels,
    assignment_cost,
    check_assignment,
    diagnose_panels,
    forbidden_pairs,
)
from competition.rules.conflicts import (
    ConflictSettings,
    ContestantFacts,
    JudgeFacts,
    MemberFacts,
    detect_conflicts,
)

# Small instances solve in milliseconds; the limit only bounds a surprise. It is wall-clock time: at 1 s, a
# machine busy with other work twice left the solver without an answer (UNKNOWN) in a full run.
LIMIT = 10.0
prop = settings(database=None, max_examples=300, deadline=None)

CHIEF, DEPUTY, SCORER = Role.CHIEF, Role.DEPUTY, Role.SCORER
NATIONAL, PROVINCIAL, DISTRICT = DEFAULT_SETTINGS.level_ranking


def judge(judge_id: str, *, level: str = PROVINCIAL, occupations: Iterable[str] = ("welding",),
          org: str | None = None, region: str | None = None, max_panels: int = 1,
          chair: bool = False) -> JudgeSpec:
    return JudgeSpec(judge_id, level, frozenset(occupations), org, region, max_panels, chair)


def panel(panel_id: str, *, skill: str = "S-weld", occupation: str = "welding", slots: Iterable[str] = ("d1",),
          scorers: tuple[int, int] = (2, 2), target: int | None = None, deputies: tuple[int, int] = (0, 0),
          levels: Mapping[str, int] | None = None) -> PanelSpec:
    return PanelSpec(panel_id, skill, occupation, frozenset(slots), scorers[0], scorers[1], target,
                     deputies[0], deputies[1], levels or {})


def solve(panels: Sequence[PanelSpec], judges: Sequence[JudgeSpec], forbidden: Iterable[tuple[str, str]] = (),
          **options: object) -> AssignmentResult:
    result = assign_panels(panels, judges, forbidden, seed=options.pop("seed", 0),  # type: ignore[arg-type]
                           time_limit_seconds=LIMIT, **options)  # type: ignore[arg-type]
    if result.feasible:
        assert check_assignment(panels, judges, forbidden, result.assignments,
                                options.get("settings", DEFAULT_SETTINGS)) == []  # type: ignore[arg-type]
    return result


def members(result: AssignmentResult, panel_id: str) -> set[str]:
    return {seat.judge_id for seat in result.assignments[panel_id]}


def pool(n: int, *, chairs: int = 1, **kwargs: object) -> list[JudgeSpec]:
    return [judge(f"J{i}", chair=i < chairs, **kwargs) for i in range(n)]  # type: ignore[arg-type]


# --- hand-made cases ------------------------------------------------------------------------------------

def test_one_panel_is_seated_chief_first() -> None:
    judges = [judge("A", org="o1"), judge("B", org="o2"), judge("C", chair=True, org="o3")]
    result = solve([panel("P")], judges)
    assert result.status is AssignmentStatus.OPTIMAL
    assert result.assignments["P"] == (Seat("C", CHIEF), Seat("A", SCORER), Seat("B", SCORER))
    assert result.cost == AssignmentCost(0, 0, 0, 0, 0, 0)
    assert result.objective == 0 and result.problems == () and result.solve_seconds >= 0


def test_deputy_required_must_be_able_to_chair() -> None:
    judges = [judge("C1", chair=True), judge("C2", chair=True), judge("S1"), judge("S2")]
    result = solve([panel("P", deputies=(1, 1))], judges)
    seats = dict((seat.role, seat.judge_id) for seat in result.assignments["P"] if seat.role is not SCORER)
    assert set(seats.values()) == {"C1", "C2"}
    relaxed = AssignmentSettings(deputy_must_be_able_to_chair=False)
    result = solve([panel("P", deputies=(1, 1), scorers=(1, 1))], judges[:1] + judges[2:], settings=relaxed)
    assert [seat.role for seat in result.assignments["P"]] == [CHIEF, DEPUTY, SCORER]


def test_optional_deputy_is_left_out_when_nobody_may_chair() -> None:
    judges = [judge("C", chair=True), judge("S1"), judge("S2")]
    result = solve([panel("P", deputies=(0, 1))], judges)
    assert [seat.role for seat in result.assignments["P"]] == [CHIEF, SCORER, SCORER]


def test_qualification_mix_counts_higher_levels() -> None:
    judges = [judge("C", chair=True, level=DISTRICT), judge("N", level=NATIONAL), judge("P1"), judge("P2"),
              judge("D1", level=DISTRICT), judge("D2", level=DISTRICT)]
    result = solve([panel("P", scorers=(2, 2), levels={NATIONAL: 1, PROVINCIAL: 2})], judges)
    assert "N" in members(result, "P")
    assert len(members(result, "P") & {"N", "P1", "P2"}) >= 2


def test_a_level_outside_the_ranking_counts_only_for_itself() -> None:
    settings_ = AssignmentSettings()
    assert settings_.meets_level(NATIONAL, DISTRICT) and not settings_.meets_level(DISTRICT, NATIONAL)
    assert settings_.meets_level("行业级", "行业级") and not settings_.meets_level(NATIONAL, "行业级")


def test_only_judges_qualified_for_the_occupation_sit() -> None:
    judges = [judge("C", chair=True), judge("W1"), judge("W2"), judge("X", occupations=("plumbing",), org="z")]
    result = solve([panel("P", scorers=(2, 3))], judges)
    assert "X" not in members(result, "P")
    assert result.cost is not None and result.cost.empty_seats == 1


def test_a_conflict_keeps_the_judge_off_the_panel() -> None:
    judges = [judge("C", chair=True), judge("A"), judge("B"), judge("K")]
    result = solve([panel("P")], judges, forbidden=[("A", "P")])
    assert "A" not in members(result, "P")


def test_one_panel_per_time_slot() -> None:
    judges = pool(6, chairs=2, max_panels=2)
    result = solve([panel("P1"), panel("P2")], judges)
    assert not members(result, "P1") & members(result, "P2")


def test_capacity_and_slots_let_a_judge_sit_twice_on_different_days() -> None:
    judges = [judge("C", chair=True, max_panels=2), judge("A", max_panels=2), judge("B", max_panels=2)]
    result = solve([panel("P1", slots=("d1",)), panel("P2", slots=("d2",))], judges)
    assert members(result, "P1") == members(result, "P2") == {"C", "A", "B"}
    assert result.cost is not None and result.cost.extra_load == 3


def test_workload_is_spread() -> None:
    judges = [judge(f"C{i}", chair=True, max_panels=2) for i in range(2)] + \
             [judge(f"S{i}", max_panels=2) for i in range(4)]
    result = solve([panel("P1", slots=("d1",)), panel("P2", slots=("d2",))], judges)
    assert not members(result, "P1") & members(result, "P2")
    assert result.cost is not None and result.cost.extra_load == 0


def test_organisations_and_regions_are_spread() -> None:
    judges = [judge("C1", chair=True, org="acme", region="r1"), judge("C2", chair=True, org="bolt", region="r2"),
              judge("A1", org="acme", region="r1"), judge("A2", org="acme", region="r1"),
              judge("B1", org="bolt", region="r2"), judge("B2", org="bolt", region="r2")]
    result = solve([panel("P1", scorers=(1, 1)), panel("P2", scorers=(1, 1))], judges)
    organisation_of = {j.judge_id: j.organisation_id for j in judges}
    for panel_id in ("P1", "P2"):
        assert len({organisation_of[j] for j in members(result, panel_id)}) == 2
    assert result.cost == AssignmentCost(0, 0, 0, 0, 0, 0)


def test_fills_up_to_the_target_before_anything_else() -> None:
    # The fourth scorer must come from the same organisation: filling the seat still wins.
    judges = [judge("C", chair=True, org="x"), judge("A", org="y"), judge("B", org="z"), judge("D", org="y")]
    result = solve([panel("P", scorers=(2, 4), target=3)], judges)
    assert [seat.role for seat in result.assignments["P"]].count(SCORER) == 3
    assert result.cost == AssignmentCost(0, 0, 1, 0, 0, DEFAULT_SETTINGS.weight_same_organisation)


def test_the_target_is_not_exceeded_for_nothing() -> None:
    result = solve([panel("P", scorers=(1, 3), target=1)], pool(5))
    assert len(result.assignments["P"]) == 2
    assert result.cost is not None and result.cost.extra_seats == 0


def test_the_target_is_exceeded_only_when_the_qualification_mix_needs_it() -> None:
    judges = [judge("C", chair=True), judge("N1", level=NATIONAL), judge("N2", level=NATIONAL), judge("D")]
    result = solve([panel("P", scorers=(1, 3), target=1, levels={NATIONAL: 2})], judges)
    assert members(result, "P") == {"C", "N1", "N2"}
    assert result.cost is not None and result.cost.extra_seats == 1


def test_same_seed_gives_the_same_assignment() -> None:
    # Big enough that phase 2 reaches the parallel neighbourhood search and stops on its limit.
    panels, judges, forbidden = random_instance(random.Random(11), panels=20, judges=90, slots=3)
    # A generous wall-clock cap: on a busy machine the clock must not be what stops the search.
    settings_ = AssignmentSettings(num_workers=2, wall_clock_slack=30)
    first = assign_panels(panels, judges, forbidden, seed=5, time_limit_seconds=1.0, settings=settings_)
    second = assign_panels(panels, judges, forbidden, seed=5, time_limit_seconds=1.0, settings=settings_)
    assert first.feasible and not first.stopped_by_clock and not second.stopped_by_clock
    assert first.assignments == second.assignments
    assert first.cost == second.cost and first.status == second.status
    assert check_assignment(panels, judges, forbidden, first.assignments) == []


def random_instance(rng: random.Random, *, panels: int, judges: int, slots: int
                    ) -> tuple[list[PanelSpec], list[JudgeSpec], set[tuple[str, str]]]:
    """Enough judges to be feasible, too few organisations and regions to spread them all: the cost
    stays above 0, so the search runs until its limit instead of proving a perfect assignment."""
    occupations = [f"occ{i}" for i in range(3)]
    panel_specs = [panel(f"P{i}", skill=f"S{i % 3}", occupation=occupations[i % 3],
                         slots=(f"d{i % slots}",), scorers=(2, 4), target=4, deputies=(0, 1),
                         levels={NATIONAL: 1} if i % 4 == 0 else None) for i in range(panels)]
    judge_specs = [judge(f"J{i}", level=rng.choice((NATIONAL, PROVINCIAL, DISTRICT)),
                         occupations=rng.sample(occupations, rng.randint(1, 2)), org=f"o{rng.randrange(4)}",
                         region=f"r{rng.randrange(3)}", max_panels=rng.randint(1, 3), chair=rng.random() < 0.4)
                   for i in range(judges)]
    forbidden = {(f"J{rng.randrange(judges)}", f"P{rng.randrange(panels)}") for _ in range(judges // 3)}
    return panel_specs, judge_specs, forbidden


# --- infeasible instances are explained -----------------------------------------------------------------

def test_too_few_qualified_judges_after_conflicts_names_the_panel_and_the_cause() -> None:
    judges = [judge("C", chair=True), judge("A"), judge("B"), judge("K"), judge("Z", occupations=("plumbing",))]
    panels = [panel("P-weld", scorers=(3, 3)), panel("P-other", occupation="plumbing", scorers=(0, 0),
                                                         skill="S-plumb")]
    result = solve(panels, judges + [judge("ZC", occupations=("plumbing",), chair=True)],
                   forbidden=[("K", "P-weld")])
    assert result.status is AssignmentStatus.INFEASIBLE and not result.feasible
    assert result.assignments == {} and result.cost is None and result.objective is None
    [problem] = result.problems
    assert problem.code == "panel.too_few_judges"
    assert problem.panel_id == "P-weld"
    assert problem.params == {"panel_id": "P-weld", "occupation": "welding", "required": 4, "qualified": 4,
                              "excluded_by_conflicts": 1, "eligible": 3}
    assert "P-weld" in problem.message % problem.params


def test_conflicts_from_the_conflict_rules_feed_the_assignment() -> None:
    judge_facts = [JudgeFacts("C"), JudgeFacts("A", organisation_ids={"acme"}), JudgeFacts("B"),
                   JudgeFacts("D", student_ids={77})]
    contestants = [ContestantFacts(1, (MemberFacts(70, {"acme"}),)), ContestantFacts(2, (MemberFacts(77),))]
    conflicts = detect_conflicts(judge_facts, contestants, ConflictSettings())
    panels = [panel("P", scorers=(2, 2))]
    forbidden = forbidden_pairs(panels, conflicts, {1: "S-weld", 2: "S-weld"})
    assert forbidden == {("A", "P"), ("D", "P")}
    judges = [judge("C", chair=True), judge("A"), judge("B"), judge("D")]
    result = solve(panels, judges, forbidden)
    [problem] = result.problems
    assert (problem.code, problem.panel_id, problem.params["excluded_by_conflicts"]) == (
        "panel.too_few_judges", "P", 2)


def test_forbidden_pairs_ignore_not_marking_and_refuse_unknown_contestants() -> None:
    conflicts = detect_conflicts([JudgeFacts("J", district="500101")],
                                 [ContestantFacts(1, (MemberFacts(5),), district="500101")])
    assert forbidden_pairs([panel("P")], conflicts, {1: "S-weld"}) == frozenset()
    blocking = detect_conflicts([JudgeFacts("J", relative_ids={5})], [ContestantFacts(1, (MemberFacts(5),))])
    with pytest.raises(AssignmentInputError) as raised:
        forbidden_pairs([panel("P")], blocking, {})
    assert raised.value.code == "conflicts.unknown_contestant"
    both = [panel("P1"), panel("P2", slots=("d2",)), panel("Q", skill="S-other")]
    assert forbidden_pairs(both, blocking, {1: "S-weld"}) == {("J", "P1"), ("J", "P2")}


def test_no_chief_and_too_few_at_level_are_named() -> None:
    judges = [judge("A"), judge("B"), judge("C", level=DISTRICT)]
    problems = diagnose_panels([panel("P", levels={NATIONAL: 1})], judges)
    assert [(p.code, p.panel_id, p.params["required"], p.params["eligible"]) for p in problems] == [
        ("panel.too_few_chairs", "P", 1, 0), ("panel.too_few_at_level", "P", 1, 0)]
    assert problems[1].params["level"] == NATIONAL


def test_a_time_slot_with_too_few_chiefs_names_the_competing_panels() -> None:
    judges = [judge("C", chair=True, max_panels=3)] + pool(6, chairs=0, max_panels=2)
    panels = [panel("P1"), panel("P2"), panel("P3", slots=("d2",))]
    result = solve(panels, judges)
    [problem] = result.problems
    assert problem.code == "slot.too_few_chairs"
    assert problem.panel_ids == ("P1", "P2") and problem.panel_id is None
    assert problem.params == {"panel_ids": ["P1", "P2"], "required": 2, "available": 1, "slot": "d1"}


def test_a_time_slot_with_too_few_judges() -> None:
    judges = [judge(name, chair=name.startswith("C"), max_panels=2) for name in ("C1", "C2", "A", "B", "D")]
    problems = diagnose_panels([panel("P1"), panel("P2"), panel("P3", slots=("d2",))], judges)
    assert [(p.code, p.panel_ids, p.params["required"], p.params["available"]) for p in problems] == [
        ("slot.too_few_judges", ("P1", "P2"), 6, 5)]
    assert problems[0].params["slot"] == "d1"


def test_a_shortage_is_reported_once_when_nobody_can_sit_twice() -> None:
    judges = [judge("C1", chair=True), judge("C2", chair=True), judge("A"), judge("B"), judge("D")]
    problems = diagnose_panels([panel("P1"), panel("P2")], judges)
    assert [(p.code, p.panel_ids, p.params["required"], p.params["available"]) for p in problems] == [
        ("capacity.too_few_judges", ("P1", "P2"), 6, 5)]


def test_workload_limits_too_tight_across_slots() -> None:
    judges = [judge("N", level=NATIONAL, chair=True, max_panels=1), judge("C", chair=True)] + pool(4, chairs=0)
    panels = [panel("P1", slots=("d1",), scorers=(1, 1), levels={NATIONAL: 1}),
              panel("P2", slots=("d2",), scorers=(1, 1), levels={NATIONAL: 1})]
    problems = diagnose_panels(panels, judges)
    assert [(p.code, p.panel_ids, p.params) for p in problems] == [
        ("capacity.too_few_level", ("P1", "P2"), {"panel_ids": ["P1", "P2"], "required": 2, "available": 1,
                                                  "level": NATIONAL})]


def test_the_solver_names_requirements_the_pre_checks_cannot_see() -> None:
    # Every two panels share a slot, so the three need three different chiefs. Each slot check sees two
    # panels and two chiefs; the capacity check sees three chief seats and four (two chiefs × 2): both pass.
    judges = [judge("C1", chair=True, max_panels=2), judge("C2", chair=True, max_panels=2)] + \
             pool(8, chairs=0, max_panels=3)
    panels = [panel("P1", slots=("d1", "d2"), scorers=(1, 1)), panel("P2", slots=("d2", "d3"), scorers=(1, 1)),
              panel("P3", slots=("d3", "d1"), scorers=(1, 1))]
    assert diagnose_panels(panels, judges) == []
    result = solve(panels, judges)
    assert result.status is AssignmentStatus.INFEASIBLE
    [problem] = result.problems
    assert problem.code == "panels.requirements_conflict"
    assert problem.panel_ids == ("P1", "P2", "P3")
    assert problem.params["requirements"] == [{"panel_id": p, "requirement": "chief"} for p in ("P1", "P2", "P3")]
    assert problem.params["shared_judge_ids"] == ["C1", "C2"]


def test_without_pre_checks_the_solver_still_names_the_panel() -> None:
    judges = [judge("C", chair=True), judge("A"), judge("K")]
    result = solve([panel("P"), panel("Q", skill="S-q", occupation="q", scorers=(0, 0))],
                   judges + [judge("QC", occupations=("q",), chair=True)], forbidden=[("K", "P")],
                   prechecks=False)
    [problem] = result.problems
    assert problem.code == "panels.requirements_conflict"
    assert problem.panel_ids == ("P",)
    # Two eligible judges: a chief or the two scorers, not both.
    assert problem.params["requirements"] == [{"panel_id": "P", "requirement": "chief"},
                                              {"panel_id": "P", "requirement": "scorers_min"}]


def test_diagnosis_is_empty_for_a_feasible_instance() -> None:
    assert diagnose_panels([panel("P")], pool(3)) == []


# --- checking a manual assignment -----------------------------------------------------------------------

def test_check_assignment_reports_every_broken_rule() -> None:
    judges = [judge("C", chair=True, max_panels=2), judge("A", max_panels=1), judge("B"),
              judge("X", occupations=("plumbing",)), judge("N", level=NATIONAL, chair=True)]
    panels = [panel("P1", scorers=(2, 2), deputies=(0, 1), levels={NATIONAL: 1}),
              panel("P2", scorers=(1, 1)), panel("P3", slots=("d2",), scorers=(0, 0))]
    assignment = {
        "P1": [("A", "chief"), ("A", "scorer"), ("X", SCORER), ("B", DEPUTY), ("ghost", SCORER), ("B", "judge")],
        "P2": [("C", CHIEF), ("A", SCORER)],
        "P9": [("C", CHIEF)],
    }
    violations = check_assignment(panels, judges, [("B", "P1")], assignment)
    assert [(v.code, v.panel_id, v.judge_id) for v in violations] == [
        ("judge.cannot_chair", "P1", "A"),
        ("judge.cannot_chair", "P1", "B"),
        ("assignment.unknown_judge", "P1", "ghost"),
        ("assignment.unknown_role", "P1", "B"),
        ("panel.judge_repeated", "P1", "A"),
        ("judge.not_qualified", "P1", "X"),
        ("judge.conflict", "P1", "B"),
        ("panel.scorer_count", "P1", None),
        ("panel.too_few_at_level", "P1", None),
        ("panel.chief_count", "P3", None),
        ("assignment.unknown_panel", "P9", None),
        ("judge.over_capacity", None, "A"),
        ("judge.double_booked", None, "A"),
    ]
    by_code = {v.code: v for v in violations}
    assert by_code["panel.scorer_count"].params == {"panel_id": "P1", "found": 3, "min": 2, "max": 2}
    assert by_code["judge.over_capacity"].params == {"judge_id": "A", "found": 2, "max": 1}
    assert by_code["judge.double_booked"].params == {"judge_id": "A", "slot": "d1", "panel_ids": ["P1", "P2"]}
    for violation in violations:
        assert violation.message % violation.params


def test_check_assignment_accepts_a_valid_manual_edit() -> None:
    judges = pool(4)
    assert check_assignment([panel("P")], judges, [], {"P": [("J0", "chief"), ("J2", "scorer"),
                                                             ("J3", "scorer")]}) == []


def test_assignment_cost_by_hand() -> None:
    judges = [judge("C", chair=True, org="o", region="r", max_panels=2), judge("A", org="o", region="r"),
              judge("B", region="r"), judge("D", max_panels=2)]
    panels = [panel("P1", scorers=(2, 3)), panel("P2", slots=("d2",), scorers=(1, 2))]
    assignment = {"P1": [("C", CHIEF), ("A", SCORER), ("B", SCORER)], "P2": [("C", CHIEF), ("D", SCORER)]}
    assert assignment_cost(panels, judges, assignment) == AssignmentCost(
        empty_seats=2, extra_seats=0, same_organisation=1, same_region=2, extra_load=1,
        weighted=1 * DEFAULT_SETTINGS.weight_same_organisation + 2 * DEFAULT_SETTINGS.weight_same_region
        + 1 * DEFAULT_SETTINGS.weight_extra_load)


# --- input validation -----------------------------------------------------------------------------------

@pytest.mark.parametrize("changes", [
    {"scorers": (3, 2)}, {"scorers": (-1, 2)}, {"scorers": (1, 3), "target": 4}, {"deputies": (1, 0)},
    {"deputies": (0, 2)}, {"levels": {NATIONAL: 9}}, {"levels": {NATIONAL: -1}},
])
def test_impossible_panel_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(AssignmentInputError) as raised:
        panel("P", **changes)  # type: ignore[arg-type]
    assert raised.value.code == "panel.invalid"
    assert isinstance(raised.value, AssignmentError) and str(raised.value).startswith("panel.invalid: Panel P")


def test_other_unusable_input_is_refused() -> None:
    with pytest.raises(AssignmentInputError, match="judge.invalid"):
        judge("J", max_panels=-1)
    with pytest.raises(AssignmentInputError, match="settings.invalid"):
        AssignmentSettings(num_workers=0)
    with pytest.raises(AssignmentInputError, match="settings.invalid"):
        AssignmentSettings(weight_same_region=-5)
    with pytest.raises(AssignmentInputError, match="settings.invalid"):
        AssignmentSettings(level_ranking=(NATIONAL, NATIONAL))
    with pytest.raises(AssignmentInputError, match="assignment.duplicate_judge"):
        assign_panels([panel("P")], pool(3) + pool(1))
    with pytest.raises(AssignmentInputError, match="assignment.duplicate_panel"):
        diagnose_panels([panel("P"), panel("P")], pool(3))
    with pytest.raises(ValueError, match="time_limit_seconds"):
        assign_panels([panel("P")], pool(3), time_limit_seconds=0)
    with pytest.raises(TypeError):
        JudgeSpec("J", PROVINCIAL, "welding")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        PanelSpec("P", "S", "welding", "d1", 1, 1)  # type: ignore[arg-type]


# --- property: what comes back feasible is valid; the pre-checks never reject a feasible instance -------

@st.composite
def small_instances(draw: st.DrawFn) -> tuple[list[PanelSpec], list[JudgeSpec], set[tuple[str, str]]]:
    """Up to 12 judges and 4 panels, drawn so that about half the instances are feasible."""
    occupations = ["welding", "plumbing"]
    slots = ["d1", "d2", "d3"]
    judges = [judge(f"J{i}", level=draw(st.sampled_from((NATIONAL, PROVINCIAL, PROVINCIAL, DISTRICT))),
                    occupations=draw(st.sampled_from((occupations, occupations, occupations[:1], occupations[1:]))),
                    org=draw(st.sampled_from(("o1", "o2", "o3", None))), region=draw(st.sampled_from(("r1", "r2"))),
                    max_panels=draw(st.sampled_from((0, 1, 1, 2, 2, 3))),
                    chair=draw(st.sampled_from((True, True, False))))
              for i in range(draw(st.integers(2, 12)))]
    panels = []
    for i in range(draw(st.integers(1, 4))):
        scorers_min = draw(st.sampled_from((0, 1, 1, 2)))
        scorers_max = draw(st.integers(scorers_min, 3))
        deputies_min = draw(st.sampled_from((0, 0, 1)))
        deputies_max = draw(st.integers(deputies_min, 1))
        panels.append(panel(
            f"P{i}", skill=f"S{i % 2}", occupation=draw(st.sampled_from(occupations)),
            slots=draw(st.lists(st.sampled_from(slots), min_size=1, max_size=2, unique=True)),
            scorers=(scorers_min, scorers_max), target=draw(st.integers(scorers_min, scorers_max)),
            deputies=(deputies_min, deputies_max),
            levels={NATIONAL: draw(st.sampled_from((0, 0, 0, 1))),
                    PROVINCIAL: draw(st.integers(0, min(2, 1 + deputies_max + scorers_max)))}))
    pairs = [(j.judge_id, p.panel_id) for j in judges for p in panels]
    forbidden = set(draw(st.lists(st.sampled_from(pairs), max_size=4)))
    return panels, judges, forbidden


@prop
@given(small_instances(), st.integers(0, 3))
def test_feasible_results_pass_the_check(instance: tuple[list[PanelSpec], list[JudgeSpec],
                                                         set[tuple[str, str]]], seed: int) -> None:
    panels, judges, forbidden = instance
    with_checks = assign_panels(panels, judges, forbidden, seed=seed, time_limit_seconds=LIMIT)
    solver_only = assign_panels(panels, judges, forbidden, seed=seed, time_limit_seconds=LIMIT, prechecks=False)
    for result in (with_checks, solver_only):
        assert result.status is not AssignmentStatus.UNKNOWN
        if result.feasible:
            assert set(result.assignments) == {p.panel_id for p in panels}
            assert check_assignment(panels, judges, forbidden, result.assignments) == []
            assert result.problems == ()
            assert result.cost == assignment_cost(panels, judges, result.assignments)
        else:
            assert result.problems and result.assignments == {}
            assert all(problem.panel_ids for problem in result.problems)
    event(f"solver: {solver_only.status.value}; pre-checks: "
          f"{with_checks.problems[0].code if with_checks.problems else 'pass'}")
    # Pre-checks are necessary conditions: they may only reject what the solver proves impossible.
    assert with_checks.feasible == solver_only.feasible
    if solver_only.feasible:
        assert diagnose_panels(panels, judges, forbidden) == []
