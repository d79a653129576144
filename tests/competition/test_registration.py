"""Registration: the window and its scheduler jobs (restart survival, run once), skill settings enforced on
every way in, 领队 entries (individual and team), withdrawal, approval seen on /me, exports."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import AuditLog, Entry, EntryStatus, Event, EventStatus, Role, scheduled_jobs
from competition.services import entries, events, jobs, registration
from tests import factories
from tests.conftest import csrf_from

RUNS: list[dict] = []


def record_run(**kwargs) -> None:
    """A job target for the tests: notes that it ran, and in which app."""
    from flask import current_app
    RUNS.append(kwargs | {"app": current_app.name})


def _skill(kind="bayu_cup", team_size=1, code="ev", **skill):
    ev = factories.event(code, kind, starts_on=date(2026, 10, 20))
    sk = events.add_skill(ev, code="B01", name="电工", name_en="Electrician", occupation_code="6-31-01-03",
                          occupation_name="电工", level_grade_code="senior", team_size=team_size, **skill)
    return ev, sk


def _leader(org, username="leader"):
    return factories.user(username, (Role.TEAM_LEADER, None, org.id))


def member(name="张三", birth=date(1998, 5, 17), seq=123, **extra):
    return registration.MemberInput(name=name, id_type="resident_id", id_number=factories.id_number(birth, seq),
                                    **extra)


# --- the window and the scheduler ----------------------------------------------------------------------------

def test_a_skill_needs_a_national_occupation_code(ctx):
    ev = factories.event()
    with pytest.raises(DomainError) as caught:
        events.add_skill(ev, code="B09", name="电工", occupation_code="6310103", occupation_name="电工",
                         level_grade_code="senior")
    assert caught.value.code == "skill.occupation_code"


def test_setting_the_window_writes_two_jobs_and_cancelling_removes_them(ctx):
    ev, _ = _skill()
    opens, closes = datetime(2026, 9, 1, 1, tzinfo=UTC), datetime(2026, 9, 30, 10, tzinfo=UTC)
    registration.set_window(ev, opens, closes, now=datetime(2026, 8, 1, tzinfo=UTC))
    db.session.commit()
    assert jobs.pending("registration-") == {f"registration-open-{ev.id}": opens,
                                             f"registration-close-{ev.id}": closes}
    registration.set_window(ev, None, closes + timedelta(days=1), now=datetime(2026, 8, 1, tzinfo=UTC))
    db.session.commit()
    assert jobs.pending("registration-") == {f"registration-close-{ev.id}": closes + timedelta(days=1)}
    with pytest.raises(DomainError) as caught:
        registration.set_window(ev, closes, opens)
    assert caught.value.code == "registration.window"


def test_a_job_runs_once_and_a_second_run_changes_nothing(ctx):
    ev, _ = _skill()
    db.session.commit()
    assert registration.open_registration(ev.id) is True
    assert registration.open_registration(ev.id) is False   # the conditional UPDATE: already open
    db.session.commit()
    db.session.refresh(ev)
    assert ev.status == EventStatus.REGISTRATION_OPEN
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "event.status", AuditLog.object_id == str(ev.id))) == 1


def test_jobs_written_by_the_web_run_in_a_scheduler_started_afterwards_once(app):
    """The web side writes the job while no scheduler runs; a scheduler started later (a restart) runs it, in
    the app context, once; another scheduler started after that does not run it again."""
    RUNS.clear()
    with app.test_request_context():
        jobs.schedule_once("test-job", "tests.competition.test_registration:record_run",
                           datetime.now(UTC) - timedelta(minutes=5), {"n": 1})   # its time passed while down
        jobs.schedule_once("test-later", "tests.competition.test_registration:record_run",
                           datetime.now(UTC) + timedelta(days=1), {"n": 2})
        db.session.commit()
    def done() -> bool:
        # Ran, and removed from the store: APScheduler removes a finished date job just after starting it, and
        # a scheduler stopped in between keeps it (it would run again: the reason jobs must be harmless twice).
        with app.app_context():
            return bool(RUNS) and db.session.scalar(select(scheduled_jobs.c.id).where(
                scheduled_jobs.c.id == "test-job")) is None
    factories.run_scheduler(app, until=done)
    assert RUNS == [{"n": 1, "app": app.name}]
    factories.run_scheduler(app, seconds=1.0)
    assert RUNS == [{"n": 1, "app": app.name}]
    with app.app_context():
        assert list(db.session.scalars(select(scheduled_jobs.c.id))) == ["test-later"]


def test_the_scheduler_opens_and_closes_registration_on_time(app):
    with app.test_request_context():
        ev, _ = _skill()
        now = datetime.now(UTC)
        registration.set_window(ev, now + timedelta(seconds=1), now + timedelta(seconds=2.5), now=now)
        db.session.commit()
        event_id = ev.id

    def status():
        with app.app_context():
            return db.session.get(Event, event_id).status
    seen = []
    factories.run_scheduler(app, seconds=15, until=lambda: seen.append(status()) or seen[-1] == "registration_closed")
    assert "registration_open" in seen and seen[-1] == "registration_closed"


def test_scheduling_refuses_naive_times_and_unknown_functions(ctx):
    with pytest.raises(ValueError):
        jobs.schedule_once("x", "competition.services.registration:open_registration", datetime(2026, 1, 1))
    with pytest.raises(LookupError):
        jobs.schedule_once("x", "competition.services.registration:no_such_thing", datetime.now(UTC))


def test_late_actions_get_a_message_with_the_closing_time(ctx):
    ev, skill = _skill()
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    user = factories.contestant()
    ev.registration_closes_at = datetime(2026, 9, 30, 10, tzinfo=UTC)
    with pytest.raises(DomainError) as caught:
        entries.enter_skill(user, skill)   # the scheduler has not run yet: the time still counts
    assert caught.value.code == "registration.closed"
    assert "2026-09-30 18:00" in caught.value.texts()["zh_CN"] and "closed" in caught.value.texts()["en"]


# --- skill settings on every way in --------------------------------------------------------------------

def test_self_registration_applies_the_age_rule_and_quota(ctx):
    ev, skill = _skill("worldskills_selection")
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    too_old = factories.contestant("old", "王五", 11)         # born 1998: over 22 in 2026
    with pytest.raises(DomainError) as caught:
        entries.enter_skill(too_old, skill)
    assert caught.value.code == "age.too_old"
    registration.update_skill_settings(skill, capacity=None, values={"extended_age": True, "max_age": 28,
                                                                     "extended_max_age": 30})
    assert entries.enter_skill(too_old, skill).status == EntryStatus.SUBMITTED


def test_capacity_quota_and_country_for_leaders(ctx):
    ev, skill = _skill()
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    org = factories.organisation()
    leader = _leader(org)
    registration.update_skill_settings(skill, capacity=5, values={"quota_per_organisation": 1})
    registration.leader_enter(leader, skill, org.id, [member()])
    with pytest.raises(DomainError) as caught:
        registration.leader_enter(leader, skill, org.id, [member("李四", seq=125)])
    assert caught.value.code == "entry.quota"
    with pytest.raises(DomainError) as caught:
        registration.leader_enter(leader, skill, org.id, [member()])
    assert caught.value.code == "entry.duplicate"


def test_one_per_country_in_belt_and_road(ctx):
    ev, skill = _skill("belt_and_road")
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    org = factories.organisation("TH delegation", "country", country="TH")
    leader = _leader(org)

    def guest(name, number):
        return registration.MemberInput(name=name, id_type="passport", id_number=number, nationality="TH",
                                        birth_date=date(2005, 1, 1))
    registration.leader_enter(leader, skill, org.id, [guest("Somchai Wongsakul", "TH1000001")])
    with pytest.raises(DomainError) as caught:
        registration.leader_enter(leader, skill, org.id, [guest("Anan Chai", "TH1000002")])
    assert caught.value.code == "entry.country"


def test_a_leader_enters_a_team_of_the_skills_size_only_for_their_organisation(ctx):
    ev, skill = _skill(team_size=2)
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    org, other = factories.organisation(), factories.organisation("重庆工贸学校", "school")
    leader = _leader(org)
    with pytest.raises(DomainError) as caught:
        registration.leader_enter(leader, skill, org.id, [member()], team_name="一队")
    assert caught.value.code == "entry.team_size"
    with pytest.raises(DomainError) as caught:
        registration.leader_enter(leader, skill, other.id, [member(), member("李四", seq=125)], team_name="一队")
    assert caught.value.code == "entry.not_leader"
    entry = registration.leader_enter(leader, skill, org.id, [member(), member("李四", seq=125)], team_name="一队")
    assert entry.team_name == "一队" and len(entry.members) == 2 and entry.organisation_id == org.id


def test_typed_birth_date_that_disagrees_is_refused(ctx):
    ev, skill = _skill()
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    org = factories.organisation()
    with pytest.raises(DomainError) as caught:
        registration.leader_enter(_leader(org), skill, org.id, [member(birth_date=date(1998, 5, 18))])
    assert caught.value.code == "id.mismatch.birth_date"
    assert "1998-05-17" in caught.value.texts()["en"]
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0


# --- withdrawal and approval -----------------------------------------------------------------------------

def test_withdraw_by_the_contestant_or_the_leader_before_the_close(ctx):
    ev, skill = _skill()
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    org = factories.organisation()
    leader = _leader(org)
    contestant = factories.contestant(org=org)
    mine = entries.enter_skill(contestant, skill)
    stranger = factories.contestant("other", "李四", 125)
    with pytest.raises(DomainError):
        registration.withdraw(stranger, mine)
    registration.withdraw(leader, mine)
    assert mine.status == EntryStatus.WITHDRAWN
    with pytest.raises(DomainError) as caught:
        registration.withdraw(contestant, mine)
    assert caught.value.code == "entry.not_live"


def test_the_contestant_sees_status_and_reason_and_can_withdraw(app, browser):
    with app.test_request_context():
        ev, skill = _skill()
        events.change_status(ev, EventStatus.REGISTRATION_OPEN)
        contestant = factories.contestant()
        entry = entries.enter_skill(contestant, skill)
        other = factories.contestant("other", "李四", 125)
        rejected = entries.enter_skill(other, skill)
        db.session.flush()
        entries.decide_entry(rejected, False, "照片不清晰")
        db.session.commit()
        entry_id = entry.id
    browser.login("other")
    page = browser.get("/me").get_data(as_text=True)
    assert "理由：照片不清晰" in page and "已驳回" in page
    browser.client.post("/logout", data={"csrf_token": browser.token("/me")})
    browser.login("contestant")
    assert "撤回" in browser.get("/me").get_data(as_text=True)
    response = browser.post(f"/entries/{entry_id}/withdraw", {"next": "/me"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Entry, entry_id).status == EntryStatus.WITHDRAWN


# --- pages: organiser and 领队 ----------------------------------------------------------------------------

def test_exports_mask_ids_unless_the_full_version_is_asked_for_and_audited(app, browser):
    with app.test_request_context():
        ev, skill = _skill()
        events.change_status(ev, EventStatus.REGISTRATION_OPEN)
        contestant = factories.contestant(name="=HYPERLINK(\"x\")")
        entries.enter_skill(contestant, skill)
        factories.organiser()
        db.session.commit()
        event_id, number = ev.id, contestant.person.id_number
    browser.login("organiser")
    masked = load_workbook(io.BytesIO(browser.get(f"/manage/events/{event_id}/entries.xlsx").data)).active
    row = [c.value for c in masked[2]]
    assert number not in row and row[6] == number[:3] + "*" * 13 + number[-2:]
    assert row[4].startswith("'=")   # formula injection defused
    full = browser.post(f"/manage/events/{event_id}/entries-full.xlsx")
    assert number in [c.value for c in load_workbook(io.BytesIO(full.data)).active[2]]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "entry.export_full")) == 1


def test_organiser_sets_window_and_skill_settings_on_pages(app, browser):
    with app.test_request_context():
        ev, skill = _skill()
        factories.organiser()
        db.session.commit()
        event_id, skill_id = ev.id, skill.id
    browser.login("organiser")
    page = browser.get(f"/manage/events/{event_id}/registration").get_data(as_text=True)
    assert "报名时间" in page or "registration" in page.lower()
    response = browser.post(f"/manage/events/{event_id}/registration/window",
                            {"opens_at": "2030-09-01T09:00", "closes_at": "2030-09-30T18:00"})
    assert response.status_code == 302
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert registration._aware(event.registration_closes_at) == datetime(2030, 9, 30, 10, tzinfo=UTC)
        assert set(jobs.pending("registration-")) == {f"registration-open-{event_id}", f"registration-close-{event_id}"}
    data = {"team_size": "1", "capacity": "40", "quota_per_organisation": "2", "age_rule": "chinese", "max_age": "22",
            "extended_max_age": "25", "min_age": "18", "retirement_age_male": "60", "retirement_age_female": "55"}
    assert browser.post(f"/manage/skills/{skill_id}/registration", data).status_code == 302
    with app.app_context():
        settings = registration.settings_of(db.session.get(type(skill), skill_id))
        assert (settings.min_age, settings.quota_per_organisation, settings.retirement_age_female) == (18, 2, 55)
    bad = browser.post(f"/manage/skills/{skill_id}/registration", data | {"min_age": "70"})
    assert bad.status_code == 302
    with app.app_context():
        assert registration.settings_of(db.session.get(type(skill), skill_id)).min_age == 18


def test_leader_registers_a_member_on_the_page(app, browser):
    with app.test_request_context():
        ev, skill = _skill()
        events.change_status(ev, EventStatus.REGISTRATION_OPEN)
        org = factories.organisation()
        _leader(org)
        db.session.commit()
        event_id, skill_id, org_id = ev.id, skill.id, org.id
    browser.login("leader")
    url = f"/leader/{org_id}/events/{event_id}"
    page = browser.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "skill_id": str(skill_id), "members-0-name": "张三",
            "members-0-id_type": "resident_id", "members-0-id_number": factories.id_number().lower(),
            "members-0-sex": "M"}
    for i in (1, 2):
        data[f"members-{i}-id_type"] = "resident_id"
    assert browser.client.post(url, data=data).status_code == 302
    page = browser.get(url).get_data(as_text=True)
    assert "张三" in page and factories.id_number() not in page   # masked
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.organisation_id == org_id)) == 1
    assert browser.get("/manage/").status_code == 403


def test_registration_form_takes_birth_date_and_sex(client, browser):
    page = client.get("/register").get_data(as_text=True)
    response = client.post("/register", data={
        "csrf_token": csrf_from(page), "name": "张三", "id_type": "resident_id", "id_number": factories.id_number(),
        "birth_date": "1998-05-18", "username": "zhangsan", "password": "long-enough-1"})
    assert response.status_code == 400 and "1998-05-17" in response.get_data(as_text=True)


def test_an_opened_event_keeps_its_opening_time_and_only_the_closing_time_moves(ctx):
    ev, _ = _skill()
    opens, closes = datetime(2026, 9, 1, 1, tzinfo=UTC), datetime(2026, 9, 30, 10, tzinfo=UTC)
    registration.set_window(ev, opens, closes, now=datetime(2026, 8, 1, tzinfo=UTC))
    registration.open_registration(ev.id)
    db.session.commit()
    db.session.refresh(ev)
    later = closes + timedelta(days=3)
    registration.set_window(ev, opens, later, now=datetime(2026, 9, 2, tzinfo=UTC))   # the form sends both
    db.session.commit()
    assert jobs.pending("registration-") == {f"registration-close-{ev.id}": later}
    with pytest.raises(DomainError) as caught:
        registration.set_window(ev, opens + timedelta(days=1), later, now=datetime(2026, 9, 2, tzinfo=UTC))
    assert caught.value.code == "registration.window_open"


def test_team_size_changes_only_while_the_skill_has_no_entries(ctx):
    ev, skill = _skill()
    registration.update_skill_settings(skill, capacity=None, values={}, team_size=3)
    assert skill.team_size == 3
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    org = factories.organisation()
    registration.leader_enter(_leader(org), skill, org.id, [member(), member("李四", seq=125),
                                                            member("王五", seq=127)], team_name="一队")
    with pytest.raises(DomainError) as caught:
        registration.update_skill_settings(skill, capacity=None, values={}, team_size=2)
    assert caught.value.code == "skill.team_size_entries" and skill.team_size == 3
