"""Conditions, medications and observations become diagnoses, trials, scores and readings."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from interop.fhir_intake import parse_fhir
from tests.interop.fhir_builders import condition, observation, one

ICD = "http://hl7.org/fhir/sid/icd-10-cm"


def test_billable_icd10cm_condition_becomes_a_diagnosis():
    (item,) = one(condition((ICD, "F332"), onsetDateTime="2019-05-01")).items
    assert (item.data.code, item.data.onset_date) == ("F33.2", date(2019, 5, 1))
    assert "Major depressive disorder, recurrent" in item.data.description


def test_who_icd10_condition_is_skipped_with_the_reason():
    result = one(condition(("http://hl7.org/fhir/sid/icd-10", "F33.1")))
    assert result.skipped[0].reason.startswith("Coded in WHO ICD-10, not ICD-10-CM")


def test_unknown_icd10cm_code_is_refused():
    assert "not in the ICD-10-CM code set" in one(condition((ICD, "F99.99"))).errors[0].reason


def test_refuted_condition_is_skipped():
    refuted = {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                "code": "refuted",
            }
        ]
    }
    assert one(condition((ICD, "F33.2"), verificationStatus=refuted)).skipped[0].reason == (
        "The diagnosis is marked refuted."
    )


def _statement(name: str, **extra):
    return {
        "resourceType": "MedicationStatement",
        "id": "m1",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"text": name},
        **extra,
    }


def test_medication_statement_becomes_a_prior_trial_with_daily_dose():
    dosage = [
        {
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 150, "unit": "mg", "code": "mg"}}],
        }
    ]
    resource = _statement(
        "Sertraline 50 MG Oral Tablet",
        dosage=dosage,
        effectivePeriod={"start": "2024-01-02", "end": "2024-03-01"},
    )
    (item,) = one(resource).items
    data = item.data
    assert (data.kind, data.drug_class, data.dose, data.dose_mg) == (
        "antidepressant",
        "ssri",
        "150 mg",
        Decimal("150.00"),
    )
    assert (data.start_date, data.end_date) == (date(2024, 1, 2), date(2024, 3, 1))


def test_augmentation_drug_is_an_augmentation_trial():
    (item,) = one(_statement("aripiprazole 5 mg", effectiveDateTime="2024-05-01")).items
    assert (item.data.kind, item.data.drug_class) == ("augmentation", "antipsychotic")


def test_medication_reference_is_resolved_within_the_bundle():
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Medication",
                    "id": "med",
                    "code": {"text": "Bupropion XL 300 mg"},
                }
            },
            {
                "resource": {
                    **_statement(""),
                    "medicationCodeableConcept": None,
                    "medicationReference": {"reference": "Medication/med"},
                }
            },
        ],
    }
    bundle["entry"][1]["resource"].pop("medicationCodeableConcept")
    result = parse_fhir(bundle)
    (trial,) = [i for i in result.items if i.resource_type == "MedicationStatement"]
    assert trial.data.drug_class == "ndri"


def test_medication_ending_before_it_starts_is_refused():
    resource = _statement(
        "fluoxetine", effectivePeriod={"start": "2024-03-01", "end": "2024-01-01"}
    )
    assert one(resource).errors[0].reason == "The medication's end date is before its start date."


def test_phq9_total_out_of_range_is_refused():
    result = one(observation("44261-6", valueInteger=31))
    assert result.errors[0].reason == "PHQ-9 scores run from 0 to 27; this one is 31."


def test_single_phq9_question_is_skipped():
    assert (
        one(observation("44250-9", valueInteger=2))
        .skipped[0]
        .reason.startswith("A single PHQ-9 question")
    )


def test_madrs_total_is_recognised_by_name_and_flagged():
    (item,) = one(observation("99999-9", "MADRS total score", valueInteger=32)).items
    assert (item.data.instrument, item.data.score) == ("madrs", 32)
    assert item.notes == ("Recognised as a MADRS total by its name; check it is the total.",)


def test_gad7_total_is_read():
    (item,) = one(observation("70274-6", valueQuantity={"value": 14})).items
    assert (item.data.instrument, item.data.score) == ("gad7", 14)


def test_score_without_a_date_is_refused():
    resource = observation("44261-6", valueInteger=10)
    del resource["effectiveDateTime"]
    assert one(resource).errors[0].reason.startswith("The observation has no full date")


def test_score_in_the_future_is_refused():
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert one(observation("44261-6", valueInteger=10, effectiveDateTime=tomorrow)).errors[
        0
    ].reason == ("The observation's date is in the future.")


def _bp(systolic=None, diastolic=None):
    components = []
    for code, value in (("8480-6", systolic), ("8462-4", diastolic)):
        if value is not None:
            components.append(
                {
                    "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                    "valueQuantity": {"value": value, "unit": "mmHg"},
                }
            )
    return observation("85354-9", component=components)


@pytest.mark.parametrize(
    ("systolic", "diastolic", "reason"),
    [
        (140, None, "The blood pressure reading has no diastolic number."),
        (400, 80, "Systolic pressure 400 is outside 60-300."),
        (80, 90, "Diastolic pressure must be lower than systolic."),
    ],
)
def test_impossible_blood_pressure_is_refused(systolic, diastolic, reason):
    assert one(_bp(systolic, diastolic)).errors[0].reason == reason


def test_unrelated_observation_is_skipped_naming_it():
    result = one(observation("8867-4", "Heart rate", valueQuantity={"value": 70}))
    assert (
        result.skipped[0].reason
        == "Not a score or blood pressure the intake records: Heart rate (LOINC 8867-4)."
    )
