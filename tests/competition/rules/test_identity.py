"""Identity rules: the DOMAIN.md vectors, every refusal, normalisation, agreement with python-stdnum,
passports, permits, names, and the age rules at their exact boundaries."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from competition.rules.identity import (
    HMT_RESIDENCE_PERMIT_REGIONS,
    ISO_3166_ALPHA2,
    PROVINCE_CODES,
    AgeProblem,
    AgeRule,
    AgeRuleError,
    AgeRuleKind,
    IdentityDocument,
    IdentityError,
    IdType,
    age_on,
    anniversary,
    check_age,
    eligible_birth_dates,
    encoded_mismatches,
    identity_mismatches,
    normalise_id_number,
    resident_id_check_char,
    resident_id_facts,
    resident_id_facts_many,
    validate_hk_macau_permit,
    validate_hmt_residence_permit,
    validate_identity,
    validate_latin_name,
    validate_nationality,
    validate_passport,
    validate_resident_id,
    validate_taiwan_permit,
)

FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}

# No example database: the run leaves nothing behind in the working tree.
prop = settings(database=None, max_examples=300, deadline=None)

TODAY = date(2026, 3, 15)
# A day no generated birth date can be after: used where stdnum (which has no "future" check) is compared.
FAR_FUTURE = date(9999, 12, 31)


def make_id(region: str, birth: date, sequence: int) -> str:
    """A valid 18-character number, its check character computed by python-stdnum (an independent oracle)."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def with_wrong_check_char(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def refusal(call, *args, **kwargs) -> IdentityError:
    with pytest.raises(IdentityError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- DOMAIN.md vectors ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("number", "birth_date", "sex"), [
    ("110101202311012176", date(2023, 11, 1), "M"),
    ("360426199101010071", date(1991, 1, 1), "M"),
])
def test_domain_vectors_are_valid(number, birth_date, sex):
    document = validate_resident_id(number, today=TODAY)
    assert document == IdentityDocument(IdType.RESIDENT_ID, number, birth_date, sex)
    assert ric.is_valid(number)


def test_domain_invalid_vector_fails_the_checksum():
    error = refusal(validate_resident_id, "110101202311012171", today=TODAY)
    assert error.code == "id.checksum"
    assert error.params == {"number": "110101202311012171", "expected": "6"}


def test_check_char_matches_the_standard_weights():
    # By hand, first vector: 1*7 + 1*9 + 0*10 + ... + 7*2 = 105; 105 mod 11 = 6; "10X98765432"[6] = "6".
    assert resident_id_check_char("11010120231101217") == "6"
    assert resident_id_check_char("36042619910101007") == "1"
    assert resident_id_check_char("50010719980517004") == "X"


@pytest.mark.parametrize("bad", ["1101012023110121", "110101202311012176", "1101012023110121A", "１１",
                                 11010120231101217])
def test_check_char_needs_exactly_17_ascii_digits(bad):
    with pytest.raises(ValueError, match="17 ASCII digits"):
        resident_id_check_char(bad)


# --- derived birth date and sex -------------------------------------------------------------------------

def test_even_sequence_is_female_and_odd_is_male():
    female = validate_resident_id(make_id("500107", date(1998, 5, 17), 124), today=TODAY)
    male = validate_resident_id(make_id("500107", date(1998, 5, 17), 123), today=TODAY)
    assert (female.sex, male.sex) == ("F", "M")
    assert female.birth_date == male.birth_date == date(1998, 5, 17)


def test_sequence_zero_is_female():
    assert validate_resident_id(make_id("500107", date(1998, 5, 17), 0), today=TODAY).sex == "F"


def test_leap_day_is_a_real_date():
    document = validate_resident_id(make_id("500107", date(2000, 2, 29), 11), today=TODAY)
    assert document.birth_date == date(2000, 2, 29)


def test_born_today_is_accepted():
    assert validate_resident_id(make_id("500107", TODAY, 1), today=TODAY).birth_date == TODAY


# --- normalisation --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "normalised"), [
    ("１１０１０１２０２３１１０１２１７６", "110101202311012176"),  # full-width digits
    ("50010719980517004x", "50010719980517004X"),  # lower-case x
    ("50010719980517004ｘ", "50010719980517004X"),  # full-width lower-case x
    ("50010719980517004Ｘ", "50010719980517004X"),  # full-width upper-case X
    (" 110101 20231101 2176 ", "110101202311012176"),  # spaces
    ("110101\u300020231101\t2176\n", "110101202311012176"),  # ideographic space, tab, newline
    ("110101\u200b202311012176", "110101202311012176"),  # zero-width space pasted with the number
])
def test_typed_numbers_are_normalised(typed, normalised):
    assert normalise_id_number(typed) == normalised
    assert validate_resident_id(typed, today=TODAY).number == normalised


