"""The access matrix: every rule of the URL map, every method, as every role, against a declared table.

One world (two events; panels; an entry; marks, a conflict and a correction; a certificate, a record, a
print job; one user per role) is built through the services. Each route is requested as each role: pages
with the role's session cookie (POSTs carry a valid CSRF token), the API with the role's bearer token. The
outcome is *allowed* (any status below 500 that is not a refusal) or *refused* (401, 403, 404, or a
redirect to the sign-in page) and must match :data:`ACCESS`. A refused request must change nothing: the
audit chain's head does not move. A route missing from the table fails the test, naming it. No response
shows the contestant's phone number, nor their full ID number outside :data:`FULL_ID_NUMBER_SHOWN`.

Adding a route means adding one line to :data:`ACCESS` (and, when it has a new URL parameter, one to
:data:`PARAMETERS`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from competition.extensions import db
from competition.models import AuditHead, JudgeRole, MarkConflict, Role, User
from competition.services import accounts, appeals, draw, entries, events, judging, marking
from tests import factories
from tests.conftest import Browser

ROLES = ("anonymous", "contestant", "team_leader", "other_judge", "judge", "chief", "supervisor", "officer",
         "keeper", "door", "other_organiser", "organiser", "admin")
"""``other_judge`` scores another skill of the same event; ``chief`` is the 裁判长 of the judge's skill;
``keeper`` is event A's 加密裁判 and ``door`` its 检录 staff;
``organiser`` is the 组委会 of event A only, ``other_organiser`` of event B only, ``admin`` of every event."""

EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
SIGNED_IN = EVERYONE - {"anonymous"}
ADMIN = frozenset({"admin"})
ORGANISERS = frozenset({"organiser", "admin"})              # may manage event A
ANY_ORGANISER = ORGANISERS | {"other_organiser"}           # the organiser desk
SKILL_JUDGES = frozenset({"judge", "chief"})               # on the panel of skill A
ANY_JUDGE = SKILL_JUDGES | {"other_judge"}
CHIEF = frozenset({"chief"})
SUPERVISOR = frozenset({"supervisor"})
OFFICER = frozenset({"officer"})
LEADER = frozenset({"team_leader"})                        # 领队 of the contestant's organisation
KEEPER = frozenset({"keeper"})
DOOR = frozenset({"door"})
HOLDER = frozenset({"contestant"})                         # holds the world's certificate
HAS_PERSON = frozenset({"contestant", "other_judge", "judge", "chief"})  # accounts that belong to a person

# (endpoint, method) -> the roles allowed. API endpoints are called with the role's bearer token.
ACCESS: dict[tuple[str, str], frozenset[str]] = {
    # public pages and files
    ("public.home", "GET"): EVERYONE,
    ("public.event", "GET"): EVERYONE,
    ("public.health", "GET"): EVERYONE,
    ("public.live", "GET"): EVERYONE,
    ("public.skill_results", "GET"): ORGANISERS,  # unpublished; the chief reads them after the codes are revealed
    ("public.switch_language", "GET"): EVERYONE,
    ("public.event_results", "GET"): EVERYONE,             # lists published skills only
    ("public.lookup", "GET"): EVERYONE,
    ("public.lookup", "POST"): EVERYONE,                   # answers only for published results
    ("public.medal_table", "GET"): NOBODY,                 # event A is not 一带一路: no medal table (404)
    ("api_events.event_results", "GET"): EVERYONE,
    ("api_events.event_medals", "GET"): NOBODY,            # likewise
    ("reports.results_book", "GET"): ORGANISERS,
    # publication and appeals
    ("results.review", "GET"): ORGANISERS,                 # the chief: after the codes are revealed
    ("results.confirm_review", "POST"): CHIEF,
    ("manage.schedule_results", "POST"): ORGANISERS,
    ("manage.unschedule_results", "POST"): ORGANISERS,
    ("manage.finalise_results", "POST"): ORGANISERS,
    ("appeals.mine", "GET"): SIGNED_IN,                    # lists only one's own appeals
    ("appeals.file", "GET"): HOLDER | LEADER,
    ("appeals.file", "POST"): HOLDER | LEADER,
    ("appeals.arbitration", "GET"): SUPERVISOR,
    ("appeals.decide", "POST"): SUPERVISOR,
    ("appeals.to_remark", "GET"): SIGNED_IN,               # lists only the marks one may re-mark
    ("appeals.remark", "POST"): SKILL_JUDGES,
    # registration
    ("registration.event_registration", "GET"): ORGANISERS,
    ("registration.set_window", "POST"): ORGANISERS,
    ("registration.skill_settings", "GET"): ORGANISERS,
    ("registration.skill_settings", "POST"): ORGANISERS,
    ("registration.import_entries", "POST"): ORGANISERS,
    ("registration.export_entries", "GET"): ORGANISERS,
    ("registration.export_entries_full", "POST"): ORGANISERS,
    ("registration.template", "GET"): ANY_ORGANISER | LEADER,
    ("registration.leader_dashboard", "GET"): LEADER,
    ("registration.leader_event", "GET"): LEADER,
    ("registration.leader_event", "POST"): LEADER,
    ("registration.leader_import", "POST"): LEADER,
    ("registration.withdraw", "POST"): HOLDER | LEADER,
    # the draw, the anonymous codes and check-in
    ("draw.public_draw", "GET"): EVERYONE,
    ("draw.desk", "GET"): ORGANISERS | KEEPER,
    ("draw.desk", "POST"): ORGANISERS | KEEPER,
    ("draw.run", "POST"): ORGANISERS | KEEPER,
    ("draw.codes", "GET"): ORGANISERS | KEEPER,
    ("draw.approve_reveal", "POST"): CHIEF,
    ("draw.reveal", "POST"): ORGANISERS | KEEPER,
    ("draw.skill_tickets", "GET"): ORGANISERS | DOOR,
    ("draw.checkin", "GET"): ORGANISERS | DOOR,
    ("draw.checkin", "POST"): ORGANISERS | DOOR,
    ("draw.my_ticket", "GET"): HOLDER,
    ("reports.results_csv", "GET"): ORGANISERS,
    ("reports.results_xlsx", "GET"): ORGANISERS,
    ("reports.skill_quality", "GET"): ORGANISERS,          # the chief: after the codes are revealed
    ("static", "GET"): EVERYONE,
    ("bootstrap.static", "GET"): EVERYONE,
    ("tablet.service_worker", "GET"): SIGNED_IN,
    ("evaluation.verify", "GET"): EVERYONE,
    # signing in and out
    ("auth.login", "GET"): EVERYONE,
    ("auth.login", "POST"): EVERYONE,
    ("auth.logout", "POST"): EVERYONE,
    ("auth.register", "GET"): EVERYONE,
    ("auth.register", "POST"): EVERYONE,
    # one's own pages
    ("me.dashboard", "GET"): SIGNED_IN,
    ("me.change_password", "GET"): SIGNED_IN,
    ("me.change_password", "POST"): SIGNED_IN,
    ("me.enter", "POST"): HAS_PERSON,
    ("judges.my_conflicts", "GET"): ANY_JUDGE,
    ("judges.my_conflicts", "POST"): ANY_JUDGE,
    # the organiser desk
    ("manage.dashboard", "GET"): ANY_ORGANISER,
    ("manage.new_event", "GET"): ADMIN,
    ("manage.new_event", "POST"): ADMIN,
    ("manage.event", "GET"): ORGANISERS,
    ("manage.event_status", "POST"): ORGANISERS,
    ("manage.previous_round", "POST"): ORGANISERS,
    ("manage.start_from_previous", "POST"): ORGANISERS,
    ("manage.add_skill", "POST"): ORGANISERS,
    ("manage.skill", "GET"): ORGANISERS,
    ("manage.add_aspect", "POST"): ORGANISERS,
    ("manage.import_scheme", "POST"): ORGANISERS,
    ("manage.publish_scheme", "POST"): ORGANISERS,
    ("manage.scheme_template", "GET"): ANY_ORGANISER,
    ("manage.import_theory", "POST"): ORGANISERS,
    ("manage.paper_entry", "GET"): ORGANISERS,
    ("manage.paper_entry", "POST"): ORGANISERS,
    ("manage.paper_forms", "GET"): ORGANISERS,
    ("manage.approve_entry", "POST"): ORGANISERS,
    ("manage.reject_entry", "POST"): ORGANISERS,
    ("manage.assign_judge", "POST"): ORGANISERS,
    ("manage.compute_results", "POST"): ORGANISERS,
    ("manage.publish_results", "POST"): ORGANISERS,
    # judges: pool, conflicts, panels, assignment
    ("judges.pool", "GET"): ANY_ORGANISER,
    ("judges.pool_import", "POST"): ADMIN,  # the pool is shared by all events
    ("judges.pool_template", "GET"): ANY_ORGANISER,
    ("judges.judge", "GET"): ANY_ORGANISER,
    ("judges.judge", "POST"): ADMIN,
    ("judges.record_relation", "POST"): ADMIN,
    ("judges.withdraw_relation", "POST"): ADMIN,
    ("judges.conflicts", "GET"): ORGANISERS,
    ("judges.conflict_settings", "POST"): ORGANISERS,
    ("judges.waive", "POST"): ORGANISERS,
    ("judges.revoke_waiver", "POST"): ORGANISERS,
    ("judges.panels", "GET"): ORGANISERS,
    ("judges.create_panel", "POST"): ORGANISERS,
    ("judges.update_panel", "POST"): ORGANISERS,
    ("judges.delete_panel", "POST"): ORGANISERS,
    ("judges.seat", "POST"): ORGANISERS,
    ("judges.seat_role", "POST"): ORGANISERS,
    ("judges.unseat", "POST"): ORGANISERS,
    ("judges.panel_sheet", "GET"): ORGANISERS,
    ("judges.assignment", "GET"): ORGANISERS,
    ("judges.preview", "POST"): ORGANISERS,
    ("judges.apply", "POST"): ORGANISERS,
    ("judges.letters", "GET"): ORGANISERS,
    ("judges.letter", "GET"): ORGANISERS,
    # the judging tablet
    ("tablet.panels", "GET"): SIGNED_IN,
    ("tablet.skill", "GET"): SKILL_JUDGES,
    ("tablet.mark_entry", "GET"): SKILL_JUDGES,
    ("tablet.mark_entry", "POST"): SKILL_JUDGES,
    ("tablet.submit", "POST"): SKILL_JUDGES,
    ("tablet.chief", "GET"): CHIEF,
    ("tablet.chief_state", "GET"): CHIEF,
    ("tablet.lock", "POST"): CHIEF,
    ("tablet.resolve_conflict", "POST"): CHIEF,
    ("tablet.request_correction", "POST"): CHIEF,
    ("tablet.corrections", "GET"): SUPERVISOR,
    ("tablet.countersign", "POST"): SUPERVISOR,
    # the evaluation desk
    ("evaluation.dashboard", "GET"): OFFICER,
    ("evaluation.people", "GET"): OFFICER,
    ("evaluation.add_history", "POST"): OFFICER,
    ("evaluation.new_record", "GET"): OFFICER,
    ("evaluation.new_record", "POST"): OFFICER,
    ("evaluation.record", "GET"): OFFICER,
    ("evaluation.record_photo", "POST"): OFFICER,
    ("evaluation.approve_record", "POST"): OFFICER,
    ("evaluation.reject_record", "POST"): OFFICER,
    ("evaluation.candidate_record", "POST"): OFFICER,
    ("evaluation.issue", "POST"): OFFICER,
    ("evaluation.certificate", "GET"): OFFICER,
    ("evaluation.certificate_pdf", "GET"): OFFICER | HOLDER,
    ("evaluation.certificate_credential", "GET"): OFFICER | HOLDER,
    ("evaluation.certificate_photo", "POST"): OFFICER,
    ("evaluation.revoke", "POST"): OFFICER,
    ("evaluation.reissue", "POST"): OFFICER,
    ("evaluation.imports_page", "GET"): OFFICER,
    ("evaluation.imports_page", "POST"): OFFICER,
    ("evaluation.import_template", "GET"): OFFICER,
    ("evaluation.commit_import", "POST"): OFFICER,
    ("evaluation.import_batch", "GET"): OFFICER,
    ("evaluation.approve_import", "POST"): OFFICER,
    ("evaluation.print_page", "GET"): OFFICER,
    ("evaluation.print_page", "POST"): OFFICER,
    ("evaluation.print_job", "GET"): OFFICER,
    ("evaluation.print_job_progress", "GET"): OFFICER,
    ("evaluation.print_job_part", "GET"): OFFICER,
    # the JSON API (bearer tokens)
    ("api-docs.openapi_json", "GET"): EVERYONE,
    ("api_auth.issue_token", "POST"): EVERYONE,
    ("api_me.me", "GET"): SIGNED_IN,
    ("api_events.list_events", "GET"): EVERYONE,
    ("api_events.get_event", "GET"): EVERYONE,
    ("api_events.skill_results", "GET"): ORGANISERS,  # unpublished; the chief after the reveal
    ("api_marks.sync", "POST"): SIGNED_IN,  # refusals come per mark in the body (mark.not_on_panel)
    ("api_evaluation.verify", "GET"): EVERYONE,
    ("api_evaluation.credential", "GET"): OFFICER | HOLDER,
    ("api_evaluation.published_keys", "GET"): EVERYONE,
    ("api_evaluation.issuer", "GET"): EVERYONE,
    ("api_evaluation.status_list", "GET"): EVERYONE,
}

# URL parameter -> how to fill it from the world (a key of World.ids, or a fixed value).
PARAMETERS: dict[str, Callable[[World, str], object]] = {
    "event_id": lambda w, endpoint: w.ids["event"],
    "skill_id": lambda w, endpoint: w.ids["skill"],
    "entry_id": lambda w, endpoint: w.ids["entry"],
    "person_id": lambda w, endpoint: w.ids["judge_person"],
    "organisation_id": lambda w, endpoint: w.ids["company"],
    "panel_id": lambda w, endpoint: w.ids["panel"],
    "run_id": lambda w, endpoint: w.ids["run"],
    "waiver_id": lambda w, endpoint: w.ids["waiver"],
    "relation_id": lambda w, endpoint: w.ids["relation"],
    "mark_id": lambda w, endpoint: w.ids["locked_mark"],
    "conflict_id": lambda w, endpoint: w.ids["conflict"],
    "correction_id": lambda w, endpoint: w.ids["correction"],
    "appeal_id": lambda w, endpoint: w.ids["appeal"],
    "item_id": lambda w, endpoint: w.ids["appeal_item"],
    "certificate_id": lambda w, endpoint: w.ids["certificate"],
    "record_id": lambda w, endpoint: w.ids["record"],
    "import_id": lambda w, endpoint: w.ids["import"],
    "job_id": lambda w, endpoint: w.ids["job"],
    "part": lambda w, endpoint: 1,
    "body_id": lambda w, endpoint: w.ids["body"],
    "number": lambda w, endpoint: w.ids["number"],
    "status": lambda w, endpoint: "marking",            # a lifecycle step the event may not take from here
    "route": lambda w, endpoint: "assessment",
    "code": lambda w, endpoint: "en",
    "filename": lambda w, endpoint: "css/bootstrap.min.css" if endpoint.startswith("bootstrap") else "css/saiping.css",
}
QUERY: dict[str, str] = {"evaluation.verify": "?number={number}", "api_evaluation.verify": "?number={number}"}

REFUSED = {401, 403, 404}

# Where the contestant's full ID number may be shown (to the roles ACCESS lets in): the evaluation desk and
# the certificate itself, which must carry it. Everywhere else it is masked; the phone number is never shown.
FULL_ID_NUMBER_SHOWN = frozenset({"evaluation.certificate", "evaluation.certificate_pdf", "evaluation.people",
                                  "evaluation.record", "evaluation.certificate_credential",
                                  "api_evaluation.credential", "evaluation.print_job_part"})
CONTESTANT_ID_NUMBER = factories.id_number(sequence=123)
CONTESTANT_PHONE = "13800138000"


@dataclass
class World:
    ids: dict[str, object]
    tokens: dict[str, str]


def build_world() -> World:
    """Two events; in event A a skill with a judge and its chief, another skill with another judge, a
    contestant's approved entry with a mark and a conflict, a locked skill with a correction; the judge
    pool with a relation and a waived conflict; an evaluation body with a certificate, a record, an import
    and a print job. Commits."""
    from evaluation.services import certificates, imports, print_jobs, records

    company = factories.organisation()
    body = factories.evaluation_body()
    ev = factories.event("event-a", starts_on=date(2026, 10, 20), ends_on=date(2026, 10, 21))
    other_event = factories.event("event-b")
    factories.skill_with_scheme(other_event, "X01")
    skill = factories.skill_with_scheme(ev, "A01")
    other_skill = factories.skill_with_scheme(ev, "A02")
    locked_skill = factories.skill_with_scheme(ev, "A03")
    factories.user("admin", (Role.ORGANISER, None, None))
    organiser = factories.user("organiser", (Role.ORGANISER, ev.id, None))
    factories.user("other_organiser", (Role.ORGANISER, other_event.id, None))
    factories.user("supervisor", (Role.SUPERVISOR, ev.id, None))
    factories.user("team_leader", (Role.TEAM_LEADER, None, company.id))
    factories.user("keeper", (Role.ENCRYPTION_JUDGE, ev.id, None))
    factories.user("door", (Role.CHECKIN_STAFF, ev.id, None))
    officer = factories.officer(body, "officer")
    judge = factories.judge("judge", "陈建国", 311)
    chief = factories.judge("chief", "陈裁判长", 399)
    other_judge = factories.judge("other_judge", "刘德明", 313)
    factories.pool_judge("同厂裁判", 351, org=company)
    judging.create_panel(skill, time_slots=["2026-10-20"])  # the judge and the chief sit on two days
    judging.create_panel(locked_skill, time_slots=["2026-10-21"])
    factories.assign(skill, judge)
    factories.assign(skill, chief, JudgeRole.CHIEF)
    factories.assign(other_skill, other_judge)
    factories.assign(locked_skill, judge)
    factories.assign(locked_skill, chief, JudgeRole.CHIEF)
    events.change_status(ev, "registration_open")
    contestant = entries.register_contestant(
        username="contestant", password=factories.PASSWORD, name="张三丰", id_type="resident_id",
        id_number=CONTESTANT_ID_NUMBER, phone=CONTESTANT_PHONE, organisation_id=company.id)
    entry = entries.enter_skill(contestant, skill)
    locked_entry = entries.enter_skill(contestant, locked_skill)
    db.session.flush()
    entries.decide_entry(entry, True)
    entries.decide_entry(locked_entry, True)
    draw.commit_draw(organiser, skill, ["01", "02"], ["第一场"])  # the contestant's admission ticket
    draw.run_draw(organiser, skill)
    factories.open_marking(ev)
    db.session.flush()

    world_ids: dict[str, object] = {"event": ev.id, "skill": skill.id, "entry": entry.id,
                                    "judge_person": judge.person_id, "body": body.id,
                                    "company": company.id}
    aspects = _aspects(skill)
    marking.record_marks(judge, [{"client_id": f"matrix-a-{a.id}", "entry_id": entry.id, "aspect_id": a.id,
                                  "value": str(value_for(a))} for a in aspects])
    # the same mark again with another value: a conflict for the chief
    first = aspects[0]
    marking.record_marks(judge, [{"client_id": f"matrix-a-{first.id}", "entry_id": entry.id, "aspect_id": first.id,
                                  "value": str(value_for(first) + 1)}])
    world_ids["conflict"] = db.session.scalar(select(MarkConflict.id))
    # the locked skill: all marks in, the sheet submitted, locked; then a correction
    locked_aspects = _aspects(locked_skill)
    for who in (judge, chief):
        marking.record_marks(who, [{"client_id": f"matrix-l-{who.id}-{a.id}", "entry_id": locked_entry.id,
                                    "aspect_id": a.id, "value": str(value_for(a))} for a in locked_aspects])
        marking.submit_sheet(who, locked_skill)
    marking.lock_skill(chief, locked_skill)
    locked_mark = marking.marks_by_cell(locked_skill)
    mark_row = next(iter(next(iter(locked_mark.values())).values()))
    world_ids["locked_mark"] = mark_row.id
    world_ids["correction"] = marking.request_correction(chief, mark_row, mark_row.value, "复核更正").id
    appeal = appeals.file_appeal(contestant, locked_entry, [mark_row.id], "评分有误")  # within the window
    db.session.flush()
    world_ids["appeal"], world_ids["appeal_item"] = appeal.id, appeal.marks[0].id
    # the judge pool: a declared relation, a waived conflict, a panel, an assignment run
    world_ids["relation"] = judging.declare_relation(judge.person, kind="relative", other_name="王某").id
    company_judge = next(p for p in judging.judge_pool() if p.organisation_id == company.id)
    world_ids["waiver"] = judging.waive_conflict(ev, judge_person_id=company_judge.id, entry_id=entry.id,
                                                 conflict_type="same_employer", reason="不同分公司").id
    world_ids["panel"] = judging.lead_panel(skill).id
    world_ids["run"] = judging.preview_assignment(ev, seed=7).id
    # the evaluation side
    certificate = certificates.issue_certificate(
        officer, body_id=body.id, person=contestant.person, grade_code="senior", occupation_code="6-31-01-03",
        occupation_name="电工", trade=None, route="assessment", issue_date=date(2026, 11, 23))
    world_ids["certificate"], world_ids["number"] = certificate.id, certificate.number
    record = records.create_record(officer, body_id=body.id, person=factories.person("李四", 457),
                                   route="assessment", grade_code="junior", theory=Decimal(75),
                                   practical=Decimal(80), facts=records.Facts(years_in_occupation=Decimal(2)),
                                   occupation_code="6-31-01-03", occupation_name="电工", trade=None)
    world_ids["record"] = record.id
    world_ids["import"] = imports.commit_import(officer, body.id, "staff.xlsx", imports.template_workbook()).batch.id
    job = print_jobs.create_print_job(officer, print_jobs.Selection(body.id, numbers=(certificate.number,)))
    world_ids["job"] = job.id
    users = {user.username: user for user in db.session.scalars(select(User))}
    tokens = {role: accounts.issue_token(users[role], "matrix")[0] for role in ROLES if role != "anonymous"}
    db.session.commit()
    print_jobs.run_print_job(job.id, workers=1)  # its PDF part exists (commits)
    return World(world_ids, tokens)


def _aspects(skill) -> list:
    from competition.models import Aspect, Criterion, MarkingScheme
    return list(db.session.scalars(select(Aspect).join(Criterion).join(MarkingScheme)
                                   .where(MarkingScheme.skill_id == skill.id).order_by(Aspect.code)))


def value_for(aspect) -> Decimal:
    return Decimal(30) if aspect.kind == "measurement" else Decimal(2)


def _routes(app) -> list[tuple[str, str, str]]:
    """Every (endpoint, method, rule) of the URL map, HEAD and OPTIONS aside (Flask answers those itself)."""
    return sorted((rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"HEAD", "OPTIONS"})


def missing_from_table(app) -> list[str]:
    return [f"{endpoint} {method} {rule}" for endpoint, method, rule in _routes(app) if (endpoint, method) not in ACCESS]


def test_every_route_has_an_entry_in_the_access_table(app):
    missing = missing_from_table(app)
    assert not missing, "routes with no line in ACCESS (tests/test_access_matrix.py): " + "; ".join(missing)
    stale = set(ACCESS) - {(endpoint, method) for endpoint, method, _rule in _routes(app)}
    assert not stale, f"ACCESS names routes that do not exist: {sorted(stale)}"
    unknown = {name for allowed in ACCESS.values() for name in allowed} - EVERYONE
    assert not unknown, f"unknown roles in ACCESS: {unknown}"


def test_a_new_route_without_a_line_is_named():
    from types import SimpleNamespace

    from werkzeug.routing import Map, Rule
    rules = [Rule("/", endpoint="public.home", methods=["GET"]), Rule("/x/<int:x_id>", endpoint="new.page",
                                                                     methods=["GET", "POST"])]
    assert missing_from_table(SimpleNamespace(url_map=Map(rules))) == ["new.page GET /x/<int:x_id>",
                                                                       "new.page POST /x/<int:x_id>"]


class Walk:
    """The world and one signed-in client per role; rebuilt when an allowed request changed the state."""

    def __init__(self, app) -> None:
        self.app = app
        self.rebuilds = 0
        self.build()

    def build(self) -> None:
        from tests.conftest import _empty_tables
        _empty_tables(self.app)
        with self.app.test_request_context():
            self.world = build_world()
        self.browsers: dict[str, Browser] = {}
        self.csrf: dict[str, str] = {}
        for role in ROLES:
            browser = Browser(self.app.test_client())
            if role != "anonymous":
                browser.login(role)
            self.browsers[role] = browser
            self.csrf[role] = browser.token("/me" if role != "anonymous" else "/login")

    def rebuild(self) -> None:
        self.rebuilds += 1
        self.build()

    def head(self) -> tuple[int, str]:
        with self.app.app_context():
            row = db.session.get(AuditHead, 1)
            result = (row.seq, row.last_hash)
            db.session.remove()
            return result

    def url(self, endpoint: str, rule: str) -> str:
        url = rule
        for name in _placeholders(rule):
            fill = PARAMETERS.get(name.split(":")[-1])
            assert fill is not None, f"{endpoint}: no way to fill <{name}>: add it to PARAMETERS"
            url = url.replace(f"<{name}>", str(fill(self.world, endpoint)))
        return url + QUERY.get(endpoint, "").format(**self.world.ids)

    def request(self, role: str, endpoint: str, method: str, url: str):
        if endpoint.startswith("api"):
            headers = {"Authorization": f"Bearer {self.world.tokens[role]}"} if role != "anonymous" else {}
            client = self.app.test_client()
            if method == "GET":
                return client.get(url, headers=headers)
            return client.open(url, method=method, headers=headers, json={})
        client = self.browsers[role].client
        if method == "GET":
            return client.get(url)
        return client.open(url, method=method, data={"csrf_token": self.csrf[role]})


def _placeholders(rule: str) -> list[str]:
    import re
    return re.findall(r"<([^>]+)>", rule)


def _refused(response) -> bool:
    if response.status_code in REFUSED:
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def test_every_route_as_every_role_matches_the_table(app, monkeypatch):
    # Fast password hashes: the world is built again after each allowed request that changes it.
    from werkzeug.security import generate_password_hash
    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"))
    walk = Walk(app)
    problems: list[str] = []
    checked = 0
    for endpoint, method, rule in _routes(app):
        allowed = ACCESS[(endpoint, method)]
        for role in sorted(ROLES, key=lambda r: r in allowed):  # the refused roles first
            url = walk.url(endpoint, rule)
            before = walk.head()
            response = walk.request(role, endpoint, method, url)
            body = response.get_data()
            response.close()
            checked += 1
            if CONTESTANT_PHONE.encode() in body:
                problems.append(f"{role:16} {method:4} {url}: shows the contestant's phone number")
            if CONTESTANT_ID_NUMBER.encode() in body and endpoint not in FULL_ID_NUMBER_SHOWN:
                problems.append(f"{role:16} {method:4} {url}: shows the contestant's full ID number")
            status = response.status_code
            refused = _refused(response)
            if status >= 500:
                problems.append(f"{role:16} {method:4} {url}: {status}")
            elif refused == (role in allowed):
                expected = "allowed" if role in allowed else "refused"
                problems.append(f"{role:16} {method:4} {url}: {status} {response.headers.get('Location', '')} "
                                f"but the table says {expected} ({endpoint})")
            if walk.head() != before:
                if refused or role not in allowed:
                    problems.append(f"{role:16} {method:4} {url}: a refused request changed the state ({status})")
                walk.rebuild()
    print(f"{checked} requests, world rebuilt {walk.rebuilds} times")
    assert not problems, f"{len(problems)} of {checked} requests differ from ACCESS:\n" + "\n".join(problems)
    assert checked >= len(ACCESS) * len(ROLES)
