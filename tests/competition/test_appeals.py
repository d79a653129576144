"""Appeals (申诉): filed in the window by the contestant or their team leader, decided by the supervision and
arbitration group, re-marked by a non-conflicted judge, recomputed, republished, dependants flagged."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import Appeal, AppealStatus, AuditLog, EventKind, Mark, ResultsStatus, Role, Tier
from competition.services import appeals, audit, publication, results
from evaluation import services as evaluation
from evaluation.models import EvaluationRecord
from tests import factories
from tests.conftest import Browser

# 001: 40 + 1/3 × 40 = 53.33 (3rd); 002: 50 + 26.67 = 76.67 (2nd); 003: 45 + 40 = 85 (1st).
SCORES = [("40", 1), ("50", 2), ("45", 3)]


@pytest.fixture(autouse=True)
def scheduled(monkeypatch) -> dict:
    return factories.record_jobs(monkeypatch)


def _published(org=None):
    skill, entries, scorers, chief = factories.locked_skill(SCORES, kind=EventKind.WORLDSKILLS_SELECTION,
                                                            tier=Tier.NATIONAL_1, org=org)
    results.compute(skill)
    publication.review(chief, skill)
    publication.publish(factories.organiser(), skill)
    return skill, entries, scorers, chief


def _marks(entry, aspect_code: str) -> list[Mark]:
    return [m for m in db.session.scalars(select(Mark).where(Mark.entry_id == entry.id).order_by(Mark.id))
            if m.aspect.code == aspect_code]


def _refused(code: str, action, *args):
    with pytest.raises(DomainError) as refused:
        action(*args)
    assert refused.value.code == code, refused.value.code
    texts = refused.value.texts()
    assert texts["zh_CN"] != texts["en"]
    return refused.value


def test_an_upheld_appeal_goes_end_to_end(ctx):
    skill, (first, second, third), (judge1, judge2, judge3), chief = _published()
    contestant = first.members[0].person
    user = db.session.scalar(select(factories.accounts.User).where(factories.accounts.User.person_id == contestant.id))
    places = {r.entry_id: (r.id, r.place, r.total) for r in results.result_rows(skill)}
    assert places[first.id][1:] == (3, Decimal("53.33")) and places[second.id][1] == 2
    # A certificate (and its 以赛代评 record) follows from the second place.
    body = factories.evaluation_body()
    officer = factories.officer(body)
    certificate = evaluation.issue_from_candidate(officer, body.id, places[second.id][0],
                                                  second.members[0].person_id)
    first_published = skill.results_published_at

    a2 = _marks(first, "A2")
    appeal = appeals.file_appeal(user, first, [m.id for m in a2], "A2 布线工艺评分过低，请复核。")
    assert appeal.status == AppealStatus.PENDING and len(appeal.marks) == 3
    supervisor = factories.user("supervisor", (Role.SUPERVISOR, None, None))
    _refused("appeal.not_supervisor", appeals.decide, chief, appeal, True, "理由")
    _refused("appeal.reason", appeals.decide, supervisor, appeal, True, "  ")
    appeals.decide(supervisor, appeal, True, "经查看作品，布线工艺达到优秀，申诉成立。")
    assert appeal.status == AppealStatus.UPHELD
    _refused("appeal.decided", appeals.decide, supervisor, appeal, False, "改判")  # the ruling is final
    _refused("results.appeal_open", lambda: (setattr(skill, "results_publicity_ends_at",
                                                     datetime.now(UTC) - timedelta(seconds=1)),
                                             publication.finalise(skill)))

    by_judge = {m.mark.judge_person_id: m for m in appeal.marks}
    own = by_judge[judge1.person_id]
    _refused("appeal.remark_not_allowed", appeals.remark, judge1, own, "3")  # not the judge who gave it
    first.members[0].person.organisation_id = judge3.person.organisation_id = factories.organisation().id
    _refused("appeal.remark_not_allowed", appeals.remark, judge3, own, "3")  # conflicted: same employer
    outsider = factories.judge("outsider", "刘德明", 397)
    _refused("appeal.remark_not_allowed", appeals.remark, outsider, own, "3")  # not on the panel
    _refused("mark.out_of_range", appeals.remark, judge2, own, "4")
    assert own.mark.value == Decimal(1) and own.remarked_at is None
    assert appeals.to_remark(judge2) == [m for m in appeal.marks if m.mark.judge_person_id != judge2.person_id]
    appeals.remark(judge2, own, "3", "复核作品")
    appeals.remark(chief, by_judge[judge2.person_id], "3")
    assert skill.results_status == ResultsStatus.PUBLISHED and appeal.status == AppealStatus.UPHELD
    appeals.remark(judge2, by_judge[judge3.person_id], "3")  # the last one settles the appeal

    assert appeal.status == AppealStatus.RESOLVED
    after = {r.entry_id: (r.id, r.place, r.total) for r in results.result_rows(skill)}
    assert after[first.id] == (places[first.id][0], 2, Decimal("80.00"))  # 40 + 40, same result row
    assert after[second.id][1] == 3
    assert skill.results_status == ResultsStatus.PUBLISHED and skill.results_published_at > first_published
    assert certificate.flagged_at is not None and "申诉" in certificate.flag_reason
    record = db.session.get(EvaluationRecord, certificate.evaluation_record_id)
    assert record.flagged_at is not None
    db.session.commit()
    actions = list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.seq)))
    tail = actions[actions.index("appeal.file"):]
    for expected in ("appeal.decide", "appeal.remark", "results.compute", "results.republish", "appeal.resolve",
                     "certificate.flag_for_reissue", "evaluation_record.flag_for_reissue"):
        assert expected in tail
    assert list(audit.verify_chain()) == []
    # Nothing is open any more: the results become final at the end of the new period.
    skill.results_publicity_ends_at = datetime.now(UTC) - timedelta(seconds=1)
    assert publication.finalise_if_due(skill) and skill.results_status == ResultsStatus.FINAL


def test_late_appeals_and_other_peoples_marks_are_refused(ctx):
    org = factories.organisation("重庆市九龙坡区代表队")
    skill, (first, second, _third), _scorers, _chief = _published(org=org)
    user = db.session.scalar(select(factories.accounts.User).where(
        factories.accounts.User.person_id == first.members[0].person_id))
    own, theirs = _marks(first, "A2"), _marks(second, "A2")
    _refused("appeal.not_own_marks", appeals.file_appeal, user, first, [own[0].id, theirs[0].id], "理由")
    _refused("appeal.not_yours", appeals.file_appeal, user, second, [theirs[0].id], "理由")
    _refused("appeal.no_marks", appeals.file_appeal, user, first, [], "理由")
    _refused("appeal.grounds", appeals.file_appeal, user, first, [own[0].id], " ")
    stranger_leader = factories.user("leader_other", (Role.TEAM_LEADER, None, factories.organisation("别的单位").id))
    _refused("appeal.not_yours", appeals.file_appeal, stranger_leader, first, [own[0].id], "理由")
    # The team leader of the entry's organisation may appeal for it.
    leader = factories.user("leader", (Role.TEAM_LEADER, None, org.id))
    appeals.file_appeal(leader, second, [theirs[0].id], "领队代为申诉")
    _refused("appeal.duplicate", appeals.file_appeal, leader, second, [theirs[0].id], "再次申诉")
    # Two hours after the lock (the default window) appeals are refused.
    skill.marks_locked_at = datetime.now(UTC) - timedelta(hours=2, minutes=1)
    error = _refused("appeal.late", appeals.file_appeal, user, first, [own[0].id], "理由")
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", error.text())
    assert db.session.scalar(select(func.count()).select_from(Appeal)) == 1


def test_the_window_is_a_setting(ctx):
    skill, (first, *_), _scorers, _chief = _published()
    skill.marks_locked_at = datetime.now(UTC) - timedelta(hours=3)
    assert not appeals.window_open(skill)
    skill.settings = {"appeals": {"window_hours": 4}}
    assert appeals.window_open(skill)
    skill.settings = {"appeals": {"window_starts": "published", "window_hours": 1}}
    opens, closes = appeals.window(skill)
    assert opens == publication.aware(skill.results_published_at) and closes - opens == timedelta(hours=1)


def test_a_rejected_appeal_changes_nothing(ctx):
    skill, (first, *_), _scorers, _chief = _published()
    before = [(r.id, r.total, r.place) for r in results.result_rows(skill)]
    user = db.session.scalar(select(factories.accounts.User).where(
        factories.accounts.User.person_id == first.members[0].person_id))
    appeal = appeals.file_appeal(user, first, [m.id for m in _marks(first, "A1")], "测量有误")
    appeals.decide(factories.user("supervisor", (Role.SUPERVISOR, None, None)), appeal, False, "复测无误，驳回。")
    assert appeal.status == AppealStatus.REJECTED
    _refused("appeal.not_upheld", appeals.remark, _scorers[1], appeal.marks[0], "60")
    assert [(r.id, r.total, r.place) for r in results.result_rows(skill)] == before


def test_the_appeal_pages(app):
    with app.test_request_context():
        skill, (first, *_), (judge1, judge2, _judge3), _chief = _published()
        factories.user("supervisor", (Role.SUPERVISOR, None, None))
        a1 = _marks(first, "A1")[0]
        db.session.commit()
        mark_id, judge_person = a1.id, a1.judge_person_id
        remarker = "judge2" if judge_person != judge2.person_id else "judge3"
    contestant = Browser(app.test_client())
    contestant.login("contestant")
    listing = contestant.get("/appeals").get_data(as_text=True)
    link = re.search(r'href="(/appeals/entries/\d+/new)"', listing).group(1)
    form = contestant.get(link).get_data(as_text=True)
    assert f'value="{mark_id}"' in form and "A1" in form
    assert contestant.post(link, {"marks": [str(mark_id)], "grounds": "接线正确却被判错"}).status_code == 302
    assert "等待监督仲裁组裁决" in contestant.get("/appeals").get_data(as_text=True)
    refused = contestant.post(link, {"marks": [str(mark_id)], "grounds": "再次申诉"}).get_data(as_text=True)
    assert "其中部分评分已在未结申诉中" in refused
    assert contestant.get("/arbitration").status_code == 403

    supervisor = Browser(app.test_client())
    supervisor.login("supervisor")
    desk = supervisor.get("/arbitration").get_data(as_text=True)
    appeal_id = int(re.search(r'action="/arbitration/(\d+)"', desk).group(1))
    assert "接线正确却被判错" in desk
    assert supervisor.post(f"/arbitration/{appeal_id}", {"decision": "uphold", "reason": "复测后确认接线正确"}
                           ).status_code == 302

    judge = Browser(app.test_client())
    judge.login(remarker)
    page = judge.get("/appeals/remark").get_data(as_text=True)
    item_id = int(re.search(r'action="/appeals/marks/(\d+)/remark"', page).group(1))
    assert judge.post(f"/appeals/marks/{item_id}/remark", {"value": "60", "note": "复测"}).status_code == 302
    status = contestant.get("/appeals").get_data(as_text=True)
    assert "申诉成立，已重新评分" in status and "复测后确认接线正确" in status
    with app.app_context():
        assert db.session.get(Mark, mark_id).value == Decimal(60)
