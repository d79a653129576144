"""Certificate numbers (DOMAIN §9) and verification codes."""
import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluation.rules.certificate_number import (
    APPOINTED_GRADE_LETTERS,
    CERTIFICATE_NUMBER_LENGTH,
    CHONGQING_PROVINCE_CODE,
    PROVINCIAL_BODY_CODE,
    VERIFICATION_ALPHABET,
    BodyKind,
    CertificateNumber,
    CertificateNumberError,
    format_appointed_certificate_number,
    format_certificate_number,
    make_verification_code,
    normalise_certificate_number,
    parse_certificate_number,
    verification_code_matches,
)
from evaluation.rules.ladder import EvaluationRuleError, Grade

EXAMPLE = "S000050123456263000017"
SECRET = b"saiping-test-secret-0123456789"


def test_domain_example_shape():
    number = format_certificate_number("S", PROVINCIAL_BODY_CODE, CHONGQING_PROVINCE_CODE, "123456",
                                       26, 3, 17)
    assert number == "S0000 50 123456 26 3 000017".replace(" ", "") == EXAMPLE
    assert len(number) == CERTIFICATE_NUMBER_LENGTH == 22


def test_parse_the_domain_example():
    parsed = parse_certificate_number(EXAMPLE)
    assert parsed == CertificateNumber(BodyKind.SOCIAL_ORGANISATION, "0000", "50", "123456", 26,
                                       Grade.SENIOR, 17)
    assert (parsed.level_digit, parsed.appointed, str(parsed)) == (3, False, EXAMPLE)


@pytest.mark.parametrize(("level_digit", "grade"), [
    (5, Grade.JUNIOR), (4, Grade.INTERMEDIATE), (3, Grade.SENIOR), (2, Grade.TECHNICIAN),
    (1, Grade.SENIOR_TECHNICIAN)])
def test_every_level_digit(level_digit, grade):
    number = format_certificate_number(BodyKind.EMPLOYER, "1234", "50", "000001", 0, level_digit, 999_999)
    assert number == f"Y12345000000100{level_digit}999999"
    assert parse_certificate_number(number).grade is grade


def test_appointed_shape_is_two_letters_and_twenty_digits():
    special = format_appointed_certificate_number("Y", Grade.SPECIAL_TECHNICIAN, "0000", "50", "123456",
                                                  26, 17)
    chief = format_appointed_certificate_number("S", Grade.CHIEF_TECHNICIAN, "0042", "50", "654321", 7, 1)
    assert special == "YT00005012345626000017"
    assert chief == "SC00425065432107000001"
    for number in (special, chief):
        assert len(number) == 22 and number[:2].isalpha() and number[2:].isdigit()
    parsed = parse_certificate_number(chief)
    assert (parsed.grade, parsed.appointed, parsed.level_digit) == (Grade.CHIEF_TECHNICIAN, True, None)
    assert (parsed.body_code, parsed.site_code, parsed.year, parsed.serial) == ("0042", "654321", 7, 1)
    assert APPOINTED_GRADE_LETTERS == {Grade.SPECIAL_TECHNICIAN: "T", Grade.CHIEF_TECHNICIAN: "C"}


