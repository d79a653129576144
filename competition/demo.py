"""The demo data set: one event of each kind, people across Chongqing's 区县 and guests from abroad,
judges, marks, published results and a certificate. Everything goes through the services, so the demo
is audited like real use. Loading it twice changes nothing (each part is looked up before it is made)."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from competition.extensions import db
from competition.models import (
    AspectKind,
    Entry,
    Event,
    EventKind,
    EventStatus,
    JudgeRole,
    Organisation,
    OrgKind,
    Person,
    Role,
    Skill,
    Tier,
    User,
)
from competition.rules.identity import resident_id_check_char
from competition.services import accounts, draw, entries, events, judging, marking, publication, results

DEMO_PASSWORD = "saiping2026"

DISTRICTS = ["九龙坡区", "渝北区", "江北区", "沙坪坝区", "万州区", "涪陵区", "永川区", "綦江区"]
# Region codes of those 区县 (GB/T 2260), used to build valid demo ID numbers.
DISTRICT_CODES = {"九龙坡区": "500107", "渝北区": "500112", "江北区": "500105", "沙坪坝区": "500106",
                  "万州区": "500101", "涪陵区": "500102", "永川区": "500118", "綦江区": "500110"}
ENTERPRISES = [("重庆渝江机械制造有限公司", "九龙坡区"), ("重庆两江智能装备有限公司", "渝北区"),
               ("重庆江北电力安装工程有限公司", "江北区"), ("重庆万州船舶修造有限公司", "万州区")]
SCHOOLS = [("重庆市渝西高级技工学校", "永川区"), ("重庆沙坪坝技师学院", "沙坪坝区")]
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "涛", "明", "超", "霞", "平", "刚", "桂英",
         "建华", "志强", "晓燕", "海波", "雪梅", "国庆", "文博", "嘉怡", "子轩"]
JUDGE_ORGANISATIONS = [("重庆工业技师学院", OrgKind.SCHOOL, "江津区"), ("重庆市职业技能鉴定指导中心", OrgKind.AUTHORITY, "渝中区"),
                       ("重庆长江智能制造研究院", OrgKind.ENTERPRISE, "两江新区")]
GUESTS = [("TH", "Somchai Wongsakul"), ("VN", "Nguyen Van An"), ("KZ", "Aruzhan Nurlanovna"),
          ("PK", "Ahmed Raza"), ("EG", "Mona Hassan"), ("RU", "Ivan Petrov"), ("MY", "Tan Wei Ming"),
          ("ID", "Putri Lestari")]


def demo_id_number(district: str, birth: date, sequence: int) -> str:
    body = f"{DISTRICT_CODES[district]}{birth:%Y%m%d}{sequence:03d}"
    return body + resident_id_check_char(body)


def _org(name: str, kind: str, district: str | None = None, country: str = "CN", **extra: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name, kind=kind, district=district, country=country, **extra)
        db.session.add(org)
        db.session.flush()
    return org


def _user(username: str, display: str, roles: tuple, person: Person | None = None) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = accounts.create_user(username, DEMO_PASSWORD, display, person=person, roles=roles)
    return user


def _person(name: str, district: str, birth: date, seq: int, org: Organisation | None) -> Person:
    return entries.find_or_create_person(name=name, id_type="resident_id",
                                         id_number=demo_id_number(district, birth, seq),
                                         organisation_id=org.id if org else None, district=district)


def _scheme(skill: Skill, aspects: list[tuple]) -> None:
    if events.published_scheme(skill.id) is not None:
        return
    descriptors = ["低于行业标准", "达到行业标准", "达到并部分超过行业标准", "优秀，远超行业标准"]
    for criterion, cname, code, text, kind, max_mark in aspects:
        events.add_aspect(skill, criterion_code=criterion, criterion_name=cname, code=code, description=text,
                          kind=kind, max_mark=max_mark,
                          descriptors=descriptors if kind == AspectKind.JUDGEMENT else None)
    events.publish_scheme(skill)


ELECTRICIAN_SCHEME = [
    ("A", "安全文明生产", "A1", "穿戴劳保用品，工具摆放规范", AspectKind.MEASUREMENT, Decimal(10)),
    ("B", "电气线路安装", "B1", "主电路接线正确，通电一次成功", AspectKind.MEASUREMENT, Decimal(30)),
    ("B", "电气线路安装", "B2", "布线工艺：横平竖直、线槽整齐", AspectKind.JUDGEMENT, Decimal(20)),
    ("C", "PLC 编程与调试", "C1", "程序实现全部控制要求", AspectKind.MEASUREMENT, Decimal(25)),
    ("C", "PLC 编程与调试", "C2", "故障排查思路与效率", AspectKind.JUDGEMENT, Decimal(15)),
]
ROBOT_SCHEME = [
    ("A", "Design", "A1", "机器人结构设计合理", AspectKind.JUDGEMENT, Decimal(30)),
    ("B", "Function", "B1", "完成指定搬运任务", AspectKind.MEASUREMENT, Decimal(40)),
    ("C", "Documentation", "C1", "技术文档完整规范", AspectKind.JUDGEMENT, Decimal(30)),
]


def _event(code: str, **fields) -> tuple[Event, bool]:
    event = db.session.scalar(select(Event).where(Event.code == code))
    if event is not None:
        return event, False
    return events.create_event(code=code, **fields), True


def _advance(event: Event, target: str) -> None:
    order = list(EventStatus)
    while order.index(EventStatus(event.status)) < order.index(EventStatus(target)):
        nxt = sorted(events.NEXT_STATUS[EventStatus(event.status)], key=order.index)[-1]
        events.change_status(event, nxt)


def _enter_and_approve(contestant: User, skill: Skill) -> Entry:
    entry = entries.enter_skill(contestant, skill)
    db.session.flush()
    entries.decide_entry(entry, True)
    return entry


def _draw(skill: Skill, sessions: list[str]) -> None:
    """The organiser commits to a draw and runs it: numbers, stations, sessions and the judges' outer codes."""
    organiser = db.session.scalar(select(User).where(User.username == "organiser"))
    per_session = -(-len(marking.markable_entries(skill)) // max(1, len(sessions)))
    draw.commit_draw(organiser, skill, [f"{n:02d}" for n in range(1, per_session + 1)], sessions)
    draw.run_draw(organiser, skill)


def _mark_all(skill: Skill, judges: list[User], rng: random.Random) -> None:
    scheme = events.published_scheme(skill.id)
    for entry in marking.markable_entries(skill):
        talent = rng.uniform(0.55, 0.98)
        for aspect in scheme.aspects:
            if aspect.kind == AspectKind.JUDGEMENT:
                base = min(3, max(0, round(talent * 3 + rng.uniform(-0.6, 0.4))))
                for judge in judges:
                    score = min(3, max(0, base + rng.choice((0, 0, 0, 1, -1))))
                    _accepted(marking.record_marks(judge, [{"aspect_id": aspect.id, "entry_id": entry.id,
                                                            "value": score}]))
            else:
                share = Decimal(str(round(min(1.0, talent + rng.uniform(-0.1, 0.1)), 2)))
                _accepted(marking.record_marks(judges[0], [{"aspect_id": aspect.id, "entry_id": entry.id,
                                                            "value": (aspect.max_mark * share).quantize(Decimal("0.01"))}]))


def _accepted(outcomes: list) -> None:
    refused = [o for o in outcomes if o.status != "accepted"]
    if refused:
        raise RuntimeError(f"demo mark refused: {refused[0].code} {refused[0].message}")


def _settle_spread(skill: Skill, judges: list[User]) -> None:
    """What the judges do after discussing an aspect whose scores were too far apart: re-score within 1."""
    for entry, aspect, scores in marking.sheet_state(skill).spread:
        middle = sorted(scores)[len(scores) // 2]
        for judge in judges:
            _accepted(marking.record_marks(judge, [{"aspect_id": aspect.id, "entry_id": entry.id, "value": middle}]))


def load_demo() -> list[tuple[str, str]]:
    """Create whatever of the demo is missing and commit. Returns (username, description) of the logins."""
    rng = random.Random(2026)
    for district in DISTRICTS:
        _org(f"{district}代表队", OrgKind.DISTRICT, district)
    companies = [_org(name, OrgKind.ENTERPRISE, district) for name, district in ENTERPRISES]
    schools = [_org(name, OrgKind.SCHOOL, district) for name, district in SCHOOLS]
    body = _org("重庆市渝才职业技能评价中心", OrgKind.EVALUATION_BODY, "渝北区", body_kind="S", body_code="0000",
                province_code="50", site_code="123456")
    _org("重庆市人力资源和社会保障局", OrgKind.AUTHORITY)

    logins: list[tuple[str, str]] = []
    organiser = _user("organiser", "市职业技能鉴定中心 李组委", ((Role.ORGANISER, None, None),))
    logins.append(("organiser", "组委会 organiser (all events)"))
    _user("supervisor", "督导 周监督", ((Role.SUPERVISOR, None, None),))
    logins.append(("supervisor", "督导 supervisor"))
    _user("officer", "评价中心 何老师", ((Role.EVALUATION_OFFICER, None, body.id),))
    logins.append(("officer", "评价机构 evaluation officer"))
    _user("leader", "领队 江北区", ((Role.TEAM_LEADER, None, db.session.scalar(
        select(Organisation.id).where(Organisation.name == "江北区代表队"))),))
    logins.append(("leader", "领队 team leader (江北区)"))

    # Judges come from organisations with no contestant here: a judge never marks a colleague (回避).
    judge_orgs = [_org(name, kind, district) for name, kind, district in JUDGE_ORGANISATIONS]
    judges = []
    judge_names = ["陈建国", "刘德明", "张秀英", "杨志刚", "黄丽华"]
    for i, name in enumerate(judge_names):
        org = judge_orgs[i % len(judge_orgs)]
        person = _person(name, DISTRICTS[(i + 3) % len(DISTRICTS)], date(1970 + i * 2, 3 + i, 10 + i), 11 + 2 * i,
                         org)
        judges.append(_user(f"judge{i + 1}", name, ((Role.JUDGE, None, None),), person))
    logins.append(("judge1", "裁判长 chief judge (电工, 移动机器人)"))
    logins.append(("judge2 … judge5", "裁判 judges (judge2–4 marked 电工; judge3–5 mark 移动机器人)"))

    contestants = []
    for i in range(38):
        district = DISTRICTS[i % len(DISTRICTS)]
        org = (companies + schools)[i % (len(companies) + len(schools))]
        name = FAMILY[(i * 7) % len(FAMILY)] + GIVEN[(i * 5) % len(GIVEN)]
        # The WorldSkills selection's contestants (33-38) are within its age limit: born in 2004 or later.
        born = 1996 + i % 8 if i < 32 else 2004 + i % 4
        person = _person(name, district, date(born, 1 + i % 12, 5 + i % 23), 100 + 2 * i + (i % 2), org)
        contestants.append(_user(f"contestant{i + 1}", name, ((Role.CONTESTANT, None, None),), person))
    logins.append(("contestant1 … contestant38", "选手 contestants (1-32 电工 with results, 33-38 移动机器人)"))

    # 1. 巴渝工匠杯: results published, a certificate issued.
    cup, new = _event("bayu-2026", name="2026年“巴渝工匠杯”重庆市职业技能大赛",
                      name_en="2026 Bayu Craftsman Cup Chongqing Vocational Skills Competition",
                      kind=EventKind.BAYU_CUP, tier=Tier.PROVINCIAL_1, year=2026, starts_on=date(2026, 10, 20),
                      ends_on=date(2026, 10, 22), venue="重庆国际博览中心")
    if new:
        electrician = events.add_skill(cup, code="B01", name="电工", name_en="Electrician",
                                       occupation_code="6-31-01-03", occupation_name="电工", trade="维修电工",
                                       level_grade_code="senior")
        events.add_skill(cup, code="B02", name="焊工", name_en="Welder", occupation_code="6-18-02-04",
                         occupation_name="焊工", level_grade_code="senior")
        _scheme(electrician, ELECTRICIAN_SCHEME)
        judging.assign_judge(electrician, judges[0].person, JudgeRole.CHIEF)
        for judge in judges[1:4]:
            judging.assign_judge(electrician, judge.person, JudgeRole.SCORER)
        events.change_status(cup, EventStatus.REGISTRATION_OPEN)
        for contestant in contestants[:32]:  # a municipal skill needs 30 entrants for awards (DOMAIN.md §1)
            _enter_and_approve(contestant, electrician)
        _draw(electrician, ["10月20日 上午 08:30", "10月20日 下午 14:00"])
        _advance(cup, EventStatus.MARKING)
        _mark_all(electrician, judges[1:4], rng)
        for judge in judges[1:4]:
            marking.submit_sheet(judge, electrician)
        _settle_spread(electrician, judges[1:4])
        marking.lock_skill(judges[0], electrician)
        draw.approve_reveal(judges[0], electrician)  # the 裁判长 signs; then the codes are revealed (解密)
        draw.reveal(db.session.scalar(select(User).where(User.username == "organiser")), electrician)
        results.compute(electrician)
        publication.review(judges[0], electrician)
        publication.publish(organiser, electrician)
        _advance(cup, EventStatus.RESULTS)
        from evaluation import services as evaluation
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        winner = next(c for c in evaluation.promotion_candidates() if c.skill.id == electrician.id)
        evaluation.issue_from_candidate(officer, body.id, winner.result.id, winner.person.id)

    # 2. 世赛选拔: marking in progress.
    ws, new = _event("ws48-cq", name="第48届世界技能大赛重庆市选拔赛",
                     name_en="48th WorldSkills Competition, Chongqing selection", kind=EventKind.WORLDSKILLS_SELECTION,
                     tier=Tier.PROVINCIAL_1, year=2026, starts_on=date(2026, 11, 18), ends_on=date(2026, 11, 20),
                     venue="重庆工程职业技术学院")
    if new:
        robots = events.add_skill(ws, code="W23", name="移动机器人", name_en="Mobile Robotics",
                                  occupation_code="6-31-07-01", occupation_name="工业机器人系统运维员",
                                  level_grade_code="technician")
        _scheme(robots, ROBOT_SCHEME)
        judging.assign_judge(robots, judges[0].person, JudgeRole.CHIEF)
        for judge in judges[2:5]:  # a judgement team of three
            judging.assign_judge(robots, judge.person, JudgeRole.SCORER)
        events.change_status(ws, EventStatus.REGISTRATION_OPEN)
        for contestant in contestants[32:38]:
            _enter_and_approve(contestant, robots)
        _draw(robots, [])
        _advance(ws, EventStatus.MARKING)

    # 3. 一带一路: registration open, guests from abroad.
    bri, new = _event("bri-2026", name="2026一带一路暨金砖国家技能发展与技术创新大赛",
                      name_en="2026 Belt and Road and BRICS Skills Development and Technology Innovation Competition",
                      kind=EventKind.BELT_AND_ROAD, tier=Tier.NATIONAL_2, year=2026, starts_on=date(2026, 12, 8),
                      ends_on=date(2026, 12, 10), venue="重庆国际博览中心")
    if new:
        cnc = events.add_skill(bri, code="R07", name="数控铣", name_en="CNC Milling", occupation_code="6-18-01-02",
                               occupation_name="铣工", trade="数控铣", level_grade_code="technician")
        _scheme(cnc, ROBOT_SCHEME)
        events.change_status(bri, EventStatus.REGISTRATION_OPEN)
        for i, (country, name) in enumerate(GUESTS):
            delegation = _org(f"{country} delegation", OrgKind.COUNTRY, country=country)
            user = db.session.scalar(select(User).where(User.username == f"guest{i + 1}"))
            if user is None:
                user = entries.register_contestant(
                    username=f"guest{i + 1}", password=DEMO_PASSWORD, name=name, name_latin=name,
                    id_type="passport", id_number=f"{country}{4711000 + i * 37}", nationality=country,
                    organisation_id=delegation.id, locale="en", birth_date=date(2004 + i % 4, 3, 1 + i))
            entry = entries.enter_skill(user, cnc)
            if i % 3 != 2:
                db.session.flush()
                entries.decide_entry(entry, True)
    logins.append(("guest1 … guest8", "一带一路 contestants from abroad (English)"))
    _user("keeper", "加密裁判 吴保密", tuple((Role.ENCRYPTION_JUDGE, e.id, None) for e in (cup, ws)))
    logins.append(("keeper", "加密裁判 encryption judge (巴渝工匠杯, 世赛选拔): draw and anonymous codes"))
    _user("door", "检录 郑检录", tuple((Role.CHECKIN_STAFF, e.id, None) for e in (cup, ws, bri)))
    logins.append(("door", "检录 check-in desk (every event)"))
    db.session.commit()
    return logins


