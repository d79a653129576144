"""Public results pages, the contestant lookup, the medal table, exports, the results API, the page cache and
the judging quality report (issue 6, items 5-7). Skills are marked, locked, computed and published through
the services, as in real use."""
from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from competition.extensions import db
from competition.models import AuditLog, EventKind, OrgKind, Result, Skill
from competition.services import results_public
from tests import factories
from tests.conftest import Browser, csrf_from

ORGANISER = "organiser"


BAYU = [("张三丰", None, 55, (3, 3, 2)), ("李四", None, 50, (2, 2, 2)), ("王五", None, 40, (1, 1, 2))]
BAYU_AWARDS = {"awards": {"min_entrants": 1, "rounding": "ceil"}}


def bayu(**options):
    from competition.models import Organisation
    org = db.session.scalar(select(Organisation).where(Organisation.name == "重庆渝江机械制造有限公司")) \
        or factories.organisation("重庆渝江机械制造有限公司", name_en="Yujiang Machinery")
    people = [(name, org if i == 0 else None, a1, a2) for i, (name, _org, a1, a2) in enumerate(BAYU)]
    return factories.scored_skill(people, settings=BAYU_AWARDS, **options)


def countries():
    """Four national delegations (一带一路); the judges are Chinese, so no Chinese contestant (same country)."""
    return [factories.organisation(name, OrgKind.COUNTRY, country=code, name_en=en) for name, code, en in (
        ("泰国代表团", "TH", "Thailand"), ("越南代表团", "VN", "Viet Nam"), ("老挝代表团", "LA", "Laos"),
        ("柬埔寨代表团", "KH", "Cambodia"))]


def belt_and_road(code="br-test", publish=True):
    th, vn, la, kh = countries()
    people = [("Somchai", th, 60, (3, 3, 3)), ("Nguyen Van An", vn, 55, (3, 2, 3)), ("Bounmy", la, 50, (2, 2, 2)),
              ("Sokha", kh, 45, (2, 1, 2)), ("Anong", th, 30, (1, 1, 1))]
    return factories.scored_skill(people, kind=EventKind.BELT_AND_ROAD, code=code, publish=publish)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- public pages ---------------------------------------------------------------------------------------

def test_published_results_show_place_name_organisation_score_and_award_never_id_numbers(app, client):
    with app.test_request_context():
        skill, entries, _judges, _chief = bayu()
        skill_id, event_id = skill.id, skill.event_id
        numbers = [m.person.id_number for e in entries for m in e.members]
    page = text(client.get(f"/skills/{skill_id}/results"))
    # 张三丰: 55 + (3+3+2)/9 × 40 = 55 + 35.56 = 90.56; 李四 50 + 26.67 = 76.67; 王五 40 + 17.78 = 57.78.
    assert re.search(r"张三丰.*重庆渝江机械制造有限公司.*90\.56.*一等奖", page, re.S)
    assert page.index("张三丰") < page.index("李四") < page.index("王五")
    assert "76.67" in page and "57.78" in page and "二等奖" in page and "三等奖" in page
    for number in numbers:
        assert number not in page and number[-4:] not in page
    whole = text(client.get(f"/events/{event_id}/results"))
    assert "张三丰" in whole and "90.56" in whole
    english = client.get("/lang/en?next=/", follow_redirects=False)
    assert english.status_code == 302
    page_en = text(client.get(f"/skills/{skill_id}/results"))
    assert "First prize" in page_en and "Yujiang Machinery" in page_en and "Total score" in page_en


def test_unpublished_results_are_shown_nowhere_to_the_public(app, client):
    with app.test_request_context():
        skill, _entries, judges, _chief = bayu(publish=False)
        skill_id, event_id, scorer = skill.id, skill.event_id, judges[0].username
        factories.user("someone")
        db.session.commit()
    for who in (None, "someone", scorer):
        if who:
            _login(client, who)
        page = client.get(f"/skills/{skill_id}/results")
        assert page.status_code == 403 and "张三丰" not in text(page)
        assert "本赛项成绩尚未公布" in text(page)
        assert "张三丰" not in text(client.get(f"/events/{event_id}/results"))
        assert client.get(f"/api/v1/skills/{skill_id}/results").status_code == 403
        assert client.get(f"/api/v1/events/{event_id}/results").get_json() == []
        client.post("/logout")


def _login(client, username: str) -> None:
    Browser(client).login(username)