def test_normalisation_upper_cases_only_ascii_letters():
    assert normalise_id_number("ab-ｃｄ") == "AB-CD"
    # str.upper() would turn ß into the ASCII "SS"; it must stay non-ASCII and be refused as a format.
    assert normalise_id_number("ß") == "ß"
    assert refusal(validate_passport, "ABCDß", nationality="DE").code == "id.format"


def test_normalisation_refuses_non_strings():
    with pytest.raises(TypeError):
        normalise_id_number(110101202311012176)  # type: ignore[arg-type]


# --- every refusal of an 18-character number ------------------------------------------------------------

@pytest.mark.parametrize("number", [
    "",
    "11010120231101217",  # 17 characters
    "1101012023110121766",  # 19 characters
    "11010120231101217A",  # a letter other than X at the end
    "1101012023X1012176",  # X before the end
    "11010120231101-2176",  # a hyphen is not removed
    "١١٠١٠١٢٠٢٣١١٠١٢١٧٦",  # Arabic-Indic digits are digits to Python, not to GB 11643
])
def test_format(number):
    assert refusal(validate_resident_id, number, today=TODAY).code == "id.format"


def test_checksum():
    error = refusal(validate_resident_id, with_wrong_check_char(make_id("500107", date(1998, 5, 17), 123)),
                    today=TODAY)
    assert error.code == "id.checksum"


@pytest.mark.parametrize("region", ["000000", "100101", "160101", "240101", "380101", "470101", "550101",
                                    "600101", "700101", "720101", "800101", "830100", "840000", "990000"])
def test_region(region):
    error = refusal(validate_resident_id, make_id(region, date(1998, 5, 17), 123), today=TODAY)
    assert (error.code, error.params["region"]) == ("id.region", region)


def test_every_province_code_is_accepted():
    assert sorted(PROVINCE_CODES) == ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
                                      "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
                                      "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"]
    for province in PROVINCE_CODES:
        validate_resident_id(make_id(province + "0101", date(1998, 5, 17), 123), today=TODAY)


@pytest.mark.parametrize("digits", ["19980230", "19981301", "19980001", "19980100", "19000229", "00000101"])
def test_birth_date_must_be_a_real_date(digits):
    body = f"500107{digits}123"
    error = refusal(validate_resident_id, body + resident_id_check_char(body), today=TODAY)
    assert (error.code, error.params["digits"]) == ("id.birth_date", digits)


def test_birth_date_in_the_future():
    tomorrow = TODAY + timedelta(days=1)
    error = refusal(validate_resident_id, make_id("500107", tomorrow, 123), today=TODAY)
    assert (error.code, error.params["birth_date"]) == ("id.future", "2026-03-16")


def test_today_is_an_argument_not_the_clock():
    number = make_id("500107", date(2030, 1, 1), 123)
    assert refusal(validate_resident_id, number, today=TODAY).code == "id.future"
    assert validate_resident_id(number, today=date(2030, 1, 1)).birth_date == date(2030, 1, 1)
    with pytest.raises(TypeError):
        validate_resident_id(number, today="2030-01-01")  # type: ignore[arg-type]


def test_checks_run_in_a_fixed_order():
    # Wrong check character and impossible region/date: the check character is reported first (likely typo).
    body = "990000" + "19981340" + "123"
    number = body + resident_id_check_char(body)
    assert refusal(validate_resident_id, with_wrong_check_char(number), today=TODAY).code == "id.checksum"
    # Right check character, bad region and bad date: region first.
    assert refusal(validate_resident_id, number, today=TODAY).code == "id.region"


def test_identity_error_carries_a_code_a_message_and_params():
    error = refusal(validate_resident_id, "110101202311012171", today=TODAY)
    assert isinstance(error, ValueError)
    assert error.message % error.params  # every placeholder has its param
    assert str(error).startswith("id.checksum: ")


# --- 港澳台居民居住证 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("region", sorted(HMT_RESIDENCE_PERMIT_REGIONS))
def test_residence_permit_numbers(region):
    number = make_id(region, date(1995, 3, 1), 8)
    assert validate_hmt_residence_permit(number, today=TODAY).birth_date == date(1995, 3, 1)
    # Entered in the ID-number field of a form, it is accepted too (830000 is not a province code).
    assert validate_identity("resident_id", number, today=TODAY).sex == "F"


