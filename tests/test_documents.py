"""Staff generate the documents the assessment recommends from the patient page.

Each press of a "Generate ..." button stores a new immutable version (HTML, PDF, SHA-256,
the template version and the assessment it was built on); pressing the same button twice
(same request key) stores one. The letters print the patient's data as text, never as
markup or template code, and the ABN never shows the Medicare number.
"""

import hashlib
import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse

from coverage.models import CoveragePolicy
from documents.models import GeneratedDocument, LetterTemplate
from intake.choices import Product, Program
from tests.factories import PatientFactory, complete_intake
from tests.factories_documents import (
    form_fields,
    generate_buttons,
    generate_from_page,
    pdf_text,
)

TODAY = date.today()
LABELS = {
    "abn": "Advance Beneficiary Notice (CMS-R-131)",
    "lmn": "Letter of Medical Necessity",
    "prior_auth": "Prior-authorisation request",
    "patient_explanation": "Patient explanation",
}
INJECTED_NAME = '<b>x</b>{{ 7|add:1 }}{% now "Y" %}'


@pytest.fixture
def original(clinic):
    """IV ketamine under Original Medicare, no augmentation tried: an ABN, LMN and letter."""
    patient = PatientFactory(clinic=clinic, first_name="Agnes", last_name="Holloway")
    return complete_intake(patient)


@pytest.fixture
def advantage(clinic):
    """IV ketamine under Medicare Advantage: prior authorisation, LMN and letter."""
    patient = PatientFactory(clinic=clinic, first_name="Vernon", last_name="Ashdown")
    return complete_intake(patient, program=Program.ADVANTAGE)


@pytest.fixture
def covered(clinic):
    """Esketamine under Original Medicare, every criterion met: no ABN."""
    patient = PatientFactory(clinic=clinic, first_name="Lorna", last_name="Pettigrew")
    return complete_intake(patient, product=Product.ESKETAMINE)


@pytest.fixture
def biller(billing, client_for):
    return client_for(billing)


