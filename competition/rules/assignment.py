"""Automatic judge panel assignment with OR-Tools CP-SAT, its diagnosis, and the check of any assignment.

Pure: plain frozen dataclasses and functions, no Flask, no database, no I/O. A service loads the panels,
the judge pool and the conflicts, calls :func:`assign_panels`, shows the result (or its problems) and
stores the seats; a manual change is verified by :func:`check_assignment` against the same rules.

Hard rules (both :func:`assign_panels` and :func:`check_assignment` enforce them):

1. Every panel has exactly one chief (裁判长), ``deputies_min..deputies_max`` deputies and
   ``scorers_min..scorers_max`` scorers; a judge takes at most one role on a panel.
2. Chiefs, and deputies when ``settings.deputy_must_be_able_to_chair``, are judges with ``may_chair``.
3. Qualification mix: for each ``level → k`` in ``panel.min_levels``, at least k judges of the whole panel
   (chief, deputy and scorers) hold that level or a higher one in ``settings.level_ranking``
   (a level missing from the ranking counts only for itself).
4. Every judge on a panel is qualified for the panel's occupation.
5. No judge sits on a panel where a hard conflict forbids it (``forbidden``: (judge id, panel id) pairs,
   built by :func:`forbidden_pairs` from the ``not_on_panel`` conflicts of the contestants of the skill).
6. A judge sits on at most one panel per time slot, and on at most ``max_panels`` panels in all.

Soft goals, lexicographically. First, fill scorer seats up to each panel's ``scorers_target``: an empty
seat the skill's rules ask for is worse than any amount of the rest; then, seat no scorers beyond the
target (``scorers_max`` is a limit, the target is the wish). Then minimise the weighted cost
(integer weights from :class:`AssignmentSettings`) of a second, third… judge of one organisation on one
panel, the same for regions, and workload imbalance, as Σ over judges of load·(load−1)/2 (for a fixed
number of seats this is Σ load² up to a constant: extra panels go to the least loaded judges instead of
a few). :func:`assignment_cost` measures all of them for any assignment. The goals are solved in turn:
phase 1 minimises empty seats, then seats beyond target; phase 2 keeps those numbers, starts from the phase-1 assignment (a complete hint)
and minimises the cost. (One weighted sum was tried first: at full size, 400 panels and 2,000 judges,
CP-SAT spent its time on spread and left seats empty.)

Determinism: the same input (same order), ``seed`` and ``time_limit_seconds`` give the same assignment.
``time_limit_seconds`` is CP-SAT *deterministic* time (``max_deterministic_time``, a work count that is
roughly, not exactly, seconds of one core; on the 2-core reference machine wall time ran 1.5-2.5× it):
phase 1 gets half, phase 2 the rest. Stopping on the clock would make the result depend on machine load.
Phase 1 runs one worker with ``random_seed = seed``; phase 2 runs ``settings.num_workers`` workers doing
large-neighbourhood search only, with ``interleave_search`` (CP-SAT's deterministic parallel mode; the
free-running portfolio is not reproducible). A wall-clock cap of ``settings.wall_clock_slack`` × the
limit only guards against a very slow machine; :attr:`AssignmentResult.stopped_by_clock` says it fired
(the result is then valid but may not be reproducible).

Infeasibility is explained, not just reported. :func:`diagnose_panels` runs cheap necessary checks first:
per panel, enough eligible judges (qualified for the occupation, not conflicted, with capacity) for the
minimum size, for the chief (and deputy), for each level; then over all panels (each judge up to
``max_panels`` seats) and per time slot (each judge once), a bipartite b-matching of panels against their
eligible judges, for seats, for chairs and for each level, which names the group of panels (a Hall
violator) that compete for too few judges. When those pass but CP-SAT still proves the model infeasible
(slots and capacity interacting, say), the panel requirements are re-posted as assumption literals and
``sufficient_assumptions_for_infeasibility`` (one worker: the core is much smaller), shrunk by deletion,
names the panels and requirements that cannot hold together.

Errors. Unusable input raises :class:`AssignmentInputError` (a ``ValueError`` with ``code``, English msgid
``message`` and ``params``, the shape ``competition.errors.DomainError.from_rule`` expects); an
impossible assignment is never an exception but a result with problems, as in Tabbycat.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from competition.rules import N_, RuleError
from competition.rules.conflicts import Conflict, ConflictEffect, Id

if TYPE_CHECKING:  # imported where it is used: OR-Tools (and the pandas it loads) add ~50 MB and 0.25 s to every process
    from ortools.sat.python import cp_model

__all__ = [
    "DEFAULT_SETTINGS", "AssignmentCost", "AssignmentError", "AssignmentInputError", "AssignmentResult",
    "AssignmentSettings", "AssignmentStatus", "JudgeSpec", "PanelSpec", "Problem", "Role", "Seat", "Violation",
    "assign_panels", "assignment_cost", "check_assignment", "diagnose_panels", "forbidden_pairs",
]


# --- errors ---------------------------------------------------------------------------------------------

class AssignmentError(RuleError):
    """A refusal from the assignment rules."""


class AssignmentInputError(AssignmentError):
    """Panels, judges, settings or conflicts cannot be used as given: ``panel.invalid``,
    ``judge.invalid``, ``settings.invalid``, ``assignment.duplicate_*``, ``conflicts.unknown_contestant``."""


_INVALID = N_("%(what)s %(id)s: %(setting)s = %(value)s must be %(requirement)s.")


def _check(ok: bool, code: str, what: str, ident: Any, setting: str, value: Any, requirement: str) -> None:
    if not ok:
        raise AssignmentInputError(code, _INVALID, what=what, id=ident, setting=setting, value=value,
                                   requirement=requirement)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- inputs ---------------------------------------------------------------------------------------------

class Role(StrEnum):
    """A seat on a panel; the same values as ``competition.models.judging.JudgeRole``."""

    CHIEF = "chief"      # 裁判长
    DEPUTY = "deputy"    # 副裁判长
    SCORER = "scorer"


_ROLE_ORDER = {Role.CHIEF: 0, Role.DEPUTY: 1, Role.SCORER: 2}


@dataclass(frozen=True)
class PanelSpec:
    """What one panel needs. Sizes come from the skill's settings (e.g. 5 scorers for a subjective item
    in the Chinese model, 3 per judgement aspect in the WorldSkills model), never from this module.

    - ``time_slots``: the slots (half-days, sessions…) the panel sits in; any hashable ids.
    - ``scorers_min..scorers_max`` scorers; ``scorers_target`` (default ``scorers_max``) is the size the
      solver tries to reach once the minimum is met.
    - ``deputies_min..deputies_max`` deputies, within 0..1.
    - ``min_levels``: level → at least that many judges on the panel at that level or above.

    Raises :class:`AssignmentInputError` (``panel.invalid``) when a setting is impossible."""

    panel_id: Id
    skill_id: Id
    occupation: str
    time_slots: frozenset[Id]
    scorers_min: int
    scorers_max: int
    scorers_target: int | None = None
    deputies_min: int = 0
    deputies_max: int = 1
    min_levels: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.time_slots, str | bytes):
            raise TypeError("PanelSpec.time_slots must be a collection of slot ids, not a string")
        object.__setattr__(self, "time_slots", frozenset(self.time_slots))
        object.__setattr__(self, "min_levels", MappingProxyType(dict(self.min_levels)))
        if self.scorers_target is None:
            object.__setattr__(self, "scorers_target", self.scorers_max)
        ident = self.panel_id
        for name in ("scorers_min", "scorers_max", "scorers_target", "deputies_min", "deputies_max"):
            _check(_is_int(getattr(self, name)), "panel.invalid", "Panel", ident, name, getattr(self, name),
                   "an integer")
        _check(self.scorers_min >= 0, "panel.invalid", "Panel", ident, "scorers_min", self.scorers_min, ">= 0")
        _check(self.scorers_max >= self.scorers_min, "panel.invalid", "Panel", ident, "scorers_max",
               self.scorers_max, ">= scorers_min")
        _check(self.scorers_min <= self.target <= self.scorers_max, "panel.invalid", "Panel", ident,
               "scorers_target", self.scorers_target, "between scorers_min and scorers_max")
        _check(0 <= self.deputies_min <= self.deputies_max <= 1, "panel.invalid", "Panel", ident,
               "deputies_min..deputies_max", f"{self.deputies_min}..{self.deputies_max}", "within 0..1")
        for level, count in self.min_levels.items():
            _check(_is_int(count) and 0 <= count <= self.size_max, "panel.invalid", "Panel", ident,
                   f"min_levels[{level}]", count, f"an integer between 0 and the panel's size ({self.size_max})")

    @property
    def target(self) -> int:
        """The scorer count the solver aims for."""
        return self.scorers_max if self.scorers_target is None else self.scorers_target

    @property
    def size_min(self) -> int:
        return 1 + self.deputies_min + self.scorers_min

    @property
    def size_max(self) -> int:
        return 1 + self.deputies_max + self.scorers_max


@dataclass(frozen=True)
class JudgeSpec:
    """One judge in the pool: qualification ``level`` (e.g. 国家级), the ``occupations`` they may judge,
    employer ``organisation_id`` and ``region`` (spread over panels), ``max_panels`` (workload capacity,
    0 = unavailable) and whether they may chair (serve as 裁判长).

    Raises :class:`AssignmentInputError` (``judge.invalid``) when ``max_panels`` is not an int >= 0."""

    judge_id: Id
    level: str
    occupations: frozenset[str]
    organisation_id: Id | None = None
    region: str | None = None
    max_panels: int = 1
    may_chair: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.occupations, str | bytes):
            raise TypeError("JudgeSpec.occupations must be a collection of occupations, not a string")
        object.__setattr__(self, "occupations", frozenset(self.occupations))
        _check(_is_int(self.max_panels) and self.max_panels >= 0, "judge.invalid", "Judge", self.judge_id,
               "max_panels", self.max_panels, "an integer >= 0")


@dataclass(frozen=True)
class AssignmentSettings:
    """Per-event choices for the assignment.

    - ``level_ranking``: qualification levels, highest first (a judge counts for their level and every
      lower one). The default is a product choice: 国家级 > 省级 (Chongqing's 市级 is provincial) > 区县级.
    - ``deputy_must_be_able_to_chair``: a deputy stands in for the chief, so by default needs ``may_chair``.
    - ``num_workers``: workers of the phase-2 neighbourhood search (phase 1 and the diagnosis run one);
      the result is reproducible for any value, but differs from one value to another.
    - ``wall_clock_slack``: the wall-clock cap as a multiple of the deterministic time limit.
    - weights of the phase-2 cost: ``weight_same_organisation`` and ``weight_same_region`` (per extra
      judge from one organisation or region on one panel), ``weight_extra_load`` (per unit of
      load·(load−1)/2). Filling seats needs no weight: it always comes first.

    Raises :class:`AssignmentInputError` (``settings.invalid``) when a setting is impossible."""

    level_ranking: tuple[str, ...] = ("国家级", "省级", "区县级")
    deputy_must_be_able_to_chair: bool = True
    num_workers: int = 2
    wall_clock_slack: float = 3.0
    weight_same_organisation: int = 20
    weight_same_region: int = 5
    weight_extra_load: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "level_ranking", tuple(self.level_ranking))
        _check(len(set(self.level_ranking)) == len(self.level_ranking), "settings.invalid", "Settings", "",
               "level_ranking", list(self.level_ranking), "a list without repeats")
        _check(_is_int(self.num_workers) and self.num_workers >= 1, "settings.invalid", "Settings", "",
               "num_workers", self.num_workers, "an integer >= 1")
        _check(self.wall_clock_slack >= 1, "settings.invalid", "Settings", "", "wall_clock_slack",
               self.wall_clock_slack, ">= 1")
        for spec in fields(self):
            if spec.name.startswith("weight_"):
                value = getattr(self, spec.name)
                _check(_is_int(value) and value >= 0, "settings.invalid", "Settings", "", spec.name, value,
                       "an integer >= 0")

    def meets_level(self, held: str, required: str) -> bool:
        """Whether a judge holding level ``held`` counts towards a requirement for ``required``."""
        if held == required:
            return True
        ranking = self.level_ranking
        return held in ranking and required in ranking and ranking.index(held) < ranking.index(required)


DEFAULT_SETTINGS = AssignmentSettings()


# --- outputs --------------------------------------------------------------------------------------------

class Seat(NamedTuple):
    judge_id: Id
    role: Role


class AssignmentStatus(StrEnum):
    OPTIMAL = "optimal"          # proved best: fewest empty seats, then lowest cost
    FEASIBLE = "feasible"        # every hard rule holds; the time limit stopped the improvement
    INFEASIBLE = "infeasible"    # proved impossible: see the problems
    UNKNOWN = "unknown"          # no assignment found and none proved impossible within the time limit


@dataclass(frozen=True)
class Problem:
    """Why panels cannot be staffed. ``code`` is stable, ``message`` an English msgid filled from
    ``params``; ``panel_ids`` names the panels concerned (one for a per-panel problem, the competing
    group for a time-slot or joint problem, none for a solver time-out)."""

    code: str
    message: str
    panel_ids: tuple[Id, ...]
    params: Mapping[str, Any]

    @property
    def panel_id(self) -> Id | None:
        """The panel, when the problem concerns exactly one."""
        return self.panel_ids[0] if len(self.panel_ids) == 1 else None


@dataclass(frozen=True)
class Violation:
    """A hard rule an assignment breaks: ``code``, English msgid ``message`` and ``params``, with the
    panel and/or judge concerned (``None`` when the rule concerns only the other)."""

    code: str
    message: str
    panel_id: Id | None
    judge_id: Id | None
    params: Mapping[str, Any]


@dataclass(frozen=True)
class AssignmentCost:
    """The soft goals of one assignment. Phase 1: ``empty_seats`` and ``extra_seats`` (scorers below and
    above the panels' targets). Phase 2: ``same_organisation`` and ``same_region`` (judges beyond the
    first from one organisation / region on a panel, summed over panels), ``extra_load`` (Σ
    load·(load−1)/2 over judges) and ``weighted``, their sum with the settings' weights."""

    empty_seats: int
    extra_seats: int
    same_organisation: int
    same_region: int
    extra_load: int
    weighted: int


@dataclass(frozen=True)
class AssignmentResult:
    """The outcome of :func:`assign_panels`.

    ``assignments`` maps every panel id (when feasible) to its seats: chief, then deputy, then scorers,
    judges in input order. ``cost`` is its :class:`AssignmentCost` (``None`` without an assignment);
    ``solve_seconds`` the wall time of the whole call; ``problems`` is empty exactly when an assignment
    was found. ``optimal`` means both phases were proved optimal (phase 2 searches neighbourhoods and
    proves nothing, so in practice only when the cost is 0)."""

    status: AssignmentStatus
    assignments: Mapping[Id, tuple[Seat, ...]]
    cost: AssignmentCost | None
    solve_seconds: float
    problems: tuple[Problem, ...] = ()
    stopped_by_clock: bool = False

    @property
    def feasible(self) -> bool:
        return self.status in (AssignmentStatus.OPTIMAL, AssignmentStatus.FEASIBLE)

    @property
    def objective(self) -> int | None:
        """The weighted phase-2 cost, ``None`` without an assignment."""
        return None if self.cost is None else self.cost.weighted


# --- conflicts → forbidden pairs ------------------------------------------------------------------------

def forbidden_pairs(panels: Iterable[PanelSpec], conflicts: Iterable[Conflict],
                    skill_of: Mapping[Id, Id]) -> frozenset[tuple[Id, Id]]:
    """The (judge id, panel id) pairs that hard conflicts forbid: a ``not_on_panel`` conflict with a
    contestant bars the judge from every panel of the contestant's skill (``skill_of``: contestant id →
    skill id). ``not_marking`` conflicts bar nothing here (marking teams handle them). Raises
    :class:`AssignmentInputError` (``conflicts.unknown_contestant``) for a conflict whose contestant has no
    skill in ``skill_of``: dropping it silently would seat a conflicted judge."""
    panels_of_skill: dict[Id, list[Id]] = {}
    for panel in panels:
        panels_of_skill.setdefault(panel.skill_id, []).append(panel.panel_id)
    pairs: set[tuple[Id, Id]] = set()
    for conflict in conflicts:
        if conflict.effect is not ConflictEffect.NOT_ON_PANEL:
            continue
        if conflict.contestant_id not in skill_of:
            raise AssignmentInputError("conflicts.unknown_contestant",
                                       N_("Contestant %(contestant_id)s of a conflict has no skill."),
                                       contestant_id=conflict.contestant_id)
        for panel_id in panels_of_skill.get(skill_of[conflict.contestant_id], ()):
            pairs.add((conflict.judge_id, panel_id))
    return frozenset(pairs)


# --- the instance, shared by the diagnosis, the solver and the check ------------------------------------

def _sort_key(value: Id) -> tuple[str, Id]:
    return type(value).__name__, value


class _Instance:
    """Validated input plus, per panel, its eligible judges (positions, in input order)."""

    def __init__(self, panels: Iterable[PanelSpec], judges: Iterable[JudgeSpec],
                 forbidden: Iterable[tuple[Id, Id]], settings: AssignmentSettings) -> None:
        self.panels = list(panels)
        self.judges = list(judges)
        self.settings = settings
        self.forbidden = frozenset((judge_id, panel_id) for judge_id, panel_id in forbidden)
        for what, ids in (("panel", [p.panel_id for p in self.panels]), ("judge", [j.judge_id for j in self.judges])):
            seen: set[Id] = set()
            for ident in ids:
                if ident in seen:
                    raise AssignmentInputError(f"assignment.duplicate_{what}",
                                               N_("The %(what)s %(id)s is listed twice."), what=what, id=ident)
                seen.add(ident)
        self.panel_position = {panel.panel_id: p for p, panel in enumerate(self.panels)}
        self.judge_position = {judge.judge_id: j for j, judge in enumerate(self.judges)}
        self.qualified: list[list[int]] = []
        self.eligible: list[list[int]] = []
        by_occupation: dict[str, list[int]] = {}
        for j, judge in enumerate(self.judges):
            if judge.max_panels > 0:
                for occupation in judge.occupations:
                    by_occupation.setdefault(occupation, []).append(j)
        for panel in self.panels:
            qualified = sorted(by_occupation.get(panel.occupation, ()))
            self.qualified.append(qualified)
            self.eligible.append([j for j in qualified
                                  if (self.judges[j].judge_id, panel.panel_id) not in self.forbidden])

    def may_sit_as(self, judge: JudgeSpec, role: Role) -> bool:
        if role is Role.CHIEF:
            return judge.may_chair
        if role is Role.DEPUTY:
            return judge.may_chair or not self.settings.deputy_must_be_able_to_chair
        return True

    def chair_demand(self, panel: PanelSpec) -> int:
        """Seats on the panel that need ``may_chair``."""
        return 1 + (panel.deputies_min if self.settings.deputy_must_be_able_to_chair else 0)

    def slots(self) -> list[Id]:
        return sorted({slot for panel in self.panels for slot in panel.time_slots}, key=_sort_key)


# --- diagnosis ------------------------------------------------------------------------------------------

_TOO_FEW_JUDGES = N_("Panel %(panel_id)s needs at least %(required)s judges qualified for %(occupation)s; "
                     "%(qualified)s are qualified and available, %(excluded_by_conflicts)s of them are "
                     "excluded by conflicts, leaving %(eligible)s.")
_TOO_FEW_CHAIRS = N_("Panel %(panel_id)s needs %(required)s judges who may chair (chief and deputy); only "
                     "%(eligible)s eligible judges may chair (%(excluded_by_conflicts)s more are excluded "
                     "by conflicts).")
_TOO_FEW_AT_LEVEL = N_("Panel %(panel_id)s needs at least %(required)s judges at level %(level)s or above; "
                       "only %(eligible)s eligible judges qualify (%(excluded_by_conflicts)s more are "
                       "excluded by conflicts).")
_GROUP_SHORTAGE = {
    ("slot", "judges"): N_("In time slot %(slot)s, panels %(panel_ids)s need %(required)s judges between "
                           "them but only %(available)s different judges are eligible for any of them."),
    ("slot", "chairs"): N_("In time slot %(slot)s, panels %(panel_ids)s need %(required)s judges who may "
                           "chair but only %(available)s different eligible judges may chair."),
    ("slot", "level"): N_("In time slot %(slot)s, panels %(panel_ids)s need %(required)s judges at level "
                          "%(level)s or above but only %(available)s different eligible judges qualify."),
    ("capacity", "judges"): N_("Panels %(panel_ids)s need %(required)s judges between them but, within "
                               "their workload limits, the judges eligible for them can fill only "
                               "%(available)s of those seats."),
    ("capacity", "chairs"): N_("Panels %(panel_ids)s need %(required)s judges who may chair but, within "
                               "their workload limits, the eligible judges who may chair can fill only "
                               "%(available)s of those seats."),
    ("capacity", "level"): N_("Panels %(panel_ids)s need %(required)s judges at level %(level)s or above "
                              "but, within their workload limits, the eligible judges at that level can "
                              "fill only %(available)s of those seats."),
}
_REQUIREMENTS_CONFLICT = N_("Panels %(panel_ids)s cannot all be staffed: their requirements %(requirements)s "
                            "compete for the same judges (%(shared_judge_ids)s) given time slots and "
                            "workload limits.")
_UNEXPLAINED = N_("Panels %(panel_ids)s cannot all be staffed, and no smaller cause was found in time.")
_NO_SOLUTION = N_("No assignment was found within %(time_limit_seconds)s seconds and none was proved "
                  "impossible; allow more time.")


def _hall_violation(demand: Sequence[int], neighbours: Sequence[Sequence[int]],
                    capacity: Mapping[int, int] | None = None) -> list[int]:
    """Positions of a set S of panels that need more seats than their eligible judges can give them, or
    ``[]`` when every panel's demand can be met. Panel p needs ``demand[p]`` seats, each from a different
    judge in ``neighbours[p]``; judge j gives at most ``capacity[j]`` seats in all (1 when ``capacity`` is
    ``None``).

    Method: a maximum b-matching by augmenting paths. The panels reachable by alternating paths from an
    unsatisfied panel form a Hall violator: every judge adjacent to them is used up by them, so together
    they get Σ filled < Σ demand seats."""
    owners: dict[int, set[int]] = {}    # judge → panels using one of its seats
    filled = [0] * len(demand)

    def free(judge: int) -> bool:
        return len(owners.get(judge, ())) < (1 if capacity is None else capacity[judge])

    def search(start: int, augment: bool) -> set[int]:
        """Breadth-first alternating search from ``start``; augments along the first path that ends at a
        judge with a free seat when ``augment``. Returns the panels reached."""
        reached = {start}
        came_from: dict[int, int] = {}      # judge → panel it was reached from
        via: dict[int, int] = {}            # panel → judge through which it was reached
        queue = [start]
        for panel in queue:
            for judge in neighbours[panel]:
                if judge in came_from or panel in owners.get(judge, ()):
                    continue
                came_from[judge] = panel
                if free(judge):
                    if not augment:
                        continue
                    owners.setdefault(judge, set()).add(panel)
                    while panel != start:   # shift each seat on the path one panel back
                        judge = via[panel]
                        owners[judge].discard(panel)
                        panel = came_from[judge]
                        owners[judge].add(panel)
                    filled[start] += 1
                    return reached
                for holder in sorted(owners.get(judge, ())):
                    if holder not in reached:
                        reached.add(holder)
                        via[holder] = judge
                        queue.append(holder)
        return reached

    for panel, need in enumerate(demand):
        for judge in neighbours[panel]:     # greedy first: most seats need no search
            if filled[panel] >= need:
                break
            if free(judge):
                owners.setdefault(judge, set()).add(panel)
                filled[panel] += 1
        while filled[panel] < need:
            before = filled[panel]
            search(panel, augment=True)
            if filled[panel] == before:
                break
    group: set[int] = set()
    for panel, need in enumerate(demand):
        if filled[panel] < need:
            group |= search(panel, augment=False)
    return sorted(group)


def _panel_problems(instance: _Instance) -> tuple[list[Problem], set[int]]:
    """Per-panel counts of eligible judges; returns the problems and the positions of failing panels."""
    problems: list[Problem] = []
    failing: set[int] = set()
    settings = instance.settings
    for p, panel in enumerate(instance.panels):
        qualified = [instance.judges[j] for j in instance.qualified[p]]
        eligible = [instance.judges[j] for j in instance.eligible[p]]
        base = {"panel_id": panel.panel_id, "occupation": panel.occupation}
        before = len(problems)
        if len(eligible) < panel.size_min:
            problems.append(Problem("panel.too_few_judges", _TOO_FEW_JUDGES, (panel.panel_id,), {
                **base, "required": panel.size_min, "qualified": len(qualified),
                "excluded_by_conflicts": len(qualified) - len(eligible), "eligible": len(eligible)}))
        chairs_eligible = sum(judge.may_chair for judge in eligible)
        if chairs_eligible < instance.chair_demand(panel):
            problems.append(Problem("panel.too_few_chairs", _TOO_FEW_CHAIRS, (panel.panel_id,), {
                **base, "required": instance.chair_demand(panel), "eligible": chairs_eligible,
                "excluded_by_conflicts": sum(judge.may_chair for judge in qualified) - chairs_eligible}))
        for level, count in panel.min_levels.items():
            at_level = sum(settings.meets_level(judge.level, level) for judge in eligible)
            if at_level < count:
                problems.append(Problem("panel.too_few_at_level", _TOO_FEW_AT_LEVEL, (panel.panel_id,), {
                    **base, "level": level, "required": count, "eligible": at_level,
                    "excluded_by_conflicts": sum(settings.meets_level(judge.level, level)
                                                 for judge in qualified) - at_level}))
        if len(problems) > before:
            failing.add(p)
    return problems, failing


_Check = tuple[str, "str | None", Callable[[PanelSpec], int], Callable[[JudgeSpec], bool]]


def _group_checks(instance: _Instance, panels: Iterable[PanelSpec]) -> list[_Check]:
    """What a group of panels competes for: (kind, level, demand of a panel, whether a judge counts)."""
    settings = instance.settings
    checks: list[_Check] = [
        ("judges", None, lambda panel: panel.size_min, lambda judge: True),
        ("chairs", None, instance.chair_demand, lambda judge: judge.may_chair),
    ]
    for level in sorted({level for panel in panels for level, count in panel.min_levels.items() if count}):
        checks.append(("level", level, lambda panel, level=level: panel.min_levels.get(level, 0),
                       lambda judge, level=level: settings.meets_level(judge.level, level)))
    return checks


def _group_problems(instance: _Instance, members: list[int], scope: str,
                    slot: Id | None = None) -> list[Problem]:
    """Whether the panels at ``members`` can get their minimum seats, chairs and levels from different
    judges at once: within one time slot (``scope`` ``slot``, each judge once) or over the whole event
    (``scope`` ``capacity``, each judge up to ``max_panels`` times)."""
    if len(members) < 2:
        return []
    judges = instance.judges
    capacity = None if scope == "slot" else {j: judge.max_panels for j, judge in enumerate(judges)}
    problems: list[Problem] = []
    for kind, level, demand_of, counts in _group_checks(instance, (instance.panels[p] for p in members)):
        demand = [demand_of(instance.panels[p]) for p in members]
        neighbours = [[j for j in instance.eligible[p] if counts(judges[j])] for p in members]
        group = _hall_violation(demand, neighbours, capacity)
        if not group:
            continue
        uses: dict[int, int] = {}
        for g in group:
            for j in neighbours[g]:
                uses[j] = uses.get(j, 0) + 1
        available = sum(min(count, 1 if capacity is None else capacity[j]) for j, count in uses.items())
        required = sum(demand[g] for g in group)
        if available >= required:
            continue    # cannot happen after a maximum matching; never report a false shortage
        panel_ids = tuple(instance.panels[members[g]].panel_id for g in group)
        params: dict[str, Any] = {"panel_ids": list(panel_ids), "required": required, "available": available}
        if slot is not None:
            params["slot"] = slot
        if level is not None:
            params["level"] = level
        problems.append(Problem(f"{scope}.too_few_{kind}", _GROUP_SHORTAGE[scope, kind], panel_ids, params))
    return problems


def _diagnose(instance: _Instance) -> list[Problem]:
    problems, failing = _panel_problems(instance)
    rest = [p for p in range(len(instance.panels)) if p not in failing]
    problems += _group_problems(instance, rest, "capacity")
    # When every judge concerned sits once anyway, a slot shortage repeats the capacity one: say it once.
    said = {(problem.code.split(".")[1], problem.params.get("level"), problem.panel_ids) for problem in problems}
    for slot in instance.slots():
        members = [p for p in rest if slot in instance.panels[p].time_slots]
        problems += [problem for problem in _group_problems(instance, members, "slot", slot)
                     if (problem.code.split(".")[1], problem.params.get("level"), problem.panel_ids) not in said]
    return problems


def diagnose_panels(panels: Iterable[PanelSpec], judges: Iterable[JudgeSpec],
                    forbidden: Iterable[tuple[Id, Id]] = (),
                    settings: AssignmentSettings = DEFAULT_SETTINGS) -> list[Problem]:
    """The cheap necessary checks of the module docstring, without solving: an empty list does not
    promise a feasible assignment, but every problem listed makes one impossible. Problem codes:

    - ``panel.too_few_judges``, ``panel.too_few_chairs``, ``panel.too_few_at_level``: one panel, counting
      its eligible judges (params say how many conflicts excluded);
    - ``capacity.too_few_judges`` / ``_chairs`` / ``_level``: a group of panels whose eligible judges
      cannot fill their minimum seats (chairs, seats at a level) within each judge's ``max_panels``;
    - ``slot.too_few_judges`` / ``_chairs`` / ``_level``: the same within one time slot, where each judge
      sits once.

    Group checks leave out panels that already fail on their own. Raises :class:`AssignmentInputError` on
    unusable input."""
    return _diagnose(_Instance(panels, judges, forbidden, settings))


# --- the CP-SAT model -----------------------------------------------------------------------------------

@dataclass
class _Model:
    model: cp_model.CpModel
    seats: list[tuple[int, int, Role, cp_model.IntVar]]          # (panel, judge, role, literal)
    # assumption literal's index → (the literal, (panel position, requirement, level))
    assumptions: dict[int, tuple[cp_model.IntVar, tuple[int, str, str | None]]] = field(default_factory=dict)
    empty_seats: list[cp_model.IntVar] = field(default_factory=list)   # phase 1 minimises their sum,
    extra_seats: list[cp_model.IntVar] = field(default_factory=list)   # then theirs
    cost: list[Any] = field(default_factory=list)                      # phase 2 minimises their sum


def _build_model(instance: _Instance, *, with_assumptions: bool) -> _Model:
    """The hard rules as CP-SAT constraints. With ``with_assumptions`` each panel requirement (chief,
    minimum deputies, minimum scorers, each level) is enforced by an assumption literal and nothing is
    measured; otherwise they are plain constraints, and the empty seats and the cost terms are returned
    for the caller to minimise."""
    from ortools.sat.python import cp_model
    model = cp_model.CpModel()
    built = _Model(model, [])
    settings = instance.settings
    literals: list[cp_model.IntVar] = []
    per_judge: dict[int, list[tuple[int, list[cp_model.IntVar]]]] = {}
    total = cp_model.LinearExpr.sum

    def require(constraint: cp_model.Constraint, p: int, requirement: str, level: str | None = None) -> None:
        if with_assumptions:
            literal = model.new_bool_var(f"assume_p{p}_{requirement}_{level or ''}")
            constraint.only_enforce_if(literal)
            built.assumptions[literal.index] = (literal, (p, requirement, level))
            literals.append(literal)

    for p, panel in enumerate(instance.panels):
        by_role: dict[Role, list[cp_model.IntVar]] = {role: [] for role in Role}
        on_panel: dict[int, list[cp_model.IntVar]] = {}
        for j in instance.eligible[p]:
            judge = instance.judges[j]
            roles = []
            for role, seats_max in ((Role.CHIEF, 1), (Role.DEPUTY, panel.deputies_max),
                                    (Role.SCORER, panel.scorers_max)):
                if seats_max and instance.may_sit_as(judge, role):
                    literal = model.new_bool_var(f"p{p}_j{j}_{role.value}")
                    roles.append(literal)
                    by_role[role].append(literal)
                    built.seats.append((p, j, role, literal))
            if not roles:
                continue
            if len(roles) > 1:
                model.add_at_most_one(roles)
            on_panel[j] = roles
            per_judge.setdefault(j, []).append((p, roles))
        chiefs, deputies, scorers = by_role[Role.CHIEF], by_role[Role.DEPUTY], by_role[Role.SCORER]
        model.add(total(chiefs) <= 1)
        require(model.add(total(chiefs) >= 1), p, "chief")
        model.add(total(deputies) <= panel.deputies_max)
        if panel.deputies_min:
            require(model.add(total(deputies) >= panel.deputies_min), p, "deputies_min")
        model.add(total(scorers) <= panel.scorers_max)
        if panel.scorers_min:
            require(model.add(total(scorers) >= panel.scorers_min), p, "scorers_min")
        for level, count in panel.min_levels.items():
            if count:
                at_level = [lit for j, roles in on_panel.items()
                            if settings.meets_level(instance.judges[j].level, level) for lit in roles]
                require(model.add(total(at_level) >= count), p, "min_level", level)
        if with_assumptions:
            continue
        if panel.target > panel.scorers_min:
            empty = model.new_int_var(0, panel.target - panel.scorers_min, f"p{p}_empty")
            model.add(empty >= panel.target - total(scorers))
            built.empty_seats.append(empty)
        if panel.scorers_max > panel.target:
            extra = model.new_int_var(0, panel.scorers_max - panel.target, f"p{p}_beyond_target")
            model.add(extra >= total(scorers) - panel.target)
            built.extra_seats.append(extra)
        for attribute, weight in (("organisation_id", settings.weight_same_organisation),
                                  ("region", settings.weight_same_region)):
            if not weight:
                continue
            groups: dict[Any, list[int]] = {}
            for j in on_panel:
                value = getattr(instance.judges[j], attribute)
                if value is not None:
                    groups.setdefault(value, []).append(j)
            for value, group in groups.items():
                if len(group) > 1:
                    extra = model.new_int_var(0, len(group) - 1, f"p{p}_{attribute}_{value}_extra")
                    model.add(extra >= total([lit for j in group for lit in on_panel[j]]) - 1)
                    built.cost.append(weight * extra)

    slots = instance.slots()
    for j, entries in per_judge.items():
        judge = instance.judges[j]
        every = [lit for _, roles in entries for lit in roles]
        if len(entries) > judge.max_panels:
            model.add(total(every) <= judge.max_panels)
        for slot in slots:
            in_slot = [lit for p, roles in entries if slot in instance.panels[p].time_slots for lit in roles]
            if len(in_slot) > 1:
                model.add_at_most_one(in_slot)
        if not with_assumptions and settings.weight_extra_load:
            # Σ_k max(0, load − k) for k = 1 .. cap−1 equals load·(load−1)/2: convex, so linear here.
            for k in range(1, min(judge.max_panels, len(entries))):
                excess = model.new_int_var(0, len(entries) - k, f"j{j}_load_over_{k}")
                model.add(excess >= total(every) - k)
                built.cost.append(settings.weight_extra_load * excess)
    if with_assumptions:
        model.add_assumptions(literals)
    return built


# Share of phase 2 given to the plain search before the neighbourhood search takes over.
_EXACT_SEARCH_SHARE = 0.2


def _solver(seed: int, time_limit_seconds: float, settings: AssignmentSettings, *,
            lns_only: bool = False, without_lp: bool = False) -> cp_model.CpSolver:
    """A CP-SAT solver that gives the same answer for the same model, seed and limit.

    Default: one worker, its plain search (phase 1, and the infeasibility cores, which are much smaller
    from one worker). ``without_lp`` (phase 1) switches off the linear relaxation: filling seats is a
    feasibility search whose bound is 0 from the start, and at full size (400 panels, 2,000 judges) the
    LP at every node made one worker 20× slower to fill them, leaving seats empty at the time limit.
    ``lns_only``: ``settings.num_workers`` workers running only large-neighbourhood search from the
    hinted solution, interleaved, which is CP-SAT's deterministic parallel mode
    (phase 2: measured at full size it improves the cost as well as the free-running portfolio does,
    where the interleaved full portfolio barely moved)."""
    from ortools.sat.python import cp_model
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.random_seed = seed
    parameters.num_workers = settings.num_workers if lns_only else 1
    parameters.interleave_search = lns_only
    parameters.use_lns_only = lns_only
    if without_lp:
        parameters.linearization_level = 0
    parameters.max_deterministic_time = time_limit_seconds
    parameters.max_time_in_seconds = time_limit_seconds * settings.wall_clock_slack
    return solver


def _explain_infeasible(instance: _Instance, seed: int, time_limit_seconds: float) -> list[Problem]:
    """Name the panel requirements that cannot hold together: a core from
    ``sufficient_assumptions_for_infeasibility``, shrunk by dropping one requirement at a time while the
    rest stays infeasible (within ``time_limit_seconds`` of deterministic time in all). Should even the
    first core take too long, every panel is named (``assignment.infeasible_unexplained``)."""
    from ortools.sat.python import cp_model
    built = _build_model(instance, with_assumptions=True)
    model = built.model
    spent = 0.0

    def infeasible_core(candidates: list[int]) -> list[int] | None:
        nonlocal spent
        remaining = time_limit_seconds - spent
        if remaining <= 0:
            return None
        model.clear_assumptions()
        model.add_assumptions([built.assumptions[index][0] for index in candidates])
        solver = _solver(seed, remaining, instance.settings)
        status = solver.solve(model)
        spent += solver.deterministic_time
        if status != cp_model.INFEASIBLE:
            return None
        return sorted(solver.sufficient_assumptions_for_infeasibility())

    core = infeasible_core(sorted(built.assumptions))
    if not core:
        panel_ids = tuple(panel.panel_id for panel in instance.panels)
        return [Problem("assignment.infeasible_unexplained", _UNEXPLAINED, panel_ids,
                        {"panel_ids": list(panel_ids)})]
    for index in list(core):
        if index not in core:
            continue
        smaller = infeasible_core([other for other in core if other != index])
        if smaller is not None:
            core = smaller
    labels = [built.assumptions[index][1] for index in core]
    positions = sorted({p for p, _, _ in labels})
    panel_ids = tuple(instance.panels[p].panel_id for p in positions)
    requirements = [{"panel_id": instance.panels[p].panel_id, "requirement": requirement,
                     **({"level": level} if level is not None else {})} for p, requirement, level in labels]
    # Judges who could meet a requirement of the core on two or more of its panels: the ones fought over.
    relevant: dict[int, set[int]] = {}
    for p, requirement, level in labels:
        for j in instance.eligible[p]:
            judge = instance.judges[j]
            if ((requirement != "chief" or judge.may_chair)
                    and (requirement != "deputies_min" or instance.may_sit_as(judge, Role.DEPUTY))
                    and (requirement != "min_level" or instance.settings.meets_level(judge.level, level or ""))):
                relevant.setdefault(j, set()).add(p)
    shared = [instance.judges[j].judge_id for j in sorted(relevant) if len(relevant[j]) > 1]
    return [Problem("panels.requirements_conflict", _REQUIREMENTS_CONFLICT, panel_ids,
                    {"panel_ids": list(panel_ids), "requirements": requirements, "shared_judge_ids": shared})]


def assign_panels(panels: Iterable[PanelSpec], judges: Iterable[JudgeSpec],
                  forbidden: Iterable[tuple[Id, Id]] = (), *, seed: int = 0, time_limit_seconds: float = 10.0,
                  settings: AssignmentSettings = DEFAULT_SETTINGS, prechecks: bool = True) -> AssignmentResult:
    """Seat judges on every panel under the hard rules, then fill seats and minimise the cost (module
    docstring).

    ``forbidden``: (judge id, panel id) pairs from hard conflicts (see :func:`forbidden_pairs`); pairs
    naming unknown judges or panels are ignored. ``seed`` and ``time_limit_seconds`` (deterministic
    CP-SAT time, about seconds of one core's work) make the result reproducible. ``prechecks=False`` skips
    :func:`diagnose_panels` and lets the solver find (and explain) infeasibility itself.

    Returns an :class:`AssignmentResult`: ``optimal`` or ``feasible`` with every panel's seats;
    ``infeasible`` with the problems found by :func:`diagnose_panels` (the solver is then not run) or by
    the assumption-based explanation; ``unknown`` with a ``solver.no_solution`` problem when the time
    limit passed first. Raises :class:`AssignmentInputError` on unusable input and ``ValueError`` for a
    non-positive time limit."""
    from ortools.sat.python import cp_model
    started = time.perf_counter()
    if not time_limit_seconds > 0:
        raise ValueError(f"time_limit_seconds must be > 0, not {time_limit_seconds!r}")
    instance = _Instance(panels, judges, forbidden, settings)

    def result(status: AssignmentStatus, problems: Sequence[Problem] = (),
               assignments: Mapping[Id, tuple[Seat, ...]] | None = None, cost: AssignmentCost | None = None,
               stopped_by_clock: bool = False) -> AssignmentResult:
        return AssignmentResult(status, MappingProxyType(dict(assignments or {})), cost,
                                time.perf_counter() - started, tuple(problems), stopped_by_clock)

    if prechecks:
        problems = _diagnose(instance)
        if problems:
            return result(AssignmentStatus.INFEASIBLE, problems)
    built = _build_model(instance, with_assumptions=False)
    model, total = built.model, cp_model.LinearExpr.sum

    # Phase 1: fill seats (then no more than the targets), within half the time; phase 2 gets the rest.
    # An empty seat outweighs every extra seat together.
    beyond_targets = sum(panel.scorers_max - panel.target for panel in instance.panels)
    seats_goal = (beyond_targets + 1) * total(built.empty_seats) + total(built.extra_seats)
    model.minimize(seats_goal)
    solver = _solver(seed, time_limit_seconds / 2, settings, without_lp=True)
    status = solver.solve(model)
    stopped_by_clock = _stopped_by_clock(solver, status, time_limit_seconds / 2)
    if status == cp_model.INFEASIBLE:
        return result(AssignmentStatus.INFEASIBLE, _explain_infeasible(instance, seed, time_limit_seconds))
    if status == cp_model.UNKNOWN:
        return result(AssignmentStatus.UNKNOWN, [Problem("solver.no_solution", _NO_SOLUTION, (),
                                                         {"time_limit_seconds": time_limit_seconds})],
                      stopped_by_clock=stopped_by_clock)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"CP-SAT returned {status.name}: {solver.solution_info()}")
    optimal = status == cp_model.OPTIMAL
    chosen = [solver.boolean_value(literal) for _, _, _, literal in built.seats]
    assignments = _seats_to_assignments(instance, built, chosen)
    cost = _cost(instance, assignments)

    # Phase 2: keep the seats filled, start from the best assignment so far, minimise the weighted cost:
    # first the plain one-worker search, which proves small instances optimal at once, then the
    # neighbourhood search, which is what improves large ones.
    remaining = time_limit_seconds - solver.deterministic_time
    if cost.weighted and (remaining <= 0 or stopped_by_clock):
        optimal = False
    elif cost.weighted:
        model.add(seats_goal <= (beyond_targets + 1) * cost.empty_seats + cost.extra_seats)
        model.minimize(total(built.cost))
        optimal_cost = False
        for lns_only, budget in ((False, remaining * _EXACT_SEARCH_SHARE), (True, None)):
            budget = remaining if budget is None else budget
            model.clear_hints()
            for (_, _, _, literal), value in zip(built.seats, chosen, strict=True):
                model.add_hint(literal, value)
            solver = _solver(seed, budget, settings, lns_only=lns_only)
            status = solver.solve(model)
            remaining -= solver.deterministic_time
            stopped_by_clock = _stopped_by_clock(solver, status, budget)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = [solver.boolean_value(literal) for _, _, _, literal in built.seats]
                improved = _seats_to_assignments(instance, built, found)
                if _cost(instance, improved).weighted <= cost.weighted:
                    chosen, assignments, cost = found, improved, _cost(instance, improved)
            optimal_cost = status == cp_model.OPTIMAL
            if optimal_cost or stopped_by_clock or remaining <= 0:
                break
        optimal = optimal and optimal_cost
    return result(AssignmentStatus.OPTIMAL if optimal else AssignmentStatus.FEASIBLE, (), assignments,
                  cost, stopped_by_clock)