def test_residence_permit_needs_its_own_regions():
    assert refusal(validate_hmt_residence_permit, make_id("110101", date(1995, 3, 1), 8),
                   today=TODAY).code == "id.region"
    assert refusal(validate_hmt_residence_permit, make_id("830100", date(1995, 3, 1), 8),
                   today=TODAY).code == "id.region"
    typo = with_wrong_check_char(make_id("830000", date(1995, 3, 1), 8))
    assert refusal(validate_hmt_residence_permit, typo, today=TODAY).code == "id.checksum"


# --- agreement with python-stdnum -----------------------------------------------------------------------
#
# stdnum.cn.ric checks length, digits, check character, a real date and the full 6-digit county code (with the
# years it existed). We check the same shape and check character, a real date not after `today`, and only the
# province part of the region (plus the 居住证 regions). Deliberate differences, asserted below:
# - format and check character: both must agree exactly, on any string;
# - stdnum also refuses county codes it does not know (or that did not exist in the birth year): we accept any
#   county inside a real province, because the county list changes every year and a stale list would refuse
#   real people; so "we accept, stdnum refuses" is allowed only with stdnum's InvalidComponent on a real date;
# - we refuse birth dates after `today` (stdnum does not): compared with today = 9999-12-31;
# - we accept 830000 (港澳台居民居住证), which stdnum's county table does not have.
# stdnum does not turn full-width digits into ASCII, so the comparison uses ASCII input.

REAL_COUNTIES = ["110101", "110105", "310101", "360426", "440305", "500101", "500103", "500107", "510104"]

eighteen_chars = st.text(alphabet="0123456789Xx", min_size=18, max_size=18)
structured_bodies = st.builds(
    lambda region, year, month, day, sequence: f"{region}{year:04d}{month:02d}{day:02d}{sequence:03d}",
    st.one_of(st.sampled_from(REAL_COUNTIES), st.from_regex(r"[0-9]{6}", fullmatch=True)),
    st.integers(0, 2099), st.integers(0, 13), st.integers(0, 32), st.integers(0, 999),
)
# Half of them with the check character stdnum computes, so that valid numbers and date/region refusals are
# common; the other half with any check character.
structured_numbers = st.builds(
    lambda body, right, check: body + (ric.calc_check_digit(body + "0") if right else check),
    structured_bodies, st.booleans(), st.sampled_from("0123456789Xx"),
)


def stdnum_verdict(number: str) -> str:
    try:
        ric.validate(number)
    except (stdnum_errors.InvalidLength, stdnum_errors.InvalidFormat):
        return "format"
    except stdnum_errors.InvalidChecksum:
        return "checksum"
    except stdnum_errors.InvalidComponent:
        return "component"
    except KeyError:
        # python-stdnum 2.2 bug: a known province with an unknown county (e.g. 110001) makes get_birth_place
        # raise KeyError('county') instead of InvalidComponent. It is a refusal of the county all the same.
        return "component"
    return "valid"


def our_verdict(number: str) -> str:
    try:
        validate_resident_id(number, today=FAR_FUTURE)
    except IdentityError as error:
        return error.code
    return "valid"


@prop
@given(st.one_of(eighteen_chars, structured_numbers))
def test_agrees_with_stdnum(number):
    ours, theirs = our_verdict(number), stdnum_verdict(number)
    assert (ours == "id.format") == (theirs == "format")
    assert (ours == "id.checksum") == (theirs == "checksum")
    if theirs == "valid":
        assert ours == "valid"
    if ours == "id.birth_date":
        assert theirs == "component"
    if ours == "valid" and theirs != "valid":
        # Only the county table differs: the date is real for both.
        assert theirs == "component"
        assert ric.get_birth_date(number) == validate_resident_id(number, today=FAR_FUTURE).birth_date
    if ours == "valid":
        assert ric.get_birth_date(number) == validate_resident_id(number, today=FAR_FUTURE).birth_date


