"""Judges through the services and the database: each conflict type as SaiPing's data produces it, the check
scoring calls for every mark, waivers and declarations, panels and seats (every manual change checked
against the rules), the automatic assignment (preview, apply, seed, infeasibility) and the printed letters."""
from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import AspectKind, AuditLog, EventKind, JudgeAssignment, Organisation, OrgKind, Role, User
from competition.models.judging import ConflictWaiver, JudgePanel, PanelSeat, RelationKind
from competition.services import entries, judging, marking
from tests import factories

ELECTRICIAN = "6-31-01-03"


def _audited() -> list[str]:
    """The actions in the audit log, after committing (rows are written with the transaction)."""
    db.session.commit()
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.seq)))


def _types(event, person) -> set[str]:
    return {row.type for row in judging.event_conflicts(event, [person.id]).in_force}


# --- each conflict type, from the data ---------------------------------------------------------------------

def test_same_employer_keeps_the_judge_off_the_panel_and_from_marking(ctx):
    company = factories.organisation()
    ev, skill = factories.judged_event()
    judge = factories.pool_judge("陈建国", 311, org=company)
    entry = factories.entry(skill, "c1", "张三", 123, org=company)
    [row] = judging.event_conflicts(ev, [judge.id]).in_force
    assert (row.type, row.effect, row.entry.id) == ("same_employer", "not_on_panel", entry.id)
    assert "重庆渝江机械制造有限公司" in row.reason() and "陈建国" in row.reason()
    assert judging.marking_conflict(judge.id, entry) == "same_employer"


def test_a_school_counts_and_a_delegation_is_not_an_employer(ctx):
    school = factories.organisation("重庆沙坪坝技师学院", OrgKind.SCHOOL)
    delegation = factories.organisation("渝北区代表队", OrgKind.DISTRICT, district="渝北区")
    ev, skill = factories.judged_event()
    teacher = factories.pool_judge("陈老师", 311, org=school)
    official = factories.pool_judge("区县干部", 313, org=delegation)
    factories.entry(skill, "c1", "张三", 123, org=school)
    assert _types(ev, teacher) == {"same_employer"}
    assert "same_employer" not in _types(ev, official)


def test_same_district_is_not_marking_and_a_setting(ctx):
    ev, skill = factories.judged_event()
    judge = factories.pool_judge("陈建国", 311, district="万州区")
    entry = factories.entry(skill, "c1", "张三", 123, district="万州区")
    [row] = judging.event_conflicts(ev, [judge.id]).in_force
    assert (row.type, row.effect) == ("same_district", "not_marking")
    assert judging.marking_conflict(judge.id, entry) == "same_district"
    judging.update_conflict_settings(ev, {"same_district": "off"})
    assert judging.marking_conflict(judge.id, entry) is None
    judging.update_conflict_settings(ev, {"same_district": "not_on_panel"})
    assert judging.event_conflicts(ev, [judge.id]).in_force[0].effect == "not_on_panel"
    with pytest.raises(DomainError) as refused:
        judging.update_conflict_settings(ev, {"same_district": "sometimes"})
    assert refused.value.code == "conflicts.invalid_setting"


def test_a_district_delegation_entry_conflicts_with_its_district(ctx):
    delegation = factories.organisation("万州区代表队", OrgKind.DISTRICT, district="万州区")
    ev, skill = factories.judged_event()
    judge = factories.pool_judge("陈建国", 311, district="万州区")
    user = factories.contestant("c1", "张三", 123)
    entry = entries.enter_skill(user, skill)
    entry.organisation_id = delegation.id
    assert judging.marking_conflict(judge.id, entry) == "same_district"


def test_same_country_only_where_national_delegations_compete(ctx):
    thailand = factories.organisation("TH delegation", OrgKind.COUNTRY, country="TH")
    bri, skill = factories.judged_event("bri-test", EventKind.BELT_AND_ROAD)
    expert = factories.pool_judge("Somchai Prasert", 0, passport="TH8800001", nationality="TH")
    chinese = factories.pool_judge("陈建国", 311)
    guest = entries.register_contestant(username="guest", password=factories.PASSWORD, name="Somchai Wongsakul",
                                        id_type="passport", id_number="TH4711000", nationality="TH",
                                        name_latin="Somchai Wongsakul", organisation_id=thailand.id,
                                        birth_date=date(2004, 3, 1))  # the WorldSkills age rule needs it
    entry = entries.enter_skill(guest, skill)
    db.session.flush()
    assert judging.marking_conflict(expert.id, entry) == "same_country"
    assert judging.marking_conflict(chinese.id, entry) is None
    # A domestic event: the same people, no same-country conflict.
    bayu, bayu_skill = factories.judged_event("bayu-test")
    domestic = factories.entry(bayu_skill, "c1", "张三", 123)
    assert judging.marking_conflict(chinese.id, domestic) is None


