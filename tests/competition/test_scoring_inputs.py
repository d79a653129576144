"""Other ways marks arrive: theory scores from the exam system, paper forms typed twice; scheme building."""
from __future__ import annotations

import re
import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from competition.errors import DomainError
from competition.extensions import db
from competition.models import Mark, TheoryScore
from competition.services import events, marking, paper, tabular
from tests import factories


def _theory_skill():
    skill, entry, judges, chief = factories.marked_skill(contestants=2)
    skill.theory_weight, skill.practical_weight = 30, 70
    return skill, entry, judges, chief


def test_theory_import_is_all_or_nothing_and_idempotent(ctx):
    skill, *_ = _theory_skill()
    bad = tabular.write_xlsx(["参赛号", "理论成绩"], [["001", "88.5"], ["002", "101"], ["999", "60"], ["001", "70"]])
    scores, problems = marking.check_theory_file(skill, bad, "theory.xlsx")
    assert [(p.row, p.column.split(" ")[0]) for p in problems] == [(3, "理论成绩"), (4, "参赛号"), (5, "参赛号")]
    assert db.session.scalar(select(func.count()).select_from(TheoryScore)) == 0
    good = b"Competitor number,Theory score\n1,88.5\n002,76\n"  # Excel drops the zeros of 001
    scores, problems = marking.check_theory_file(skill, good, "theory.csv")
    assert problems == []
    assert marking.import_theory(skill, scores, "theory.csv") == 2
    assert marking.import_theory(skill, scores, "theory.csv") == 0  # the same file again changes nothing
    assert sorted(db.session.scalars(select(TheoryScore.score))) == [Decimal("76.00"), Decimal("88.50")]


def test_unreadable_files_are_refused_clearly(ctx):
    skill, *_ = _theory_skill()
    for data, name, code in ((b"not a workbook", "x.xlsx", "table.not_xlsx"),
                             (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "x.xlsx", "table.encrypted"),
                             (b"a,b\n1,2\n", "x.csv", "table.missing_columns"),
                             (b"", "x.csv", "table.empty"),
                             (b"x", "x.pdf", "table.type")):
        with pytest.raises(DomainError) as refused:
            marking.check_theory_file(skill, data, name)
        assert refused.value.code == code
        texts = refused.value.texts()
        assert texts["zh_CN"] != texts["en"]  # a Chinese and an English message


def test_theory_counts_in_the_total(ctx):
    skill, entry, (judge,), chief = factories.marked_skill()
    skill.theory_weight, skill.practical_weight = 30, 70
    aspects = {a.code: a.id for a in events.published_scheme(skill.id).aspects}
    marking.record_marks(judge, [{"entry_id": entry.id, "aspect_id": aspects["A1"], "value": "60"},
                                 {"entry_id": entry.id, "aspect_id": aspects["A2"], "value": "3"}])
    from competition.services import results
    with pytest.raises(DomainError) as refused:
        results.compute(skill)
    assert refused.value.code == "results.no_theory"
    marking.import_theory(skill, {entry.id: Decimal(80)}, "exam")
    results.compute(skill)
    (result,) = results.result_rows(skill)
    assert result.total == Decimal("94.00")  # 0.3 × 80 + 0.7 × 100


def test_paper_forms_print_one_page_per_judge(ctx, tmp_path):
    skill, _entry, _judges, _chief = factories.marked_skill(judges=2, contestants=3)
    pdf = tmp_path / "forms.pdf"
    pdf.write_bytes(paper.paper_forms_pdf(skill))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "裁判1" in text and "裁判2" in text and "003" in text and "A2" in text


def test_paper_forms_typed_twice_become_marks_only_when_they_agree(ctx):
    skill, entry, (judge,), _chief = factories.marked_skill()
    clerk_a, clerk_b = factories.organiser("clerk_a"), factories.organiser("clerk_b")
    aspects = {a.code: a.id for a in events.published_scheme(skill.id).aspects}
    values = {aspects["A1"]: "55", aspects["A2"]: "2"}
    paper.enter_paper_form(clerk_a, skill, judge.person, entry, values)
    assert db.session.scalar(select(func.count()).select_from(Mark)) == 0
    with pytest.raises(DomainError) as refused:
        paper.enter_paper_form(clerk_a, skill, judge.person, entry, values)
    assert refused.value.code == "paper.same_clerk"
    paper.enter_paper_form(clerk_b, skill, judge.person, entry, {aspects["A1"]: "55", aspects["A2"]: "3"})
    marks = {m.aspect_id: m for m in db.session.scalars(select(Mark))}
    assert set(marks) == {aspects["A1"]} and marks[aspects["A1"]].device == "paper"
    assert marks[aspects["A1"]].judge_person_id == judge.person.id
    assert [(m.aspect.code, m.first, m.second) for m in paper.mismatches(skill)] == [("A2", "2", "3")]
    paper.enter_paper_form(clerk_b, skill, judge.person, entry, {aspects["A2"]: "2"})  # retyped
    assert paper.mismatches(skill) == []
    assert db.session.scalar(select(func.count()).select_from(Mark)) == 2


