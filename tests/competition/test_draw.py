"""The draw (抽签), the anonymous codes (加密/解密) and check-in (检录), through the services and the pages."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import Admission, AuditLog, Entry, EntryCode, Role, Skill, User
from competition.rules import draw as rules
from competition.services import audit, draw, entries, events, marking
from tests import factories
from tests.conftest import Browser

NAMES = ["张三丰", "选手2", "选手3", "选手4", "选手5"]


def _drawn_skill(contestants: int = 5, *, run: bool = True):
    """A skill in marking with approved entries, one scorer, a chief, an organiser and a 加密裁判; the draw
    committed (and run). Returns (skill, scorers, chief, organiser, encryption judge)."""
    skill, _entry, scorers, chief = factories.marked_skill(judges=1, contestants=contestants)
    events.update_settings(skill.event, "marking", {"judgement_team_size": 1})
    organiser = factories.organiser("organiser", skill.event_id)
    keeper = factories.user("keeper", (Role.ENCRYPTION_JUDGE, skill.event_id, None))
    draw.commit_draw(organiser, skill, ["01", "02", "03"], ["第一场 10月20日 08:30", "第二场 10月20日 14:00"])
    if run:
        draw.run_draw(keeper, skill)
    db.session.commit()
    return skill, scorers, chief, organiser, keeper


def _entries(skill) -> list[Entry]:
    return list(db.session.scalars(select(Entry).where(Entry.skill_id == skill.id).order_by(Entry.id)))


def _codes(skill) -> dict[int, str]:
    return {c.entry_id: c.outer_code for c in db.session.scalars(select(EntryCode).where(EntryCode.skill_id == skill.id))}


def _mark_everything(skill, judge) -> None:
    aspects = events.published_scheme(skill.id).aspects
    batch = [{"entry_id": e.id, "aspect_id": a.id, "value": "2", "client_id": str(uuid.uuid4())}
             for e in _entries(skill) for a in aspects]
    assert {o.status for o in marking.record_marks(judge, batch)} == {"accepted"}


# --- the draw -------------------------------------------------------------------------------------------

def test_commitment_is_public_before_the_draw_and_the_seed_after(app, client):
    with app.test_request_context():
        skill, *_ = _drawn_skill(run=False)
        committed = draw.current_draw(skill)
        seed, commitment, skill_id = committed.seed, committed.commitment, skill.id
        assert commitment == rules.commit(seed)
    before = client.get(f"/skills/{skill_id}/draw").get_data(as_text=True)
    assert commitment in before and seed not in before
    with app.test_request_context():
        keeper = db.session.scalar(select(User).where(User.username == "keeper"))
        draw.run_draw(keeper, db.session.get(Skill, skill_id))
        db.session.commit()
    after = client.get(f"/skills/{skill_id}/draw").get_data(as_text=True)
    assert commitment in after and seed in after
    assert 'data-matches="yes"' in after
    for name in NAMES:
        assert name not in after  # the public page shows entry ids, not people


def test_replaying_the_published_seed_gives_the_published_draw(app, client):
    """Anyone can take the seed and the inputs from the public page and replay the draw; each contestant
    finds their own draw id on their page."""
    with app.test_request_context():
        skill, *_ = _drawn_skill()
        skill_id = skill.id
        lots = draw.current_draw(skill).lots
        stored = {lots[str(e.id)]: e.competitor_number for e in _entries(skill)}
        first_lot = lots[str(_entries(skill)[0].id)]
    page = client.get(f"/skills/{skill_id}/draw").get_data(as_text=True)
    seed = re.search(r'class="draw-seed">([0-9a-f]{64})<', page).group(1)
    commitment = re.search(r'class="draw-commitment">([0-9a-f]{64})<', page).group(1)
    draw_ids = [int(x) for x in re.search(r'class="draw-entries">([^<]+)<', page).group(1).split(", ")]
    width = int(re.search(r'class="draw-width">(\d+)<', page).group(1))
    assert rules.verify_commitment(seed, commitment)
    replayed = rules.run_draw(seed, list(reversed(draw_ids)), ["01", "02", "03"],
                              ["第一场 10月20日 08:30", "第二场 10月20日 14:00"], number_width=width)
    assert {a.entry_id: a.competitor_number for a in replayed.assignments} == stored
    assert sorted(stored.values()) == ["001", "002", "003", "004", "005"]  # settings["draw"]["number_width"]
    shown = re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td><td class=\"number\">(\w+)</td><td>(\w+)</td>", page)
    assert [(int(p), int(e), n, s) for p, e, n, s in shown] == [
        (a.draw_position, a.entry_id, a.competitor_number, a.station) for a in replayed.assignments]
    # The public list is of random draw ids, never the entry ids the judges' tablets use.
    assert all(len(str(lot)) == 4 for lot in draw_ids)
    contestant = Browser(app.test_client())
    contestant.login("contestant")
    assert f"{first_lot}" in contestant.get("/me").get_data(as_text=True).split("draw-id", 1)[1][:40]


def test_seats_are_unique_and_sessions_balanced(ctx):
    skill, *_ = _drawn_skill()
    seats = draw.current_draw(skill).seats
    assert len({(s.session, s.station) for s in seats}) == 5
    per_session = sorted(sum(1 for s in seats if s.session == label) for label in {s.session for s in seats})
    assert per_session == [2, 3]
    kinds = [row.action for row in db.session.scalars(select(AuditLog).order_by(AuditLog.seq))]
    assert "draw.commit" in kinds and "draw.run" in kinds and "anonymisation.create" in kinds


def test_a_new_commitment_supersedes_and_redraws_before_marks(ctx):
    skill, (scorer,), _chief, organiser, keeper = _drawn_skill()
    first_seed = draw.current_draw(skill).seed
    with pytest.raises(DomainError) as refused:
        draw.run_draw(keeper, skill)
    assert refused.value.code == "draw.already_drawn"
    draw.commit_draw(organiser, skill, ["A", "B", "C", "D", "E"], [])
    draw.run_draw(keeper, skill)
    db.session.commit()
    assert draw.current_draw(skill).seed != first_seed
    assert sorted(s.station for s in draw.current_draw(skill).seats) == ["A", "B", "C", "D", "E"]
    assert len(_codes(skill)) == 5


def test_redrawing_after_judges_have_marks_is_refused(ctx):
    skill, (scorer,), _chief, organiser, keeper = _drawn_skill()
    aspect = events.published_scheme(skill.id).aspects[0]
    entry = _entries(skill)[0]
    assert marking.record_marks(scorer, [{"entry_id": entry.id, "aspect_id": aspect.id, "value": "10"}])[0].status \
        == "accepted"
    numbers = {e.id: e.competitor_number for e in _entries(skill)}
    with pytest.raises(DomainError) as refused:
        draw.commit_draw(organiser, skill, ["01", "02", "03", "04", "05"], [])
    assert refused.value.code == "draw.marked"
    assert {e.id: e.competitor_number for e in _entries(skill)} == numbers


def test_the_draw_runs_only_on_the_entries_committed_to(ctx):
    skill, _scorers, _chief, organiser, keeper = _drawn_skill(contestants=2, run=False)
    late = factories.contestant("late", "迟到者", 177)
    skill.event.status = "registration_open"  # a late entry, approved after the commitment
    entry = entries.enter_skill(late, skill)
    db.session.flush()
    entries.decide_entry(entry, True)
    with pytest.raises(DomainError) as refused:
        draw.run_draw(keeper, skill)
    assert refused.value.code == "draw.entries_changed"
    assert entry.id not in draw.current_draw(skill).entry_ids


@pytest.mark.parametrize(("stations", "sessions", "code"), [
    (["01", "02"], [], "draw.capacity"),
    (["01", "01", "02", "03", "04"], [], "draw.duplicate_station"),
    (["01", "02", "03"], ["上午", "上午"], "draw.duplicate_session"),
])
def test_bad_draw_settings_are_refused_and_nothing_is_committed(ctx, stations, sessions, code):
    skill = factories.marked_skill(contestants=5)[0]
    organiser = factories.organiser("organiser", skill.event_id)
    with pytest.raises(DomainError) as refused:
        draw.commit_draw(organiser, skill, stations, sessions)
    assert refused.value.code == code
    assert draw.current_draw(skill) is None


def test_parse_labels():
    assert draw.parse_labels("3") == ["01", "02", "03"]
    assert draw.parse_labels("A1, A2，A3\nA4") == ["A1", "A2", "A3", "A4"]
    assert draw.parse_labels("第一场 08:30, 上午\n第二场", commas=False) == ["第一场 08:30, 上午", "第二场"]


def test_only_organisers_and_the_encryption_judge_run_the_draw(app):
    with app.test_request_context():
        skill, (scorer,), chief, _organiser, _keeper = _drawn_skill(run=False)
        skill_id = skill.id
    for username, status in (("judge1", 403), ("chief", 403), ("contestant", 403), ("keeper", 302)):
        browser = Browser(app.test_client())
        browser.login(username)
        assert browser.post(f"/skills/{skill_id}/draw/run").status_code == status, username
    page = Browser(app.test_client())
    page.login("organiser")
    desk = page.get(f"/skills/{skill_id}/draw/desk").get_data(as_text=True)
    assert "draw-seed" in desk and "run-draw" not in desk  # drawn by the keeper above


# --- what judges see ------------------------------------------------------------------------------------

def test_judges_see_only_outer_codes(app):
    with app.test_request_context():
        skill, (scorer,), chief, *_ = _drawn_skill()
        skill_id, codes = skill.id, _codes(skill)
        numbers = {e.id: e.competitor_number for e in _entries(skill)}
        entry_id = _entries(skill)[0].id
    judge = Browser(app.test_client())
    judge.login("judge1")
    page = judge.get(f"/tablet/skills/{skill_id}").get_data(as_text=True)
    sheet = json.loads(re.search(r'<script type="application/json" id="sheet-data">(.*?)</script>', page, re.S).group(1))
    assert sorted(e["number"] for e in sheet["entries"]) == sorted(codes.values())
    assert all(len(code) == 6 for code in codes.values())
    assert not any(name in page for name in NAMES)
    form = judge.get(f"/tablet/skills/{skill_id}/entries/{entry_id}").get_data(as_text=True)
    assert codes[entry_id] in form and f"<title>{numbers[entry_id]}" not in form
    chief_page = Browser(app.test_client())
    chief_page.login("chief")
    view = chief_page.get(f"/tablet/skills/{skill_id}/chief").get_data(as_text=True)
    for entry_id_, code in codes.items():
        assert f"{code}/A1" in view and not re.search(rf"(?<![0-9]){numbers[entry_id_]}/A1", view)
    assert not any(name in view for name in NAMES)
    # Neither judges nor the chief can read the mapping before the reveal.
    assert judge.get(f"/skills/{skill_id}/codes").status_code == 403
    assert chief_page.get(f"/skills/{skill_id}/codes").status_code == 403


def test_paper_forms_carry_outer_codes(ctx):
    from pypdf import PdfReader

    from competition.services import paper
    skill, *_ = _drawn_skill()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(paper.paper_forms_pdf(skill))).pages)
    for code in _codes(skill).values():
        assert code in text
    assert "成果号" in text


# --- reveal (解密) ---------------------------------------------------------------------------------------

def test_reveal_needs_the_chief_judges_sign_off_and_is_audited(app):
    with app.test_request_context():
        skill, (scorer,), chief, organiser, keeper = _drawn_skill(contestants=2)
        skill_id = skill.id
        with pytest.raises(DomainError) as refused:
            draw.approve_reveal(chief, skill)
        assert refused.value.code == "reveal.not_locked"
        with pytest.raises(DomainError) as refused:
            draw.reveal(keeper, skill)
        assert refused.value.code == "reveal.not_approved"
        _mark_everything(skill, scorer)
        marking.lock_skill(chief, skill)
        db.session.commit()
        codes = _codes(skill)
    keeper_page, chief_page = Browser(app.test_client()), Browser(app.test_client())
    keeper_page.login("keeper")
    chief_page.login("chief")
    sealed = keeper_page.get(f"/skills/{skill_id}/codes").get_data(as_text=True)
    assert all(code in sealed for code in codes.values()) and "张三丰" in sealed
    assert keeper_page.post(f"/skills/{skill_id}/codes/approve").status_code == 403  # only the chief signs
    assert "approve-reveal" in chief_page.get(f"/tablet/skills/{skill_id}/chief").get_data(as_text=True)
    assert chief_page.post(f"/skills/{skill_id}/codes/approve").status_code == 302
    assert chief_page.get(f"/skills/{skill_id}/codes").status_code == 403  # approved, not yet revealed
    assert chief_page.get(f"/skills/{skill_id}/results").status_code == 403  # nor the results, which name people
    assert chief_page.post(f"/skills/{skill_id}/codes/reveal").status_code == 403
    assert keeper_page.post(f"/skills/{skill_id}/codes/reveal").status_code == 302
    revealed = chief_page.get(f"/skills/{skill_id}/codes").get_data(as_text=True)
    assert "张三丰" in revealed
    assert f"/skills/{skill_id}/codes" in chief_page.get(f"/tablet/skills/{skill_id}/chief").get_data(as_text=True)
    assert chief_page.get(f"/skills/{skill_id}/results").status_code == 200  # unpublished results name people
    with app.test_request_context():
        rows = {r.action: r for r in db.session.scalars(select(AuditLog))}
        assert rows["anonymisation.approve_reveal"].actor == "chief"
        assert rows["anonymisation.reveal"].actor == "keeper"
        assert set(rows["anonymisation.reveal"].after["mapping"]) == set(codes.values())
        assert list(audit.verify_chain()) == []


# --- admission tickets and check-in ---------------------------------------------------------------------

def _png_of(pdf: bytes, tmp_path) -> bytes:
    (tmp_path / "ticket.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", str(tmp_path / "ticket.pdf"),
                    str(tmp_path / "ticket")], check=True)
    return (tmp_path / "ticket.png").read_bytes()


def test_admission_ticket_pdf(app, tmp_path):
    from PIL import Image
    from pypdf import PdfReader
    with app.test_request_context():
        skill, *_ = _drawn_skill()
        entry = _entries(skill)[0]
        number, entry_id = entry.competitor_number, entry.id
        admission = draw.admission_of(entry.members[0].person_id, entry)
        code, id_number = admission.code, entry.members[0].person.id_number
        seat = draw.seat_of(entry)
        station, session = seat.station, seat.session
        skill.event.venue = "重庆工业技师学院实训楼"
        db.session.commit()
    contestant = Browser(app.test_client())
    contestant.login("contestant")
    me = contestant.get("/me").get_data(as_text=True)
    assert f"/me/entries/{entry_id}/ticket.pdf" in me
    response = contestant.get(f"/me/entries/{entry_id}/ticket.pdf")
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in ("准考证", "张三丰", number, station, session, draw.printed_code(code), "电工",
                     "重庆工业技师学院实训楼"):
        assert expected in text, expected
    assert id_number not in text  # the QR and the ticket carry the opaque code, not the ID number

    png = _png_of(response.data, tmp_path)
    (tmp_path / "copy.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("L")
    dark = image.histogram()[:128]
    dark = sum(dark)
    assert dark > image.width * image.height * 0.01  # not blank
    if shutil.which("zbarimg"):
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "copy.png")], capture_output=True,
                                 text=True, check=True).stdout.strip()
        assert decoded == draw.printed_code(code)
    # Another contestant cannot download it.
    other = Browser(app.test_client())
    other.login("contestant2")
    assert other.get(f"/me/entries/{entry_id}/ticket.pdf").status_code == 404


def test_organiser_prints_every_ticket_of_a_skill(app):
    from pypdf import PdfReader
    with app.test_request_context():
        skill, *_ = _drawn_skill()
        skill_id, numbers = skill.id, sorted(e.competitor_number for e in _entries(skill))
    organiser = Browser(app.test_client())
    organiser.login("organiser")
    reader = PdfReader(io.BytesIO(organiser.get(f"/skills/{skill_id}/tickets.pdf").data))
    assert len(reader.pages) == 5
    assert [re.search(r"参赛号 No\.\s*(\S+)", p.extract_text()).group(1) for p in reader.pages] == numbers
    judge = Browser(app.test_client())
    judge.login("judge1")
    assert judge.get(f"/skills/{skill_id}/tickets.pdf").status_code == 403


def test_check_in_at_the_door(app):
    with app.test_request_context():
        skill, *_ = _drawn_skill(contestants=3)
        event_id = skill.event_id
        factories.user("door", (Role.CHECKIN_STAFF, event_id, None))
        other_event = factories.event("other-event", name="另一场比赛")
        other_skill = factories.skill_with_scheme(other_event)
        events.change_status(other_event, "registration_open")
        factories.entry(other_skill, "guest", "外场选手", 191)
        other_organiser = factories.organiser("other-organiser", other_event.id)
        draw.commit_draw(other_organiser, other_skill, ["01"], [])
        draw.run_draw(other_organiser, other_skill)
        tickets = draw.admissions_of_skill(skill)
        first, first_name = tickets[0].code, tickets[0].person.name
        foreign = draw.admissions_of_skill(other_skill)[0].code
        db.session.commit()
    door = Browser(app.test_client())
    door.login("door")
    page = door.get(f"/events/{event_id}/checkin").get_data(as_text=True)
    assert "0 present, 3 missing" in page or "0 人已到，3 人未到" in page

    typed = draw.printed_code(first).lower()  # typed by hand, in lower case with hyphens
    done = door.post(f"/events/{event_id}/checkin", {"code": typed}, follow_redirects=True).get_data(as_text=True)
    assert "alert-success" in done and first_name in done
    again = door.post(f"/events/{event_id}/checkin", {"code": first}, follow_redirects=True).get_data(as_text=True)
    assert "alert-info" in again  # idempotent: already checked in
    unknown = door.post(f"/events/{event_id}/checkin", {"code": "ZZZZ-ZZZZ-ZZZZ"},
                        follow_redirects=True).get_data(as_text=True)
    assert "alert-danger" in unknown and "ZZZZ-ZZZZ-ZZZZ" in unknown
    elsewhere = door.post(f"/events/{event_id}/checkin", {"code": foreign}, follow_redirects=True).get_data(as_text=True)
    assert "alert-danger" in elsewhere and "另一场比赛" in elsewhere

    with app.test_request_context():
        present = [a for a in db.session.scalars(select(Admission)) if a.checked_in_at is not None]
        assert [a.code for a in present] == [first]
        assert [r.action for r in db.session.scalars(select(AuditLog).where(
            AuditLog.action == "admission.check_in"))] == ["admission.check_in"]
    listing = door.get(f"/events/{event_id}/checkin").get_data(as_text=True)
    present_table = listing.split("checkin-present", 1)[1]
    missing_table = listing.split("checkin-missing", 1)[1].split("checkin-present", 1)[0]
    assert first_name in present_table and first_name not in missing_table
    judge = Browser(app.test_client())
    judge.login("judge1")
    assert judge.get(f"/events/{event_id}/checkin").status_code == 403


def test_number_width_and_prefix_are_settings(ctx):
    skill, _scorers, _chief, _ = factories.marked_skill(contestants=3)
    organiser = factories.organiser("organiser", skill.event_id)
    events.update_settings(skill.event, "draw", {"number_width": 2})
    draw.commit_draw(organiser, skill, draw.parse_labels("3"), [], "A")
    draw.run_draw(organiser, skill)
    assert sorted(e.competitor_number for e in _entries(skill)) == ["A01", "A02", "A03"]
    assert draw.replay(draw.current_draw(skill)).matches
    with pytest.raises(DomainError) as refused:
        draw.commit_draw(organiser, skill, ["01", "02", "03"], [], "A-1!")
    assert refused.value.code == "draw.prefix"


def test_anonymisation_layers_are_a_setting(ctx):
    skill, *_ = factories.marked_skill(contestants=2)
    organiser = factories.organiser("organiser", skill.event_id)
    events.update_settings(skill.event, "anonymisation", {"layers": 3, "code_width": 8})
    draw.commit_draw(organiser, skill, ["01", "02"], [])
    draw.run_draw(organiser, skill)
    rows = draw.code_rows(skill)
    assert [len(r.inner_codes) for r in rows] == [3, 3]
    assert {len(r.inner_codes[-1]) for r in rows} == {8}
    assert {r.inner_codes[-1] for r in rows} == set(_codes(skill).values())
    with pytest.raises(DomainError) as refused:
        events.update_settings(skill.event, "anonymisation", {"layers": 0})
    assert refused.value.code == "settings.invalid"


def test_the_keeper_and_the_door_find_their_desks_on_their_page(app):
    with app.test_request_context():
        skill, *_ = _drawn_skill(contestants=2)
        skill_id, event_id = skill.id, skill.event_id
        factories.user("door", (Role.CHECKIN_STAFF, event_id, None))
        db.session.commit()
    keeper, door = Browser(app.test_client()), Browser(app.test_client())
    keeper.login("keeper")
    door.login("door")
    mine = keeper.get("/me").get_data(as_text=True)
    assert f"/skills/{skill_id}/draw/desk" in mine and f"/skills/{skill_id}/codes" in mine
    assert f"/events/{event_id}/checkin" not in mine
    assert f"/events/{event_id}/checkin" in door.get("/me").get_data(as_text=True)
    assert door.get(f"/skills/{skill_id}/draw/desk").status_code == 403


def test_the_desk_warns_when_entries_change_after_the_draw(app):
    with app.test_request_context():
        skill, *_ = _drawn_skill(contestants=2)
        skill_id = skill.id
        skill.event.status = "registration_open"
        late = entries.enter_skill(factories.contestant("late", "迟到者", 177), skill)
        db.session.flush()
        entries.decide_entry(late, True)
        db.session.commit()
    organiser = Browser(app.test_client())
    organiser.login("organiser")
    assert "entries-changed" in organiser.get(f"/skills/{skill_id}/draw/desk").get_data(as_text=True)


def test_the_ticket_carries_the_photo_when_there_is_one(ctx):
    import hashlib

    from PIL import Image
    from pypdf import PdfReader

    from evaluation.models import EvaluationPhoto
    skill, *_ = _drawn_skill(contestants=1)
    entry = _entries(skill)[0]
    person_id = entry.members[0].person_id
    admission = draw.admission_of(person_id, entry)
    assert len(PdfReader(io.BytesIO(draw.tickets_pdf([admission]))).pages[0].images) == 0
    buffer = io.BytesIO()
    Image.new("RGB", (120, 168), (40, 90, 160)).save(buffer, "JPEG")
    db.session.add(EvaluationPhoto(person_id=person_id, data=buffer.getvalue(),
                                   sha256=hashlib.sha256(buffer.getvalue()).hexdigest()))
    db.session.flush()
    assert len(PdfReader(io.BytesIO(draw.tickets_pdf([admission]))).pages[0].images) == 1