def test_a_domestic_worldskills_selection_has_no_country_conflicts(ctx):
    ws, skill = factories.judged_event("ws-test", EventKind.WORLDSKILLS_SELECTION)
    marking.events.update_settings(ws, "registration", {"max_age": 30, "extended_max_age": 30})  # born 1998
    judge = factories.pool_judge("陈建国", 311)
    entry = factories.entry(skill, "c1", "张三", 123)
    assert judging.conflict_settings(ws).same_country is not None
    assert judging.marking_conflict(judge.id, entry) is None


def test_teacher_or_coach_from_who_registered_or_leads_the_entry(ctx):
    school = factories.organisation("重庆市渝西高级技工学校", OrgKind.SCHOOL)
    ev, skill = factories.judged_event()
    coach = factories.pool_judge("陈教练", 311, username="coach")
    leader = factories.pool_judge("王领队", 313)
    factories.user("leader", (Role.JUDGE, None, None), (Role.TEAM_LEADER, None, school.id), person=leader)
    registered = factories.entry(skill, "c1", "张三", 123)
    registered.created_by_id = db.session.scalar(select(User.id).where(User.username == "coach"))
    led = factories.entry(skill, "c2", "李四", 125, org=school)
    assert judging.marking_conflict(coach.id, registered) == "teacher_of"
    assert judging.marking_conflict(coach.id, led) is None
    assert judging.marking_conflict(leader.id, led) == "teacher_of"
    assert {row.effect for row in judging.event_conflicts(ev, [coach.id, leader.id]).in_force} == {"not_on_panel"}


def test_relative_declared_by_id_number_and_declared_by_name(ctx):
    ev, skill = factories.judged_event()
    judge = factories.pool_judge("陈建国", 311)
    cousin = factories.entry(skill, "c1", "张三", 123)
    friend = factories.entry(skill, "c2", "李四", 125)
    before = len(_audited())
    relation = judging.declare_relation(judge, kind=RelationKind.RELATIVE, other_name="张三",
                                        other_id_number=factories.id_number(sequence=123), note="表弟")
    assert relation.other_person_id == cousin.members[0].person_id
    judging.declare_relation(judge, kind=RelationKind.DECLARED, other_name="李四", note="同一个师傅带出来的")
    assert _audited()[before:] == ["judge.relation_declare"] * 2
    assert judging.marking_conflict(judge.id, cousin) == "relative"
    assert judging.marking_conflict(judge.id, friend) == "declared"
    reasons = {row.type: row.reason() for row in judging.event_conflicts(ev, [judge.id]).in_force}
    assert set(reasons) == {"relative", "declared"} and "张三" in reasons["relative"]
    with pytest.raises(DomainError) as repeated:
        judging.declare_relation(judge, kind=RelationKind.DECLARED, other_name="李四")
    assert repeated.value.code == "relation.duplicate"
    with pytest.raises(DomainError) as wrong:
        judging.declare_relation(judge, kind=RelationKind.RELATIVE, other_name="王五",
                                 other_id_number=factories.id_number(sequence=123))
    assert wrong.value.code == "relation.name_mismatch"
    judging.withdraw_relation(relation)
    assert judging.marking_conflict(judge.id, cousin) is None


def test_a_judge_who_competes_is_self(ctx):
    ev, skill = factories.judged_event()
    user = factories.judge("judge1")
    judging.save_profile(user.person, level="national", occupations=[ELECTRICIAN], may_chair=True)
    own = entries.enter_skill(user, skill)
    db.session.flush()
    assert judging.marking_conflict(user.person_id, own) == "self"
    report = judging.event_conflicts(ev, [user.person_id])
    assert [(person.id, entry.id) for person, entry in report.competing] == [(user.person_id, own.id)]


