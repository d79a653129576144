"""世赛选拔 rounds chained (issue #6 item 2): a round names its previous round, starts from its advanced squad,
and may rank on scores carried from it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from competition.errors import DomainError, Invalid, StateConflict
from competition.extensions import db
from competition.models import AuditLog, Entry, EntryStatus, EventKind, JudgeRole, Person, Result
from competition.services import events, marking, publication, results, results_public, rounds
from tests import factories
from tests.conftest import Browser

WS = EventKind.WORLDSKILLS_SELECTION
# Round 1 totals (A1 of 60 + A2 judged 3/3/3 = 40): 甲 90, 乙 80, 丙 70, 丁 60; the top 2 advance.
ROUND_1 = [("甲", None, 50, (3, 3, 3)), ("乙", None, 40, (3, 3, 3)), ("丙", None, 30, (3, 3, 3)),
           ("丁", None, 20, (3, 3, 3))]
TOP_TWO = {"selection": {"advance_count": 2, "min_entrants": 2}}


def first_round(publish: bool = True):
    skill, entries, _scorers, _chief = factories.scored_skill(ROUND_1, kind=WS, code="ws-r1", publish=publish,
                                                               settings=TOP_TWO)
    return skill, entries


def second_round(previous_event, *, selection: dict | None = None, code: str = "B01"):
    ev = factories.event("ws-r2", WS, name="第二轮", name_en="Round 2")
    events.update_settings(ev, "selection", {"advance_count": 1, "min_entrants": 1, **(selection or {})})
    rounds.set_previous_round(ev, previous_event.id)
    skill = factories.skill_with_scheme(ev, code)
    return ev, skill


def names(skill) -> dict[str, Entry]:
    found = db.session.scalars(select(Entry).where(Entry.skill_id == skill.id)).all()
    return {e.display_name: e for e in found}


def test_round_two_starts_from_exactly_the_advanced_squad_once(ctx):
    skill1, _ = first_round()
    assert {r.entry.display_name: r.award for r in results.result_rows(skill1)} == {
        "甲": "advanced", "乙": "advanced", "丙": None, "丁": None}
    ev2, skill2 = second_round(skill1.event)
    organiser = factories.organiser("organiser2")
    assert rounds.start_from_previous(organiser, ev2) == 2
    squad = names(skill2)
    assert set(squad) == {"甲", "乙"}
    assert {e.status for e in squad.values()} == {EntryStatus.APPROVED}
    assert sorted(e.competitor_number for e in squad.values()) == ["001", "002"]
    old = {e.display_name: e for e in db.session.scalars(select(Entry).where(Entry.skill_id == skill1.id))}
    for name, entry in squad.items():  # the same Person, the same organisation
        assert [m.person_id for m in entry.members] == [m.person_id for m in old[name].members]
        assert entry.organisation_id == old[name].organisation_id
    db.session.commit()  # the audit rows are written with the commit
    audited = db.session.scalar(select(func.count()).select_from(AuditLog)
                                .where(AuditLog.action == "entry.from_previous_round"))
    assert audited == 2
    # idempotent: a second call adds nothing
    assert rounds.start_from_previous(organiser, ev2) == 0
    assert set(names(skill2)) == {"甲", "乙"}


def test_refused_while_the_previous_round_is_unpublished(ctx):
    skill1, _ = first_round(publish=False)
    ev2, skill2 = second_round(skill1.event)
    with pytest.raises(StateConflict) as refused:
        rounds.start_from_previous(None, ev2)
    assert refused.value.code == "rounds.unpublished"
    assert "尚未公布" in refused.value.text()
    assert names(skill2) == {}


def test_refused_when_no_skill_matches_and_nothing_is_entered(ctx):
    skill1, _ = first_round()
    ev2 = factories.event("ws-r2", WS)
    rounds.set_previous_round(ev2, skill1.event_id)
    matching = factories.skill_with_scheme(ev2, "B01")
    other = events.add_skill(ev2, code="Z9", name="焊工", occupation_code="6-18-02-04", occupation_name="焊工",
                             level_grade_code="senior")
    with pytest.raises(StateConflict) as refused:
        rounds.start_from_previous(None, ev2)
    assert refused.value.code == "rounds.no_match"
    assert names(matching) == {} and names(other) == {}  # all or nothing


def test_a_person_already_in_the_skill_another_way_is_refused(ctx):
    skill1, entries1 = first_round()
    ev2, skill2 = second_round(skill1.event)
    person = entries1[0].members[0].person  # 甲, entered in a team of one with someone else's entry
    other = factories.person("戊", 777)
    entry = Entry(skill_id=skill2.id, status=EntryStatus.SUBMITTED)
    from competition.models import EntryMember
    entry.members.append(EntryMember(skill_id=skill2.id, person_id=person.id))
    entry.members.append(EntryMember(skill_id=skill2.id, person_id=other.id))
    db.session.add(entry)
    db.session.flush()
    with pytest.raises(StateConflict) as refused:
        rounds.start_from_previous(None, ev2)
    assert refused.value.code == "rounds.member_entered"
    assert set(names(skill2)) == {entry.display_name}


def test_the_previous_round_must_be_another_selection_event_without_cycles(ctx):
    one = factories.event("ws-a", WS)
    two = factories.event("ws-b", WS)
    three = factories.event("ws-c", WS)
    bayu = factories.event("bayu-x", EventKind.BAYU_CUP)
    rounds.set_previous_round(two, one.id)
    rounds.set_previous_round(three, two.id)
    for event, previous, code in ((one, three.id, "rounds.cycle"), (one, one.id, "rounds.cycle"),
                                  (two, bayu.id, "rounds.previous_kind"), (bayu, one.id, "rounds.kind"),
                                  (two, 10_000, "rounds.previous_kind")):
        with pytest.raises(Invalid) as refused:
            rounds.set_previous_round(event, previous)
        assert refused.value.code == code
    assert (one.previous_round_id, two.previous_round_id, three.previous_round_id) == (None, one.id, two.id)
    rounds.set_previous_round(three, None)
    assert three.previous_round_id is None


def mark_round(skill, scores: dict[str, int]):
    """Judges for ``skill``, A1 per competitor name from ``scores`` and A2 judged 3/3/3 (= 40); locked."""
    base = 2 * db.session.scalar(select(func.count()).select_from(Person))
    scorers = [factories.judge(f"r2-j{i}", f"二轮裁判{i}", 501 + base + 2 * i) for i in range(3)]
    chief = factories.judge("r2-chief", "二轮裁判长", 509 + base)
    for scorer in scorers:
        factories.assign(skill, scorer)
    factories.assign(skill, chief, JudgeRole.CHIEF)
    if skill.event.status == "draft":
        events.change_status(skill.event, "registration_open")
    factories.open_marking(skill.event)
    aspects = {a.code: a.id for a in events.published_scheme(skill.id).aspects}
    for name, entry in names(skill).items():
        factories._accepted_mark(scorers[0], entry, aspects["A1"], scores[name])
        for scorer in scorers:
            factories._accepted_mark(scorer, entry, aspects["A2"], 3)
    marking.lock_skill(chief, skill)
    return chief


def carried_round_two():
    """Round 1: 甲 90, 乙 80. Round 2 on its own: 甲 30+40 = 70, 乙 32+40 = 72 (乙 ahead).
    Carrying 30 %: 甲 0.3×90 + 0.7×70 = 27 + 49 = 76.00; 乙 0.3×80 + 0.7×72 = 24 + 50.4 = 74.40 (甲 ahead).
    Returns round 1's skill and round 2's skill, its results computed."""
    skill1, _ = first_round()
    ev2, skill2 = second_round(skill1.event, selection={"carry_weight": 30})
    rounds.start_from_previous(None, ev2)
    mark_round(skill2, {"甲": 30, "乙": 32})
    results.compute(skill2)
    return skill1, skill2


def test_carried_scores_rank_round_two(ctx):
    _, skill2 = carried_round_two()
    rows = {r.entry.display_name: r for r in results.result_rows(skill2)}
    assert (rows["甲"].total, rows["甲"].carried, rows["甲"].place, rows["甲"].award) == \
        (Decimal("70.00"), Decimal("76.00"), 1, "advanced")
    assert (rows["乙"].total, rows["乙"].carried, rows["乙"].place, rows["乙"].award) == \
        (Decimal("72.00"), Decimal("74.40"), 2, None)


def test_the_exports_carry_the_carried_score(ctx):
    skill1, skill2 = carried_round_two()
    ev2 = skill2.event
    workbook = [dict(zip(results_public.EXPORT_HEADERS, row, strict=True))
                for row in results_public.export_rows(ev2, [skill2])]
    assert [(r["姓名 Name"], r["总分 Total"], r["带入成绩 Carried score"], r["名次 Place"]) for r in workbook] == [
        ("甲", Decimal("70.00"), Decimal("76.00"), 1), ("乙", Decimal("72.00"), Decimal("74.40"), 2)]
    rows = [dict(zip(results_public.CSV_HEADERS, row, strict=True)) for row in results_public.csv_rows(ev2, [skill2])]
    assert [(r["name"], r["total"], r["carried"]) for r in rows] == [
        ("甲", Decimal("70.00"), Decimal("76.00")), ("乙", Decimal("72.00"), Decimal("74.40"))]
    plain = [dict(zip(results_public.CSV_HEADERS, row, strict=True))
             for row in results_public.csv_rows(skill1.event, [skill1])]
    assert {r["carried"] for r in plain} == {""}   # a round that carries nothing leaves it empty


def test_without_carrying_round_two_ranks_on_its_own_score(ctx):
    skill1, _ = first_round()
    ev2, skill2 = second_round(skill1.event)
    rounds.start_from_previous(None, ev2)
    mark_round(skill2, {"甲": 30, "乙": 32})
    results.compute(skill2)
    rows = {r.entry.display_name: r for r in results.result_rows(skill2)}
    assert (rows["乙"].place, rows["乙"].carried, rows["甲"].place, rows["甲"].carried) == (1, None, 2, None)


def test_carrying_refuses_a_competitor_without_a_previous_result(ctx):
    skill1, _ = first_round()
    ev2, skill2 = second_round(skill1.event, selection={"carry_weight": 30})
    rounds.start_from_previous(None, ev2)
    events.change_status(ev2, "registration_open")
    factories.entry(skill2, "newcomer", "己", 901, birth=date(2005, 5, 17))
    mark_round(skill2, {"甲": 30, "乙": 32, "己": 40})
    with pytest.raises(DomainError) as refused:
        results.compute(skill2)
    assert refused.value.code == "rounds.missing_previous"
    assert "003" in refused.value.text() and "没有上一轮成绩" in refused.value.text()
    assert results.result_rows(skill2) == []


def test_the_organiser_page_names_the_round_and_starts_from_the_squad(app, browser):
    with app.test_request_context():
        skill1, _ = first_round()
        ev2 = factories.event("ws-r2", WS, name="第二轮", name_en="Round 2")
        skill2 = factories.skill_with_scheme(ev2)
        factories.organiser("boss")
        db.session.commit()
        ids = ev2.id, skill1.event_id, skill2.id
    browser.login("boss")
    event_id, previous_id, skill_id = ids
    page = browser.get(f"/manage/events/{event_id}").get_data(as_text=True)
    assert "选拔轮次" in page and f'value="{previous_id}"' in page
    assert "从上一轮的集训队开始" not in page  # no previous round named yet
    assert browser.post(f"/manage/events/{event_id}/previous-round",
                        data={"previous_round_id": "abc"}).status_code == 302
    assert browser.post(f"/manage/events/{event_id}/previous-round",
                        data={"previous_round_id": str(previous_id)}).status_code == 302
    page = browser.get(f"/manage/events/{event_id}").get_data(as_text=True)
    assert "从上一轮的集训队开始" in page
    browser.post(f"/manage/events/{event_id}/start-from-previous")
    page = browser.get(f"/manage/events/{event_id}").get_data(as_text=True)
    assert "已报入上一轮集训队的 2 个参赛" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.skill_id == skill_id)) == 2
        assert db.session.scalar(select(func.count()).select_from(Result).where(Result.skill_id == skill_id)) == 0
    browser.post(f"/manage/events/{event_id}/start-from-previous")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.skill_id == skill_id)) == 2


def test_the_results_page_shows_the_carried_score(app, browser):
    with app.test_request_context():
        skill1, _ = first_round()
        ev2, skill2 = second_round(skill1.event, selection={"carry_weight": 30})
        rounds.start_from_previous(None, ev2)
        chief = mark_round(skill2, {"甲": 30, "乙": 32})
        results.compute(skill2)
        publication.review(chief, skill2)
        publication.publish(None, skill2)
        db.session.commit()
        skill_id, first_id = skill2.id, skill1.id
    page = Browser(app.test_client()).get(f"/skills/{skill_id}/results").get_data(as_text=True)
    assert "带入成绩" in page and "76.00" in page and "74.40" in page
    page = Browser(app.test_client()).get(f"/skills/{first_id}/results").get_data(as_text=True)
    assert "带入成绩" not in page


def test_the_previous_round_can_be_named_when_creating_the_event(app, browser):
    with app.test_request_context():
        first = factories.event("ws-r1", WS)
        factories.event("bayu-x", EventKind.BAYU_CUP)
        factories.organiser("admin")  # a global organiser may create events
        db.session.commit()
        first_id = first.id
        with pytest.raises(Invalid) as refused:
            events.create_event(code="bayu-y", name="巴渝", kind=EventKind.BAYU_CUP, tier="provincial_1", year=2026,
                                previous_round_id=first_id)
        assert refused.value.code == "rounds.kind"
        db.session.rollback()
    browser.login("admin")
    form = browser.get("/manage/events/new").get_data(as_text=True)
    assert "ws-r1" in form and "bayu-x" not in form  # only selection events are offered
    response = browser.post("/manage/events/new", {
        "code": "ws-r2", "name": "第二轮", "kind": "worldskills_selection", "tier": "provincial_1", "year": "2026",
        "previous_round_id": str(first_id)})
    assert response.status_code == 302
    with app.app_context():
        from competition.models import Event
        created = db.session.scalar(select(Event).where(Event.code == "ws-r2"))
        assert created.previous_round_id == first_id
