"""Importing entries from a workbook or CSV: the template, header mapping, every bad input (row-level,
bilingual, the database unchanged until the whole file is clean), all or nothing, idempotence, a 领队's import."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text

from competition.errors import DomainError
from competition.extensions import db
from competition.models import AuditLog, Entry, EntryMember, EventStatus, Organisation, Person, Role
from competition.rules.identity import resident_id_check_char
from competition.services import entry_import, events
from tests import factories
from tests.conftest import csrf_from

HEADERS = ["赛项", "单位", "队名", "姓名", "证件类型", "证件号码", "国籍", "英文姓名", "性别", "出生日期", "手机", "区县"]
ORG = "重庆渝江机械制造有限公司"


def idn(birth=date(1998, 5, 17), seq=123):
    body = f"500107{birth:%Y%m%d}{seq:03d}"
    return body + resident_id_check_char(body)


def row(name="张三", number=None, skill="B01", org=ORG, team="", sex="", birth=None, **extra):
    values = {"赛项": skill, "单位": org, "队名": team, "姓名": name, "证件类型": "身份证",
              "证件号码": number or idn(), "性别": sex, "出生日期": birth}
    values.update(extra)
    return [values.get(h) for h in HEADERS]


def xlsx(rows, headers=HEADERS, sheet="报名表", extra_sheets=(), merge=None) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(headers))
    for values in rows:
        worksheet.append(list(values))
    if merge:
        worksheet.merge_cells(merge)
    for name in extra_sheets:
        workbook.create_sheet(name).append(["说明"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def event(ctx):
    ev = factories.event("imp", starts_on=date(2026, 10, 20))
    events.add_skill(ev, code="B01", name="电工", name_en="Electrician", occupation_code="6-31-01-03",
                     occupation_name="电工", level_grade_code="senior")
    events.add_skill(ev, code="T01", name="机电一体化", occupation_code="6-31-01-03", occupation_name="电工",
                     level_grade_code="senior", team_size=2)
    factories.organisation(ORG)
    events.change_status(ev, EventStatus.REGISTRATION_OPEN)
    db.session.commit()
    return ev


def problems(report):
    with force_locale("en"):
        return [(p.row, p.column, p.text()) for p in report.problems]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_template_round_trips_and_english_headers_map_too(event):
    template = load_workbook(io.BytesIO(entry_import.template_xlsx()))
    assert template.sheetnames == ["报名表"]
    assert [c.value for c in template.active[1]] == HEADERS
    english = ["Skill", "Organisation", "Team", "Name", "ID type", "ID number", "Nationality",
               "Name in Latin letters", "Sex", "Birth date", "Phone", "District"]
    report = entry_import.check_entry_file(event, xlsx([row()], headers=english), "e.xlsx")
    assert report.ok and len(report.planned) == 1


def test_dry_run_stores_nothing_then_import_stores_all_and_again_changes_nothing(event):
    data = xlsx([row(), row("李四", idn(seq=125)),
                 row("王五", idn(seq=127), skill="T01", team="一队"), row("赵六", idn(seq=129), skill="T01", team="一队")])
    report = entry_import.check_entry_file(event, data, "e.xlsx")
    assert report.ok and [len(p.members) for p in report.planned] == [1, 1, 2]
    assert count(Entry) == 0
    result = entry_import.import_entries(report, None)
    db.session.commit()
    assert (result.entries_created, result.people_created) == (3, 4)
    assert count(Entry) == 3 and count(EntryMember) == 4 and count(Person) == 4
    team = db.session.scalar(select(Entry).where(Entry.team_name == "一队"))
    assert sorted(m.person.name for m in team.members) == ["王五", "赵六"]
    assert db.session.scalar(select(Person.sex).where(Person.name == "张三")) == "M"
    audit_rows = count(AuditLog)
    again = entry_import.check_entry_file(event, data, "e.xlsx")
    assert again.ok and again.planned == [] and again.unchanged == 4
    assert entry_import.import_entries(again, None).entries_created == 0
    db.session.commit()
    assert count(Entry) == 3 and count(AuditLog) == audit_rows


def test_a_second_import_links_members_to_the_right_people_after_existing_rows(event):
    """Ids are allocated before the bulk INSERTs: after rows already in the tables (and a person who exists),
    every member must point at its own entry, skill and person, and the audit names exactly the new ids."""
    entry_import.import_entries(entry_import.check_entry_file(event, xlsx([row(), row("李四", idn(seq=125))]),
                                                              "a.xlsx"), None)
    db.session.commit()
    second = xlsx([row("张三", skill="T01", team="二队"), row("钱七", idn(seq=131), skill="T01", team="二队"),
                   row("孙八", idn(seq=133))])
    result = entry_import.import_entries(entry_import.check_entry_file(event, second, "b.xlsx"), None)
    db.session.commit()
    assert (result.entries_created, result.people_created) == (2, 2)
    members = {(m.person.name, m.entry.skill.code, m.entry.team_name) for m in db.session.scalars(
        select(EntryMember))}
    assert members == {("张三", "B01", None), ("李四", "B01", None), ("张三", "T01", "二队"), ("钱七", "T01", "二队"),
                       ("孙八", "B01", None)}
    assert all(m.skill_id == m.entry.skill_id for m in db.session.scalars(select(EntryMember)))
    assert count(Person) == 4
    new_ids = sorted(db.session.scalars(select(Person.id).where(Person.name.in_(["钱七", "孙八"]))))
    log = db.session.scalars(select(AuditLog).where(AuditLog.action == "entry.import")
                             .order_by(AuditLog.seq.desc())).first()
    assert log.after["people_created"] == entry_import.id_ranges(new_ids)
    assert log.after["entries_created"] == entry_import.id_ranges(
        db.session.scalars(select(Entry.id).join(EntryMember).join(Person)
                           .where(Person.name.in_(["钱七", "孙八"]))).unique())


def test_values_the_same_in_every_row_are_stored_exactly(event):
    """Such a column goes into the INSERT as a literal: quotes and SQL in it are data, like any other value."""
    district = "渝中区'); DROP TABLE person; --"
    rows = [row(f"选手{n}", idn(seq=101 + 2 * n), 区县=district, 手机="138'0000") for n in range(3)]
    entry_import.import_entries(entry_import.check_entry_file(event, xlsx(rows), "q.xlsx"), None)
    db.session.commit()
    assert sorted(db.session.execute(select(Person.name, Person.district, Person.phone))) == [
        (f"选手{n}", district, "138'0000") for n in range(3)]


def test_the_bulk_insert_keeps_a_text_with_a_nul_as_a_parameter(ctx):
    """A text with a NUL cannot be a literal in SQLite's SQL: the same in every row, it stays a parameter and is
    stored as given. (PostgreSQL's text cannot hold a NUL at all: there a quote stands in.)"""
    table = Organisation.__table__
    connection = db.session.connection()
    note = "a\x00b" if connection.dialect.name == "sqlite" else "a'b"
    entry_import._insert(connection, table, {"name": ["一", "二", "三"], "name_en": [note] * 3,
                                             "kind": ["school"] * 3, "country": ["CN"] * 3,
                                             "created_at": entry_import._bound(connection, table.c.created_at,
                                                                               [datetime(2026, 5, 1)] * 3)})
    stored = db.session.execute(select(Organisation.name, Organisation.name_en, Organisation.kind)
                                .where(Organisation.name.in_(["一", "二", "三"])).order_by(Organisation.id)).all()
    assert [tuple(r) for r in stored] == [("一", note, "school"), ("二", note, "school"), ("三", note, "school")]


def test_after_an_import_postgresql_plans_with_the_new_rows(event):
    """A bulk import ends with ANALYZE on PostgreSQL: before autovacuum gets to it, tables that look empty to the
    planner made the counts per skill a nested loop over every pair (3 s for 10,000 entries). SQLite has no
    such statistics to refresh; there the import itself is checked."""
    rows = [row(f"选手{n}", idn(seq=101 + 2 * n)) for n in range(60)]
    result = entry_import.import_entries(entry_import.check_entry_file(event, xlsx(rows), "s.xlsx"), None)
    db.session.commit()
    assert result.entries_created == 60 and count(EntryMember) == 60
    if db.session.get_bind().dialect.name == "postgresql":
        estimated = dict(db.session.execute(text(
            "SELECT relname, reltuples FROM pg_class WHERE oid IN ('person'::regclass, 'entry'::regclass, "
            "'entry_member'::regclass)")).all())
        assert estimated == {"person": 60, "entry": 60, "entry_member": 60}


def test_a_csv_in_gb18030_with_english_headers(event):
    text = f"Skill,Organisation,Name,ID number\nB01,{ORG},张三,{idn()}\n"
    report = entry_import.check_entry_file(event, text.encode("gb18030"), "e.csv")
    assert report.ok and len(report.planned) == 1


def test_every_bad_row_is_listed_and_nothing_is_stored(event):
    wrong_checksum = idn()[:-1] + ("0" if idn()[-1] != "0" else "1")
    data = xlsx([
        row("张三", wrong_checksum),                                # 2 failing checksum
        row("李四", idn(seq=125), skill="X99"),                      # 3 unknown skill
        row("王五", idn(seq=127), org="不存在的公司"),                 # 4 unknown organisation
        row("赵六", idn(seq=129), birth="17/05/1998"),               # 5 a date typed as text it cannot read
        row("钱七", idn(seq=131), birth="1998-05-18"),               # 6 typed birth date disagrees
        row("孙八", idn(seq=133), sex="女"),                         # 7 typed sex disagrees
        row("周九", idn(seq=135)),                                   # 8 fine
        row("周九", idn(seq=135)),                                   # 9 duplicate of row 8
        row("吴十", idn(seq=137), skill="T01"),                      # 10 team skill without a team name
        row("郑一", idn(date(2012, 1, 1), 139)),                      # 11 too young (Chinese rule, 16)
    ])
    report = entry_import.check_entry_file(event, data, "e.xlsx")
    found = problems(report)
    assert [(r, c) for r, c, _ in found] == [
        (2, "id_number"), (3, "skill"), (4, "organisation"), (5, "birth_date"), (6, "birth_date"), (7, "sex"),
        (9, "id_number"), (10, "team_name"), (11, "birth_date")]
    assert "check character" in found[0][2] and "1998-05-17" in found[4][2] and "row 8" in found[6][2]
    with force_locale("zh_CN"):
        assert "校验" in report.problems[0].text()
    assert report.bad_rows == 9
    with pytest.raises(DomainError) as caught:
        entry_import.import_entries(report, None)
    assert caught.value.code == "entries.import_problems"
    assert count(Entry) == 0 and count(Person) == 0


def test_ids_with_lower_case_x_full_width_digits_and_dates_as_text_are_accepted(event):
    number = next(idn(seq=s) for s in range(1000) if idn(seq=s).endswith("X"))
    full_width = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"
    data = xlsx([row("张三", full_width, birth="1998年5月17日"), row("李四", idn(seq=124), birth="1998/5/17"),
                 row("王五", idn(seq=126), birth=datetime(1998, 5, 17)), row("赵六", idn(seq=128), birth="19980517")])
    report = entry_import.check_entry_file(event, data, "e.xlsx")
    assert report.ok, problems(report)
    entry_import.import_entries(report, None)
    assert db.session.scalar(select(Person.id_number).where(Person.name == "张三")) == number


def test_duplicates_against_the_database(event):
    entry_import.import_entries(entry_import.check_entry_file(event, xlsx([row()]), "a.xlsx"), None)
    db.session.commit()
    other_org = factories.organisation("重庆工贸学校", "school")
    report = entry_import.check_entry_file(event, xlsx([row(org=other_org.name)]), "b.xlsx")
    assert problems(report) == [(2, "id_number", "张三 has already entered this skill (another entry).")]
    renamed = entry_import.check_entry_file(event, xlsx([row("张四")]), "c.xlsx")
    assert [(r, c) for r, c, _ in problems(renamed)] == [(2, "name")]


def test_an_id_number_stored_as_a_number_has_lost_digits(event):
    report = entry_import.check_entry_file(event, xlsx([row(number=500107199805171230)]), "e.xlsx")
    assert [(r, c) for r, c, _ in problems(report)] == [(2, "id_number")]


@pytest.mark.parametrize("data, filename, code", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "e.xlsx", "table.encrypted"),
    (b"PK\x03\x04 not really a zip", "e.xlsx", "table.not_xlsx"),
    (b"hello", "e.pdf", "table.type"),
])
def test_unreadable_files(event, data, filename, code):
    with pytest.raises(DomainError) as caught:
        entry_import.check_entry_file(event, data, filename)
    assert caught.value.code == code