def download(client, document) -> bytes:
    response = client.get(reverse("documents:document-pdf", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def generate_url(patient) -> str:
    return reverse("documents:document-generate", args=[patient.pk])


@pytest.mark.parametrize(
    ("who", "kind"),
    [
        ("original", "abn"),
        ("original", "lmn"),
        ("original", "patient_explanation"),
        ("advantage", "prior_auth"),
    ],
)
def test_each_recommended_document_is_generated_from_the_patient_page(
    who, kind, biller, page_text, request
):
    patient = request.getfixturevalue(who)

    document = generate_from_page(biller, patient, kind)

    first_view = biller.get(document.get_absolute_url())
    assert f"{LABELS[kind]} version 1 generated." in page_text(first_view)
    page = biller.get(document.get_absolute_url())
    assert page.status_code == 200
    text = page_text(page)
    assert "generated." not in text
    assert f"{LABELS[kind]} version 1" in text
    assert "template v1" in text
    pdf = download(biller, document)
    sha256 = hashlib.sha256(pdf).hexdigest()
    assert f"SHA-256 {sha256}" in text
    letter = pdf_text(pdf)
    assert patient.full_name in letter
    if kind in ("lmn", "prior_auth"):
        # The letters to the payer carry the diagnosis code.
        assert "F33.2" in letter
        assert "Major depressive disorder, recurrent severe without psychotic features" in letter


def test_the_abn_never_shows_the_medicare_number(original, biller):
    mbi = original.coverage.mbi
    abn = generate_from_page(biller, original, "abn")
    lmn = generate_from_page(biller, original, "lmn")

    abn_text = pdf_text(download(biller, abn))

    assert "Advance Beneficiary Notice of Non-coverage (ABN)" in abn_text
    assert f"C. Identification Number: KC-{original.pk:06d}" in abn_text
    assert mbi not in abn_text
    assert mbi not in abn.html
    # The LMN does print it, so the check above can tell the difference.
    assert mbi in pdf_text(download(biller, lmn))


def test_an_edited_abn_template_cannot_print_the_medicare_number(
    original, biller, clinic_admin, client_for
):
    abn_v1 = LetterTemplate.objects.get(kind="abn", version=1)
    body = abn_v1.body.replace(
        "{% block content %}", "{% block content %}<p>Member: {{ coverage.member_id }}</p>", 1
    )
    saved = client_for(clinic_admin).post(
        reverse("admin:documents_lettertemplate_change", args=[abn_v1.pk]),
        {
            "kind": "abn",
            "clinic": original.clinic.pk,
            "change_note": "Show the member id",
            "body": body,
        },
    )
    assert saved.status_code == 302

    abn = generate_from_page(biller, original, "abn")

    # The clinic's own series, started from the shared default (issue 12).
    assert (abn.template.clinic, abn.template.version) == (original.clinic, 1)
    assert original.coverage.mbi not in pdf_text(download(biller, abn))


def test_an_abn_is_refused_when_the_assessment_does_not_recommend_one(covered, biller, page_text):
    page = biller.get(reverse("intake:patient-detail", args=[covered.pk]))
    assert "abn" not in generate_buttons(page)

    response = biller.post(
        generate_url(covered), {"kind": "abn", "request_key": uuid.uuid4().hex}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("intake:patient-detail", args=[covered.pk])
    assert (
        "An ABN is only given when the assessment says Original Medicare is expected to deny "
        "the service." in page_text(response)
    )
    assert not GeneratedDocument.objects.exists()


def test_generating_again_after_an_intake_change_makes_version_2_and_keeps_version_1(
    original, biller, front_desk, client_for, page_text
):
    first = generate_from_page(biller, original, "lmn")
    first_pdf = download(biller, first)
    first_sha = hashlib.sha256(first_pdf).hexdigest()
    assert "aripiprazole" not in pdf_text(first_pdf)

    # Front desk records an augmentation trial on the history step.
    desk = client_for(front_desk)
    step = reverse("intake:intake-step", args=[original.pk, "history"])
    data = form_fields(desk.get(step), containing="trial-2-drug_name")
    data.update(
        {
            "trial-2-kind": "augmentation",
            "trial-2-drug_name": "aripiprazole",
            "trial-2-drug_class": "antipsychotic",
            "trial-2-dose": "5 mg daily",
            "trial-2-start_date": (TODAY - timedelta(weeks=20)).isoformat(),
            "trial-2-end_date": (TODAY - timedelta(weeks=12)).isoformat(),
            "trial-2-adherence": "good",
            "trial-2-outcome": "no_response",
            "trial-2-adequate_dose": "True",
            "trial-2-current_episode": "on",
        }
    )
    assert desk.post(step, data).status_code == 302

    second = generate_from_page(biller, original, "lmn")

    assert (first.version, second.version) == (1, 2)
    assert second.assessment_id != first.assessment_id
    second_page = page_text(biller.get(second.get_absolute_url()))
    assert "Letter of Medical Necessity version 2" in second_page
    assert "aripiprazole" in pdf_text(download(biller, second))
    # Version 1 is exactly what it was: same bytes, same hash on its page.
    assert download(biller, first) == first_pdf
    first_page = page_text(biller.get(first.get_absolute_url()))
    assert f"SHA-256 {first_sha}" in first_page
    assert "Letter of Medical Necessity version 1" in first_page


def test_the_same_request_key_posted_twice_creates_one_document(original, biller, page_text):
    page = biller.get(reverse("intake:patient-detail", args=[original.pk]))
    key = generate_buttons(page)["patient_explanation"]

    first = biller.post(generate_url(original), {"kind": "patient_explanation", "request_key": key})
    second = biller.post(
        generate_url(original), {"kind": "patient_explanation", "request_key": key}, follow=True
    )

    document = GeneratedDocument.objects.get()
    assert first["Location"] == document.get_absolute_url()
    assert second.redirect_chain[-1][0] == document.get_absolute_url()
    assert "That request was already processed; here is the document." in page_text(second)
    assert document.version == 1


def test_a_request_key_reused_for_another_patient_is_refused_not_answered(
    original, advantage, biller, page_text
):
    # Guards: documents.services.replayed. A key belongs to one patient and kind; a copied
    # form must not be answered with the first patient's letter.
    page = biller.get(reverse("intake:patient-detail", args=[original.pk]))
    key = generate_buttons(page)["lmn"]
    biller.post(generate_url(original), {"kind": "lmn", "request_key": key})

    response = biller.post(
        generate_url(advantage), {"kind": "lmn", "request_key": key}, follow=True
    )

    assert "This form was already used for another document." in page_text(response)
    assert response.redirect_chain[-1][0] == reverse("intake:patient-detail", args=[advantage.pk])
    assert not GeneratedDocument.objects.filter(patient=advantage).exists()
    assert GeneratedDocument.objects.filter(patient=original).count() == 1


def test_markup_and_template_code_in_the_name_are_printed_not_run(clinic, biller):
    patient = PatientFactory(clinic=clinic, first_name=INJECTED_NAME, last_name="Quill")
    complete_intake(patient)

    document = generate_from_page(biller, patient, "lmn")

    assert "<b>x</b>" not in document.html
    assert "&lt;b&gt;x&lt;/b&gt;{{ 7|add:1 }}{% now &quot;Y&quot; %} Quill" in document.html
    letter = pdf_text(download(biller, document))
    assert f"{INJECTED_NAME} Quill" in letter


def test_a_generate_button_still_works_after_the_rules_changed(
    original, biller, clinic_admin, client_for
):
    # Regression: generating right after the stored assessment went out of date used to fail
    # (500): the fresh assessment still held the engine's enums, which letters refuse.
    page = biller.get(reverse("intake:patient-detail", args=[original.pk]))
    key = generate_buttons(page)["lmn"]
    # Meanwhile a clinic admin edits the rule this patient is assessed under.
    policy = CoveragePolicy.objects.get(key="iv-ketamine-trd-original", version=1)
    admin = client_for(clinic_admin)
    data = form_fields(
        admin.get(reverse("admin:coverage_coveragepolicy_change", args=[policy.pk])),
        "coveragepolicy_form",
    )
    data["change_note"] = "Clarify the augmentation criterion"
    data.pop("require_augmentation", None)
    assert (
        admin.post(reverse("admin:coverage_coveragepolicy_change", args=[policy.pk]), data)
    ).status_code == 302

    response = biller.post(generate_url(original), {"kind": "lmn", "request_key": key})

    document = GeneratedDocument.objects.get()
    assert response["Location"] == document.get_absolute_url()
    # The admin's edit started the clinic's own series (issue 12): its version 1 is used.
    policy_used = document.assessment.policy
    assert (policy_used.clinic, policy_used.version) == (original.clinic, 1)
    assert policy_used.change_note.endswith("Clarify the augmentation criterion")