@prop
@given(
    region=st.builds(lambda province, county: province + county, st.sampled_from(sorted(PROVINCE_CODES)),
                     st.from_regex(r"[0-9]{4}", fullmatch=True)),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(0, 999),
)
def test_generated_valid_ids_agree_with_stdnum(region, birth, sequence):
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    number = body + resident_id_check_char(body)
    assert number[-1] == ric.calc_check_digit(number)
    document = validate_resident_id(number, today=TODAY)
    assert document.birth_date == birth == ric.get_birth_date(number)
    assert document.sex == ("M" if sequence % 2 else "F")
    # stdnum accepts it unless its county table does not know the county (the difference documented above).
    assert stdnum_verdict(number) in {"valid", "component"}
    # One wrong character anywhere is caught by both.
    for position in range(18):
        replacement = "1" if number[position] != "1" else "2"
        typo = number[:position] + replacement + number[position + 1:]
        assert our_verdict(typo) == "id.checksum"
        assert stdnum_verdict(typo) == "checksum"


@prop
@given(st.sampled_from(REAL_COUNTIES), st.dates(min_value=date(2001, 1, 1), max_value=TODAY),
       st.integers(0, 999))
def test_real_counties_are_valid_for_both(region, birth, sequence):
    number = make_id(region, birth, sequence)
    assert our_verdict(number) == "valid"
    assert stdnum_verdict(number) == "valid"


# --- passports ------------------------------------------------------------------------------------------

def test_passport():
    document = validate_passport(" e1234 5678 ", nationality="gb")
    assert document == IdentityDocument(IdType.PASSPORT, "E12345678", nationality="GB")


@pytest.mark.parametrize("number", ["A1234", "A" * 20, "１２３４５"])
def test_passport_length_boundaries_accepted(number):
    assert validate_passport(number, nationality="KZ").number == normalise_id_number(number)


@pytest.mark.parametrize("number", ["A123", "A" * 21, "AB-12345", "AB_12345", "护照12345", ""])
def test_passport_format(number):
    assert refusal(validate_passport, number, nationality="KZ").code == "id.format"


@pytest.mark.parametrize("nationality", [None, "", "  "])
def test_passport_needs_a_nationality(nationality):
    assert refusal(validate_passport, "E12345678", nationality=nationality).code == "id.nationality_missing"


@pytest.mark.parametrize("nationality", ["XK", "EU", "UN", "ZZ", "GBR", "G", "中国", "1A"])
def test_nationality_must_be_an_iso_code(nationality):
    error = refusal(validate_passport, "E12345678", nationality=nationality)
    assert error.code == "id.nationality"


def test_nationality_is_normalised():
    assert validate_nationality(" ｋｚ ") == "KZ"
    assert len(ISO_3166_ALPHA2) == 249
    assert {"CN", "HK", "MO", "TW", "RU", "KZ", "PK", "TH", "SS", "BQ", "CW", "SX", "AQ"} <= ISO_3166_ALPHA2


# --- permits --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "normalised"), [
    ("H12345678", "H12345678"), ("m12345678", "M12345678"), ("H1234567801", "H1234567801"),
    ("Ｈ１２３４５６７８", "H12345678"),
])
def test_hk_macau_permit(typed, normalised):
    assert validate_hk_macau_permit(typed) == IdentityDocument(IdType.HK_MACAU_PERMIT, normalised)


@pytest.mark.parametrize("number", ["A12345678", "H1234567", "H123456789", "H12345678901", "12345678",
                                    "HM1234567"])
def test_hk_macau_permit_format(number):
    assert refusal(validate_hk_macau_permit, number).code == "id.format"


@pytest.mark.parametrize("number", ["12345678", "1234567890", "1234 5678"])
def test_taiwan_permit(number):
    assert validate_taiwan_permit(number).number == number.replace(" ", "")


@pytest.mark.parametrize("number", ["1234567", "123456789", "12345678901", "T1234567", "A123456789"])
def test_taiwan_permit_format(number):
    assert refusal(validate_taiwan_permit, number).code == "id.format"


# --- the dispatcher -------------------------------------------------------------------------------------

def test_dispatcher_covers_every_type():
    assert validate_identity("resident_id", "110101202311012176", today=TODAY).birth_date == date(2023, 11, 1)
    assert validate_identity("passport", "E12345678", nationality="th", today=TODAY).nationality == "TH"
    assert validate_identity("hk_macau_permit", "h12345678", today=TODAY).number == "H12345678"
    assert validate_identity("taiwan_permit", "12345678", today=TODAY).id_type is IdType.TAIWAN_PERMIT
    assert validate_identity(IdType.RESIDENT_ID, "360426199101010071", today=TODAY).sex == "M"
    assert {kind.value for kind in IdType} == {"resident_id", "passport", "hk_macau_permit", "taiwan_permit"}


@pytest.mark.parametrize("id_type", ["id_card", "", "PASSPORT", None])
def test_dispatcher_refuses_unknown_types(id_type):
    assert refusal(validate_identity, id_type, "E12345678", today=TODAY).code == "id.type"


