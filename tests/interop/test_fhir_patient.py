"""Patient: names, dates, sex and the Medicare number as staff need them."""

from datetime import date, timedelta

import pytest

from tests.interop.fhir_builders import one, patient

MBI = "1EG4-TE5-MK73"


@pytest.mark.parametrize(
    "identifier",
    [
        {"system": "http://hl7.org/fhir/sid/us-mbi", "value": MBI},
        {"system": "urn:oid:2.16.840.1.113883.4.927", "value": MBI},
        {"system": "http://hl7.org/fhir/sid/us-medicare", "value": MBI},
        {
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MC"}
                ]
            },
            "system": "http://example.org/ids",
            "value": MBI,
        },
    ],
)
def test_mbi_is_read_from_any_medicare_identifier_and_normalised(identifier):
    (item,) = one(patient(identifier=[identifier])).items
    assert item.data.mbi == "1EG4TE5MK73"


def test_invalid_mbi_is_refused_in_staff_words():
    result = one(
        patient(identifier=[{"system": "http://hl7.org/fhir/sid/us-mbi", "value": "1SG4TE5MK73"}])
    )
    (error,) = result.errors
    assert error.reason.startswith("Invalid Medicare number (MBI): MBI letters can't be S, L, O")


def test_missing_birth_date_is_refused():
    resource = patient()
    del resource["birthDate"]
    assert one(resource).errors[0].reason == "Missing birth date."


def test_partial_birth_date_is_refused():
    assert "incomplete (1950-04)" in one(patient(birthDate="1950-04")).errors[0].reason


def test_future_birth_date_is_refused():
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert one(patient(birthDate=tomorrow)).errors[0].reason == "The birth date is in the future."


def test_official_name_wins_over_nickname_and_old_names():
    names = [
        {"use": "nickname", "family": "R", "given": ["Annie"]},
        {"use": "old", "family": "Lopez", "given": ["Ana"]},
        {"use": "official", "family": "Rivera", "given": ["Ana", "Luisa", "M."]},
    ]
    (item,) = one(patient(name=names)).items
    assert (item.data.first_name, item.data.middle_name, item.data.last_name) == (
        "Ana",
        "Luisa M.",
        "Rivera",
    )


def test_patient_without_a_usable_name_is_refused():
    assert "no current first and last name" in one(patient(name=[{"text": "Ana"}])).errors[0].reason


@pytest.mark.parametrize(
    ("gender", "sex"), [("female", "F"), ("male", "M"), ("other", "U"), ("unknown", "U")]
)
def test_gender_maps_to_intake_sex(gender, sex):
    assert one(patient(gender=gender)).items[0].data.sex == sex


def test_no_sex_at_all_is_unknown_and_said():
    resource = patient()
    del resource["gender"]
    (item,) = one(resource).items
    assert item.data.sex == "U"
    assert "No sex in the file; recorded as unknown." in item.notes


def test_closed_address_is_not_current():
    addresses = [
        {
            "line": ["1 Old Rd"],
            "city": "A",
            "state": "NY",
            "postalCode": "10001",
            "period": {"end": "2020-01-01"},
        },
        {
            "use": "home",
            "line": ["2 New St", "Apt 3"],
            "city": "B",
            "state": "NY",
            "postalCode": "10002",
        },
    ]
    address = one(patient(address=addresses)).items[0].data.address
    assert (address.line1, address.line2, address.city) == ("2 New St", "Apt 3", "B")