def test_marking_conflict_is_a_handful_of_queries(ctx):
    company = factories.organisation()
    school = factories.organisation("重庆沙坪坝技师学院", OrgKind.SCHOOL)
    ev, skill = factories.judged_event()
    judge = factories.pool_judge("陈建国", 311, org=school)
    entry = factories.entry(skill, "c1", "张三", 123, org=company)
    judging.marking_conflict(judge.id, entry)            # warm: the entry's members and skill are in the session
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert judging.marking_conflict(judge.id, entry) is None
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 3, statements      # pool record, accounts and grants, declared ties


def test_scoring_refuses_a_conflicted_judge_with_the_reason(ctx):
    skill, entry, (judge,), _chief = factories.marked_skill()
    judging.declare_relation(judge.person, kind=RelationKind.RELATIVE, other_name=entry.members[0].person.name)
    aspect = next(a for a in marking.events.published_scheme(skill.id).aspects if a.code == "A1")
    [outcome] = marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspect.id, "value": "10"}])
    assert (outcome.status, outcome.code) == ("refused", "mark.conflicted")


# --- waivers -------------------------------------------------------------------------------------------------

def test_a_waiver_needs_a_written_reason_and_is_audited(ctx):
    company = factories.organisation()
    ev, skill = factories.judged_event()
    judge = factories.pool_judge("陈建国", 311, org=company)
    entry = factories.entry(skill, "c1", "张三", 123, org=company)
    before = len(_audited())
    for reason in ("", "   "):
        with pytest.raises(DomainError) as refused:
            judging.waive_conflict(ev, judge_person_id=judge.id, entry_id=entry.id, conflict_type="same_employer",
                                   reason=reason)
        assert refused.value.code == "waiver.reason_required"
    assert len(_audited()) == before and db.session.scalar(select(func.count()).select_from(ConflictWaiver)) == 0
    with pytest.raises(DomainError) as nothing:
        judging.waive_conflict(ev, judge_person_id=judge.id, entry_id=entry.id, conflict_type="relative",
                               reason="no such conflict")
    assert nothing.value.code == "waiver.no_conflict"

    waiver = judging.waive_conflict(ev, judge_person_id=judge.id, entry_id=entry.id, conflict_type="same_employer",
                                    reason="集团有五千名员工，两人在不同分公司，从未共事")
    assert _audited()[-1] == "conflict.waive"
    row = db.session.scalar(select(AuditLog).order_by(AuditLog.seq.desc()).limit(1))
    assert "五千名员工" in row.after["reason"] and row.object_id == str(waiver.id)
    assert judging.marking_conflict(judge.id, entry) is None
    report = judging.event_conflicts(ev, [judge.id])
    assert report.in_force == [] and [r.waiver.id for r in report.waived] == [waiver.id]
    with pytest.raises(DomainError) as twice:
        judging.waive_conflict(ev, judge_person_id=judge.id, entry_id=entry.id, conflict_type="same_employer",
                               reason="again")
    assert twice.value.code == "waiver.no_conflict"

    judging.revoke_waiver(waiver)
    assert judging.marking_conflict(judge.id, entry) == "same_employer"


def test_a_waiver_whose_conflict_disappeared_is_reported_unused(ctx):
    company = factories.organisation()
    ev, skill = factories.judged_event()
    judge = factories.pool_judge("陈建国", 311, org=company)
    entry = factories.entry(skill, "c1", "张三", 123, org=company)
    judging.waive_conflict(ev, judge_person_id=judge.id, entry_id=entry.id, conflict_type="same_employer",
                           reason="不同分公司")
    judge.organisation_id = None
    report = judging.event_conflicts(ev, [judge.id])
    assert report.in_force == [] and report.waived == [] and len(report.unused_waivers) == 1


# --- the pool ------------------------------------------------------------------------------------------------

def test_judge_settings_are_checked_and_audited(ctx):
    ev, skill = factories.judged_event()
    judging.update_judge_settings(ev, {"min_levels": {"national": 2}, "time_limit_seconds": 5, "extra_scorers": 1})
    settings = judging.judge_settings(ev)
    assert settings.min_levels == {"national": 2} and settings.assignment_settings().level_ranking == (
        "national", "municipal", "industry")
    assert (judging.create_panel(skill).scorers_max, judging.lead_panel(skill).min_levels) == (4, {"national": 2})
    for bad in ({"extra_scorers": -1}, {"weight_same_region": -5}, {"colour": "red"}, {"time_limit_seconds": 0}):
        with pytest.raises(DomainError) as refused:
            judging.update_judge_settings(ev, bad)
        assert refused.value.code in ("judges.settings", "settings.invalid"), bad
    assert "event.settings" in _audited()