def test_scheme_with_sub_criteria_methods_and_publication_checks(ctx):
    ev = factories.event()
    skill = events.add_skill(ev, code="W1", name="移动机器人", occupation_code="6-31-07-01",
                             occupation_name="工业机器人系统运维员", level_grade_code="technician")
    events.add_aspect(skill, criterion_code="A", criterion_name="设计", sub_criterion="A1", sub_criterion_name="结构",
                      code="A1.1", description="尺寸符合图纸", kind="measurement", method="bands", max_mark="10",
                      bands=[("0.05", "10"), ("0.1", "5")])
    events.add_aspect(skill, criterion_code="A", criterion_name="设计", sub_criterion="A1", sub_criterion_name="结构",
                      code="A1.2", description="安全防护", kind="measurement", method="yes_no", max_mark="5")
    with pytest.raises(DomainError):  # bands whose marks grow with the deviation
        events.add_aspect(skill, criterion_code="A", criterion_name="设计", code="A1.3", description="x",
                          kind="measurement", method="bands", max_mark="10", bands=[("0.05", "5"), ("0.1", "8")])
    with pytest.raises(DomainError):  # a judgement aspect with three descriptors
        events.add_aspect(skill, criterion_code="B", criterion_name="功能", code="B1", description="x",
                          kind="judgement", max_mark="10", descriptors=["a", "b", "c"])
    draft = events.latest_draft(skill.id)
    assert [p.code for p in events.scheme_problems(draft)] == ["scheme.total_mismatch"]
    with pytest.raises(DomainError) as refused:
        events.publish_scheme(skill)
    assert refused.value.code == "scheme.total_mismatch"
    events.add_aspect(skill, criterion_code="B", criterion_name="功能", code="B1", description="完成任务",
                      kind="subjective", max_mark="85")
    events.publish_scheme(skill)
    aspects = {a.code: a for a in events.published_scheme(skill.id).aspects}
    assert aspects["A1.1"].sub_criterion == "A1" and aspects["A1.2"].method == "yes_no"
    # A new version is drafted from the published one, never edited in place.
    events.add_aspect(skill, criterion_code="C", criterion_name="文档", code="C1", description="x",
                      kind="measurement", max_mark="5")
    assert events.published_scheme(skill.id).version == 1 and events.latest_draft(skill.id).version == 2


def test_scheme_import_from_excel_is_all_or_nothing(app):
    from tests.conftest import Browser
    with app.test_request_context():
        factories.organiser()
        ev = factories.event()
        skill = events.add_skill(ev, code="W1", name="电工", occupation_code="6-31-01-03", occupation_name="电工",
                                 level_grade_code="senior")
        db.session.commit()
        skill_id = skill.id
    browser = Browser(app.test_client())
    browser.login("organiser")
    template = browser.get("/manage/scheme-template.xlsx")
    assert template.status_code == 200
    headers = [c.headers[0] for c in events.SCHEME_COLUMNS]
    good = [["A", "安全", "", "", "A1", "劳保", "测量", "是否", 40, "", "", "", ""],
            ["B", "工艺", "B1", "布线", "B1.1", "布线", "评价", "", 60, "差", "合格", "良好", "优秀"]]
    bad = good + [["C", "文档", "", "", "C1", "x", "评价", "", 10, "a", "b", "", ""], ["C", "文档", "", "", "A1", "dup",
                                                                                 "测量", "", 5, "", "", "", ""]]
    upload = {"file": (__import__("io").BytesIO(tabular.write_xlsx(headers, bad)), "scheme.xlsx")}
    page = browser.post(f"/manage/skills/{skill_id}/scheme/import", upload, follow_redirects=True,
                        content_type="multipart/form-data").get_data(as_text=True)
    assert page.count('class="alert alert-warning"') == 2, page[page.find("<main"):page.find("<main") + 600]  # rows 4, 5
    with app.app_context():
        assert events.latest_draft(skill_id) is None or not events.latest_draft(skill_id).aspects
    upload = {"file": (__import__("io").BytesIO(tabular.write_xlsx(headers, good)), "scheme.xlsx")}
    browser.post(f"/manage/skills/{skill_id}/scheme/import", upload, content_type="multipart/form-data")
    with app.app_context():
        draft = events.latest_draft(skill_id)
        assert [(a.code, a.kind, a.method, a.sub_criterion) for a in draft.aspects] == [
            ("A1", "measurement", "yes_no", None), ("B1.1", "judgement", None, "B1")]
        assert events.scheme_problems(draft) == []
        actions = db.session.scalars(select(__import__("competition.models", fromlist=["AuditLog"]).AuditLog.action))
        assert list(actions).count("aspect.create") == 2  # the refused import left no audit rows


def test_theory_upload_page_lists_bad_rows_and_stores_nothing(app):
    import io

    from tests.conftest import Browser
    with app.test_request_context():
        skill, *_ = _theory_skill()
        factories.organiser()
        db.session.commit()
        skill_id = skill.id
    browser = Browser(app.test_client())
    browser.login("organiser")
    bad = tabular.write_xlsx(["参赛号", "理论成绩"], [["001", "abc"], ["002", "90"]])
    page = browser.post(f"/manage/skills/{skill_id}/theory", {"file": (io.BytesIO(bad), "t.xlsx")},
                        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert page.count('class="alert alert-warning"') == 1 and "理论成绩" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TheoryScore)) == 0
    good = tabular.write_xlsx(["参赛号", "理论成绩"], [["001", "70"], ["002", "90"]])
    page = browser.post(f"/manage/skills/{skill_id}/theory", {"file": (io.BytesIO(good), "t.xlsx")},
                        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert 'class="alert alert-success"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TheoryScore)) == 2