def test_organisers_and_the_chief_judge_see_drafts_marked_as_such(app, client):
    with app.test_request_context():
        skill, _entries, _judges, chief = bayu(publish=False)
        factories.organiser(ORGANISER)
        skill_id, event_id, chief_name = skill.id, skill.event_id, chief.username
        db.session.commit()
    for who in (ORGANISER, chief_name):
        _login(client, who)
        page = text(client.get(f"/skills/{skill_id}/results"))
        assert "张三丰" in page and "仅组委会和裁判长可见" in page
        assert "张三丰" in text(client.get(f"/events/{event_id}/results"))
        full = client.get(f"/api/v1/skills/{skill_id}/results").get_json()
        assert full[0]["practical"] and "entry_id" in full[0]
        client.post("/logout")


def test_worldskills_model_pages_show_the_scaled_score(app, client):
    with app.test_request_context():
        skill, *_ = belt_and_road()
        skill_id = skill.id
        scaled = {r.entry.display_name: r.scaled for r in db.session.scalars(select(Result))}
    page = text(client.get(f"/skills/{skill_id}/results"))
    assert scaled["Bounmy"] == Decimal(700)  # the median of the five sits at 700
    assert re.search(r"Bounmy.*老挝代表团.*>700<", page, re.S)
    assert "世赛" in page and "金牌" in page
    assert f">{scaled['Somchai']:.0f}<" in page


def test_event_pages_link_to_results_lookup_and_medal_table(app, client):
    with app.test_request_context():
        skill, *_ = belt_and_road()
        event_id = skill.event_id
    page = text(client.get(f"/events/{event_id}"))
    for target in (f"/events/{event_id}/results", f"/events/{event_id}/lookup", f"/events/{event_id}/medals"):
        assert target in page


# --- medal table ------------------------------------------------------------------------------------------

def test_medal_table_by_country_counts_points_and_sorts(app, client):
    with app.test_request_context():
        skill, *_ = belt_and_road()
        event_id = skill.event_id
        awards = {r.entry.display_name: r.award for r in db.session.scalars(select(Result))}
        rows = [(r.delegation, r.gold, r.silver, r.bronze, r.medallion, r.points)
                for r in results_public.medal_table(skill.event)]
    assert awards == {"Somchai": "gold", "Nguyen Van An": "silver", "Bounmy": "bronze", "Sokha": "excellence",
                      "Anong": "excellence"}
    # TH gold (4) and Anong's 优胜奖 (0): 4; VN silver 3; LA bronze 2; KH 0.
    assert rows == [("TH", 1, 0, 0, 0, 4), ("VN", 0, 1, 0, 0, 3), ("LA", 0, 0, 1, 0, 2), ("KH", 0, 0, 0, 0, 0)]
    page = text(client.get(f"/events/{event_id}/medals"))
    assert page.index("泰国") < page.index("越南") < page.index("老挝") < page.index("柬埔寨")
    api = client.get(f"/api/v1/events/{event_id}/medals").get_json()
    assert [(r["country"], r["points"]) for r in api] == [("TH", 4), ("VN", 3), ("LA", 2), ("KH", 0)]


def test_medal_table_counts_nothing_before_publication_and_exists_only_for_belt_and_road(app, client):
    with app.test_request_context():
        skill, *_ = belt_and_road(publish=False)
        bayu_skill, *_ = bayu(code="bayu-medals")
        ids = skill.event_id, bayu_skill.event_id
    page = text(client.get(f"/events/{ids[0]}/medals"))
    assert "泰国" not in page and "尚未公布任何成绩" in page
    assert client.get(f"/api/v1/events/{ids[0]}/medals").get_json() == []
    assert client.get(f"/events/{ids[1]}/medals").status_code == 404


# --- contestant lookup -----------------------------------------------------------------------------------

def _lookup(client, event_id, **data):
    token = csrf_from(text(client.get(f"/events/{event_id}/lookup")))
    return client.post(f"/events/{event_id}/lookup", data={"csrf_token": token, **data})


