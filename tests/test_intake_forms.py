"""Bad input on the intake pages: a clear message next to the field, and nothing saved.

Each test submits one kind of mistake a front-desk person can make and checks what they
see in that field's block on the page (label, input and error together), plus that the
database did not change.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from intake.choices import IntakeStep
from intake.models import Coverage, Diagnosis, Patient, Provider, Screening, SymptomScore
from tests.factories import (
    DiagnosisFactory,
    PatientFactory,
    ProviderFactory,
    TreatmentRequestFactory,
    current_version,
    make_npi,
)
from tests.test_intake_flow import (
    COVERAGE,
    PATIENT,
    SCREENING,
    TRIALS,
    formset_data,
    request_data,
    step_url,
)

TODAY = date.today()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
NOT_SAVED = "Some fields need attention; nothing on this page was saved yet."


@pytest.fixture
def desk(client_for, front_desk):
    return client_for(front_desk)


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, last_name="Ellison")


def dx(code: str, primary: bool = False) -> dict:
    return {"code": code, "is_primary": "on" if primary else ""}


def score(instrument: str, value: int | str, on: str | None = None) -> dict:
    on = on or (TODAY - timedelta(days=2)).isoformat()
    return {"instrument": instrument, "score": str(value), "administered_on": on}


def clinical(diagnoses: list[dict], scores: list[dict] | None = None) -> dict:
    return {**formset_data("dx", diagnoses), **formset_data("score", scores or [])}


# --- Medicare coverage -------------------------------------------------------------------


@pytest.mark.parametrize(
    "mbi, message",
    [
        ("1SG4TE5MK73", "MBI letters can't be S, L, O, I, B or Z (found S)."),
        ("1EG4TE5MK7O", "MBI letters can't be S, L, O, I, B or Z (found O)."),
        ("1IG4TB5MK73", "MBI letters can't be S, L, O, I, B or Z (found B, I)."),
        ("1EG4TE5MK7", "A Medicare number (MBI) has 11 characters; this one has 10."),
        ("0EG4TE5MK73", "Character 1 of the MBI must be a digit 1-9."),
    ],
)
def test_malformed_mbi_is_explained_next_to_the_field_and_nothing_is_saved(
    desk, patient, field_text, mbi, message
):
    response = desk.post(
        step_url(patient, "coverage"), {**COVERAGE, "mbi": mbi, **current_version(patient)}
    )

    assert response.status_code == 200
    assert NOT_SAVED in response.content.decode()
    assert message in field_text(response, "id_mbi")
    assert not Coverage.objects.filter(patient=patient).exists()


def test_mbi_longer_than_eleven_characters_is_refused(desk, patient, field_text):
    response = desk.post(
        step_url(patient, "coverage"),
        {**COVERAGE, "mbi": "1EG4TE5MK7344", **current_version(patient)},
    )

    assert "11 characters" in field_text(response, "id_mbi")
    assert not Coverage.objects.filter(patient=patient).exists()


def test_mbi_typed_with_dashes_as_on_the_card_is_accepted(desk, patient):
    response = desk.post(
        step_url(patient, "coverage"),
        {**COVERAGE, "mbi": "1eg4-te5-mk73", **current_version(patient)},
    )

    assert response.status_code == 302
    assert Coverage.objects.get(patient=patient).mbi == "1EG4TE5MK73"


def test_medicare_without_an_mbi_or_part_b_date_is_refused(desk, patient, field_text):
    response = desk.post(
        step_url(patient, "coverage"),
        {**COVERAGE, "mbi": "", "part_b_effective": "", **current_version(patient)},
    )

    assert "Enter the Medicare number (MBI) from the patient's Medicare card." in field_text(
        response, "id_mbi"
    )
    assert "Enter the Part B effective date from the Medicare card." in field_text(
        response, "id_part_b_effective"
    )
    assert not Coverage.objects.filter(patient=patient).exists()


def test_medicare_advantage_without_plan_name_or_member_id_is_refused(desk, patient, field_text):
    response = desk.post(
        step_url(patient, "coverage"),
        {
            **COVERAGE,
            "program": "advantage",
            "ma_plan_name": "",
            "ma_member_id": "",
            **current_version(patient),
        },
    )

    assert "Enter the Medicare Advantage plan's name." in field_text(response, "id_ma_plan_name")
    assert "Enter the plan member ID." in field_text(response, "id_ma_member_id")
    assert not Coverage.objects.filter(patient=patient).exists()


def test_coverage_ending_before_it_starts_is_refused(desk, patient, field_text):
    response = desk.post(
        step_url(patient, "coverage"),
        {**COVERAGE, "coverage_end": "2017-12-31", **current_version(patient)},
    )

    assert "Coverage can't end before it starts." in field_text(response, "id_coverage_end")
    assert not Coverage.objects.filter(patient=patient).exists()


def test_a_patient_without_medicare_needs_no_mbi(desk, patient):
    response = desk.post(
        step_url(patient, "coverage"),
        {"program": "none", "mbi": "", "medicaid_dual": "none", **current_version(patient)},
    )

    assert response.status_code == 302
    assert Coverage.objects.get(patient=patient).program == "none"


# --- The loaded version ------------------------------------------------------------------


def test_a_step_posted_without_its_lock_version_is_refused_and_saves_nothing(
    desk, patient, page_text
):
    # A form that doesn't say which version of the patient it was loaded at could overwrite
    # a colleague's save unseen, so it is treated as stale.
    loaded_at = current_version(patient)["lock_version"]

    response = desk.post(step_url(patient, "coverage"), COVERAGE)

    assert response.status_code == 409
    assert "Your entries are below and were NOT saved" in page_text(response)
    patient.refresh_from_db()
    assert patient.lock_version == loaded_at
    assert patient.intake_step == IntakeStep.COVERAGE
    assert not Coverage.objects.filter(patient=patient).exists()

    # The control: the same entries with the version the page was loaded at are saved.
    response = desk.post(step_url(patient, "coverage"), {**COVERAGE, **current_version(patient)})
    assert response.status_code == 302
    assert Coverage.objects.get(patient=patient).mbi == "1EG4TE5MK73"


# --- Patient -----------------------------------------------------------------------------


def new_patient(desk, clinic, **changes):
    data = {**PATIENT, "clinic": clinic.pk, **changes}
    return desk.post(reverse("intake:intake-start"), data)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", TOMORROW, "Date of birth can't be in the future."),
        ("date_of_birth", "1899-12-31", "Check the year of birth."),
        ("date_of_birth", "04/31/1952", "Enter a valid date."),
        ("state", "New York", "Ensure this value has at most 2 characters (it has 8)."),
        ("state", "N1", "Use the two-letter state code, e.g. NY."),
        ("state", "N", "Use the two-letter state code, e.g. NY."),
        ("zip_code", "1460", "A ZIP code is 5 digits (or ZIP+4, e.g. 10001-1234)."),
        ("zip_code", "146O7", "A ZIP code is 5 digits (or ZIP+4, e.g. 10001-1234)."),
        ("zip_code", "14607-12", "A ZIP code is 5 digits (or ZIP+4, e.g. 10001-1234)."),
        ("last_name", "", "This field is required."),
    ],
)
def test_bad_patient_details_are_explained_and_no_patient_is_created(
    desk, clinic, field_text, field, value, message
):
    response = new_patient(desk, clinic, **{field: value})

    assert response.status_code == 200
    assert message in field_text(response, f"id_{field}")
    assert not Patient.objects.exists()


def test_zip_plus_four_is_accepted(desk, clinic):
    response = new_patient(desk, clinic, zip_code="14607-1234")

    assert response.status_code == 302
    assert Patient.objects.get().zip_code == "14607-1234"


def test_a_patient_cannot_be_filed_under_a_clinic_the_user_does_not_work_for(
    desk, clinic, other_clinic
):
    # The clinic field is hidden for staff of a single clinic, so this is a tampered POST.
    response = desk.post(reverse("intake:intake-start"), {**PATIENT, "clinic": other_clinic.pk})

    assert response.status_code == 200
    assert not Patient.objects.exists()


def test_html_typed_into_a_name_is_shown_escaped_on_the_list_and_the_patient_page(desk, clinic):
    response = new_patient(desk, clinic, first_name="<script>alert(1)</script>")
    assert response.status_code == 302
    patient = Patient.objects.get()

    for page in (
        desk.get(reverse("intake:patient-list")),
        desk.get(patient.get_absolute_url()),
        desk.get(step_url(patient, "coverage")),
        desk.get(reverse("home")),
    ):
        html = page.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Diagnoses and scores ----------------------------------------------------------------


@pytest.mark.parametrize(
    "code, message",
    [
        (
            "F33",
            "F33 is a category, not a billable code; choose a more specific code (e.g. F33.0).",
        ),
        ("f32", "F32 is a category, not a billable code"),
        ("F33.9999", "F33.9999 is not in the ICD-10-CM code set."),
        ("XYZ", "An ICD-10-CM code is a letter, a digit, then 1-5 letters or digits (e.g. F33.2)."),
    ],
)
def test_icd10_category_or_unknown_code_is_explained_next_to_the_code(
    desk, patient, field_text, code, message
):
    response = desk.post(
        step_url(patient, "clinical"),
        {**clinical([dx(code, True)], [score("phq9", 20)]), **current_version(patient)},
    )

    assert NOT_SAVED in response.content.decode()
    assert message in field_text(response, "id_dx-0-code")
    assert not Diagnosis.objects.exists()
    assert not SymptomScore.objects.exists()


def test_the_same_diagnosis_code_twice_is_refused_in_plain_words(desk, patient, page_text):
    response = desk.post(
        step_url(patient, "clinical"),
        {**clinical([dx("F33.2", True), dx("f332")]), **current_version(patient)},
    )

    assert response.status_code == 200
    assert NOT_SAVED in page_text(response)
    assert "The same diagnosis code is listed twice." in page_text(response)
    assert not Diagnosis.objects.exists()


def test_adding_a_code_the_patient_already_has_is_refused_next_to_the_new_row(
    desk, patient, field_text, page_text
):
    existing = DiagnosisFactory(patient=patient, code="F33.2", is_primary=True)
    rows = [{"id": str(existing.pk), **dx("F33.2", True)}, dx("F33.2")]

    response = desk.post(
        step_url(patient, "clinical"),
        {
            **formset_data("dx", rows, initial=1),
            **formset_data("score", []),
            **current_version(patient),
        },
    )

    assert response.status_code == 200
    assert NOT_SAVED in page_text(response)
    assert "already exists" in page_text(response)
    assert Diagnosis.objects.count() == 1


def test_deleting_a_diagnosis_and_entering_the_same_code_again_in_one_save(desk, patient):
    existing = DiagnosisFactory(patient=patient, code="F33.2", is_primary=True)
    rows = [{"id": str(existing.pk), **dx("F33.2", True), "DELETE": "on"}, dx("f332", True)]

    response = desk.post(
        step_url(patient, "clinical"),
        {
            **formset_data("dx", rows, initial=1),
            **formset_data("score", []),
            **current_version(patient),
        },
    )

    assert response.status_code == 302
    assert list(patient.diagnoses.values_list("code", flat=True)) == ["F33.2"]


def test_two_primary_diagnoses_are_refused(desk, patient, page_text):
    response = desk.post(
        step_url(patient, "clinical"),
        {**clinical([dx("F33.2", True), dx("F41.1", True)]), **current_version(patient)},
    )

    assert "Mark only one diagnosis as primary." in page_text(response)
    assert not Diagnosis.objects.exists()


@pytest.mark.parametrize(
    "instrument, value, message",
    [
        ("phq9", 28, "PHQ-9 scores run from 0 to 27."),
        ("madrs", 61, "MADRS scores run from 0 to 60."),
        ("gad7", 22, "GAD-7 scores run from 0 to 21."),
        ("pcl5", 81, "PCL-5 scores run from 0 to 80."),
        ("pain_nrs", 11, "Pain NRS scores run from 0 to 10."),
        ("phq9", -1, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_score_out_of_the_instruments_range_is_explained_next_to_the_score(
    desk, patient, field_text, instrument, value, message
):
    response = desk.post(
        step_url(patient, "clinical"),
        {
            **clinical([dx("F33.2", True)], [score("phq9", 20), score(instrument, value)]),
            **current_version(patient),
        },
    )

    assert message in field_text(response, "id_score-1-score")
    assert not SymptomScore.objects.exists()
    assert not Diagnosis.objects.exists()


@pytest.mark.parametrize(
    "instrument, top", [("phq9", 27), ("madrs", 60), ("gad7", 21), ("pcl5", 80), ("pain_nrs", 10)]
)
def test_the_top_score_of_each_instrument_is_accepted(desk, patient, instrument, top):
    response = desk.post(
        step_url(patient, "clinical"),
        {**clinical([dx("F33.2", True)], [score(instrument, top)]), **current_version(patient)},
    )

    assert response.status_code == 302
    assert SymptomScore.objects.get().score == top


def test_score_dated_in_the_future_is_refused(desk, patient, field_text):
    response = desk.post(
        step_url(patient, "clinical"),
        {
            **clinical([dx("F33.2", True)], [score("phq9", 20, on=TOMORROW)]),
            **current_version(patient),
        },
    )

    assert "The date can't be in the future." in field_text(response, "id_score-0-administered_on")
    assert not SymptomScore.objects.exists()


# --- Treatment history -------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"start_date": "2024-05-01", "end_date": "2024-04-01"},
            "end_date",
            "The end date is before the start date.",
        ),
        (
            {"start_date": TOMORROW, "end_date": ""},
            "start_date",
            "This date can't be in the future.",
        ),
        ({"end_date": TOMORROW}, "end_date", "This date can't be in the future."),
        ({"duration_weeks": "600"}, "duration_weeks", "Check the number of weeks (over 10 years)."),
        ({"drug_name": ""}, "drug_name", "This field is required."),
    ],
)
def test_bad_trial_is_explained_next_to_its_field_and_no_trial_is_saved(
    desk, patient, field_text, changes, field, message
):
    rows = [TRIALS[1], {**TRIALS[0], **changes}]

    response = desk.post(
        step_url(patient, "history"), {**formset_data("trial", rows), **current_version(patient)}
    )

    assert message in field_text(response, f"id_trial-1-{field}")
    assert not patient.trials.exists()


# --- Safety screening --------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"bp_systolic": "90", "bp_diastolic": "90"},
            "bp_diastolic",
            "Diastolic pressure must be lower than systolic.",
        ),
        (
            {"bp_systolic": "80", "bp_diastolic": "95"},
            "bp_diastolic",
            "Diastolic pressure must be lower than systolic.",
        ),
        ({"bp_taken_on": ""}, "bp_taken_on", "Enter the date of the blood pressure reading."),
        ({"bp_taken_on": TOMORROW}, "bp_taken_on", "The date can't be in the future."),
        ({"bp_diastolic": ""}, "bp_diastolic", "Enter both numbers of the blood pressure reading."),
        ({"bp_systolic": "400"}, "bp_systolic", "Systolic pressure should be between 60 and 300."),
    ],
)
def test_bad_blood_pressure_is_explained_next_to_its_field_and_nothing_is_saved(
    desk, patient, field_text, changes, field, message
):
    response = desk.post(
        step_url(patient, "screening"), {**SCREENING, **changes, **current_version(patient)}
    )

    assert message in field_text(response, f"id_{field}")
    assert not Screening.objects.exists()


def test_screening_without_any_blood_pressure_is_accepted(desk, patient):
    response = desk.post(
        step_url(patient, "screening"),
        {
            **SCREENING,
            "bp_systolic": "",
            "bp_diastolic": "",
            "bp_taken_on": "",
            **current_version(patient),
        },
    )

    assert response.status_code == 302
    assert Screening.objects.get().blood_pressure == ""


# --- Treatment request -------------------------------------------------------------------


@pytest.mark.parametrize("codes", ["G208", "J3490, 9636", "G2083; 96365", "ketamine"])
def test_invalid_hcpcs_code_is_explained_next_to_the_codes(
    desk, patient, provider, field_text, codes
):
    response = desk.post(
        step_url(patient, "request"),
        {**request_data(provider), "codes": codes, **current_version(patient)},
    )

    assert "is not a HCPCS or CPT code" in field_text(response, "id_codes")
    assert not patient.treatment_requests.exists()


def test_request_without_codes_is_refused(desk, patient, provider, field_text):
    response = desk.post(
        step_url(patient, "request"),
        {**request_data(provider), "codes": " , ", **current_version(patient)},
    )

    assert "Enter at least one HCPCS or CPT code." in field_text(response, "id_codes")
    assert not patient.treatment_requests.exists()


def test_provider_from_another_clinic_cannot_order_the_treatment(
    desk, patient, other_clinic, field_text
):
    outsider = ProviderFactory(clinic=other_clinic)

    response = desk.post(
        step_url(patient, "request"), {**request_data(outsider), **current_version(patient)}
    )

    assert "Select a valid choice" in field_text(response, "id_ordering_provider")
    assert not patient.treatment_requests.exists()


def test_only_the_clinics_active_providers_are_offered(desk, patient, provider, other_clinic):
    ProviderFactory(clinic=other_clinic, last_name="Outsider")
    ProviderFactory(clinic=patient.clinic, last_name="Retired", is_active=False)

    page = desk.get(step_url(patient, "request")).content.decode()

    assert "Marsh" in page
    assert "Outsider" not in page
    assert "Retired" not in page


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"planned_sessions": "0"}, "planned_sessions", "greater than or equal to 1"),
        ({"planned_sessions": "101"}, "planned_sessions", "Check the number of sessions"),
        ({"requested_start": "2026-02-30"}, "requested_start", "Enter a valid date."),
    ],
)
def test_bad_request_details_are_explained_next_to_the_field(
    desk, patient, provider, field_text, changes, field, message
):
    response = desk.post(
        step_url(patient, "request"),
        {**request_data(provider), **changes, **current_version(patient)},
    )

    assert message in field_text(response, f"id_{field}")
    assert not patient.treatment_requests.exists()


def test_a_failed_edit_leaves_the_saved_request_unchanged(desk, patient, provider):
    saved = TreatmentRequestFactory(patient=patient, ordering_provider=provider, codes="G2083")

    desk.post(
        step_url(patient, "request"),
        {**request_data(provider), "codes": "G208", **current_version(patient)},
    )

    saved.refresh_from_db()
    assert saved.codes == "G2083"


# --- NPIs (clinic admin, in the admin site) ----------------------------------------------


@pytest.mark.parametrize(
    "npi, message",
    [
        ("1234567890", "This NPI fails its check digit; look for a mistyped digit."),
        ("123456789", "An NPI is exactly 10 digits."),
        ("3234567893", "An NPI starts with 1 or 2."),
    ],
)
def test_bad_provider_npi_is_refused_in_the_admin(
    client_for, clinic_admin, clinic, page_text, npi, message
):
    response = client_for(clinic_admin).post(
        reverse("admin:intake_provider_add"),
        {
            "clinic": clinic.pk,
            "first_name": "Owen",
            "last_name": "Reyes",
            "credentials": "MD",
            "npi": npi,
            "specialty": "Anesthesiology",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert message in page_text(response)
    assert not Provider.objects.filter(last_name="Reyes").exists()


def test_valid_provider_npi_is_accepted_in_the_admin(client_for, clinic_admin, clinic):
    response = client_for(clinic_admin).post(
        reverse("admin:intake_provider_add"),
        {
            "clinic": clinic.pk,
            "first_name": "Owen",
            "last_name": "Reyes",
            "credentials": "MD",
            "npi": make_npi("112233445"),
            "specialty": "Anesthesiology",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert Provider.objects.get(last_name="Reyes").npi == make_npi("112233445")