def _seats_to_assignments(instance: _Instance, built: _Model, chosen: Sequence[bool]
                          ) -> dict[Id, tuple[Seat, ...]]:
    """Panel id → seats (chief, deputy, scorers; judges in input order) from the chosen literals."""
    seats: dict[int, list[tuple[int, int, Role]]] = {p: [] for p in range(len(instance.panels))}
    for (p, j, role, _), taken in zip(built.seats, chosen, strict=True):
        if taken:
            seats[p].append((_ROLE_ORDER[role], j, role))
    return {instance.panels[p].panel_id: tuple(Seat(instance.judges[j].judge_id, role)
                                               for _, j, role in sorted(taken))
            for p, taken in seats.items()}


def _stopped_by_clock(solver: cp_model.CpSolver, status: Any, time_limit_seconds: float) -> bool:
    """Whether the wall-clock cap, not the deterministic limit or a proof, ended the search."""
    from ortools.sat.python import cp_model
    return status in (cp_model.FEASIBLE, cp_model.UNKNOWN) and solver.deterministic_time < time_limit_seconds


def _cost(instance: _Instance, assignment: Mapping[Id, Iterable[tuple[Id, Role | str]]]) -> AssignmentCost:
    settings = instance.settings
    empty = extra = organisation = region = 0
    load: dict[Id, int] = {}
    for panel in instance.panels:
        seats = list(assignment.get(panel.panel_id, ()))
        scorers = sum(1 for _, role in seats if role == Role.SCORER)
        empty += max(0, panel.target - scorers)
        extra += max(0, scorers - panel.target)
        judges = [instance.judges[instance.judge_position[judge_id]] for judge_id in {j for j, _ in seats}
                  if judge_id in instance.judge_position]
        for judge in judges:
            load[judge.judge_id] = load.get(judge.judge_id, 0) + 1
        for attribute in ("organisation_id", "region"):
            counts: dict[Any, int] = {}
            for judge in judges:
                value = getattr(judge, attribute)
                if value is not None:
                    counts[value] = counts.get(value, 0) + 1
            beyond_first = sum(count - 1 for count in counts.values())
            if attribute == "region":
                region += beyond_first
            else:
                organisation += beyond_first
    extra_load = sum(n * (n - 1) // 2 for n in load.values())
    weighted = (settings.weight_same_organisation * organisation + settings.weight_same_region * region
                + settings.weight_extra_load * extra_load)
    return AssignmentCost(empty, extra, organisation, region, extra_load, weighted)


def assignment_cost(panels: Iterable[PanelSpec], judges: Iterable[JudgeSpec],
                    assignment: Mapping[Id, Iterable[tuple[Id, Role | str]]],
                    settings: AssignmentSettings = DEFAULT_SETTINGS) -> AssignmentCost:
    """What the soft goals think of ``assignment`` (e.g. before and after a manual change): see
    :class:`AssignmentCost`. Seats of unknown judges or panels are ignored (:func:`check_assignment`
    reports them). Raises :class:`AssignmentInputError` on unusable panels or judges."""
    return _cost(_Instance(panels, judges, (), settings), assignment)


# --- checking any assignment ----------------------------------------------------------------------------

_VIOLATIONS = {
    "assignment.unknown_panel": N_("Panel %(panel_id)s does not exist."),
    "assignment.unknown_judge": N_("Judge %(judge_id)s is not in the judge pool."),
    "assignment.unknown_role": N_("%(role)s is not a panel role."),
    "panel.judge_repeated": N_("Judge %(judge_id)s is seated %(times)s times on panel %(panel_id)s."),
    "panel.chief_count": N_("Panel %(panel_id)s has %(found)s chiefs; it needs exactly 1."),
    "panel.deputy_count": N_("Panel %(panel_id)s has %(found)s deputies; it needs %(min)s to %(max)s."),
    "panel.scorer_count": N_("Panel %(panel_id)s has %(found)s scorers; it needs %(min)s to %(max)s."),
    "panel.too_few_at_level": N_("Panel %(panel_id)s has %(found)s judges at level %(level)s or above; it "
                                 "needs at least %(required)s."),
    "judge.not_qualified": N_("Judge %(judge_id)s is not qualified for %(occupation)s (panel %(panel_id)s)."),
    "judge.cannot_chair": N_("Judge %(judge_id)s may not chair, so cannot sit as %(role)s on panel "
                             "%(panel_id)s."),
    "judge.conflict": N_("Judge %(judge_id)s has a conflict that bars them from panel %(panel_id)s."),
    "judge.double_booked": N_("Judge %(judge_id)s sits on panels %(panel_ids)s in time slot %(slot)s."),
    "judge.over_capacity": N_("Judge %(judge_id)s sits on %(found)s panels; their limit is %(max)s."),
}


def check_assignment(panels: Iterable[PanelSpec], judges: Iterable[JudgeSpec],
                     forbidden: Iterable[tuple[Id, Id]],
                     assignment: Mapping[Id, Iterable[tuple[Id, Role | str]]],
                     settings: AssignmentSettings = DEFAULT_SETTINGS) -> list[Violation]:
    """Every hard rule (module docstring) that ``assignment`` (panel id → (judge id, role) seats, e.g. a
    manually edited :attr:`AssignmentResult.assignments`) breaks; ``[]`` when it is valid. A panel missing
    from ``assignment`` is checked as empty. Violations come panel by panel in input order (unknown panels
    last), then per judge in input order. Raises :class:`AssignmentInputError` on unusable panels/judges."""
    instance = _Instance(panels, judges, forbidden, settings)
    found: list[Violation] = []

    def flag(code: str, panel_id: Id | None, judge_id: Id | None, **params: Any) -> None:
        if panel_id is not None:
            params.setdefault("panel_id", panel_id)
        if judge_id is not None:
            params.setdefault("judge_id", judge_id)
        found.append(Violation(code, _VIOLATIONS[code], panel_id, judge_id, params))

    sittings: dict[int, list[int]] = {}     # judge position → panel positions
    for p, panel in enumerate(instance.panels):
        seats = list(assignment.get(panel.panel_id, ()))
        counts = {role: 0 for role in Role}
        times: dict[int, int] = {}
        for judge_id, raw_role in seats:
            try:
                role = Role(raw_role)
            except ValueError:
                flag("assignment.unknown_role", panel.panel_id, judge_id, role=raw_role)
                continue
            counts[role] += 1
            j = instance.judge_position.get(judge_id)
            if j is None:
                flag("assignment.unknown_judge", panel.panel_id, judge_id)
                continue
            times[j] = times.get(j, 0) + 1
            judge = instance.judges[j]
            if not instance.may_sit_as(judge, role):
                flag("judge.cannot_chair", panel.panel_id, judge_id, role=role.value)
        for j, count in times.items():
            judge = instance.judges[j]
            sittings.setdefault(j, []).append(p)
            if count > 1:
                flag("panel.judge_repeated", panel.panel_id, judge.judge_id, times=count)
            if panel.occupation not in judge.occupations:
                flag("judge.not_qualified", panel.panel_id, judge.judge_id, occupation=panel.occupation)
            if (judge.judge_id, panel.panel_id) in instance.forbidden:
                flag("judge.conflict", panel.panel_id, judge.judge_id)
        if counts[Role.CHIEF] != 1:
            flag("panel.chief_count", panel.panel_id, None, found=counts[Role.CHIEF])
        if not panel.deputies_min <= counts[Role.DEPUTY] <= panel.deputies_max:
            flag("panel.deputy_count", panel.panel_id, None, found=counts[Role.DEPUTY],
                 min=panel.deputies_min, max=panel.deputies_max)
        if not panel.scorers_min <= counts[Role.SCORER] <= panel.scorers_max:
            flag("panel.scorer_count", panel.panel_id, None, found=counts[Role.SCORER],
                 min=panel.scorers_min, max=panel.scorers_max)
        for level, required in panel.min_levels.items():
            at_level = sum(1 for j in times if settings.meets_level(instance.judges[j].level, level))
            if at_level < required:
                flag("panel.too_few_at_level", panel.panel_id, None, level=level, found=at_level,
                     required=required)
    for panel_id in assignment:
        if panel_id not in instance.panel_position:
            flag("assignment.unknown_panel", panel_id, None)
    slots = instance.slots()
    for j in sorted(sittings):
        judge = instance.judges[j]
        if len(sittings[j]) > judge.max_panels:
            flag("judge.over_capacity", None, judge.judge_id, found=len(sittings[j]), max=judge.max_panels)
        for slot in slots:
            here = [instance.panels[p].panel_id for p in sittings[j] if slot in instance.panels[p].time_slots]
            if len(here) > 1:
                flag("judge.double_booked", None, judge.judge_id, slot=slot, panel_ids=here)
    return found
