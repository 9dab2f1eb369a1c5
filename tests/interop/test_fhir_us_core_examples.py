"""Each shared HL7 example is parsed cleanly, or skipped or refused with its stated reason."""

import json
from datetime import date

import pytest

from interop.fhir_intake import parse_fhir_json
from interop.fhir_types import (
    AddressData,
    BloodPressureData,
    CoverageData,
    OrganizationData,
    PatientData,
    ScoreData,
)
from tests.interop.conftest import FHIR_DIR

# file -> ("item" | "skipped" | "error", the data or the start of the reason)
EXPECTED = {
    "patient-example.json": (
        "item",
        PatientData(
            first_name="Amy",
            middle_name="V.",
            last_name="Baxter",  # the current name; Shaw is use "old"
            birth_date=date(1987, 2, 20),
            sex="F",  # from the individual-sex extension: the example sends no gender
            address=AddressData("183 MOUNTAIN VIEW ST", "", "MOUNDS", "OK", "74048"),
            phone="555-555-5555",
            mbi="",
            preferred_language="es",
            preferred_language_display="Spanish",
            interpreter_needed=True,
        ),
    ),
    "Coverage_CoverageEx1.json": (
        "item",
        CoverageData(
            program="advantage",
            program_basis=("group name “MEDICARE HMO PLAN”",),
            status="active",
            mbi="",
            member_id="888009335",
            plan_name="MEDICARE HMO PLAN",
            payer_name="UPMC Health Plan",
            start=date(2020, 1, 1),
            end=None,
            beneficiary="Patient/ExamplePatient1",
        ),
    ),
    "coverage-example.json": ("skipped", "Not Medicare coverage"),
    "condition-encounter-diagnosis-example1.json": (
        "error",
        "ICD-10-CM code T20.21 not accepted: T20.21 is a category, not a billable code",
    ),
    "condition-duodenal-ulcer.json": ("skipped", "No ICD-10-CM code (Active Duodenal Ulcer)"),
    "Observation-PHQ9-item-example-44261-6.json": (
        "item",
        ScoreData(instrument="phq9", score=12, administered_on=date(2022, 11, 29), loinc="44261-6"),
    ),
    "Observation-PHQ9-panel-example-44249-1.json": ("skipped", "PHQ-9 panel"),
    "QuestionnaireResponse-phq-9-example.json": ("skipped", "Questionnaire answers"),
    "blood-pressure.json": (
        "item",
        BloodPressureData(systolic=109, diastolic=44, taken_on=date(1999, 7, 2)),
    ),
    "medicationrequest-coded-oral-axid.json": (
        "skipped",
        "Nizatidine 15 MG/ML Oral Solution is not an antidepressant",
    ),
    "medicationrequest-self-tylenol.json": ("skipped", "Tylenol PM Pill is not an antidepressant"),
    "practitioner-1.json": ("error", "Invalid NPI 9941339100: An NPI starts with 1 or 2."),
    "example-organization-2.json": (
        "item",
        OrganizationData(
            name="Acme Clinic",
            kind="provider",
            npi="1407071236",
            naic="",
            tin="121111111",
            address=AddressData("3300 WASHTENAW AVE STE 227", "", "AMHERST", "MA", "01002"),
            phone="(+1) 734-677-7777",
        ),
    ),
    "organization-acme-payer.json": (
        "item",
        OrganizationData(
            name="Acme Health Plan",
            kind="payer",
            npi="",
            naic="55555",
            tin="",
            address=AddressData("100 INSURANCE AVE", "", "AMHERST", "MA", "01002"),
            phone="(+1) 555-555-5555",
        ),
    ),
}


def test_every_shared_example_has_an_expectation():
    assert {p.name for p in FHIR_DIR.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shared_example_outcome(fhir_file, name):
    result = parse_fhir_json(fhir_file(name))
    outcome, expected = EXPECTED[name]
    resource = json.loads(fhir_file(name))
    assert len(result.items) + len(result.skipped) + len(result.errors) == 1
    if outcome == "item":
        (item,) = result.items
        assert (item.resource_type, item.resource_id) == (resource["resourceType"], resource["id"])
        assert item.data == expected
    else:
        (entry,) = result.skipped if outcome == "skipped" else result.errors
        assert (entry.resource_type, entry.resource_id) == (
            resource["resourceType"],
            resource["id"],
        )
        assert entry.reason.startswith(expected)


def test_phq9_total_sent_as_text_is_read_and_flagged(fhir_file):
    (item,) = parse_fhir_json(fhir_file("Observation-PHQ9-item-example-44261-6.json")).items
    assert item.notes == ("The score was sent as text (“12”) and read as a number.",)


def test_patient_without_gender_says_where_sex_came_from(fhir_file):
    (item,) = parse_fhir_json(fhir_file("patient-example.json")).items
    assert "Sex taken from the US Core individual-sex extension (no gender sent)." in item.notes


def test_a_bundle_of_all_examples_resolves_nothing_it_should_not(fhir_file):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": json.loads(fhir_file(name))} for name in sorted(EXPECTED)],
    }
    result = parse_fhir_json(json.dumps(bundle))
    counts = {
        kind: sum(1 for outcome, _ in EXPECTED.values() if outcome == kind)
        for kind in ("item", "skipped", "error")
    }
    assert (len(result.items), len(result.skipped), len(result.errors)) == (
        counts["item"],
        counts["skipped"],
        counts["error"],
    )
