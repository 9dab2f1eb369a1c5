"""A front-desk user completes the guided intake through the pages, step by step.

Each step is saved the moment it is submitted, so someone who stops after any step
loses nothing; the patient page then shows every section, and each section can be
edited again from there.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from intake.choices import IntakeStep
from intake.models import Patient
from tests.factories import PatientFactory, current_version

TODAY = date.today()


def iso(day: date) -> str:
    return day.isoformat()


def formset_data(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    """POST data for an inline formset: the management form plus one block per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
    return data


def step_url(patient: Patient, step: str) -> str:
    return reverse("intake:intake-step", args=[patient.pk, step])


PATIENT = {
    "first_name": "Margaret",
    "middle_name": "Ann",
    "last_name": "Ellison",
    "date_of_birth": "1952-04-11",
    "sex": "F",
    "phone": "585-555-0101",
    "address_line1": "12 Elm Road",
    "address_line2": "Apt 3",
    "city": "Rochester",
    "state": "ny",
    "zip_code": "14607",
}
COVERAGE = {
    "program": "original",
    "mbi": "1eg4te5mk73",
    "part_a_effective": "2018-03-01",
    "part_b_effective": "2018-03-01",
    "medigap_plan": "Plan G",
    "medicaid_dual": "none",
}
DIAGNOSIS = {"code": "f332", "is_primary": "on", "onset_date": "2023-01-15"}
SCORES = [
    {"instrument": "phq9", "score": "21", "administered_on": iso(TODAY - timedelta(days=30))},
    {"instrument": "madrs", "score": "34", "administered_on": iso(TODAY - timedelta(days=3))},
]
TRIALS = [
    {
        "kind": "antidepressant",
        "drug_name": "sertraline",
        "drug_class": "ssri",
        "dose": "150 mg daily",
        "dose_mg": "150",
        "start_date": iso(TODAY - timedelta(weeks=60)),
        "end_date": iso(TODAY - timedelta(weeks=52)),
        "adherence": "good",
        "outcome": "no_response",
        "adequate_dose": "True",
        "current_episode": "on",
    },
    {
        "kind": "antidepressant",
        "drug_name": "bupropion XL",
        "drug_class": "ndri",
        "dose": "300 mg daily",
        "duration_weeks": "10",
        "adherence": "good",
        "outcome": "partial_response",
        "adequate_dose": "True",
        "current_episode": "on",
    },
]
SCREENING = {
    "screened_on": iso(TODAY - timedelta(days=2)),
    "psychosis_history": "False",
    "uncontrolled_hypertension": "False",
    "bp_systolic": "128",
    "bp_diastolic": "82",
    "bp_taken_on": iso(TODAY - timedelta(days=2)),
    "pregnant": "False",
    "active_substance_use_disorder": "False",
    "cardiovascular_disease": "False",
    "aneurysmal_vascular_disease": "False",
    "intracerebral_hemorrhage": "False",
    "ketamine_hypersensitivity": "",  # "Unknown"
}


def request_data(provider) -> dict:
    return {
        "product": "iv_ketamine",
        "indication": "trd",
        "dose_mg": "40",
        "planned_sessions": "6",
        "codes": "j3490, 96365,96366",
        "ordering_provider": str(provider.pk),
        "requested_start": iso(TODAY + timedelta(days=14)),
    }


@pytest.fixture
def desk(client_for, front_desk):
    return client_for(front_desk)


def start_intake(desk, clinic, **changes) -> Patient:
    response = desk.post(
        reverse("intake:intake-start"), {**PATIENT, "clinic": clinic.pk, **changes}
    )
    patient = Patient.objects.get(last_name=changes.get("last_name", "Ellison"))
    assert response.status_code == 302
    assert response["Location"] == step_url(patient, "coverage")
    return patient