def test_lookup_by_number_or_by_name_and_id_tail_answers_only_published_results(app, client):
    with app.test_request_context():
        skill, entries, _judges, _chief = bayu()
        other, other_entries, *_ = bayu(code="bayu-draft", publish=False)
        event_id, skill_id, number = skill.event_id, skill.id, entries[1].competitor_number
        tail = entries[1].members[0].person.id_number[-4:]
        draft_event, draft_skill = other.event_id, other.id
        draft_tail = other_entries[1].members[0].person.id_number[-4:]
        draft_number = other_entries[1].competitor_number
    found = text(_lookup(client, event_id, skill_id=str(skill_id), number=number))
    assert "李四" in found and "76.67" in found and "张三丰" not in found
    found = text(_lookup(client, event_id, name=" 李四 ", id_tail=tail.lower()))
    assert "李四" in found and "76.67" in found
    none_message = "没有与这些信息相符的已公布成绩"
    misses = [
        _lookup(client, event_id, name="李四", id_tail="0000"),                  # wrong ID tail
        _lookup(client, event_id, name="赵六", id_tail=tail),                    # nobody of that name
        _lookup(client, event_id, skill_id=str(skill_id), number="999"),         # no such number
        _lookup(client, draft_event, name="李四", id_tail=draft_tail),           # exists, not published
        _lookup(client, draft_event, skill_id=str(draft_skill), number=draft_number),
    ]
    answers = set()
    for response in misses:
        page = text(response)
        assert response.status_code == 200 and none_message in page and "李四" not in page.split("</form>")[1]
        answers.add(page.split("</form>")[1])
    assert len(answers) == 1  # the same answer whatever the reason: nothing to enumerate


def test_lookup_refuses_incomplete_or_malformed_input_without_searching(app, client):
    with app.test_request_context():
        skill, *_ = bayu()
        event_id = skill.event_id
    page = text(_lookup(client, event_id, name="李四"))
    assert "证件号码后4位" in page and "没有与这些信息相符" not in page
    page = text(_lookup(client, event_id, name="李四", id_tail="12345"))
    assert "alert-danger" in page and "没有与这些信息相符" not in page


RATE_LIMIT_SCRIPT = textwrap.dedent("""
    import json, os, tempfile
    tmp = tempfile.mkdtemp()
    os.environ["SAIPING_INSTANCE_PATH"] = tmp
    from competition import create_app
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/t.db", "SECRET_KEY": "x",
                      "SAIPING_CERTIFICATE_SECRET": "x", "RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": False,
                      "SAIPING_LOOKUP_LIMIT": "5 per minute", "SAIPING_QUIET_REQUESTS": True})
    import flask_migrate
    with app.app_context():
        flask_migrate.upgrade()
    with app.test_request_context():
        from competition.extensions import db
        from competition.services import events
        event = events.create_event(code="limit", name="限流", kind="bayu_cup", tier="industry", year=2026)
        events.change_status(event, "registration_open")
        db.session.commit()
        url = f"/events/{event.id}/lookup"
    client = app.test_client()
    data = {"name": "李四", "id_tail": "1234"}
    posts = [client.post(url, data=data).status_code for _ in range(7)]
    form = client.get(url).status_code
    other = client.post(url, data=data, environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code
    print(json.dumps({"posts": posts, "form": form, "other": other}))
""")