def test_dispatcher_keeps_a_nationality_given_with_other_types():
    number = "110101202311012176"
    assert validate_identity("resident_id", number, nationality="cn", today=TODAY).nationality == "CN"
    assert validate_identity("resident_id", number, nationality=" ", today=TODAY).nationality is None
    assert refusal(validate_identity, "taiwan_permit", "12345678", nationality="XX",
                   today=TODAY).code == "id.nationality"


def test_dispatcher_passes_today_through_and_requires_it():
    number = make_id("500107", date(2030, 1, 1), 123)
    assert refusal(validate_identity, "resident_id", number, today=TODAY).code == "id.future"
    with pytest.raises(TypeError):
        validate_identity("resident_id", number)  # type: ignore[call-arg]


def test_documents_are_frozen():
    document = validate_identity("resident_id", "110101202311012176", today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.number = "x"  # type: ignore[misc]


# --- names in Latin letters -----------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "normalised"), [
    ("John Smith", "John Smith"),
    ("  José   Müller-O'Brien ", "José Müller-O'Brien"),
    ("Nguyễn Văn An", "Nguyễn Văn An"),
    ("Øystein Åsen", "Øystein Åsen"),
    ("Jean-Luc D. Picard", "Jean-Luc D. Picard"),
    ("D\u2019Angelo", "D'Angelo"),  # typographic apostrophe
    ("Jose\u0301", "José"),  # decomposed accent is composed
    ("ＪＯＨＮ", "JOHN"),  # full-width Latin
    ("Straße", "Straße"),
    ("Al", "Al"),
])
def test_latin_names(typed, normalised):
    assert validate_latin_name(typed) == normalised


@pytest.mark.parametrize("name", ["", "   ", "J", "J.", "-'.", "张三", "Иван Петров", "Γιώργος", "John3",
                                  "John_Smith", "John, Smith", "Ali (Jr)"])
def test_names_that_are_not_latin(name):
    assert refusal(validate_latin_name, name).code == "id.name"


def test_name_must_be_a_string():
    with pytest.raises(TypeError):
        validate_latin_name(None)  # type: ignore[arg-type]


# --- what the form says vs what the number says ---------------------------------------------------------

def test_mismatches():
    document = validate_resident_id("110101202311012176", today=TODAY)  # 2023-11-01, male
    assert identity_mismatches(document, birth_date=date(2023, 11, 1), sex="M") == []
    assert identity_mismatches(document, birth_date=date(2023, 1, 11), sex="M") == ["id.mismatch.birth_date"]
    assert identity_mismatches(document, birth_date=date(2023, 11, 1), sex="F") == ["id.mismatch.sex"]
    assert identity_mismatches(document, birth_date=date(2023, 1, 11), sex="F") == [
        "id.mismatch.birth_date", "id.mismatch.sex"]


def test_mismatches_compare_only_what_both_sides_have():
    resident = validate_resident_id("110101202311012176", today=TODAY)
    assert identity_mismatches(resident) == []
    assert identity_mismatches(resident, sex="F") == ["id.mismatch.sex"]
    passport = validate_passport("E12345678", nationality="GB")
    assert identity_mismatches(passport, birth_date=date(1990, 1, 1), sex="F") == []
    with pytest.raises(ValueError, match="sex"):
        identity_mismatches(resident, sex="male")  # type: ignore[arg-type]


# --- age rules: settings --------------------------------------------------------------------------------

def test_age_rule_defaults_are_the_domain_defaults():
    worldskills = AgeRule(AgeRuleKind.WORLDSKILLS)
    assert (worldskills.max_age, worldskills.extended_max_age) == (22, 25)
    assert worldskills.extended_age_skills == frozenset()
    chinese = AgeRule("chinese")
    assert chinese.kind is AgeRuleKind.CHINESE
    assert (chinese.min_age, chinese.retirement_age_male, chinese.retirement_age_female,
            chinese.retirement_age_female_cadre) == (16, 60, 50, 55)