def test_a_pool_record_needs_known_occupations_and_levels(ctx):
    factories.judged_event()
    person = factories.pool_judge("陈建国", 311)
    for values, code in (({"level": "master"}, "judge.level"), ({"occupations": []}, "judge.no_occupation"),
                         ({"occupations": ["9-99-99-99"]}, "judge.unknown_occupation"),
                         ({"languages": ["chinese"]}, "judge.language"), ({"max_panels": 99}, "judge.max_panels")):
        arguments = {"level": "national", "occupations": [ELECTRICIAN], **values}
        with pytest.raises(DomainError) as refused:
            judging.save_profile(person, **arguments)
        assert refused.value.code == code
    before = len(_audited())
    _, changed = judging.save_profile(person, level="national", occupations=[ELECTRICIAN], may_chair=True)
    assert not changed and len(_audited()) == before


def test_the_pool_lists_records_and_judges_without_one(ctx):
    factories.judged_event()
    recorded = factories.pool_judge("陈建国", 311)
    legacy = factories.judge("judge9", "王老裁判", 399)
    members = {m.person.id: m for m in judging.pool_members()}
    assert members[recorded.id].profile is not None and members[legacy.person_id].profile is None
    assert [m.person.id for m in judging.pool_members(level="municipal")] == []
    assert [m.person.id for m in judging.pool_members(occupation=ELECTRICIAN)] == [recorded.id]


# --- panels and seats ----------------------------------------------------------------------------------------

def _seated(panel) -> set[tuple[int, str]]:
    return {(seat.person_id, seat.role) for seat in panel.seats}


def test_a_new_panel_follows_the_marking_scheme_and_the_settings(ctx):
    ev, skill = factories.judged_event()
    panel = judging.create_panel(skill)
    assert (panel.scorers_min, panel.scorers_target, panel.scorers_max) == (3, 4, 5)   # a judgement team of 3
    assert (panel.deputies_min, panel.deputies_max, panel.min_levels) == (0, 1, {"national": 1})
    assert judging.panel_slots(panel) == {"2026-10-20 AM", "2026-10-20 PM", "2026-10-21 AM", "2026-10-21 PM"}
    module = judging.create_panel(skill, module="a", time_slots=["2026-10-21 PM", "2026-10-21 PM"])
    assert module.module == "A" and module.time_slots == ["2026-10-21 PM"]
    for values, code in (({"scorers_min": 2, "scorers_max": 4}, "panel.too_small"),
                         ({"time_slots": ["tomorrow"]}, "panel.slot"),
                         ({"time_slots": ["2026-11-01"]}, "panel.slot_outside"),
                         ({"scorers_min": 5, "scorers_max": 4}, "panel.invalid"),
                         ({"min_levels": {"galactic": 1}}, "panel.level")):
        with pytest.raises(DomainError) as refused:
            judging.create_panel(skill, module="B", **values)
        assert refused.value.code == code, values
    with pytest.raises(DomainError) as again:
        judging.create_panel(skill, module="A")
    assert again.value.code == "panel.exists"


def test_a_chinese_subjective_item_needs_five_scorers(ctx):
    ev = factories.event("subjective-test")
    skill = marking.events.add_skill(ev, code="B03", name="中式烹调师", occupation_code="4-03-02-01",
                                     occupation_name="中式烹调师", level_grade_code="senior")
    marking.events.add_aspect(skill, criterion_code="A", criterion_name="作品", code="A1", description="色香味形",
                              kind=AspectKind.SUBJECTIVE, max_mark=100)
    assert judging.required_scorers(skill) == 5
    assert judging.create_panel(skill).scorers_min == 5
    with pytest.raises(DomainError) as refused:
        judging.create_panel(skill, module="B", scorers_min=3, scorers_max=5, scorers_target=3)
    assert refused.value.code == "panel.too_small"