def test_lookup_is_rate_limited_per_address():
    """In a process of its own: the test app turns rate limiting off, and the limiter is process-wide."""
    run = subprocess.run([sys.executable, "-c", RATE_LIMIT_SCRIPT], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome == {"posts": [200] * 5 + [429] * 2, "form": 200, "other": 200}


# --- cache ----------------------------------------------------------------------------------------------

def test_published_page_is_cached_and_changes_with_the_results(app, client, monkeypatch):
    from competition.views import public
    rendered = []
    original = public.render_template
    monkeypatch.setattr(public, "render_template", lambda *a, **k: rendered.append(a[0]) or original(*a, **k))
    results_public.page_cache.clear()
    with app.test_request_context():
        skill, *_ = bayu()
        skill_id = skill.id
    first = text(client.get(f"/skills/{skill_id}/results"))
    second = text(client.get(f"/skills/{skill_id}/results"))
    assert first == second and rendered.count("competition/results.html") == 1
    # A recompute (as an appeal's re-marking does) stores new rows: the page changes without any invalidation.
    with app.test_request_context():
        stored = db.session.scalar(select(Result).where(Result.skill_id == skill_id, Result.place == 3))
        stored.total, stored.computed_at = Decimal("58.01"), datetime.now(UTC) + timedelta(seconds=1)
        db.session.commit()
    assert "58.01" in text(client.get(f"/skills/{skill_id}/results"))
    assert rendered.count("competition/results.html") == 2
    # Unpublishing (e.g. an appeal reopening the skill) hides the page at once.
    with app.test_request_context():
        db.session.get(Skill, skill_id).results_status = "draft"
        db.session.commit()
    assert client.get(f"/skills/{skill_id}/results").status_code == 403
    # Each language has its page.
    client.get("/lang/en")
    with app.test_request_context():
        db.session.get(Skill, skill_id).results_status = "published"
        db.session.commit()
    assert "First prize" in text(client.get(f"/skills/{skill_id}/results"))


def test_each_worker_reads_the_version_at_most_once_per_ttl(app, client, monkeypatch):
    """With SAIPING_RESULTS_VERSION_TTL a change shows on the public page within that many seconds, and an
    unpublished skill is hidden within them too (its page is never stored while unpublished)."""
    clock = [1000.0]
    monkeypatch.setattr(results_public.time, "monotonic", lambda: clock[0])
    monkeypatch.setitem(app.config, "SAIPING_RESULTS_VERSION_TTL", 1.0)
    results_public.page_cache.clear()
    results_public._version_memo.clear()
    reads = []
    original = results_public._read_version
    monkeypatch.setattr(results_public, "_read_version", lambda skill_id: reads.append(skill_id) or original(skill_id))
    with app.test_request_context():
        skill, *_ = bayu()
        skill_id = skill.id
    for _ in range(5):
        client.get(f"/skills/{skill_id}/results")
    assert reads == [skill_id]  # one read for five requests within the second
    with app.test_request_context():
        stored = db.session.scalar(select(Result).where(Result.skill_id == skill_id, Result.place == 3))
        stored.total, stored.computed_at = Decimal("58.01"), datetime.now(UTC) + timedelta(seconds=1)
        db.session.commit()
    assert "58.01" not in text(client.get(f"/skills/{skill_id}/results"))  # within the second: the old page
    clock[0] += 1.01
    assert "58.01" in text(client.get(f"/skills/{skill_id}/results"))
    with app.test_request_context():
        db.session.get(Skill, skill_id).results_status = "draft"
        db.session.commit()
    clock[0] += 1.01
    assert client.get(f"/skills/{skill_id}/results").status_code == 403
    results_public._version_memo.clear()


def test_signed_in_visitors_are_not_served_the_anonymous_page(app, client):
    results_public.page_cache.clear()
    with app.test_request_context():
        skill, *_ = bayu()
        factories.organiser(ORGANISER)
        skill_id = skill.id
        db.session.commit()
    client.get(f"/skills/{skill_id}/results")
    _login(client, ORGANISER)
    page = text(client.get(f"/skills/{skill_id}/results"))
    assert ORGANISER in page  # the navigation bar of the signed-in user, not the cached anonymous page


def test_the_cache_drops_the_least_recently_used_and_expires():
    cache = results_public.VersionedPageCache(size=2, max_age=60)
    cache.put("a", (1,), "A")
    cache.put("b", (1,), "B")
    assert cache.get("a", (1,)) == "A"
    cache.put("c", (1,), "C")
    assert cache.get("b", (1,)) is None and cache.get("a", (1,)) == "A" and len(cache) == 2
    assert cache.get("a", (2,)) is None  # another version
    cache.max_age = 0
    assert cache.get("a", (1,)) is None


# --- exports ---------------------------------------------------------------------------------------------

def _organiser_client(app, client):
    with app.test_request_context():
        factories.organiser(ORGANISER)
        db.session.commit()
    _login(client, ORGANISER)
    return client


def test_exports_are_for_organisers_only(app, client):
    with app.test_request_context():
        skill, *_ = bayu()
        factories.user("someone")
        event_id = skill.event_id
        db.session.commit()
    for kind in ("xlsx", "csv", "pdf"):
        assert client.get(f"/reports/events/{event_id}/results.{kind}").status_code == 302  # to sign in
    _login(client, "someone")
    for kind in ("xlsx", "csv", "pdf"):
        assert client.get(f"/reports/events/{event_id}/results.{kind}").status_code == 403


def test_excel_export_has_every_result_defuses_formulas_and_is_audited(app, client):
    with app.test_request_context():
        hostile = factories.organisation("=HYPERLINK(\"http://x\",\"点我\")")
        skill, *_ = factories.scored_skill([("张三丰", hostile, 55, (3, 3, 2)), ("李四", None, 50, (2, 2, 2))],
                          settings=BAYU_AWARDS)
        event_id = skill.event_id
    _organiser_client(app, client)
    response = client.get(f"/reports/events/{event_id}/results.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("赛项代码") and len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["姓名 Name"] == "张三丰" and first["名次 Place"] == 1 and first["总分 Total"] == 90.56
    assert first["单位 Organisation"] == "'=HYPERLINK(\"http://x\",\"点我\")"  # text, not a formula
    assert first["证件号(部分) ID (masked)"].count("*") == 13
    with app.test_request_context():
        audit_row = db.session.scalar(select(AuditLog).where(AuditLog.action == "results.export"))
        assert audit_row.after["format"] == "xlsx" and audit_row.after["skills"] == ["B01"]


def test_csv_export_is_utf8_with_bom_one_row_per_person(app, client):
    with app.test_request_context():
        skill, entries, *_ = bayu()
        event_id = skill.event_id
        number = entries[0].members[0].person.id_number
    _organiser_client(app, client)
    response = client.get(f"/reports/events/{event_id}/results.csv")
    assert response.data.startswith(b"\xef\xbb\xbf") and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == ["张三丰", "李四", "王五"]
    assert rows[0]["id_number"] == number and rows[0]["award"] == "first" and rows[0]["total"] == "90.56"
    assert rows[0]["results_status"] == "published"
    with app.test_request_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "results.export")).after["format"] == "csv"


