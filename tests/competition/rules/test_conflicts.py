"""Conflict rules (回避): a hand-made case per conflict type and per effect, the per-event settings, the
waivers, and a hypothesis check of the indexed detection against a brute-force pairwise comparison."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competition.rules.conflicts import (
    DEFAULT_SETTINGS,
    Conflict,
    ConflictEffect,
    ConflictError,
    ConflictInputError,
    ConflictSettings,
    ConflictType,
    ContestantFacts,
    JudgeFacts,
    MemberFacts,
    Waiver,
    WaiverError,
    apply_waivers,
    detect_conflicts,
)

# No example database: the run leaves nothing behind in the working tree.
prop = settings(database=None, max_examples=150, deadline=None)

T = ConflictType
NOT_ON_PANEL = ConflictEffect.NOT_ON_PANEL
NOT_MARKING = ConflictEffect.NOT_MARKING
EVERYTHING_ON_PANEL = ConflictSettings(**{kind.value: NOT_ON_PANEL for kind in ConflictType})


def contestant(contestant_id: int, person_id: int | None = None, *, orgs: tuple[int, ...] = (),
               district: str | None = None, country: str | None = None) -> ContestantFacts:
    """An individual entry whose one member carries the facts."""
    member = MemberFacts(person_id if person_id is not None else 1000 + contestant_id, orgs, district, country)
    return ContestantFacts(contestant_id, (member,))


def kinds(conflicts: list[Conflict]) -> list[tuple[object, object, ConflictType, ConflictEffect]]:
    return [(c.judge_id, c.contestant_id, c.type, c.effect) for c in conflicts]


# --- one case per type ----------------------------------------------------------------------------------

def test_same_employer_through_member_organisation() -> None:
    judge = JudgeFacts("J1", organisation_ids={10, 11})
    found = detect_conflicts([judge], [contestant(1, orgs=(11,)), contestant(2, orgs=(12,))])
    assert kinds(found) == [("J1", 1, T.SAME_EMPLOYER, NOT_ON_PANEL)]
    assert found[0].matched == (11,)


def test_same_employer_covers_a_school_and_the_entry_organisation() -> None:
    judge = JudgeFacts("J1", organisation_ids={"school-7", "factory-3"})
    entry = ContestantFacts(5, (MemberFacts(50, {"school-7"}),), organisation_ids={"factory-3"})
    [conflict] = detect_conflicts([judge], [entry])
    assert conflict.type is T.SAME_EMPLOYER
    assert conflict.matched == ("factory-3", "school-7")
    assert conflict.reason.params["organisation_ids"] == ["factory-3", "school-7"]


def test_same_district_is_not_marking_by_default() -> None:
    judge = JudgeFacts("J1", district="500107")
    delegation = ContestantFacts(1, (MemberFacts(10),), district="500107")
    own_home = contestant(2, district="500107")
    elsewhere = contestant(3, district="500108")
    found = detect_conflicts([judge], [delegation, own_home, elsewhere])
    assert kinds(found) == [("J1", 1, T.SAME_DISTRICT, NOT_MARKING), ("J1", 2, T.SAME_DISTRICT, NOT_MARKING)]
    assert found[0].reason.params == {"judge_id": "J1", "contestant_id": 1, "district": "500107"}


def test_same_country_is_off_by_default_and_on_for_international_kinds() -> None:
    judge = JudgeFacts("J1", country="TH")
    entries = [contestant(1, country="TH"), contestant(2, country="VN")]
    assert detect_conflicts([judge], entries) == []
    for kind in ("belt_and_road", "worldskills_selection"):
        found = detect_conflicts([judge], entries, ConflictSettings.for_event_kind(kind))
        assert kinds(found) == [("J1", 1, T.SAME_COUNTRY, NOT_MARKING)]
        assert found[0].reason.params["country"] == "TH"


def test_teacher_of_a_team_member() -> None:
    judge = JudgeFacts("J1", student_ids={21})
    team = ContestantFacts(2, (MemberFacts(20), MemberFacts(21), MemberFacts(22)))
    [conflict] = detect_conflicts([judge], [team, contestant(3, 30)])
    assert (conflict.contestant_id, conflict.type, conflict.effect) == (2, T.TEACHER_OF, NOT_ON_PANEL)
    assert conflict.reason.params["person_ids"] == [21]


def test_relative() -> None:
    judge = JudgeFacts("J1", relative_ids={30, 99})
    [conflict] = detect_conflicts([judge], [contestant(3, 30)])
    assert (conflict.type, conflict.effect, conflict.matched) == (T.RELATIVE, NOT_ON_PANEL, (30,))


def test_declared() -> None:
    judge = JudgeFacts("J1", declared_ids={40})
    [conflict] = detect_conflicts([judge], [contestant(4, 40)])
    assert (conflict.type, conflict.effect) == (T.DECLARED, NOT_ON_PANEL)
    assert conflict.reason.code == "conflict.declared"


def test_a_team_conflicts_through_every_member_and_each_type_once() -> None:
    judge = JudgeFacts("J1", organisation_ids={1}, student_ids={20, 21}, relative_ids={21})
    team = ContestantFacts(2, (MemberFacts(20, {1}), MemberFacts(21, {1})))
    found = detect_conflicts([judge], [team])
    assert [c.type for c in found] == [T.SAME_EMPLOYER, T.TEACHER_OF, T.RELATIVE]
    assert found[0].matched == (1,)
    assert found[1].matched == (20, 21)


def test_nothing_shared_means_no_conflict() -> None:
    judge = JudgeFacts("J1", organisation_ids={1}, district=None, country=None, student_ids={7})
    entry = ContestantFacts(1, (MemberFacts(8, {2}, None, None),), district=None, country=None)
    assert detect_conflicts([judge], [entry], EVERYTHING_ON_PANEL) == []


# --- effects and settings -------------------------------------------------------------------------------

def test_default_effects() -> None:
    assert {kind: DEFAULT_SETTINGS.effect(kind) for kind in ConflictType} == {
        T.SAME_EMPLOYER: NOT_ON_PANEL, T.SAME_DISTRICT: NOT_MARKING, T.SAME_COUNTRY: None,
        T.TEACHER_OF: NOT_ON_PANEL, T.RELATIVE: NOT_ON_PANEL, T.DECLARED: NOT_ON_PANEL}
    assert ConflictSettings.for_event_kind("bayu_cup") == DEFAULT_SETTINGS


@pytest.mark.parametrize("effect", list(ConflictEffect))
@pytest.mark.parametrize("kind", list(ConflictType))
def test_every_type_takes_every_effect(kind: ConflictType, effect: ConflictEffect) -> None:
    judge = JudgeFacts("J1", organisation_ids={1}, district="500101", country="CN", student_ids={5},
                       relative_ids={5}, declared_ids={5})
    entry = contestant(1, 5, orgs=(1,), district="500101", country="CN")
    only = ConflictSettings(**{other.value: (effect if other is kind else None) for other in ConflictType})
    assert only.active == (kind,)
    assert kinds(detect_conflicts([judge], [entry], only)) == [("J1", 1, kind, effect)]


def test_a_type_switched_off_is_not_detected() -> None:
    judge = JudgeFacts("J1", organisation_ids={1})
    off = dataclasses.replace(DEFAULT_SETTINGS, same_employer=None)
    assert detect_conflicts([judge], [contestant(1, orgs=(1,))], off) == []


def test_settings_accept_strings_and_refuse_anything_else() -> None:
    assert ConflictSettings(same_district="not_on_panel").same_district is NOT_ON_PANEL
    with pytest.raises(ConflictInputError) as raised:
        ConflictSettings(relative="sometimes")
    assert raised.value.code == "conflicts.invalid_setting"
    assert raised.value.params["setting"] == "relative"
    assert "relative" in str(raised.value)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ConflictInputError) as raised:
        detect_conflicts([JudgeFacts("J1"), JudgeFacts("J1")], [])
    assert raised.value.code == "conflicts.duplicate_judge"
    with pytest.raises(ConflictInputError) as raised:
        detect_conflicts([], [contestant(1), contestant(1)])
    assert raised.value.code == "conflicts.duplicate_contestant"


def test_a_string_is_not_a_set_of_ids() -> None:
    with pytest.raises(TypeError):
        JudgeFacts("J1", organisation_ids="ACME")
    with pytest.raises(TypeError):
        MemberFacts(1, organisation_ids="ACME")


def test_order_is_judges_then_contestants_as_given_then_type_order() -> None:
    judges = [JudgeFacts("Jb", organisation_ids={1}, district="D"), JudgeFacts("Ja", relative_ids={1002})]
    entries = [contestant(3, orgs=(1,)), contestant(2, 1002, orgs=(1,), district="D")]
    assert [(c.judge_id, c.contestant_id, c.type) for c in detect_conflicts(judges, entries)] == [
        ("Jb", 3, T.SAME_EMPLOYER), ("Jb", 2, T.SAME_EMPLOYER), ("Jb", 2, T.SAME_DISTRICT),
        ("Ja", 2, T.RELATIVE)]


@pytest.mark.parametrize("kind", list(ConflictType))
def test_every_reason_renders(kind: ConflictType) -> None:
    judge = JudgeFacts("J1", organisation_ids={1}, district="500101", country="CN", student_ids={5},
                       relative_ids={5}, declared_ids={5})
    [conflict] = detect_conflicts([judge], [contestant(1, 5, orgs=(1,), district="500101", country="CN")],
                                  ConflictSettings(**{k.value: (NOT_ON_PANEL if k is kind else None)
                                                      for k in ConflictType}))
    reason = conflict.reason
    assert reason.code == f"conflict.{kind.value}"
    text = reason.message % reason.params
    assert "J1" in text and "1" in text


def test_conflicts_are_values() -> None:
    [conflict] = detect_conflicts([JudgeFacts("J1", declared_ids={5})], [contestant(1, 5)])
    assert conflict == Conflict("J1", 1, T.DECLARED, NOT_ON_PANEL, (5,))
    assert len({conflict, Conflict("J1", 1, T.DECLARED, NOT_ON_PANEL, (5,))}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        conflict.effect = NOT_MARKING  # type: ignore[misc]


# --- waivers --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   \n", None, 42])
def test_a_waiver_needs_a_written_reason(reason: object) -> None:
    with pytest.raises(WaiverError) as raised:
        Waiver("J1", 1, T.SAME_EMPLOYER, reason)  # type: ignore[arg-type]
    assert raised.value.code == "waiver.reason_required"
    assert isinstance(raised.value, ConflictError) and isinstance(raised.value, ValueError)
    assert raised.value.params == {"judge_id": "J1", "contestant_id": 1}


def test_a_waiver_names_a_known_type() -> None:
    with pytest.raises(WaiverError) as raised:
        Waiver("J1", 1, "friendship", "they met once")  # type: ignore[arg-type]
    assert raised.value.code == "waiver.unknown_type"
    assert Waiver("J1", 1, "relative", "distant cousin").type is T.RELATIVE  # type: ignore[arg-type]


def test_apply_waivers_removes_exactly_the_waived_conflict() -> None:
    judge = JudgeFacts("J1", organisation_ids={1}, student_ids={1001})
    conflicts = detect_conflicts([judge], [contestant(1, 1001, orgs=(1,)), contestant(2, orgs=(1,))])
    assert [(c.contestant_id, c.type) for c in conflicts] == [
        (1, T.SAME_EMPLOYER), (1, T.TEACHER_OF), (2, T.SAME_EMPLOYER)]
    waiver = Waiver("J1", 1, T.SAME_EMPLOYER, "Group of 40,000 staff; different subsidiaries", "organiser-3")
    outcome = apply_waivers(conflicts, [waiver])
    assert [(c.contestant_id, c.type) for c in outcome.in_force] == [(1, T.TEACHER_OF), (2, T.SAME_EMPLOYER)]
    assert [(w.conflict.key, w.waiver) for w in outcome.waived] == [(("J1", 1, T.SAME_EMPLOYER), waiver)]
    assert outcome.unused == []


def test_unused_and_repeated_waivers_are_reported() -> None:
    conflicts = detect_conflicts([JudgeFacts("J1", relative_ids={1001})], [contestant(1, 1001)])
    first = Waiver("J1", 1, T.RELATIVE, "Relation ended decades ago")
    again = Waiver("J1", 1, T.RELATIVE, "Same, entered twice")
    stale = Waiver("J9", 1, T.RELATIVE, "Judge withdrew")
    outcome = apply_waivers(conflicts, [stale, first, again])
    assert outcome.in_force == []
    assert [w.waiver for w in outcome.waived] == [first]
    assert outcome.unused == [stale, again]


def test_apply_waivers_refuses_anything_but_waivers() -> None:
    with pytest.raises(TypeError):
        apply_waivers([], [("J1", 1, "relative", "reason")])  # type: ignore[list-item]


# --- property: the index finds exactly what comparing every pair finds ----------------------------------

def brute_force(judges: list[JudgeFacts], entries: list[ContestantFacts],
                settings: ConflictSettings) -> set[tuple[object, object, ConflictType, ConflictEffect]]:
    found = set()
    for judge in judges:
        for entry in entries:
            persons = {m.person_id for m in entry.members}
            shared = {
                T.SAME_EMPLOYER: judge.organisation_ids & (entry.organisation_ids.union(
                    *(m.organisation_ids for m in entry.members))),
                T.SAME_DISTRICT: {judge.district} & {entry.district, *(m.district for m in entry.members)} - {None},
                T.SAME_COUNTRY: {judge.country} & {entry.country, *(m.country for m in entry.members)} - {None},
                T.TEACHER_OF: judge.student_ids & persons,
                T.RELATIVE: judge.relative_ids & persons,
                T.DECLARED: judge.declared_ids & persons,
            }
            for kind, common in shared.items():
                effect = settings.effect(kind)
                if common and effect is not None:
                    found.add((judge.judge_id, entry.contestant_id, kind, effect))
    return found


small_ids = st.frozensets(st.integers(0, 6), max_size=3)
place = st.one_of(st.none(), st.sampled_from(["500101", "500102", "500103"]))
nation = st.one_of(st.none(), st.sampled_from(["CN", "TH", "VN"]))
effect_or_off = st.one_of(st.none(), st.sampled_from(list(ConflictEffect)))


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[JudgeFacts], list[ContestantFacts], ConflictSettings]:
    judges = [JudgeFacts(f"J{i}", draw(small_ids), draw(place), draw(nation), draw(small_ids), draw(small_ids),
                         draw(small_ids)) for i in range(draw(st.integers(0, 6)))]
    entries = []
    for c in range(draw(st.integers(0, 8))):
        members = tuple(MemberFacts(draw(st.integers(0, 6)), draw(small_ids), draw(place), draw(nation))
                        for _ in range(draw(st.integers(0, 3))))
        entries.append(ContestantFacts(c, members, draw(small_ids), draw(place), draw(nation)))
    chosen = ConflictSettings(**{kind.value: draw(effect_or_off) for kind in ConflictType})
    return judges, entries, chosen


@prop
@given(instances())
def test_detection_matches_brute_force(instance: tuple[list[JudgeFacts], list[ContestantFacts],
                                                       ConflictSettings]) -> None:
    judges, entries, chosen = instance
    found = detect_conflicts(judges, entries, chosen)
    assert set(kinds(found)) == brute_force(judges, entries, chosen)
    assert len(found) == len(set(kinds(found)))            # one conflict per (judge, contestant, type)
    judge_order = {judge.judge_id: i for i, judge in enumerate(judges)}
    entry_order = {entry.contestant_id: i for i, entry in enumerate(entries)}
    type_order = list(ConflictType)
    keys = [(judge_order[c.judge_id], entry_order[c.contestant_id], type_order.index(c.type)) for c in found]
    assert keys == sorted(keys)


@prop
@given(instances(), st.data())
def test_waivers_partition_the_conflicts(instance: tuple[list[JudgeFacts], list[ContestantFacts],
                                                         ConflictSettings], data: st.DataObject) -> None:
    judges, entries, chosen = instance
    found = detect_conflicts(judges, entries, chosen)
    picked = data.draw(st.lists(st.sampled_from(found), unique=True) if found else st.just([]))
    outcome = apply_waivers(found, [Waiver(*c.key, reason="reviewed") for c in picked])
    assert [w.conflict for w in outcome.waived] == [c for c in found if c in picked]
    assert outcome.in_force == [c for c in found if c not in picked]
    assert outcome.unused == []