@pytest.mark.parametrize(("kwargs", "setting"), [
    ({"kind": "olympic"}, "kind"),
    ({"kind": "worldskills", "max_age": -1}, "max_age"),
    ({"kind": "worldskills", "max_age": 25, "extended_max_age": 24}, "extended_max_age"),
    ({"kind": "chinese", "min_age": 60}, "retirement_age_male"),
    ({"kind": "chinese", "retirement_age_female": 16}, "retirement_age_female"),
    ({"kind": "chinese", "retirement_age_female_cadre": 10}, "retirement_age_female_cadre"),
])
def test_impossible_age_rules(kwargs, setting):
    with pytest.raises(AgeRuleError) as caught:
        AgeRule(**kwargs)
    assert (caught.value.code, caught.value.params["setting"]) == ("age.rule_invalid", setting)
    assert isinstance(caught.value, IdentityError)
    assert caught.value.message % caught.value.params


def test_age_rule_types():
    with pytest.raises(TypeError):
        AgeRule("worldskills", max_age=True)
    with pytest.raises(TypeError):
        AgeRule("worldskills", max_age=22.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AgeRule("worldskills", extended_age_skills="Mechatronics")  # type: ignore[arg-type]


# --- age rules: WorldSkills, by calendar year -----------------------------------------------------------

WORLDSKILLS = AgeRule("worldskills", extended_age_skills=frozenset({
    "Mechatronics", "Information Network Cabling", "Aircraft Maintenance", "Manufacturing Team Challenge"}))


@pytest.mark.parametrize(("birth_date", "eligible"), [
    (date(2004, 1, 1), True),     # born in year - 22: eligible all year
    (date(2004, 12, 31), True),
    (date(2003, 12, 31), False),  # year - 23: not, even by one day
    (date(2010, 6, 1), True),     # no lower limit in this rule
])
def test_worldskills_limit_is_by_calendar_year(birth_date, eligible):
    problem = check_age(WORLDSKILLS, birth_date, "F", 2026)
    assert (problem is None) == eligible


def test_worldskills_problem_explains_the_numbers():
    problem = check_age(WORLDSKILLS, date(2003, 12, 31), None, date(2026, 9, 10))
    assert problem == AgeProblem("age.too_old", problem.message, {
        "birth_year": 2003, "competition_year": 2026, "max_age": 22, "earliest_birth_year": 2004})
    assert "2004" in str(problem)


@pytest.mark.parametrize(("skill", "birth_year", "eligible"), [
    ("Mechatronics", 2001, True),   # year - 25
    ("Mechatronics", 2000, False),  # year - 26
    ("  mechatronics ", 2001, True),  # trimmed, case-insensitive
    ("aircraft   maintenance", 2001, True),
    ("Welding", 2001, False),       # not extended: 22
    (None, 2001, False),
])
def test_worldskills_extended_limit(skill, birth_year, eligible):
    problem = check_age(WORLDSKILLS, date(birth_year, 7, 1), "M", 2026, skill=skill)
    assert (problem is None) == eligible
    if not eligible:
        assert problem.params["max_age"] == (25 if skill and "echatronics" in skill else 22)


def test_worldskills_limit_is_a_setting():
    rule = AgeRule("worldskills", max_age=21)
    assert check_age(rule, date(2004, 1, 1), "M", 2026) is not None
    assert check_age(rule, date(2005, 1, 1), "M", 2026) is None


def test_worldskills_needs_a_year_or_a_date():
    with pytest.raises(TypeError):
        check_age(WORLDSKILLS, date(2004, 1, 1), "M", "2026")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check_age(WORLDSKILLS, date(2004, 1, 1), "M", True)


@prop
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2030, 12, 31)), st.integers(2000, 2040),
       st.booleans())
def test_worldskills_eligibility_property(birth_date, year, extended):
    skill = "Mechatronics" if extended else "Welding"
    limit = 25 if extended else 22
    eligible = check_age(WORLDSKILLS, birth_date, "M", year, skill=skill) is None
    assert eligible == (birth_date.year >= year - limit)


# --- age rules: Chinese events, on the start date -------------------------------------------------------

CHINESE = AgeRule("chinese")
START = date(2026, 9, 15)


def test_minimum_age_on_the_birthday_and_the_day_before():
    assert check_age(CHINESE, date(2010, 9, 15), "M", START) is None  # 16 on the start date
    problem = check_age(CHINESE, date(2010, 9, 16), "M", START)  # 16 the day after
    assert problem.code == "age.too_young"
    assert problem.params == {"age": 15, "min_age": 16, "eligible_from": "2026-09-16"}
    assert problem.message % problem.params