def test_pdf_results_book_has_a_cover_a_section_per_skill_and_embedded_fonts(app, client, tmp_path):
    from pypdf import PdfReader
    with app.test_request_context():
        skill, *_ = belt_and_road()
        event_id = skill.event_id
    _organiser_client(app, client)
    response = client.get(f"/reports/events/{event_id}/results.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    cover, section = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert "第五届测试大赛" in cover and "成绩册" in cover and "Results book" in cover
    assert "电工" in section and "Somchai" in section and "Sokha" in section and "老挝代表团" in section
    assert "奖牌榜" in reader.pages[-1].extract_text()
    fonts = [f["/FontDescriptor"] for page in reader.pages for f in _fonts(page)]
    assert fonts and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in fonts)
    folder = Path(os.environ.get("SAIPING_SCREENSHOTS") or tmp_path)  # to look at the pages
    path = folder / "book.pdf"
    path.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(path), str(folder / "book")],
                   check=True)
    cover, section = sorted(folder.glob("book*.png"))[:2]
    assert 0.001 < _dark_share(cover) and _dark_share(section) > 0.005  # text on both, not blank pages
    with app.test_request_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "results.export")).after["format"] == "pdf"


def _fonts(page):
    resources = page["/Resources"]
    for font in resources.get("/Font", {}).values():
        font = font.get_object()
        if "/DescendantFonts" in font:
            font = font["/DescendantFonts"][0].get_object()
        yield font