def test_manual_seats_are_checked_by_the_same_rules_and_audited(ctx):
    company = factories.organisation()
    ev, skill = factories.judged_event()
    chief = factories.pool_judge("陈裁判长", 311)
    colleague = factories.pool_judge("同事", 313, org=company, chair=False, level="municipal")
    scorer = factories.pool_judge("裁判甲", 317, chair=False, level="municipal")
    factories.entry(skill, "c1", "张三", 123, org=company)
    panel = judging.create_panel(skill)

    before = len(_audited())
    with pytest.raises(DomainError) as conflicted:
        judging.seat_judge(panel, colleague, "scorer")
    assert conflicted.value.code == "judge.conflict" and "重庆渝江机械制造有限公司" in conflicted.value.text()
    with pytest.raises(DomainError) as cannot_chair:
        judging.seat_judge(panel, scorer, "chief")
    assert cannot_chair.value.code == "judge.cannot_chair"
    assert len(_audited()) == before and panel.seats == []

    judging.seat_judge(panel, scorer, "scorer")            # incomplete (no chief yet) is allowed
    judging.seat_judge(panel, chief, "chief")
    assert _seated(panel) == {(scorer.id, "scorer"), (chief.id, "chief")}
    actions = _audited()[before:]
    assert actions.count("panel.seat") == 2 and actions.count("judge.assign") == 2
    roles = dict(db.session.execute(select(JudgeAssignment.person_id, JudgeAssignment.role)
                                    .where(JudgeAssignment.skill_id == skill.id)).all())
    assert roles == {scorer.id: "scorer", chief.id: "chief"}
    problems = judging.check_event_seats(ev)
    assert {p.code for p in problems} == {"panel.scorer_count"} and not any(p.blocking for p in problems)

    another = factories.pool_judge("第二裁判长", 319)
    with pytest.raises(DomainError) as two_chiefs:
        judging.seat_judge(panel, another, "chief")
    assert two_chiefs.value.code == "panel.chief_count"
    marking.events.add_skill(ev, code="B02", name="焊工", occupation_code="6-18-02-04", occupation_name="焊工",
                             level_grade_code="senior")
    with pytest.raises(DomainError) as unqualified:
        judging.seat_judge(panel, factories.pool_judge("焊工裁判", 321, occupations=("6-18-02-04",)), "scorer")
    assert unqualified.value.code == "judge.not_qualified"


def test_a_judge_on_two_panels_at_the_same_time_is_refused(ctx):
    ev, skill = factories.judged_event()
    other_event, other_skill = factories.judged_event("other-test", starts_on=date(2026, 10, 21),
                                                     ends_on=date(2026, 10, 22))
    judge = factories.pool_judge("陈建国", 311, max_panels=3)
    morning = judging.create_panel(skill, module="A", time_slots=["2026-10-20 AM"])
    also_morning = judging.create_panel(skill, module="B", time_slots=["2026-10-20"])
    afternoon = judging.create_panel(skill, module="C", time_slots=["2026-10-21 PM"])
    judging.seat_judge(morning, judge, "chief")
    with pytest.raises(DomainError) as double:
        judging.seat_judge(also_morning, judge, "chief")
    assert double.value.code == "judge.double_booked" and "2026-10-20 AM" in double.value.text()
    judging.seat_judge(afternoon, judge, "chief")           # another half-day: fine
    elsewhere = judging.create_panel(other_skill)            # the other event runs 21-22 October
    with pytest.raises(DomainError) as busy:
        judging.seat_judge(elsewhere, judge, "chief")
    assert busy.value.code == "judge.busy_elsewhere" and "2026-10-21 PM" in busy.value.text()


def test_module_panels_feed_one_skill_link_for_scoring(ctx):
    ev, skill = factories.judged_event()
    lead = judging.create_panel(skill, time_slots=["2026-10-20"])
    module = judging.create_panel(skill, module="A", time_slots=["2026-10-21"])
    chief = factories.pool_judge("总裁判长", 311)
    leader = factories.pool_judge("模块组长", 313)
    both = factories.pool_judge("两个模块", 315, chair=False, level="municipal", max_panels=2)
    judging.seat_judge(lead, chief, "chief")
    judging.seat_judge(module, leader, "chief")
    judging.seat_judge(lead, both, "scorer")
    judging.seat_judge(module, both, "scorer")
    roles = dict(db.session.execute(select(JudgeAssignment.person_id, JudgeAssignment.role)
                                    .where(JudgeAssignment.skill_id == skill.id)).all())
    assert roles == {chief.id: "chief", leader.id: "deputy", both.id: "scorer"}
    judging.unseat_judge(module, both)
    assert db.session.scalar(select(JudgeAssignment.role).where(JudgeAssignment.person_id == both.id)) == "scorer"
    judging.unseat_judge(lead, both)
    assert db.session.scalar(select(JudgeAssignment.id).where(JudgeAssignment.person_id == both.id)) is None