def test_front_desk_completes_the_whole_intake_and_each_step_is_saved_at_once(
    desk, front_desk, clinic, provider, page_text
):
    # 1. Patient: saved, then on to coverage.
    assert desk.get(reverse("intake:intake-start")).status_code == 200
    patient = start_intake(desk, clinic)
    patient.refresh_from_db()
    assert (patient.full_name, patient.state, patient.clinic) == (
        "Margaret Ann Ellison",
        "NY",
        clinic,
    )
    assert patient.created_by == front_desk
    assert patient.intake_step == IntakeStep.COVERAGE

    # 2. Coverage: the MBI typed in lower case is stored in canonical form.
    assert desk.get(step_url(patient, "coverage")).status_code == 200
    response = desk.post(step_url(patient, "coverage"), {**COVERAGE, **current_version(patient)})
    assert response["Location"] == step_url(patient, "clinical")
    patient.refresh_from_db()
    assert patient.coverage.mbi == "1EG4TE5MK73"
    assert patient.coverage.part_b_effective == date(2018, 3, 1)
    assert patient.intake_step == IntakeStep.CLINICAL

    # 3. Clinical: one diagnosis and two scores, in one page.
    assert desk.get(step_url(patient, "clinical")).status_code == 200
    response = desk.post(
        step_url(patient, "clinical"),
        {
            **formset_data("dx", [DIAGNOSIS]),
            **formset_data("score", SCORES),
            **current_version(patient),
        },
    )
    assert response["Location"] == step_url(patient, "history")
    patient.refresh_from_db()
    assert [(d.code, d.is_primary) for d in patient.diagnoses.all()] == [("F33.2", True)]
    assert "Major depressive disorder, recurrent severe" in patient.diagnoses.get().description
    assert sorted((s.instrument, s.score) for s in patient.scores.all()) == [
        ("madrs", 34),
        ("phq9", 21),
    ]
    assert patient.intake_step == IntakeStep.HISTORY

    # 4. History: two trials in one formset (TOTAL_FORMS=2).
    assert desk.get(step_url(patient, "history")).status_code == 200
    response = desk.post(
        step_url(patient, "history"), {**formset_data("trial", TRIALS), **current_version(patient)}
    )
    assert response["Location"] == step_url(patient, "screening")
    patient.refresh_from_db()
    trials = {t.drug_name: t for t in patient.trials.all()}
    assert set(trials) == {"sertraline", "bupropion XL"}
    assert trials["sertraline"].weeks == 8
    assert trials["bupropion XL"].weeks == 10
    assert trials["bupropion XL"].outcome == "partial_response"
    assert patient.intake_step == IntakeStep.SCREENING

    # 5. Screening.
    assert desk.get(step_url(patient, "screening")).status_code == 200
    response = desk.post(step_url(patient, "screening"), {**SCREENING, **current_version(patient)})
    assert response["Location"] == step_url(patient, "request")
    patient.refresh_from_db()
    assert patient.screening.blood_pressure == "128/82 mmHg"
    assert patient.screening.psychosis_history is False
    assert patient.screening.ketamine_hypersensitivity is None
    assert patient.intake_step == IntakeStep.REQUEST

    # 6. Treatment request: on to the patient page for review.
    assert desk.get(step_url(patient, "request")).status_code == 200
    response = desk.post(
        step_url(patient, "request"), {**request_data(provider), **current_version(patient)}
    )
    assert response["Location"] == patient.get_absolute_url()
    patient.refresh_from_db()
    treatment = patient.current_request()
    assert treatment.codes == "J3490, 96365, 96366"
    assert treatment.ordering_provider == provider
    assert patient.intake_step == IntakeStep.REVIEW
    assert patient.intake_completed_at is None

    # 7. Finish.
    detail = desk.get(patient.get_absolute_url())
    assert "Everything needed is entered" in page_text(detail)
    response = desk.post(reverse("intake:intake-review", args=[patient.pk]))
    assert response["Location"] == patient.get_absolute_url()
    patient.refresh_from_db()
    assert patient.intake_completed_at is not None

    # The patient page shows every section.
    text = page_text(desk.get(patient.get_absolute_url()))
    for shown in [
        "Margaret Ann Ellison",
        "Born 04/11/1952",
        "Intake complete",
        "12 Elm Road",
        "Rochester, NY 14607",
        "Original Medicare (Part A/B)",
        "•••••••MK73",
        "03/01/2018 / 03/01/2018",
        "Plan G",
        "F33.2",
        "Major depressive disorder, recurrent severe",
        "PHQ-9 21",
        "MADRS 34",
        "sertraline (SSRI)",
        "bupropion XL (NDRI (bupropion))",
        "No response (< 25% improvement)",
        "128/82 mmHg",
        "IV racemic ketamine infusion",
        "Treatment-resistant depression",
        "J3490, 96365, 96366",
        "Celia Marsh, MD",
    ]:
        assert shown in text, shown
    assert "1EG4TE5MK73" not in text  # the full MBI is never shown
    assert "Finish intake" not in text


def test_intake_progress_survives_stopping_after_the_coverage_step(desk, clinic, page_text):
    patient = start_intake(desk, clinic)
    desk.post(step_url(patient, "coverage"), {**COVERAGE, **current_version(patient)})

    # The user walks away; later the home page and patient page pick up where they left.
    home = page_text(desk.get(reverse("home")))
    assert "Margaret Ann Ellison next: Diagnoses and scores" in home
    detail = desk.get(patient.get_absolute_url())
    text = page_text(detail)
    assert "Intake in progress · next: Diagnoses and scores" in text
    assert "•••••••MK73" in text
    assert step_url(patient, "clinical") in detail.content.decode()  # "Continue intake"
    assert "Still needed before the intake is complete" in text
    assert "At least one diagnosis" in text