def _dark_share(png) -> float:
    """Share of pixels darker than mid-grey (pdftoppm's PNG read with the standard library's zlib)."""
    import struct
    import zlib
    data = png.read_bytes()
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    chunks, position = b"", 8
    while position < len(data):
        length = struct.unpack(">I", data[position:position + 4])[0]
        kind = data[position + 4:position + 8]
        if kind == b"IDAT":
            chunks += data[position + 8:position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(chunks)
    channels = {0: 1, 2: 3, 6: 4}[colour]
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, up_left = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 0xFF
        rows.append(line)
        previous = line
    dark = sum(1 for line in rows for x in range(0, stride, channels) if line[x] < 128)
    return dark / (width * height)


def test_pdf_book_without_published_results_is_refused(app, client):
    with app.test_request_context():
        skill, *_ = bayu(publish=False)
        event_id = skill.event_id
    _organiser_client(app, client)
    response = client.get(f"/reports/events/{event_id}/results.pdf", follow_redirects=True)
    assert response.mimetype == "text/html" and "尚未公布任何成绩" in text(response)


# --- API -------------------------------------------------------------------------------------------------

def test_api_gives_the_public_published_rows_and_organisers_the_full_ones(app, client):
    with app.test_request_context():
        skill, *_ = bayu()
        draft, *_ = bayu(code="bayu-api-draft", publish=False)
        ids = skill.id, skill.event_id, draft.event_id
    public = client.get(f"/api/v1/skills/{ids[0]}/results").get_json()
    assert [r["name"] for r in public] == ["张三丰", "李四", "王五"]
    assert "practical" not in public[0] and "entry_id" not in public[0] and public[0]["total"] == "90.56"
    event = client.get(f"/api/v1/events/{ids[1]}/results").get_json()
    assert event[0]["skill"]["code"] == "B01" and event[0]["results_status"] == "published"
    assert client.get(f"/api/v1/events/{ids[2]}/results").get_json() == []
    _organiser_client(app, client)
    drafts = client.get(f"/api/v1/events/{ids[2]}/results").get_json()
    assert drafts[0]["results_status"] == "draft" and drafts[0]["results"][0]["practical"] == "90.56"


# --- judging quality -------------------------------------------------------------------------------------

def test_quality_report_numbers(app):
    from competition.services import quality
    with app.test_request_context():
        skill, entries, judges, _chief = _quality_skill()
        report = quality.skill_report(skill)
        names = {row.judge: report.judge_name(row.judge) for row in report.severity}
        severity = {names[row.judge]: row for row in report.severity}
        # 乙: 1 level under the two others (who agree) on all five: −1/3 each → severe.
        assert severity["裁判乙"].mean_deviation == Decimal("-0.3333") and severity["裁判乙"].verdict == "severe"
        # 甲 and 丙: +1/6 each time → +0.1667: lenient by the 0.1 default.
        assert severity["裁判甲"].verdict == "lenient" and severity["裁判甲"].mean_deviation == Decimal("0.1667")
        spread = {names[j]: r for j, r in report.spread.items()}
        # 选手C first scores 2, 1, 0: spread 2 > 1, median 1 → 甲 and 丙 equally far: both caused it.
        assert (spread["裁判丙"].flagged, spread["裁判丙"].caused) == (1, 1)
        assert (spread["裁判乙"].flagged, spread["裁判乙"].caused) == (1, 0)
        agreement = report.agreement[0]
        # Five contestants × 3 pairs = 15; equal pairs: 甲-丙 on four (first scores, 选手C 2 vs 0 differs) = 4.
        assert (agreement.cells, agreement.pairs, agreement.exact) == (5, 15, Decimal("0.2667"))
        district = next(r for r in report.affiliation if r.kind == "district")
        # 甲 on 选手A: 3 − mean(2, 3) = +0.5 level = +1/6.
        assert (district.related, district.related_mean) == (1, Decimal("0.1667"))
        assert report.scores and not report.scaled


def _quality_skill():
    """Judge 乙 is one level under the others on every contestant; judge 甲 shares a 区县 with 选手A (this event
    checks no district conflicts); judge 丙 first gave 0 to 选手C (a spread flag), then re-scored to 2."""
    district = factories.organisation("九龙坡区代表团", OrgKind.DISTRICT, district="九龙坡区")
    people = [("选手A", district, 50, (3, 2, 3)), ("选手B", None, 50, (2, 1, 2)), ("选手C", None, 40, (2, 1, 2)),
              ("选手D", None, 30, (1, 0, 1)), ("选手E", None, 30, (2, 1, 2))]
    return factories.scored_skill(people, code="quality-test", settings=BAYU_AWARDS, judge_districts={0: "九龙坡区"},
                 first_scores={(2, 2): 0}, conflicts={"same_district": "off"})


def test_quality_page_for_organisers_and_the_chief_with_svg_charts(app, client):
    with app.test_request_context():
        skill, _entries, judges, chief = _quality_skill()
        factories.user("someone")
        skill_id, chief_name, scorer = skill.id, chief.username, judges[0].username
        db.session.commit()
    assert client.get(f"/reports/skills/{skill_id}/quality").status_code == 302
    for who in ("someone", scorer):
        _login(client, who)
        assert client.get(f"/reports/skills/{skill_id}/quality").status_code == 403
        client.post("/logout")
    _login(client, chief_name)
    page = text(client.get(f"/reports/skills/{skill_id}/quality"))
    assert "裁判乙" in page and "偏严" in page and "布线工艺" in page and "同一区县" in page
    charts = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(charts) == 2
    distribution, severity = (base64.b64decode(c).decode() for c in charts)
    assert distribution.startswith("<?xml") and "<svg" in distribution
    assert "成绩分布" in distribution and "裁判乙" in severity and "裁判甲" in severity
    assert "font-family" in severity and "Noto Sans CJK SC" in severity and "sans-serif" in severity
    assert "@font-face" not in severity and "url(" not in severity.replace("url(#", "")