@pytest.mark.parametrize(("sex", "female_cadre", "retirement_age"), [
    ("M", False, 60), ("M", True, 60), ("F", False, 50), ("F", True, 55),
])
def test_retirement_age_boundary(sex, female_cadre, retirement_age):
    last_eligible = date(START.year - retirement_age, 9, 16)  # one day short of the retirement age
    retired = date(START.year - retirement_age, 9, 15)        # reaches it on the start date
    assert check_age(CHINESE, last_eligible, sex, START, female_cadre=female_cadre) is None
    problem = check_age(CHINESE, retired, sex, START, female_cadre=female_cadre)
    assert problem.code == "age.retired"
    assert problem.params == {"age": retirement_age, "retirement_age": retirement_age}


def test_retirement_ages_are_settings():
    later = AgeRule("chinese", retirement_age_male=63, retirement_age_female=55,
                    retirement_age_female_cadre=58)
    assert check_age(later, date(1966, 9, 15), "M", START) is None
    assert check_age(later, date(1976, 9, 15), "F", START) is None
    assert check_age(later, date(1968, 9, 15), "F", START, female_cadre=True).code == "age.retired"


def test_minimum_age_for_a_leap_day_birthday():
    rule = AgeRule("chinese", min_age=17)
    born = date(2008, 2, 29)
    problem = check_age(rule, born, "F", date(2025, 2, 28))
    assert problem.params == {"age": 16, "min_age": 17, "eligible_from": "2025-03-01"}
    assert check_age(rule, born, "F", date(2025, 3, 1)) is None


def test_chinese_rule_needs_a_date_and_a_sex():
    with pytest.raises(TypeError, match="start date"):
        check_age(CHINESE, date(2000, 1, 1), "M", 2026)
    with pytest.raises(ValueError, match="sex"):
        check_age(CHINESE, date(2000, 1, 1), None, START)
    with pytest.raises(TypeError):
        check_age(CHINESE, "2000-01-01", "M", START)  # type: ignore[arg-type]


def test_anniversary_and_age_on():
    assert anniversary(date(2004, 2, 29), 1) == date(2005, 3, 1)
    assert anniversary(date(2004, 2, 29), 4) == date(2008, 2, 29)
    assert age_on(date(2004, 2, 29), date(2005, 2, 28)) == 0
    assert age_on(date(2004, 2, 29), date(2005, 3, 1)) == 1
    assert age_on(date(2000, 5, 1), date(2000, 4, 30)) == -1


@prop
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
       st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_age_on_counts_completed_years(birth_date, on_date):
    assume(birth_date <= on_date)
    age = age_on(birth_date, on_date)
    assert anniversary(birth_date, age) <= on_date
    if birth_date.year + age + 1 <= date.max.year:
        assert on_date < anniversary(birth_date, age + 1)


@prop
@given(st.dates(min_value=date(1940, 1, 1), max_value=date(2020, 12, 31)), st.sampled_from(["M", "F"]),
       st.booleans())
def test_chinese_eligibility_property(birth_date, sex, female_cadre):
    age = age_on(birth_date, START)
    retirement_age = 60 if sex == "M" else (55 if female_cadre else 50)
    problem = check_age(CHINESE, birth_date, sex, START, female_cadre=female_cadre)
    assert (problem is None) == (16 <= age < retirement_age)


# --- the fast paths an import uses: same answers as the plain functions ----------------------------------

@prop
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_equals_the_weighted_sum(body):
    weighted = sum(int(digit) * weight for digit, weight in zip(body, (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10,
                                                                          5, 8, 4, 2), strict=True))
    assert resident_id_check_char(body) == "10X98765432"[weighted % 11]


@prop
@given(st.sampled_from(["500107", "110101", "810000", "360426"]), st.dates(min_value=date(1900, 1, 1),
                                                                         max_value=TODAY), st.integers(0, 999))
def test_resident_id_facts_are_the_document(region, birth, sequence):
    number = make_id(region, birth, sequence)
    document = validate_resident_id(number.lower(), today=TODAY)
    assert resident_id_facts(number.lower(), today=TODAY) == (document.number, document.birth_date, document.sex)
    assert document.sex == ("M" if sequence % 2 else "F")


def test_resident_id_facts_refuse_like_the_validator():
    wrong = with_wrong_check_char(make_id("500107", date(1998, 5, 17), 123))
    with pytest.raises(IdentityError) as error:
        resident_id_facts(wrong, today=TODAY)
    assert error.value.code == "id.checksum"


def _window_agrees(rule, birth_date, sex, on, skill=None, female_cadre=False):
    window = eligible_birth_dates(rule, on, sex, skill=skill, female_cadre=female_cadre)
    eligible = check_age(rule, birth_date, sex, on, skill=skill, female_cadre=female_cadre) is None
    assert window is not None
    assert (window[0] <= birth_date <= window[1]) == eligible