def test_a_step_with_an_error_saves_nothing_and_keeps_what_was_typed(desk, clinic):
    patient = start_intake(desk, clinic)

    response = desk.post(
        step_url(patient, "coverage"),
        {**COVERAGE, "part_b_effective": "", **current_version(patient)},
    )

    assert response.status_code == 200
    assert "nothing on this page was saved yet" in response.content.decode()
    assert 'value="Plan G"' in response.content.decode()
    patient.refresh_from_db()
    assert not hasattr(patient, "coverage")
    assert patient.intake_step == IntakeStep.COVERAGE


def test_finishing_is_refused_while_sections_are_missing(desk, clinic, page_text):
    patient = start_intake(desk, clinic)

    response = desk.post(reverse("intake:intake-review", args=[patient.pk]), follow=True)

    assert "The intake can't be finished yet: Medicare coverage; At least one diagnosis" in (
        page_text(response)
    )
    patient.refresh_from_db()
    assert patient.intake_completed_at is None


@pytest.mark.parametrize(
    "step, data",
    [
        ("coverage", COVERAGE),
        ("screening", SCREENING),
        ("history", formset_data("trial", TRIALS[:1])),
    ],
)
def test_save_and_return_to_patient_goes_back_to_the_patient_page(desk, clinic, step, data):
    patient = PatientFactory(clinic=clinic)

    response = desk.post(
        step_url(patient, step), {**data, "return": "detail", **current_version(patient)}
    )

    assert response.status_code == 302
    assert response["Location"] == patient.get_absolute_url()


def test_save_and_return_from_the_patient_step_goes_back_to_the_patient_page(desk, clinic):
    patient = PatientFactory(clinic=clinic, last_name="Ellison")

    response = desk.post(
        reverse("intake:patient-edit", args=[patient.pk]),
        {**PATIENT, "clinic": clinic.pk, "return": "detail", **current_version(patient)},
    )

    assert response["Location"] == patient.get_absolute_url()


def test_editing_a_section_of_a_finished_intake_from_the_patient_page(desk, clinic, page_text):
    patient = PatientFactory(clinic=clinic, complete=True)
    detail = desk.get(patient.get_absolute_url())
    edit_screening = step_url(patient, "screening")
    assert f'href="{edit_screening}"' in detail.content.decode()

    page = desk.get(edit_screening)
    assert page.status_code == 200
    assert "Save and return to patient" in page_text(page)
    response = desk.post(
        edit_screening,
        {**SCREENING, "bp_systolic": "141", "bp_diastolic": "91", **current_version(patient)},
    )

    # A finished intake goes straight back to the patient page, still complete.
    assert response["Location"] == patient.get_absolute_url()
    text = page_text(desk.get(patient.get_absolute_url()))
    assert "141/91 mmHg" in text
    assert "Intake complete" in text


def test_editing_patient_details_from_the_patient_page(desk, clinic, page_text):
    patient = PatientFactory(clinic=clinic, complete=True)

    response = desk.post(
        reverse("intake:patient-edit", args=[patient.pk]),
        {
            **PATIENT,
            "clinic": clinic.pk,
            "phone": "585-555-0199",
            "city": "Pittsford",
            **current_version(patient),
        },
    )

    assert response["Location"] == patient.get_absolute_url()
    text = page_text(desk.get(patient.get_absolute_url()))
    assert "Pittsford, NY 14607" in text
    assert "585-555-0199" in text


def test_removing_a_trial_from_the_history(desk, clinic):
    patient = PatientFactory(clinic=clinic, complete=True)
    trials = list(patient.trials.order_by("id"))
    rows = [
        {
            "id": str(trial.pk),
            "kind": trial.kind,
            "drug_name": trial.drug_name,
            "adherence": trial.adherence,
            "outcome": trial.outcome,
            "DELETE": "on" if index == 0 else "",
        }
        for index, trial in enumerate(trials)
    ]

    response = desk.post(
        step_url(patient, "history"),
        {**formset_data("trial", rows, initial=2), **current_version(patient)},
    )

    assert response.status_code == 302
    assert list(patient.trials.values_list("drug_name", flat=True)) == [trials[1].drug_name]


def test_an_unknown_step_name_is_not_found(desk, clinic):
    patient = PatientFactory(clinic=clinic)

    assert desk.get(step_url(patient, "billing")).status_code == 404
    assert desk.get(step_url(patient, "patient")).status_code == 404