def test_a_judge_who_has_marked_stays(ctx):
    skill, entry, (judge,), chief = factories.marked_skill()
    aspect = next(a for a in marking.events.published_scheme(skill.id).aspects if a.code == "A1")
    marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspect.id, "value": "10"}])
    panel = judging.lead_panel(skill)
    with pytest.raises(DomainError) as refused:
        judging.unseat_judge(panel, judge.person)
    assert refused.value.code == "judge.has_marked"


def test_the_quick_assignment_keeps_its_old_refusals(ctx):
    skill, entry, (judge,), chief = factories.marked_skill()
    outsider = factories.contestant("c9", "局外人", 401)
    for person, role, code in ((outsider.person, "scorer", "judge.not_in_pool"),
                               (judge.person, "scorer", "judge.already"),
                               (factories.judge("chief2", "另一裁判长", 403).person, "chief", "judge.chief_taken")):
        with pytest.raises(DomainError) as refused:
            judging.assign_judge(skill, person, role)
        assert refused.value.code == code


# --- automatic assignment ------------------------------------------------------------------------------------

def _pool_for_assignment(company):
    """Eight electricians: two may chair, three national; the third works for ``company``."""
    return [factories.pool_judge(f"裁判{i}", 311 + 2 * i, chair=i < 2, level="national" if i < 3 else "municipal",
                                 org=company if i == 2 else None) for i in range(8)]


def test_preview_then_apply_avoids_conflicts_and_is_reproducible(ctx):
    company = factories.organisation()
    ev, skill = factories.judged_event()
    people = _pool_for_assignment(company)
    factories.entry(skill, "c1", "张三", 123, org=company)
    panel = judging.create_panel(skill)
    seats_before = db.session.scalar(select(func.count()).select_from(PanelSeat))

    first = judging.preview_assignment(ev, seed=7)
    second = judging.preview_assignment(ev, seed=7)
    assert first.status in ("optimal", "feasible") and first.proposal == second.proposal and first.seed == 7
    assert db.session.scalar(select(func.count()).select_from(PanelSeat)) == seats_before   # a preview changes nothing
    proposed = {pid for pid, _ in first.proposal[str(panel.id)]}
    assert people[2].id not in proposed                      # same employer as the contestant: never seated
    assert len(proposed) >= 4

    judging.apply_assignment(first)
    assert {pid for pid, _ in _seated(panel)} == proposed
    assert set(db.session.scalars(select(JudgeAssignment.person_id).where(JudgeAssignment.skill_id == skill.id))) \
        == proposed
    assert not [p for p in judging.check_event_seats(ev) if p.blocking]
    assert {"assignment.preview", "assignment.apply", "panel.assign", "judge.assign"} <= set(_audited())
    with pytest.raises(DomainError) as again:
        judging.apply_assignment(first)
    assert again.value.code == "assignment.applied"
    with pytest.raises(DomainError) as stale:
        judging.apply_assignment(second)                     # the seats changed since that preview
    assert stale.value.code == "assignment.stale"


def test_a_declaration_after_the_preview_makes_it_stale(ctx):
    ev, skill = factories.judged_event()
    people = _pool_for_assignment(None)
    factories.entry(skill, "c1", "张三", 123)
    judging.create_panel(skill)
    run = judging.preview_assignment(ev, seed=1)
    seated = [int(pid) for pid, _ in next(iter(run.proposal.values()))]
    judging.declare_relation(next(p for p in people if p.id == seated[1]), kind=RelationKind.RELATIVE,
                             other_name="张三")
    assert judging.run_is_stale(run)
    with pytest.raises(DomainError) as refused:
        judging.apply_assignment(run)
    assert refused.value.code == "assignment.stale"


