"""The identifier validators: MBI, NPI, ICD-10-CM and HCPCS/CPT codes.

Table tests pin the documented examples; property tests check the rules hold for every
well-formed (or malformed) value hypothesis can think of.
"""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from intake import validators
from tests.factories import MBI_LETTERS, make_mbi, make_npi

LETTERS_MESSAGE = "MBI letters can't be S, L, O, I, B or Z"
EXCLUDED = "SLOIBZ"
DIGITS = "0123456789"


def error_of(validate, value) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate(value)
    return caught.value


# --- MBI -------------------------------------------------------------------------------

# The MBI format, position by position (CMS, "Understanding the MBI Format").
MBI_POSITIONS = [
    "123456789",
    MBI_LETTERS,
    DIGITS + MBI_LETTERS,
    DIGITS,
    MBI_LETTERS,
    DIGITS + MBI_LETTERS,
    DIGITS,
    MBI_LETTERS,
    MBI_LETTERS,
    DIGITS,
    DIGITS,
]

well_formed_mbis = st.tuples(*(st.sampled_from(chars) for chars in MBI_POSITIONS)).map("".join)


@st.composite
def as_typed(draw, mbi: str | None = None) -> tuple[str, str]:
    """(canonical MBI, the way someone might type it: lower case, dashes, spaces)."""
    canonical = mbi if mbi is not None else draw(well_formed_mbis)
    typed = "".join(draw(st.sampled_from([ch, ch.lower()])) for ch in canonical)
    # The card prints it as 1EG4-TE5-MK73; people also type spaces.
    separator = draw(st.sampled_from(["", "-", " "]))
    typed = f"{typed[:4]}{separator}{typed[4:7]}{separator}{typed[7:]}"
    return canonical, draw(st.sampled_from([typed, f" {typed} "]))


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("1EG4TE5MK73", "1EG4TE5MK73"),  # the CMS example
        ("1EG4-TE5-MK73", "1EG4TE5MK73"),
        ("1eg4-te5-mk73", "1EG4TE5MK73"),
        (" 1EG4 TE5 MK73 ", "1EG4TE5MK73"),
        ("9AA0A00AA00", "9AA0A00AA00"),
    ],
)
def test_typed_mbi_is_stored_in_canonical_form_and_accepted(typed, stored):
    assert validators.normalize_mbi(typed) == stored
    validators.validate_mbi(typed)


@pytest.mark.parametrize(
    "mbi, message",
    [
        ("1EG4TE5MK7", "has 11 characters; this one has 10"),
        ("1EG4TE5MK733", "has 11 characters; this one has 12"),
        ("", "has 11 characters; this one has 0"),
        ("1SG4TE5MK73", LETTERS_MESSAGE + " (found S)"),
        ("1EG4TE5MK7O", LETTERS_MESSAGE + " (found O)"),
        ("1BG4TE5ML73", LETTERS_MESSAGE + " (found B, L)"),
        ("0EG4TE5MK73", "Character 1 of the MBI must be a digit 1-9."),
        ("11G4TE5MK73", "Character 2 of the MBI must be a letter."),
        ("1EGATE5MK73", "Character 4 of the MBI must be a digit."),
        ("1EG4TE5M173", "Character 9 of the MBI must be a letter."),
        ("1EG4TE5MK7#", "Character 11 of the MBI must be a digit."),
    ],
)
def test_malformed_mbi_is_rejected_with_a_pinpointed_message(mbi, message):
    assert message in error_of(validators.validate_mbi, mbi).messages[0]


@given(as_typed())
@example(("1EG4TE5MK73", "1eg4-te5-mk73"))
def test_every_well_formed_mbi_passes_however_it_is_typed(pair):
    canonical, typed = pair
    validators.validate_mbi(canonical)
    validators.validate_mbi(typed)
    assert validators.normalize_mbi(typed) == canonical


@given(st.text(alphabet=DIGITS + MBI_LETTERS + EXCLUDED.lower() + "- ", max_size=20))
def test_normalising_an_mbi_twice_changes_nothing(text):
    once = validators.normalize_mbi(text)
    assert validators.normalize_mbi(once) == once


@given(well_formed_mbis, st.integers(0, 10), st.sampled_from(EXCLUDED + EXCLUDED.lower()))
def test_any_mbi_containing_s_l_o_i_b_or_z_fails_with_the_letters_message(mbi, position, bad):
    mbi = mbi[:position] + bad + mbi[position + 1 :]
    error = error_of(validators.validate_mbi, mbi)
    assert error.code == "mbi_letter"
    assert LETTERS_MESSAGE in error.messages[0]
    assert f"found {bad.upper()}" in error.messages[0]


