"""The patient page shows the coverage assessment, and it follows the intake.

Staff see the determination, every criterion with its evidence and citation, the rule's
warnings and the next steps; those who may generate documents get a "Generate ..." button
for each document the assessment recommends. Editing the intake changes what is shown and
stores a new assessment (listed on the history page with its rule version); looking at the
page again stores nothing.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from coverage.models import Assessment
from intake.choices import Product
from tests.factories import PatientFactory, complete_intake
from tests.factories_documents import form_fields, generate_buttons, table_rows

TODAY = date.today()

DENIED = "Medicare is expected to deny"
COVERED = "Likely covered"
PRIOR_AUTH = "Prior authorisation required"
TRIALS_CRITERION = (
    "At least 2 antidepressant trial(s) in the current episode failed at a therapeutic dose "
    "and for an adequate length"
)
DOCUMENT_LABELS = [
    "Advance Beneficiary Notice (CMS-R-131)",
    "Letter of Medical Necessity",
    "Patient explanation",
    "Prior-authorisation request",
]
ESKETAMINE_ORIGINAL_RULE = (
    "Esketamine (Spravato) for treatment-resistant depression with or without an oral "
    "antidepressant - Original Medicare (Part B)"
)
ESKETAMINE_ADVANTAGE_RULE = (
    "Esketamine (Spravato) for treatment-resistant depression with or without an oral "
    "antidepressant - Medicare Advantage"
)


@pytest.fixture
def patient(clinic):
    """Esketamine for TRD under Original Medicare, all criteria met: likely covered."""
    patient = PatientFactory(clinic=clinic, first_name="Dorothy", last_name="Fairweather")
    return complete_intake(patient, product=Product.ESKETAMINE)


@pytest.fixture
def one_trial_short(patient):
    """The same patient with only one failed antidepressant: Medicare is expected to deny."""
    patient.trials.filter(drug_name="bupropion XL").delete()
    return patient


def detail_url(patient) -> str:
    return reverse("intake:patient-detail", args=[patient.pk])


def history_url(patient) -> str:
    return reverse("coverage:assessment-history", args=[patient.pk])


def history(client, patient) -> list[list[str]]:
    """The history table: [computed, determination, rule and version, applied for, summary]."""
    response = client.get(history_url(patient))
    assert response.status_code == 200
    return table_rows(response)


def save_step(client, patient, step: str, **changes) -> None:
    """Submit an intake step as the browser would: the form as shown, with `changes`."""
    url = reverse("intake:intake-step", args=[patient.pk, step])
    data = form_fields(client.get(url), containing=next(iter(changes)))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, "the step was not saved"


def test_page_shows_determination_criteria_warnings_and_next_steps(
    one_trial_short, billing, client_for, page_text
):
    response = client_for(billing).get(detail_url(one_trial_short))

    assert response.status_code == 200
    text = page_text(response)
    assert "Coverage assessment" in text
    assert DENIED in text
    assert f"Rule: {ESKETAMINE_ORIGINAL_RULE} (version 1)" in text
    assert f"{TRIALS_CRITERION} Not met" in text
    # Every criterion the engine applied is listed with its evidence and its source.
    (assessment,) = Assessment.objects.filter(patient=one_trial_short)
    assert len(assessment.result["criteria"]) >= 8
    for criterion in assessment.result["criteria"]:
        assert criterion["statement"] in text
        assert criterion["evidence"] in text
        assert criterion["citation"] in text
    assert "Spravato label (NDA 211243) §5 SPRAVATO REMS" in text
    # The seeded rule is flagged VERIFY: staff are told so.
    assert "Rule esketamine-trd-monotherapy-original is flagged VERIFY:" in text
    assert "What to do next" in text
    assert "Before treating, give the patient an ABN (CMS-R-131)" in text
    assert "Bill with GA if the ABN was signed, GZ if not." in text


def test_billing_gets_a_generate_button_for_each_recommended_document(
    one_trial_short, billing, client_for, page_text
):
    response = client_for(billing).get(detail_url(one_trial_short))

    text = page_text(response)
    assert "Generate Advance Beneficiary Notice (CMS-R-131)" in text
    assert "Generate Letter of Medical Necessity" in text
    assert "Generate Patient explanation" in text
    assert "Generate Prior-authorisation request" not in text
    buttons = generate_buttons(response)
    assert set(buttons) == {"abn", "lmn", "patient_explanation"}
    # Each button carries its own one-time request key.
    assert len(set(buttons.values())) == 3
    assert all(key.isalnum() for key in buttons.values())


@pytest.mark.parametrize("role", ["front_desk", "clinic_admin"])
def test_staff_who_cannot_generate_see_the_assessment_without_generate_buttons(
    role, one_trial_short, client_for, page_text, request
):
    user = request.getfixturevalue(role)

    response = client_for(user).get(detail_url(one_trial_short))

    assert response.status_code == 200
    text = page_text(response)
    assert DENIED in text
    assert TRIALS_CRITERION in text
    for label in DOCUMENT_LABELS:
        assert f"Generate {label}" not in text
    assert generate_buttons(response) == {}


def test_viewing_the_page_twice_stores_one_assessment(
    one_trial_short, billing, client_for, page_text
):
    client = client_for(billing)

    first = client.get(detail_url(one_trial_short))
    second = client.get(detail_url(one_trial_short))

    assert DENIED in page_text(first)
    assert DENIED in page_text(second)
    rows = history(client, one_trial_short)
    assert len(rows) == 1
    assert rows[0][1] == "Medicare is expected to deny"


def test_adding_a_failed_trial_in_the_intake_changes_the_determination(
    one_trial_short, front_desk, client_for, page_text
):
    client = client_for(front_desk)
    assert DENIED in page_text(client.get(detail_url(one_trial_short)))
    assert len(history(client, one_trial_short)) == 1

    # The history step shows the one saved trial and a blank row; fill the blank row in.
    save_step(
        client,
        one_trial_short,
        "history",
        **{
            "trial-1-kind": "antidepressant",
            "trial-1-drug_name": "bupropion XL",
            "trial-1-drug_class": "ndri",
            "trial-1-dose": "300 mg daily",
            "trial-1-dose_mg": "300",
            "trial-1-start_date": (TODAY - timedelta(weeks=30)).isoformat(),
            "trial-1-end_date": (TODAY - timedelta(weeks=20)).isoformat(),
            "trial-1-adherence": "good",
            "trial-1-outcome": "no_response",
            "trial-1-adequate_dose": "True",
            "trial-1-current_episode": "on",
        },
    )
    response = client.get(detail_url(one_trial_short))

    text = page_text(response)
    assert COVERED in text
    assert DENIED not in text
    assert f"{TRIALS_CRITERION} Met" in text
    assert "bupropion XL 300 mg daily 10 wk" in text
    rows = history(client, one_trial_short)
    assert [row[1] for row in rows] == ["Likely covered", "Medicare is expected to deny"]


def test_changing_coverage_to_medicare_advantage_changes_the_determination(
    patient, front_desk, billing, client_for, page_text
):
    desk, biller = client_for(front_desk), client_for(billing)
    response = biller.get(detail_url(patient))
    assert COVERED in page_text(response)
    assert set(generate_buttons(response)) == {"lmn", "patient_explanation"}

    save_step(
        desk,
        patient,
        "coverage",
        program="advantage",
        ma_plan_name="Harbor Advantage PPO",
        ma_member_id="HAP00012345",
        ma_requires_prior_auth="on",
    )
    response = biller.get(detail_url(patient))

    text = page_text(response)
    assert PRIOR_AUTH in text
    assert COVERED not in text
    assert f"Rule: {ESKETAMINE_ADVANTAGE_RULE} (version 1)" in text
    assert "Send the plan's prior-authorisation request and the LMN before session 1." in text
    assert "Generate Prior-authorisation request" in text
    assert set(generate_buttons(response)) == {"prior_auth", "lmn", "patient_explanation"}


def test_history_lists_old_assessments_with_their_rule_and_version(
    patient, front_desk, client_for, page_text
):
    client = client_for(front_desk)
    client.get(detail_url(patient))
    save_step(
        client,
        patient,
        "coverage",
        program="advantage",
        ma_plan_name="Harbor Advantage PPO",
        ma_member_id="HAP00012345",
        ma_requires_prior_auth="on",
    )
    client.get(detail_url(patient))
    client.get(detail_url(patient))

    response = client.get(history_url(patient))

    assert response.status_code == 200
    assert "Assessment history" in page_text(response)
    rows = table_rows(response)
    assert len(rows) == 2
    newest, oldest = rows
    assert newest[1] == "Prior authorisation required"
    assert newest[2] == f"{ESKETAMINE_ADVANTAGE_RULE} v1"
    assert oldest[1] == "Likely covered"
    assert oldest[2] == f"{ESKETAMINE_ORIGINAL_RULE} v1"
    assert "likely covered by Original Medicare" in oldest[4]