def test_an_impossible_panel_is_named_with_its_cause_and_nothing_is_seated(ctx):
    company = factories.organisation()
    ev, skill = factories.judged_event()
    chief = factories.pool_judge("唯一裁判长", 311, org=company)           # the only one who may chair
    for i in range(5):
        factories.pool_judge(f"裁判{i}", 313 + 2 * i, chair=False)
    factories.entry(skill, "c1", "张三", 123, org=company)
    panel = judging.create_panel(skill)
    run = judging.preview_assignment(ev, seed=3)
    assert run.status == "infeasible" and run.proposal == {}
    [problem] = run.problems
    assert problem["code"] == "panel.too_few_chairs" and problem["panel_ids"] == [panel.id]
    assert problem["params"]["excluded_by_conflicts"] == 1
    [(text, _)] = judging.run_problem_texts(run)
    assert "B01 电工" in text and "裁判长" in text                 # Chinese first
    with force_locale("en"):
        [(english, _)] = judging.run_problem_texts(run)
    assert "Panel B01 电工 needs 1 judges who may chair" in english
    with pytest.raises(DomainError) as refused:
        judging.apply_assignment(run)
    assert refused.value.code == "assignment.infeasible"
    assert panel.seats == [] and chief.id


def test_frozen_panels_are_kept_and_busy_judges_are_not_double_booked(ctx):
    skill, entry, (judge,), chief = factories.marked_skill()
    aspect = next(a for a in marking.events.published_scheme(skill.id).aspects if a.code == "A1")
    marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspect.id, "value": "10"}])
    ev = skill.event
    second = marking.events.add_skill(ev, code="B02", name="电工二", occupation_code=ELECTRICIAN,
                                      occupation_name="电工", level_grade_code="senior")
    for person in (chief.person, judge.person):
        judging.save_profile(person, level="national", occupations=[ELECTRICIAN], may_chair=True)
    for i in range(6):
        factories.pool_judge(f"裁判{i}", 501 + 2 * i, chair=i < 2)
    frozen = judging.lead_panel(skill)
    open_panel = judging.create_panel(second)
    assert judging.frozen_panel_ids(ev) == {frozen.id}
    run = judging.preview_assignment(ev, seed=11)
    assert run.panel_ids == [open_panel.id]
    proposed = {pid for pid, _ in run.proposal[str(open_panel.id)]}
    assert not proposed & {chief.person_id, judge.person_id}   # they sit on the frozen panel all event long
    judging.apply_assignment(run)
    assert {s.person_id for s in frozen.seats} == {chief.person_id, judge.person_id}


# --- property: nothing the service applies breaks a hard rule ------------------------------------------------

def test_applied_assignments_never_break_a_hard_rule(ctx):
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    company = factories.organisation()
    school = factories.organisation("重庆沙坪坝技师学院", OrgKind.SCHOOL)
    db.session.commit()
    orgs = [None, company.id, school.id]

    # No shrinking: every example builds an event in the database, and a failure prints its data anyway.
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate])
    @given(st.data())
    def check(data):
        try:
            ev, skill = factories.judged_event(f"prop-{data.draw(st.integers(0, 10**6))}")
            judges = []
            for i in range(data.draw(st.integers(4, 10))):
                person = factories.pool_judge(
                    f"裁判{i}", 311 + 2 * i, chair=data.draw(st.booleans()),
                    level=data.draw(st.sampled_from(["national", "municipal", "industry"])),
                    district=data.draw(st.sampled_from([None, "万州区"])), max_panels=data.draw(st.integers(0, 2)))
                person.organisation_id = data.draw(st.sampled_from(orgs))
                judges.append(person)
            for i in range(data.draw(st.integers(1, 4))):
                org_id = data.draw(st.sampled_from(orgs))
                factories.entry(skill, f"c{i}", f"选手{i}", 123 + 2 * i,
                                org=db.session.get(Organisation, org_id) if org_id else None,
                                district=data.draw(st.sampled_from([None, "万州区"])))
            if data.draw(st.booleans()):
                judging.declare_relation(data.draw(st.sampled_from(judges)), kind=RelationKind.RELATIVE,
                                         other_name="选手0")
            judging.create_panel(skill)
            if data.draw(st.booleans()):
                judging.create_panel(skill, module="A", time_slots=["2026-10-21"], scorers_min=3, scorers_max=3,
                                     scorers_target=3, min_levels={})
            run = judging.preview_assignment(ev, seed=data.draw(st.integers(0, 100)))
            if not run.proposal:
                assert run.problems and all(p["panel_ids"] or p["code"] == "solver.no_solution" for p in run.problems)
                return
            judging.apply_assignment(run)
            assert not [p.text() for p in judging.check_event_seats(ev) if p.blocking]
            report = judging.event_conflicts(ev)
            seated = {(seat.person_id, panel.skill_id) for panel in judging.event_panels(ev) for seat in panel.seats}
            for row in report.in_force:
                if row.effect == "not_on_panel":
                    assert (row.judge.id, row.entry.skill_id) not in seated
            for panel in judging.event_panels(ev):
                assert sum(seat.role == "chief" for seat in panel.seats) == 1
        finally:
            db.session.rollback()

    check()


