"""Score entry, sign-off and locking (issue: scoring on tablets), through the services."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import Correction, Mark, MarkConflict, MarkRevision, Role
from competition.services import audit, events, marking, publication, results
from tests import factories


def _aspects(skill) -> dict[str, int]:
    return {a.code: a.id for a in events.published_scheme(skill.id).aspects}


def _mark(judge, entry, aspect_id, value, client_id=None):
    return marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspect_id, "value": value,
                                         "client_id": client_id or str(uuid.uuid4())}])[0]


def test_two_judges_spread_rescore_lock_and_countersigned_correction(ctx):
    """The whole sign-off chain with a team of two scorers (team size set to 2 for this event)."""
    skill, entry, (first, second), chief = factories.marked_skill(judges=2)
    events.update_settings(skill.event, "marking", {"judgement_team_size": 2})
    supervisor = factories.user("supervisor", (Role.SUPERVISOR, None, None))
    aspects = _aspects(skill)
    assert _mark(first, entry, aspects["A1"], "50").status == "accepted"
    assert _mark(first, entry, aspects["A2"], 3).status == "accepted"
    assert _mark(second, entry, aspects["A2"], 1).status == "accepted"
    marking.submit_sheet(first, skill)
    marking.submit_sheet(second, skill)

    state = marking.sheet_state(skill)
    assert [(e.id, a.code, sorted(s)) for e, a, s in state.spread] == [(entry.id, "A2", [1, 3])]
    with pytest.raises(DomainError) as refused:
        marking.lock_skill(chief, skill)
    assert refused.value.code == "lock.not_ready"
    with pytest.raises(DomainError):
        marking.lock_skill(first, skill)  # only the chief judge signs

    assert _mark(second, entry, aspects["A2"], 2).status == "accepted"  # re-scored after discussion
    revision = db.session.scalar(select(MarkRevision))
    assert (revision.kind, revision.old_value, revision.new_value) == ("rescore", Decimal(1), Decimal(2))
    assert marking.sheet_state(skill).ready_to_lock
    marking.lock_skill(chief, skill)

    refused_mark = _mark(first, entry, aspects["A1"], "55")
    assert (refused_mark.status, refused_mark.code) == ("refused", "mark.locked")
    a1 = db.session.scalar(select(Mark).where(Mark.aspect_id == aspects["A1"]))
    with pytest.raises(DomainError):
        marking.request_correction(chief, a1, "55", "")  # a reason is required
    correction = marking.request_correction(chief, a1, "55", "计分表抄录错误")
    assert a1.value == Decimal(50)  # nothing changes before the countersignature
    with pytest.raises(DomainError):
        marking.countersign_correction(first, correction, True)  # a judge is no supervisor
    marking.countersign_correction(supervisor, correction, True)
    assert a1.value == Decimal(55) and correction.status == "applied"
    history = marking.mark_history(a1)
    assert [(h.kind, h.old_value, h.new_value) for h in history] == [("correction", Decimal(50), Decimal(55))]
    db.session.commit()
    actions = set(db.session.scalars(select(audit.AuditLog.action)))
    assert {"mark.create", "mark.rescore", "sheet.submit", "marks.lock", "correction.request",
            "correction.countersign"} <= actions
    assert list(audit.verify_chain()) == []
    # A (55 of 60) + A2 mean(3, 2)/3 × 40 = 33.33 → 88.33
    assert results.compute(skill) == 1
    assert results.result_rows(skill)[0].total == Decimal("88.33")


def test_same_client_id_with_another_value_is_a_conflict_never_an_overwrite(ctx):
    skill, entry, (judge,), chief = factories.marked_skill()
    aspects = _aspects(skill)
    client_id = str(uuid.uuid4())
    assert _mark(judge, entry, aspects["A1"], "40", client_id).status == "accepted"
    assert _mark(judge, entry, aspects["A1"], "40", client_id).status == "duplicate"
    outcome = _mark(judge, entry, aspects["A1"], "45", client_id)
    assert outcome.status == "conflict"
    mark = db.session.scalar(select(Mark))
    assert mark.value == Decimal(40)
    conflict = db.session.scalar(select(MarkConflict))
    assert conflict.proposed_value == Decimal(45)
    assert not marking.sheet_state(skill).ready_to_lock
    marking.resolve_conflict(chief, conflict, replace=True)
    assert mark.value == Decimal(45) and conflict.resolution == "replaced"


def test_refusals_store_nothing(ctx):
    skill, entry, (judge,), chief = factories.marked_skill()
    aspects = _aspects(skill)
    outsider = factories.judge("outsider", "刘德明", 313)
    cases = [
        (judge, {"entry_id": entry.id, "aspect_id": aspects["A2"], "value": "4"}, "mark.out_of_range"),
        (judge, {"entry_id": entry.id, "aspect_id": aspects["A2"], "value": "1.5"}, "mark.not_integer"),
        (judge, {"entry_id": entry.id, "aspect_id": aspects["A1"], "value": "abc"}, "mark.not_a_number"),
        (judge, {"entry_id": entry.id, "aspect_id": aspects["A1"], "value": "-1"}, "mark.out_of_range"),
        (judge, {"entry_id": entry.id, "aspect_id": aspects["A1"], "value": None}, "mark.empty"),
        (judge, {"entry_id": entry.id, "aspect_id": 999999, "value": "1"}, "mark.unknown_aspect"),
        (judge, {"entry_id": 999999, "aspect_id": aspects["A1"], "value": "1"}, "mark.unknown_entry"),
        (judge, {"entry_id": "1", "aspect_id": aspects["A1"], "value": "1"}, "mark.unknown_entry"),
        (outsider, {"entry_id": entry.id, "aspect_id": aspects["A1"], "value": "1"}, "mark.not_on_panel"),
        (judge, {"entry_id": entry.id, "aspect_id": aspects["A1"], "value": "1", "client_id": "x" * 65},
         "mark.bad_client_id"),
    ]
    for user, item, code in cases:
        outcome = marking.record_marks(user, [item])[0]
        assert (outcome.status, outcome.code) == ("refused", code), (item, outcome)
        assert outcome.message
    assert db.session.scalar(select(func.count()).select_from(Mark)) == 0


def test_marks_outside_the_marking_window_are_refused(ctx):
    skill, entry, (judge,), _chief = factories.marked_skill()
    events.change_status(skill.event, "results")
    outcome = _mark(judge, entry, _aspects(skill)["A1"], "10")
    assert (outcome.status, outcome.code) == ("refused", "mark.window")


def test_a_judge_from_the_contestants_employer_is_refused(ctx):
    org = factories.organisation()
    skill, entry, (judge,), _chief = factories.marked_skill()
    entry.members[0].person.organisation_id = org.id
    judge.person.organisation_id = org.id
    outcome = _mark(judge, entry, _aspects(skill)["A1"], "10")
    assert (outcome.status, outcome.code) == ("refused", "mark.conflicted")


def test_submitting_an_incomplete_sheet_is_refused(ctx):
    skill, entry, (judge,), _chief = factories.marked_skill()
    _mark(judge, entry, _aspects(skill)["A1"], "10")
    with pytest.raises(DomainError) as refused:
        marking.submit_sheet(judge, skill)
    assert refused.value.code == "sheet.incomplete"


def test_results_cannot_be_published_before_the_lock(ctx):
    skill, entry, (judge,), chief = factories.marked_skill()
    aspects = _aspects(skill)
    _mark(judge, entry, aspects["A1"], "60")
    _mark(judge, entry, aspects["A2"], "3")
    results.compute(skill)
    organiser = factories.organiser()
    with pytest.raises(DomainError) as refused:
        publication.review(chief, skill)
    assert refused.value.code == "results.not_locked"
    marking.lock_skill(chief, skill)
    publication.review(chief, skill)
    publication.publish(organiser, skill)
    assert skill.results_published


def test_a_batch_of_5000_marks_each_gets_a_status(ctx):
    skill, entry, (judge,), _chief = factories.marked_skill()
    aspects = _aspects(skill)
    batch = [{"entry_id": entry.id, "aspect_id": aspects["A2"], "value": i % 5, "client_id": f"batch-{i:05d}"}
             for i in range(5000)]
    outcomes = marking.record_marks(judge, batch)
    assert len(outcomes) == 5000
    assert {o.status for o in outcomes} == {"accepted", "refused"}
    assert sum(o.status == "refused" for o in outcomes) == 1000  # the 4s
    assert db.session.scalar(select(func.count()).select_from(Mark)) == 1  # one cell, re-scored


def test_two_tablets_of_one_judge_are_one_judge(ctx):
    skill, entry, (judge,), _chief = factories.marked_skill()
    aspects = _aspects(skill)
    marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspects["A2"], "value": 1,
                                  "client_id": "tablet-a-1"}], device="tablet-a")
    marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspects["A2"], "value": 2,
                                  "client_id": "tablet-b-1", "client_time": "2020-01-01T00:00:00"}],
                         device="tablet-b")
    mark = db.session.scalar(select(Mark))
    # The later arrival wins whatever the tablet's clock says; the earlier value is in the history.
    assert (mark.value, mark.device) == (Decimal(2), "tablet-b")
    assert [(r.old_value, r.new_value) for r in marking.mark_history(mark)] == [(Decimal(1), Decimal(2))]
    assert db.session.scalar(select(func.count()).select_from(Correction)) == 0
