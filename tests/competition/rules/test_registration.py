"""Registration rules: settings and their defaults, occupation codes, the age rule per member, team size,
capacity, quota, one per country, and one person as typed (document, typed birth date and sex)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competition.rules.identity import AgeRuleError, resident_id_check_char
from competition.rules.registration import (
    AgeRuleChoice,
    Counts,
    MemberFacts,
    RegistrationError,
    RegistrationSettings,
    age_rule,
    age_screen,
    age_skill,
    check_person,
    counts_matter,
    default_settings,
    entry_problems,
    member_problems,
    resident_people,
    validate_occupation_code,
)

TODAY = date(2026, 3, 15)


def make_id(birth: date, sequence: int = 123, region: str = "500107") -> str:
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + resident_id_check_char(body)


# --- settings ---------------------------------------------------------------------------------------------

def test_defaults_follow_the_event_kind():
    assert default_settings("bayu_cup") == {"age_rule": "chinese"}
    assert default_settings("worldskills_selection") == {"age_rule": "worldskills"}
    assert default_settings("belt_and_road") == {"age_rule": "worldskills", "one_per_country": True}
    settings = RegistrationSettings()
    assert (settings.max_age, settings.extended_max_age, settings.min_age) == (22, 25, 16)
    assert settings.quota_per_organisation is None and not settings.one_per_country


@pytest.mark.parametrize("values", [{"age_rule": "lunar"}, {"quota_per_organisation": 0},
                                    {"quota_per_organisation": True}])
def test_impossible_settings_are_refused(values):
    with pytest.raises(RegistrationError):
        RegistrationSettings(**values)


def test_ages_that_contradict_each_other_are_refused():
    with pytest.raises(AgeRuleError):
        RegistrationSettings(max_age=25, extended_max_age=22)


@pytest.mark.parametrize("code", ["6-31-01-03", "4-03-02-01", " 2-02-10-09 ", "６-３１-０１-０３"])
def test_occupation_codes_of_the_national_classification(code):
    assert validate_occupation_code(code) == code.strip().translate(str.maketrans("０１２３６", "01236"))


@pytest.mark.parametrize("code", ["", "6310103", "6-31-01", "9-31-01-03", "6-31-1-03", "电工", "6-31-01-03-01"])
def test_malformed_occupation_codes(code):
    with pytest.raises(RegistrationError) as caught:
        validate_occupation_code(code)
    assert caught.value.code == "skill.occupation_code"


# --- age ----------------------------------------------------------------------------------------------------

def ages(rule_kind: str, birth: date | None, sex: str | None = "M", *, skill: str = "W23", extended=False,
         on: date = date(2026, 11, 18)):
    settings = RegistrationSettings(age_rule=rule_kind, extended_age=extended)
    rule = age_rule(settings, skill)
    return [p.code for p in member_problems(rule, MemberFacts("张三", birth, sex), competition_date=on,
                                            skill=age_skill(rule, (skill, "移动机器人", "Mobile Robotics")))]


def test_worldskills_counts_by_calendar_year():
    assert ages("worldskills", date(2004, 1, 1)) == []          # 2026 - 22
    assert ages("worldskills", date(2003, 12, 31)) == ["age.too_old"]


def test_worldskills_extended_limit_by_setting_or_by_name():
    assert ages("worldskills", date(2001, 1, 1), extended=True) == []   # 2026 - 25
    assert ages("worldskills", date(2000, 12, 31), extended=True) == ["age.too_old"]
    settings = RegistrationSettings(age_rule="worldskills")
    rule = age_rule(settings, "W12")
    name = age_skill(rule, ("W12", "机电一体化", "Mechatronics"))
    assert member_problems(rule, MemberFacts("李四", date(2001, 6, 1), "M"), competition_date=date(2026, 9, 1),
                           skill=name) == []


def test_chinese_events_minimum_and_retirement_age():
    start = date(2026, 10, 20)
    assert ages("chinese", date(2010, 10, 20), on=start) == []            # 16 that day
    assert ages("chinese", date(2010, 10, 21), on=start) == ["age.too_young"]
    assert ages("chinese", date(1966, 10, 21), "M", on=start) == []        # 59
    assert ages("chinese", date(1966, 10, 20), "M", on=start) == ["age.retired"]
    assert ages("chinese", date(1976, 10, 20), "F", on=start) == ["age.retired"]  # 50


def test_missing_facts_are_asked_for():
    assert ages("worldskills", None) == ["age.birth_date_missing"]
    assert ages("chinese", date(1990, 1, 1), None) == ["age.sex_missing"]
    assert ages("none", None, None) == []


# --- the entry ----------------------------------------------------------------------------------------------

def problems(settings=None, *, team_size=1, capacity=None, members=1, org=7, country="CN", counts=None):
    return [p.code for p in entry_problems(settings or RegistrationSettings(), team_size=team_size,
                                           capacity=capacity, members=members, organisation_id=org,
                                           country=country, counts=counts or Counts())]


def test_team_size_is_exact():
    assert problems(team_size=3, members=3) == []
    assert problems(team_size=3, members=2) == ["entry.team_size"]
    assert problems(team_size=1, members=2) == ["entry.team_size"]


def test_capacity_quota_and_one_per_country_count_live_entries():
    counts = Counts()
    counts.add(7, "TH")
    counts.add(8, "VN")
    assert problems(capacity=2, counts=counts) == ["entry.full"]
    assert problems(capacity=3, counts=counts) == []
    quota = RegistrationSettings(quota_per_organisation=1)
    assert problems(quota, org=7, counts=counts) == ["entry.quota"]
    assert problems(quota, org=9, counts=counts) == []
    one = RegistrationSettings(one_per_country=True)
    assert problems(one, country="TH", counts=counts) == ["entry.country"]
    assert problems(one, country="KZ", counts=counts) == []


# --- one person as typed ------------------------------------------------------------------------------------

def check(**fields):
    values = {"name": "张三", "id_type": "resident_id", "id_number": make_id(date(1998, 5, 17)), "today": TODAY}
    return check_person(**(values | fields))


def test_a_resident_id_gives_birth_date_and_sex():
    person, found = check()
    assert found == [] and person.birth_date == date(1998, 5, 17) and person.sex == "M"
    assert person.key == ("resident_id", "CN", make_id(date(1998, 5, 17)))


def test_lower_case_x_and_full_width_digits_are_normalised():
    number = next(make_id(date(1998, 5, 17), s) for s in range(1000) if make_id(date(1998, 5, 17), s).endswith("X"))
    full_width = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"
    person, found = check(id_number=full_width)
    assert found == [] and person.id_number == number


def test_typed_birth_date_and_sex_must_agree_with_the_number():
    _, found = check(birth_date=date(1998, 5, 18), sex="F")
    assert [(p.field, p.code) for p in found] == [("birth_date", "id.mismatch.birth_date"), ("sex", "id.mismatch.sex")]
    assert found[0].params == {"typed": "1998-05-18", "derived": "1998-05-17"}
    person, found = check(birth_date=date(1998, 5, 17), sex="M")
    assert found == [] and person is not None


def test_a_failing_checksum_is_refused_on_the_number():
    number = make_id(date(1998, 5, 17))
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    person, found = check(id_number=wrong)
    assert person is None and [(p.field, p.code) for p in found] == [("id_number", "id.checksum")]


def test_passports_need_an_iso_nationality_and_a_latin_name():
    person, found = check(name="Somchai Wongsakul", id_type="passport", id_number="aa1234567", nationality="th")
    assert found == [] and person.key == ("passport", "TH", "AA1234567") and person.name_latin == "Somchai Wongsakul"
    assert [p.code for p in check(name="Somchai", id_type="passport", id_number="AA1234567", nationality="XX")[1]] \
        == ["id.nationality"]
    assert [p.field for p in check(name="索姆猜", id_type="passport", id_number="AA1234567", nationality="TH")[1]] \
        == ["name_latin"]


def test_permits_of_hong_kong_macau_and_taiwan():
    assert check(id_type="hk_macau_permit", id_number="H12345678")[1] == []
    assert check(id_type="taiwan_permit", id_number="12345678")[1] == []
    assert [p.code for p in check(id_type="taiwan_permit", id_number="H12345678")[1]] == ["id.format"]


def test_blank_name_and_number():
    person, found = check(name=" ", id_number="")
    assert person is None and [p.field for p in found] == ["name", "id_number"]


def test_age_rule_choices_are_listed():
    assert set(AgeRuleChoice.ALL) == {"worldskills", "chinese", "none"}


# --- age_screen: the import's quick test agrees with member_problems -------------------------------------------

@pytest.mark.parametrize("rule_settings, skill", [
    ({}, "B01"), ({"age_rule": "worldskills"}, "B01"), ({"age_rule": "worldskills"}, "Mechatronics"),
    ({"age_rule": "none"}, "B01"), ({"min_age": 18, "retirement_age_male": 55, "retirement_age_female": 45}, "B01"),
])
@pytest.mark.parametrize("competition_date", [date(2026, 10, 20), date(2028, 2, 29), date(2027, 3, 1)])
def test_age_screen_agrees_with_member_problems(rule_settings, skill, competition_date):
    rule = age_rule(RegistrationSettings(**rule_settings), skill)
    name = age_skill(rule, (skill,))
    passes = age_screen(rule, competition_date=competition_date, skill=name)
    births = [None, date(1960, 2, 29), date(1966, 10, 20), date(1976, 10, 21), date(2004, 1, 1), date(2008, 12, 31),
              date(2010, 10, 20), date(2010, 10, 21), date(2012, 2, 29), date(2011, 3, 1), date(2020, 1, 1)]
    births += [date(1950 + n // 12, 1 + n % 12, 1 + n % 28) for n in range(0, 12 * 75, 7)]
    for birth in births:
        for sex in ("M", "F", None):
            expected = not member_problems(rule, MemberFacts("张三", birth, sex), competition_date=competition_date,
                                           skill=name)
            assert passes(birth, sex) is expected, (birth, sex)


# --- resident_people: the import's column-wise check agrees with check_person ------------------------------

people_rows = st.tuples(
    st.one_of(st.sampled_from(["张三", " 李  四 ", "", "   ", "Ann\u3000Lee"]), st.integers(), st.none()),
    st.one_of(st.builds(lambda birth, seq: make_id(birth, seq), st.dates(date(1940, 1, 1), date(2030, 1, 1)),
                        st.integers(0, 999)),
              st.builds(lambda birth: make_id(birth).lower(), st.dates(date(1940, 1, 1), date(2020, 1, 1))),
              st.text(alphabet="0123456789X", min_size=17, max_size=19), st.none()),
    st.one_of(st.none(), st.dates(date(1990, 1, 1), date(1990, 1, 3)), st.just(object())),
    st.sampled_from([None, "M", "F", "X"]))


@settings(database=None, max_examples=300, deadline=None)
@given(st.lists(people_rows, max_size=20))
def test_resident_people_agrees_with_check_person(rows):
    names, numbers, births, sexes = ([row[i] for row in rows] for i in range(4)) if rows else ([], [], [], [])
    quick = resident_people(names, numbers, births, sexes, today=TODAY)
    assert len(quick) == len(rows)
    for (name, number, birth, sex), person in zip(rows, quick, strict=True):
        if person is None:
            continue   # left to check_person
        expected, problems = check_person(name=name, id_type="resident_id", id_number=number, today=TODAY,
                                          birth_date=birth, sex=sex)
        assert problems == [] and person == expected


def test_resident_people_finds_the_usual_person():
    number = make_id(date(1998, 5, 17))
    assert resident_people([" 张三 "], [number], [date(1998, 5, 17)], ["M"], today=TODAY) == [
        check_person(name="张三", id_type="resident_id", id_number=number, today=TODAY)[0]]
    assert resident_people(["张三"], [number], [date(1998, 5, 18)], [None], today=TODAY) == [None]   # mismatch
    assert resident_people(["张三"], [number], [None], ["F"], today=TODAY) == [None]


@pytest.mark.parametrize("values", [{}, {"age_rule": "worldskills"}])
def test_without_counts_that_matter_an_entry_of_the_right_size_has_no_problems(values):
    settings_ = RegistrationSettings(**values)
    assert not counts_matter(settings_, capacity=None)
    counts = Counts(total=10_000)
    counts.by_organisation[1] = 10_000
    counts.by_country["CN"] = 10_000
    for team_size in (1, 2, 3):
        assert entry_problems(settings_, team_size=team_size, capacity=None, members=team_size, organisation_id=1,
                              country="CN", counts=counts) == []
    assert counts_matter(settings_, capacity=5)
    assert counts_matter(RegistrationSettings(**values, quota_per_organisation=2), capacity=None)
    assert counts_matter(RegistrationSettings(**values, one_per_country=True), capacity=None)