@given(
    st.text(alphabet=DIGITS + MBI_LETTERS, max_size=30).filter(lambda s: len(s) != 11),
)
def test_an_mbi_of_the_wrong_length_fails_with_the_length_message(mbi):
    error = error_of(validators.validate_mbi, mbi)
    assert error.code == "mbi_length"
    assert f"this one has {len(mbi)}" in error.messages[0]


def test_factory_mbis_are_valid_and_distinct():
    mbis = [make_mbi(n * 1_000_003) for n in range(1, 200)]
    for mbi in mbis:
        validators.validate_mbi(mbi)
    assert len(set(mbis)) == len(mbis)


# --- NPI -------------------------------------------------------------------------------


@pytest.mark.parametrize("npi", ["1234567893", "1234-567-893", " 1234567893 "])
def test_documented_npi_example_is_valid(npi):
    validators.validate_npi(npi)


@pytest.mark.parametrize(
    "npi, message",
    [
        ("1234567890", "This NPI fails its check digit; look for a mistyped digit."),
        ("1234567839", "This NPI fails its check digit; look for a mistyped digit."),
        ("123456789", "An NPI is exactly 10 digits."),
        ("12345678931", "An NPI is exactly 10 digits."),
        ("12345X7893", "An NPI is exactly 10 digits."),
        ("", "An NPI is exactly 10 digits."),
        ("3234567893", "An NPI starts with 1 or 2."),
    ],
)
def test_bad_npi_is_rejected_with_a_clear_message(npi, message):
    assert error_of(validators.validate_npi, npi).messages == [message]


def test_check_digit_of_the_documented_example():
    # CMS "Requirements for NPI check digit": 123456789 -> 3, via the 80840 prefix.
    assert validators.npi_check_digit("123456789") == 3


npi_bodies = st.text(alphabet=DIGITS, min_size=8, max_size=8).flatmap(
    lambda rest: st.sampled_from(["1" + rest, "2" + rest])
)


@given(npi_bodies)
def test_an_npi_with_the_correct_check_digit_passes(first_nine):
    validators.validate_npi(make_npi(first_nine))


@given(npi_bodies, st.integers(0, 9), st.integers(1, 9))
@example("123456789", 9, 7)  # 1234567893 -> 1234567890
def test_changing_any_single_digit_of_a_valid_npi_makes_it_fail(first_nine, position, shift):
    npi = make_npi(first_nine)
    changed = npi[:position] + str((int(npi[position]) + shift) % 10) + npi[position + 1 :]
    assert changed != npi
    with pytest.raises(ValidationError):
        validators.validate_npi(changed)


# --- ICD-10-CM -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("F33.2", "F33.2"),
        ("f332", "F33.2"),
        (" f33.2 ", "F33.2"),
        ("F43.12", "F43.12"),
        ("g90521", "G90.521"),
        ("F33", "F33"),
    ],
)
def test_icd10_code_is_normalised_with_a_dot_after_the_category(typed, stored):
    assert validators.normalize_icd10(typed) == stored


@pytest.mark.parametrize("code", ["F33.2", "f332", "F32.A", "F43.12", "G90.521", "G89.4"])
def test_billable_icd10_code_passes(code):
    validators.validate_icd10_billable(code)


def test_icd10_category_fails_as_not_billable_and_suggests_a_specific_code():
    error = error_of(validators.validate_icd10_billable, "F33")
    assert error.code == "icd_not_billable"
    assert error.messages == [
        "F33 is a category, not a billable code; choose a more specific code (e.g. F33.0)."
    ]


@pytest.mark.parametrize(
    "code, expected_code",
    [
        ("XYZ", "icd_format"),
        ("", "icd_format"),
        ("33.2", "icd_format"),
        ("F33.21234", "icd_format"),
        ("F33.9999", "icd_unknown"),
        ("U99.9", "icd_unknown"),
    ],
)
def test_malformed_or_unknown_icd10_code_fails(code, expected_code):
    assert error_of(validators.validate_icd10_billable, code).code == expected_code


def test_unknown_icd10_code_message_names_the_code():
    message = error_of(validators.validate_icd10_billable, "f33.9999").messages[0]
    assert message == "F33.9999 is not in the ICD-10-CM code set."


def test_icd10_description_comes_from_the_code_set():
    assert "Major depressive disorder, recurrent severe" in validators.icd10_description("f332")
    assert validators.icd10_description("XYZ") == ""


# --- HCPCS / CPT -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["G2082", "G2083", "J3490", "96365", "0001F", "g2083 "])
def test_hcpcs_and_cpt_codes_pass(code):
    validators.validate_procedure_code(code)


@pytest.mark.parametrize("code", ["", "G208", "G20833", "W1234", "9636", "96365X", "J-3490"])
def test_malformed_procedure_code_fails_with_an_example_of_each_kind(code):
    message = error_of(validators.validate_procedure_code, code).messages[0]
    assert "is not a HCPCS or CPT code" in message
    assert "G2082" in message and "96365" in message