def test_the_migration_seats_judges_assigned_before_panels(app):
    import flask_migrate
    from sqlalchemy import text
    with app.app_context():
        flask_migrate.downgrade(revision="0001")
        now = {"t": datetime.now(UTC)}
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO event (id, code, name, kind, tier, year, status, settings, created_at) "
                              "VALUES (1, 'old', '旧赛事', 'bayu_cup', 'provincial_1', 2025, 'results', '{}', :t)"), now)
            conn.execute(text("INSERT INTO skill (id, event_id, code, name, occupation_code, occupation_name, "
                              "level_grade_code, team_size, theory_weight, practical_weight, settings, results_status, "
                              "created_at) VALUES (1, 1, 'B01', '电工', '6-31-01-03', '电工', 'senior', 1, 0, 100, '{}', "
                              "'none', :t)"), now)
            for person_id, number, role in ((1, "A1", "chief"), (2, "A2", "scorer")):
                conn.execute(text("INSERT INTO person (id, name, id_type, id_number, nationality, created_at) "
                                  "VALUES (:id, :name, 'passport', :number, 'TH', :t)"),
                             {"id": person_id, "name": f"J{person_id}", "number": number, **now})
                conn.execute(text("INSERT INTO judge_assignment (skill_id, person_id, role, created_at) "
                                  "VALUES (1, :id, :role, :t)"), {"id": person_id, "role": role, **now})
        flask_migrate.upgrade(revision="0002")
        seats = db.session.execute(text("SELECT p.skill_id, p.module, s.person_id, s.role FROM panel_seat s "
                                        "JOIN judge_panel p ON p.id = s.panel_id ORDER BY s.person_id")).all()
        db.session.remove()
        flask_migrate.upgrade()
        assert [tuple(row) for row in seats] == [(1, "", 1, "chief"), (1, "", 2, "scorer")]


# --- letters -------------------------------------------------------------------------------------------------

def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_appointment_letters_and_the_panel_sheet(ctx, tmp_path):
    ev, skill = factories.judged_event()
    chief = factories.pool_judge("陈建国", 311)
    scorers = [factories.pool_judge(f"裁判{i}", 313 + 2 * i, chair=False, level="municipal",
                                    district="万州区" if i == 0 else None) for i in range(3)]
    entry = factories.entry(skill, "c1", "张三", 123, district="万州区")
    panel = judging.create_panel(skill)
    judging.seat_judge(panel, chief, "chief")
    for person in scorers:
        judging.seat_judge(panel, person, "scorer")
    letters = _pdf_text(judging.appointment_letters_pdf(ev), tmp_path)
    assert "聘 书" in letters and "陈建国" in letters and "裁判长" in letters and "Chief judge" in letters
    assert letters.count("LETTER OF APPOINTMENT") == 4 and "judges-test-J0004" in letters
    one = _pdf_text(judging.appointment_letters_pdf(ev, [scorers[1].id]), tmp_path)
    assert one.count("LETTER OF APPOINTMENT") == 1 and "裁判1" in one
    sheet = _pdf_text(judging.panel_sheet_pdf(skill), tmp_path)
    assert "裁判组名单" in sheet and "陈建国" in sheet and entry.competitor_number in sheet


def test_a_name_the_print_font_cannot_show_is_refused_by_name(ctx):
    ev, skill = factories.judged_event()
    chief = factories.pool_judge("陈建国", 311)
    chief.name = "陈\U0001F600国"
    panel = judging.create_panel(skill)
    judging.seat_judge(panel, chief, "chief")
    with pytest.raises(DomainError) as refused:
        judging.appointment_letters_pdf(ev)
    assert refused.value.code == "print.missing_glyph" and "U+1F600" in refused.value.text()


def test_no_letters_without_judges(ctx):
    ev, skill = factories.judged_event()
    with pytest.raises(DomainError) as refused:
        judging.appointment_letters_pdf(ev)
    assert refused.value.code == "letters.none"
    assert db.session.scalar(select(func.count()).select_from(JudgePanel)) == 0
