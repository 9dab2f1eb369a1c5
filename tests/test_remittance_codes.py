import re

import pytest
from django.core.exceptions import ValidationError

from appeals import remittance_codes as codes
from appeals.remittance_codes import (
    Adjustment,
    appeal_argument_hint,
    carc,
    code_list_about,
    group_code,
    parse_adjustment,
    rarc,
    validate_carc,
    validate_group_code,
    validate_rarc,
)

# Written as strings to split so the lists read like the brief they come from.
REQUIRED_CARCS = (  # noqa: SIM905
    "1 2 3 4 5 6 11 15 16 18 22 23 27 29 31 45 50 55 56 96 97 109 119 146 150 151 167 170 "
    "181 182 185 197 198 204 226 236 242 252 272 B7 B15"
).split()
REQUIRED_RARCS = (  # noqa: SIM905
    "N115 M127 N431 M15 M51 M76 MA130 N20 N30 N290 N362 N386 N657 N10 N522 MA04 M80 N56 N179"
).split()


def all_entries():
    data = codes._codes()
    return [*data.groups.values(), *data.carcs.values(), *data.rarcs.values()]


def test_the_file_header_names_source_and_date():
    about = code_list_about()
    assert "x12.org" in about["source"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", about["as_of"])


@pytest.mark.parametrize("code", REQUIRED_CARCS)
def test_every_required_carc_is_bundled(code):
    assert carc(code) is not None


@pytest.mark.parametrize("code", REQUIRED_RARCS)
def test_every_required_rarc_is_bundled(code):
    assert rarc(code) is not None


def test_every_entry_has_a_description():
    entries = all_entries()
    assert len(entries) > 60
    for entry in entries:
        assert entry.description.strip(), entry.code
        assert entry.description == entry.description.strip(), entry.code
        assert isinstance(entry.verify, bool)


def test_group_codes_are_exactly_the_four_x12_groups():
    assert set(codes._codes().groups) == {"CO", "PR", "OA", "PI"}
    assert set(codes.GROUP_CODES) == {"CO", "PR", "OA", "PI"}


def test_lookups_return_the_published_wording():
    assert group_code("co").description == "Contractual Obligations"
    assert group_code("PR").description == "Patient Responsibility"
    assert carc("50").description.startswith(
        "These are non-covered services because this is not deemed a 'medical necessity' by "
        "the payer."
    )
    assert carc("197").description == (
        "Precertification/authorization/notification/pre-treatment absent."
    )
    assert rarc("M127").description == "Missing patient medical record for this service."
    assert rarc("N115").description.startswith(
        "This decision was based on a Local Coverage Determination (LCD)."
    )


def test_lookups_normalise_case_space_and_zero_padding():
    assert carc(" 050 ") == carc("50")
    assert carc("b15") == carc("B15")
    assert rarc(" n431") == rarc("N431")
    assert carc("50").code == "50"


def test_unknown_codes_are_none():
    assert carc("999") is None
    assert rarc("N99999") is None
    assert group_code("CR") is None  # retired group code, not bundled


def test_summary_drops_the_x12_usage_note():
    assert carc("50").summary == (
        "These are non-covered services because this is not deemed a 'medical necessity' by "
        "the payer."
    )
    assert carc("29").summary == carc("29").description


def test_uncertain_entries_are_flagged_for_verification():
    assert carc("15").verify and carc("15").note
    assert rarc("N386").verify
    assert not carc("50").verify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CO-50", Adjustment("CO", "50")),
        ("co 50", Adjustment("CO", "50")),
        ("CO50", Adjustment("CO", "50")),
        (" pr-1 ", Adjustment("PR", "1")),
        ("OA 23", Adjustment("OA", "23")),
        ("PI:16", Adjustment("PI", "16")),
        ("co–197", Adjustment("CO", "197")),
        ("CO-B7", Adjustment("CO", "B7")),
        ("cob15", Adjustment("CO", "B15")),
        ("CO-050", Adjustment("CO", "50")),
    ],
)
def test_parse_adjustment_accepts_the_usual_spellings(text, expected):
    assert parse_adjustment(text) == expected


def test_parse_adjustment_prints_back_canonically():
    assert str(parse_adjustment("co 167")) == "CO-167"


@pytest.mark.parametrize("text", ["", "50", "CO-", "CO-50-1", "C0-50", "CO-12345", "CO 5 0"])
def test_parse_adjustment_refuses_malformed_text(text):
    with pytest.raises(ValidationError) as caught:
        parse_adjustment(text)
    assert caught.value.messages == [
        "Enter the adjustment as a group code and a reason code, e.g. CO-50."
    ]


def test_parse_adjustment_refuses_an_unknown_group():
    with pytest.raises(ValidationError) as caught:
        parse_adjustment("XX-50")
    assert caught.value.messages == ["Group code XX is not one of CO, PR, OA or PI."]


def test_validators_refuse_unknown_codes_with_a_clear_message():
    with pytest.raises(ValidationError) as caught:
        validate_carc("999")
    assert caught.value.messages == ["CARC 999 is not in the bundled code list."]
    assert caught.value.code == "unknown_carc"

    with pytest.raises(ValidationError) as caught:
        validate_rarc("n9999")
    assert caught.value.messages == ["RARC N9999 is not in the bundled code list."]

    with pytest.raises(ValidationError) as caught:
        validate_group_code("cr")
    assert caught.value.messages == ["Group code CR is not one of CO, PR, OA or PI."]


def test_validators_accept_known_codes():
    assert validate_carc("167").code == "167"
    assert validate_rarc("ma130").code == "MA130"
    assert validate_group_code("oa").code == "OA"


def test_appeal_hints_cover_the_common_denials():
    assert "criteria" in appeal_argument_hint("50")
    assert "diagnosis" in appeal_argument_hint("167")
    assert "authorization" in appeal_argument_hint("197")
    assert appeal_argument_hint("15") == appeal_argument_hint("197")
    assert "information" in appeal_argument_hint("16")
    assert "benefit category" in appeal_argument_hint("96")
    assert appeal_argument_hint("204") == appeal_argument_hint("96")
    assert "good cause" in appeal_argument_hint("29")
    assert appeal_argument_hint(" 050") == appeal_argument_hint("50")


def test_appeal_hints_are_single_sentences_and_unknown_codes_have_none():
    for code in ("50", "167", "197", "15", "16", "96", "204", "29"):
        hint = appeal_argument_hint(code)
        assert hint.endswith(".") and hint.count(". ") == 0, code
    assert appeal_argument_hint("1") is None
    assert appeal_argument_hint("999") is None