def test_a_damaged_zip_is_unreadable(event):
    buffer = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<broken")
    with pytest.raises(DomainError) as caught:
        entry_import.check_entry_file(event, buffer.getvalue(), "e.xlsx")
    assert caught.value.code == "table.unreadable"


def test_wrong_sheet_missing_and_unknown_columns(event):
    # The list is on a second sheet the importer does not know: the message names the sheets.
    workbook = Workbook()
    workbook.active.title = "说明"
    workbook.active.append(["请在第二页填写"])
    workbook.create_sheet("名单").append(HEADERS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(DomainError) as caught:
        entry_import.check_entry_file(event, buffer.getvalue(), "e.xlsx")
    assert caught.value.code == "table.missing_columns_sheet" and "名单" in caught.value.texts()["en"]
    # A sheet named 报名表 is found wherever it is.
    report = entry_import.check_entry_file(event, xlsx([row()], sheet="报名表", extra_sheets=["说明"]), "e.xlsx")
    assert report.ok
    with pytest.raises(DomainError) as caught:
        entry_import.check_entry_file(event, xlsx([row()[3:]], headers=HEADERS[3:]), "e.xlsx")
    assert caught.value.code == "table.missing_columns" and "赛项" in caught.value.texts()["zh_CN"]
    report = entry_import.check_entry_file(event, xlsx([row() + ["x"]], headers=HEADERS + ["备注"]), "e.xlsx")
    assert problems(report) == [(1, "", "Unknown column 备注: use the template's columns (or delete it).")]


def test_merged_cells_are_refused(event):
    report = entry_import.check_entry_file(event, xlsx([row(), row("李四", idn(seq=125))], merge="A2:B3"), "e.xlsx")
    # The merged range is reported on its first row; the cells it hid are empty, so row 3 lacks its skill.
    assert [(r, c) for r, c, _ in problems(report)] == [(2, ""), (3, "skill")]
    assert "rows 2 to 3, columns A to B" in problems(report)[0][2] and report.planned == []


def test_team_size_and_capacity_are_checked_across_rows(event):
    skill_b01 = event.skills[0]
    skill_b01.capacity = 1
    data = xlsx([row(), row("李四", idn(seq=125)), row("王五", idn(seq=127), skill="T01", team="一队")])
    report = entry_import.check_entry_file(event, data, "e.xlsx")
    assert [(r, c) for r, c, _ in problems(report)] == [(3, "skill"), (4, "team_name")]


def test_a_20000_row_file_is_checked_whole(event):
    rows = [row(f"选手{i}", idn(date(1990 + i % 10, 1 + i % 12, 1 + i % 28), i % 1000)) for i in range(20_000)]
    seen, unique = set(), []
    for values in rows:
        if values[5] not in seen:
            seen.add(values[5])
            unique.append(values)
    unique[-1][5] = unique[-1][5][:-1] + ("0" if unique[-1][5][-1] != "0" else "1")   # the last one is wrong
    report = entry_import.check_entry_file(event, xlsx(unique), "big.xlsx")
    assert report.rows == len(unique) > 19_000
    assert [(r, c) for r, c, _ in problems(report)] == [(len(unique) + 1, "id_number")]
    assert count(Person) == 0


def test_a_leader_imports_only_for_their_organisation(event):
    other = factories.organisation("重庆工贸学校", "school")
    own = db.session.scalar(select(factories.Organisation.id).where(factories.Organisation.name == ORG))
    report = entry_import.check_entry_file(event, xlsx([row(org=""), row("李四", idn(seq=125), org=other.name)]),
                                           "e.xlsx", organisation_id=own)
    assert [(r, c) for r, c, _ in problems(report)] == [(3, "organisation")]


def test_the_page_flow_for_a_leader(app, browser):
    with app.test_request_context():
        ev = factories.event("imp", starts_on=date(2026, 10, 20))
        events.add_skill(ev, code="B01", name="电工", occupation_code="6-31-01-03", occupation_name="电工",
                         level_grade_code="senior")
        org = factories.organisation(ORG)
        events.change_status(ev, EventStatus.REGISTRATION_OPEN)
        factories.user("leader", (Role.TEAM_LEADER, None, org.id))
        db.session.commit()
        url = f"/leader/{org.id}/events/{ev.id}"
    browser.login("leader")
    assert browser.get("/registration/template.xlsx").status_code == 200
    token = csrf_from(browser.get(url).get_data(as_text=True))
    bad = xlsx([row(number=idn()[:-1] + "0" if not idn().endswith("0") else idn()[:-1] + "1"), row("李四", idn(seq=125))])
    page = browser.client.post(url + "/import", data={"csrf_token": token, "file": (io.BytesIO(bad), "e.xlsx")},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert "problem-table" in page and "校验" in page
    good = xlsx([row(), row("李四", idn(seq=125))])
    page = browser.client.post(url + "/import", data={"csrf_token": token, "file": (io.BytesIO(good), "e.xlsx"),
                                                      "dry_run": "y"},
                               content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="import-ok"' in page
    response = browser.client.post(url + "/import", data={"csrf_token": token, "file": (io.BytesIO(good), "e.xlsx")},
                                   content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert count(Entry) == 2


def test_a_known_number_under_another_name_is_reported_before_a_missing_team_name(event):
    entry_import.import_entries(entry_import.check_entry_file(event, xlsx([row()]), "a.xlsx"), None)
    db.session.commit()
    report = entry_import.check_entry_file(event, xlsx([row("张四", skill="T01"), row("钱七", idn(seq=131),
                                                                                     skill="T01")]), "b.xlsx")
    assert [(r, c) for r, c, _ in problems(report)] == [(2, "name"), (3, "team_name")]