@prop
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)), st.sampled_from(["M", "F"]),
       st.booleans(), st.integers(0, 30), st.integers(31, 70), st.integers(31, 70))
def test_chinese_window_is_exactly_check_age(birth_date, on, sex, female_cadre, min_age, male, female):
    rule = AgeRule(kind=AgeRuleKind.CHINESE, min_age=min_age, retirement_age_male=male,
                   retirement_age_female=female, retirement_age_female_cadre=max(female, male))
    _window_agrees(rule, birth_date, sex, on, female_cadre=female_cadre)


@pytest.mark.parametrize("on", [date(2028, 2, 29), date(2027, 2, 28), date(2027, 3, 1), date(2028, 3, 1)])
@pytest.mark.parametrize("birth_date", [date(2012, 2, 28), date(2012, 2, 29), date(2012, 3, 1), date(2011, 2, 28),
                                        date(2011, 3, 1), date(1968, 2, 29), date(1968, 3, 1), date(1978, 2, 28)])
def test_chinese_window_on_leap_days(on, birth_date):
    for sex in ("M", "F"):
        _window_agrees(AgeRule(kind=AgeRuleKind.CHINESE), birth_date, sex, on)


@prop
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2030, 12, 31)), st.integers(2000, 2040),
       st.sampled_from(["M", "F", None]), st.sampled_from([None, "Mechatronics", "Welding"]))
def test_worldskills_window_is_exactly_check_age(birth_date, year, sex, skill):
    rule = AgeRule(kind=AgeRuleKind.WORLDSKILLS, extended_age_skills=frozenset({"Mechatronics"}))
    _window_agrees(rule, birth_date, sex, year, skill=skill)
    _window_agrees(rule, birth_date, sex, date(year, 6, 1), skill=skill)


def test_window_outside_the_calendar_is_none_and_bad_arguments_raise():
    assert eligible_birth_dates(AgeRule(kind=AgeRuleKind.CHINESE), date(10, 1, 1), "M") is None
    with pytest.raises(ValueError):
        eligible_birth_dates(AgeRule(kind=AgeRuleKind.CHINESE), date(2026, 1, 1), None)
    with pytest.raises(TypeError):
        eligible_birth_dates(AgeRule(kind=AgeRuleKind.CHINESE), 2026, "M")


@pytest.mark.parametrize("birth_date, sex, typed_birth, typed_sex, expected", [
    (date(1998, 5, 17), "M", None, None, []),
    (date(1998, 5, 17), "M", date(1998, 5, 18), "F", ["id.mismatch.birth_date", "id.mismatch.sex"]),
    (None, None, date(1998, 5, 18), "F", []),
])
def test_encoded_mismatches(birth_date, sex, typed_birth, typed_sex, expected):
    assert encoded_mismatches(birth_date, sex, birth_date=typed_birth, sex=typed_sex) == expected


# --- resident_id_facts_many: the import's column-wise check agrees with resident_id_facts ---------------------

def facts_or_none(number, today):
    try:
        return resident_id_facts(number, today=today)
    except IdentityError:
        return None


@prop
@given(st.lists(st.one_of(structured_numbers, eighteen_chars, st.text(max_size=20), st.integers(), st.none(),
                          structured_numbers.map(lambda n: n.translate(FULL_WIDTH)),
                          structured_numbers.map(lambda n: f" {n}")), max_size=30),
       st.sampled_from([TODAY, FAR_FUTURE, date(1990, 1, 1)]))
def test_the_column_wise_check_agrees_with_one_at_a_time(numbers, today):
    found = resident_id_facts_many(numbers, today=today)
    assert len(found) == len(numbers)
    for number, facts in zip(numbers, found, strict=True):
        if facts is not None:   # never a person the one-at-a-time check would refuse, nor another reading
            assert facts == resident_id_facts(number, today=today)
        elif isinstance(number, str) and len(number) == 18 and number.isascii():
            assert facts_or_none(number, today) is None   # plain numbers: only refusals are left to it


def test_the_column_wise_check_leaves_unusual_forms_to_the_one_at_a_time_check():
    number = make_id("500107", date(1998, 5, 17), 123)
    assert resident_id_facts_many([number, number.translate(FULL_WIDTH), f" {number}", 5, None], today=TODAY) == \
        [(number, date(1998, 5, 17), "M"), None, None, None, None]
    with pytest.raises(TypeError):
        resident_id_facts_many([number], today="2026-03-15")