numbers = st.builds(
    CertificateNumber,
    st.sampled_from(BodyKind),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
    st.text(alphabet="0123456789", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.integers(0, 99),
    st.sampled_from([grade for grade in Grade if grade.examined or grade.appointed]),
    st.integers(1, 999_999),
)


@given(numbers)
def test_format_then_parse_round_trips(number):
    if number.appointed:
        text = format_appointed_certificate_number(number.body_kind, number.grade, number.body_code,
                                                   number.province, number.site_code, number.year,
                                                   number.serial)
    else:
        text = format_certificate_number(number.body_kind, number.body_code, number.province,
                                         number.site_code, number.year, number.level_digit, number.serial)
    assert len(text) == 22
    assert text == str(number)
    assert parse_certificate_number(text) == number
    assert str(parse_certificate_number(text)) == text


@given(st.text(max_size=30))
def test_parse_accepts_exactly_what_it_would_format(text):
    try:
        parsed = parse_certificate_number(text)
    except CertificateNumberError as error:
        assert error.code.startswith("certificate_number_")
    else:
        assert str(parsed) == text


GOOD = {"body_kind": "S", "body_code": "0000", "province": "50", "site_code": "123456", "year": 26,
        "level_digit": 3, "serial": 17}


@pytest.mark.parametrize(("change", "code"), [
    ({"body_kind": "X"}, "certificate_number_body_kind"),
    ({"body_kind": "s"}, "certificate_number_body_kind"),
    ({"body_code": "000"}, "certificate_number_body_code"),
    ({"body_code": "00000"}, "certificate_number_body_code"),
    ({"body_code": 0}, "certificate_number_body_code"),
    ({"body_code": "00a0"}, "certificate_number_body_code"),
    ({"body_code": "００００"}, "certificate_number_body_code"),  # full-width digits
    ({"province": "5"}, "certificate_number_province"),
    ({"province": 50}, "certificate_number_province"),
    ({"site_code": "12345"}, "certificate_number_site_code"),
    ({"site_code": "12345 "}, "certificate_number_site_code"),
    ({"year": 2026}, "certificate_number_year"),
    ({"year": -1}, "certificate_number_year"),
    ({"year": 100}, "certificate_number_year"),
    ({"year": "26"}, "certificate_number_year"),
    ({"year": True}, "certificate_number_year"),
    ({"level_digit": 0}, "certificate_number_level"),
    ({"level_digit": 6}, "certificate_number_level"),
    ({"level_digit": "3"}, "certificate_number_level"),
    ({"serial": 0}, "certificate_number_serial"),
    ({"serial": 1_000_000}, "certificate_number_serial"),
    ({"serial": -3}, "certificate_number_serial"),
    ({"serial": 17.0}, "certificate_number_serial"),
])
def test_format_refuses_bad_parts(change, code):
    with pytest.raises(CertificateNumberError) as caught:
        format_certificate_number(**{**GOOD, **change})
    assert caught.value.code == code
    assert isinstance(caught.value, EvaluationRuleError) and isinstance(caught.value, ValueError)
    assert "value" in caught.value.params
    str(caught.value)


@pytest.mark.parametrize("grade", [Grade.APPRENTICE, Grade.JUNIOR, Grade.SENIOR_TECHNICIAN,
                                   "special_technician"])
def test_the_appointed_shape_is_for_appointed_grades_only(grade):
    with pytest.raises(CertificateNumberError) as caught:
        format_appointed_certificate_number("Y", grade, "0000", "50", "123456", 26, 1)
    assert caught.value.code == "certificate_number_grade"


def test_a_number_cannot_be_built_for_an_apprentice():
    with pytest.raises(CertificateNumberError) as caught:
        CertificateNumber("Y", "0000", "50", "123456", 26, Grade.APPRENTICE, 1)
    assert caught.value.code == "certificate_number_grade"


@pytest.mark.parametrize(("text", "code"), [
    ("", "certificate_number_length"),
    (EXAMPLE[:-1], "certificate_number_length"),
    (EXAMPLE + "7", "certificate_number_length"),
    ("S0000 50 123456 26 3 000017", "certificate_number_length"),
    (None, "certificate_number_length"),
    (22, "certificate_number_length"),
    ("s" + EXAMPLE[1:], "certificate_number_body_kind"),
    ("X" + EXAMPLE[1:], "certificate_number_body_kind"),
    ("SX00005012345626000017", "certificate_number_grade"),
    ("St00005012345626000017", "certificate_number_grade"),
    ("S00A050123456263000017", "certificate_number_body_code"),
    ("S0000５0123456263000017", "certificate_number_province"),
    ("S00005012 456263000017", "certificate_number_site_code"),
    ("S0000501234562-3000017", "certificate_number_year"),
    ("S000050123456260000017", "certificate_number_level"),
    ("S000050123456266000017", "certificate_number_level"),
    ("S000050123456269000017", "certificate_number_level"),
    ("S000050123456263000000", "certificate_number_serial"),
    ("S00005012345626300001x", "certificate_number_serial"),
    ("YT00005012345626000000", "certificate_number_serial"),
    ("YT0000501234562600001²", "certificate_number_serial"),
])
def test_parse_refuses_malformed_numbers(text, code):
    with pytest.raises(CertificateNumberError) as caught:
        parse_certificate_number(text)
    assert caught.value.code == code
    str(caught.value)


def test_normalise_typed_input():
    assert normalise_certificate_number(" s0000 50 123456\u300026-3-000017 ") == EXAMPLE
    assert normalise_certificate_number("yt0000-50-123456-26-000017") == "YT00005012345626000017"
    assert normalise_certificate_number("garbage") == "GARBAGE"  # normalising does not validate


# Verification codes.

def test_verification_code_known_answer():
    # Pinned: codes are printed on certificates, so the derivation must never change.
    assert make_verification_code(SECRET, EXAMPLE) == "3K6JQL8T"
    assert make_verification_code(SECRET, "YT00005012345626000001") == "NZU6RR7Y"
    assert make_verification_code(SECRET, EXAMPLE, 16) == "3K6JQL8T682SD78H"


@given(numbers)
def test_verification_code_is_hmac_sha256_in_base32_order(number):
    # An independent derivation: RFC 4648 base32 of the HMAC, symbol by symbol into our alphabet.
    mac = hmac.new(SECRET, b"saiping/certificate-verification/v1\x00" + str(number).encode(), hashlib.sha256)
    base32 = base64.b32encode(mac.digest()).decode()[:8]
    expected = "".join(VERIFICATION_ALPHABET["ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".index(c)] for c in base32)
    assert make_verification_code(SECRET, str(number)) == expected


@given(numbers, st.integers(6, 16))
def test_verification_codes_are_short_and_unambiguous(number, length):
    code = make_verification_code(SECRET, str(number), length)
    assert len(code) == length
    assert set(code) <= set(VERIFICATION_ALPHABET)
    assert not set(code) & set("0O1I")
    assert verification_code_matches(SECRET, str(number), code, length)


def test_the_alphabet_has_32_symbols_without_look_alikes():
    assert len(VERIFICATION_ALPHABET) == len(set(VERIFICATION_ALPHABET)) == 32
    assert not set(VERIFICATION_ALPHABET) & set("0O1I")


def test_the_code_depends_on_the_secret_and_the_number():
    code = make_verification_code(SECRET, EXAMPLE)
    assert make_verification_code(SECRET + b"!", EXAMPLE) != code
    assert make_verification_code(SECRET, EXAMPLE[:-1] + "8") != code
    assert make_verification_code(SECRET.decode(), EXAMPLE) == code  # a text secret is its UTF-8 bytes


def test_check_accepts_the_code_as_typed():
    code = make_verification_code(SECRET, EXAMPLE)
    assert verification_code_matches(SECRET, EXAMPLE, code)
    assert verification_code_matches(SECRET, EXAMPLE, f" {code[:4].lower()}-{code[4:]} ")


@pytest.mark.parametrize("typed", ["", "3K6JQL8", "3K6JQL8TX", "3K6JQL8U", "ＡＢＣＤＥＦＧＨ", "3K6JQL8T\x00",
                                   None, 42])
def test_check_refuses_wrong_codes_without_raising(typed):
    assert verification_code_matches(SECRET, EXAMPLE, typed) is False


def test_check_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert verification_code_matches(SECRET, EXAMPLE, "3K6JQL8T")
    assert calls == [(b"3K6JQL8T", b"3K6JQL8T")]


@pytest.mark.parametrize(("call", "code"), [
    (lambda: make_verification_code(b"short", EXAMPLE), "verification_secret_too_short"),
    (lambda: make_verification_code(b"", EXAMPLE), "verification_secret_too_short"),
    (lambda: make_verification_code(None, EXAMPLE), "verification_secret_too_short"),
    (lambda: make_verification_code(SECRET, EXAMPLE, 5), "verification_code_length"),
    (lambda: make_verification_code(SECRET, EXAMPLE, 17), "verification_code_length"),
    (lambda: make_verification_code(SECRET, "S0000 50 123456 26 3 000017"), "certificate_number_length"),
    (lambda: verification_code_matches(SECRET, "S000050123456263000000", "ABCDEFGH"),
     "certificate_number_serial"),
    (lambda: verification_code_matches(b"short", EXAMPLE, "ABCDEFGH"), "verification_secret_too_short"),
])
def test_verification_refuses_bad_inputs(call, code):
    with pytest.raises(EvaluationRuleError) as caught:
        call()
    assert caught.value.code == code
