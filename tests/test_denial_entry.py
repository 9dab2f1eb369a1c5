"""Billing records a denied claim on one page: the claim, its denied line and the notice.

A good entry lands on the denial page with the reason code spelled out and the first
level's deadline with its source; a bad one is refused next to the field that is wrong,
and nothing at all is saved.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Claim, ClaimLine, Denial
from appeals.remittance_codes import carc
from tests.factories import PatientFactory, ProviderFactory


def iso(day) -> str:
    return day.isoformat()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Dorothy", last_name="Carver", complete=True)


@pytest.fixture
def url(patient):
    return reverse("appeals:denial-new", args=[patient.pk])


@pytest.fixture
def entry(provider, today):
    """What billing copies from a Medicare Summary Notice, as the form posts it."""
    return {
        "provider": str(provider.pk),
        "claim_number": "22612345678901",
        "service_date": iso(today - timedelta(days=30)),
        "code": "J3490",
        "modifiers": "",
        "units": "1",
        "billed_amount": "850.00",
        "allowed_amount": "",
        "diagnosis_codes": "F33.2",
        "notice_type": "msn",
        "notice_date": iso(today - timedelta(days=20)),
        "decided_by": "Noridian JE Part B",
        "adjustment": "CO-50",
        "rarc_codes": "N115",
        "denied_amount": "850.00",
    }


def assert_nothing_saved():
    assert Claim.objects.count() == 0
    assert ClaimLine.objects.count() == 0
    assert Denial.objects.count() == 0


def test_the_form_is_prefilled_with_the_patients_diagnoses(billing, client_for, url, field_text):
    response = client_for(billing).get(url)

    assert response.status_code == 200
    assert response.context["form"]["diagnosis_codes"].value() == "F33.2"
    assert "ICD-10-CM codes on the claim" in field_text(response, "id_diagnosis_codes")


def test_a_denial_is_entered_in_one_post(billing, client_for, url, entry, patient, provider, today):
    entry.update(diagnosis_codes="f332", modifiers="ga kx", adjustment="co 50, CO-167")

    response = client_for(billing).post(url, entry)

    denial = Denial.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:denial-detail", args=[denial.pk])
    claim = denial.claim
    assert (claim.patient, claim.provider, claim.created_by) == (patient, provider, billing)
    assert claim.claim_number == "22612345678901"
    assert claim.service_from == claim.service_to == today - timedelta(days=30)
    assert claim.diagnosis_codes == "F33.2"
    line = claim.lines.get()
    assert (line.code, line.modifiers, line.units) == ("J3490", "GA, KX", 1)
    assert str(line.billed_amount) == "850.00"
    assert line.allowed_amount is None
    assert line.diagnosis_pointers == "1"
    assert denial.notice_type == Denial.NoticeType.MSN
    assert denial.notice_date == today - timedelta(days=20)
    assert (denial.group_code, denial.carc_codes, denial.rarc_codes) == ("CO", "50, 167", "N115")
    assert str(denial.denied_amount) == "850.00"
    assert denial.created_by == billing


def test_the_denial_page_explains_the_code_and_gives_the_first_deadline(
    billing, client_for, url, entry, today, page_text
):
    response = client_for(billing).post(url, entry, follow=True)

    text = page_text(response)
    assert response.status_code == 200
    assert "Denial recorded. Check the deadline and start the appeal." in text
    assert (
        "Medicare Summary Notice (MSN) of " + (today - timedelta(days=20)).strftime("%m/%d/%Y")
        in text
    )
    assert "Decided by Noridian JE Part B · denied $850.00 · claim 22612345678901" in text
    assert f"CO-50 {carc('50').description}" in text
    assert "not deemed a 'medical necessity' by the payer" in text
    assert "N115 This decision was based on a Local Coverage Determination (LCD)." in text
    # 42 CFR 405.942(a): 120 days from receipt, presumed 5 days after the notice date.
    deadline = today - timedelta(days=20) + timedelta(days=5) + timedelta(days=120)
    assert "First level: Medicare Redetermination Request" in text
    assert f"Filing deadline (regulation) {deadline:%A %m/%d/%Y}" in text
    assert "42 CFR 405.942(a), (a)(1)-(2)" in text
    assert "Form CMS-20027" in text
    assert "Start the appeal" in text


BAD_INPUT = [
    pytest.param(
        {"adjustment": "CO-999"},
        "adjustment",
        "CARC 999 is not in the bundled code list.",
        id="unknown-carc",
    ),
    pytest.param(
        {"adjustment": "XX-50"},
        "adjustment",
        "Group code XX is not one of CO, PR, OA or PI.",
        id="bad-group-code",
    ),
    pytest.param(
        {"adjustment": "CO-50, PR-1"},
        "adjustment",
        "Enter one group code for the denied line",
        id="two-group-codes",
    ),
    pytest.param(
        {"adjustment": "medical necessity"},
        "adjustment",
        "e.g. CO-50",
        id="unparseable-adjustment",
    ),
    pytest.param(
        {"rarc_codes": "N115, N9999"},
        "rarc_codes",
        "RARC N9999 is not in the bundled code list.",
        id="unknown-rarc",
    ),
    pytest.param({"code": "J349"}, "code", "is not a HCPCS or CPT code", id="short-hcpcs"),
    pytest.param({"code": "ABCDE"}, "code", "is not a HCPCS or CPT code", id="letters-hcpcs"),
    pytest.param(
        {"diagnosis_codes": "F33"},
        "diagnosis_codes",
        "F33 is a category, not a billable code",
        id="non-billable-icd10",
    ),
    pytest.param(
        {"diagnosis_codes": "F33.2, 123"},
        "diagnosis_codes",
        "An ICD-10-CM code is a letter",
        id="malformed-icd10",
    ),
    pytest.param(
        {"modifiers": "G"},
        "modifiers",
        "Modifiers are two characters each, e.g. GA or KX.",
        id="one-letter-modifier",
    ),
    pytest.param(
        {"modifiers": "GA, KX1"},
        "modifiers",
        "Modifiers are two characters each",
        id="three-letter-modifier",
    ),
    pytest.param(
        {"billed_amount": "-1.00", "denied_amount": "0"},
        "billed_amount",
        "Ensure this value is greater than or equal to 0.",
        id="negative-billed",
    ),
    pytest.param(
        {"denied_amount": "-5"},
        "denied_amount",
        "Ensure this value is greater than or equal to 0.",
        id="negative-denied",
    ),
    pytest.param(
        {"allowed_amount": "-0.01"},
        "allowed_amount",
        "Ensure this value is greater than or equal to 0.",
        id="negative-allowed",
    ),
    pytest.param(
        {"billed_amount": "500.00", "denied_amount": "850.00"},
        "denied_amount",
        "The denied amount can't exceed the billed amount.",
        id="denied-over-billed",
    ),
    pytest.param(
        {"units": "0"},
        "units",
        "Ensure this value is greater than or equal to 1.",
        id="zero-units",
    ),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    billing, client_for, url, entry, change, field, message, field_text
):
    entry.update(change)

    response = client_for(billing).post(url, entry)

    assert response.status_code == 200
    assert message in field_text(response, f"id_{field}")
    assert_nothing_saved()


DATE_PROBLEMS = [
    pytest.param(
        lambda today, dob: {"service_date": today + timedelta(days=1), "notice_date": today},
        "service_date",
        "The date of service can't be in the future.",
        id="future-service",
    ),
    pytest.param(
        lambda today, dob: {"service_date": dob - timedelta(days=1)},
        "service_date",
        "The date of service is before the patient's birth.",
        id="service-before-birth",
    ),
    pytest.param(
        lambda today, dob: {
            "service_date": today - timedelta(days=10),
            "notice_date": today - timedelta(days=11),
        },
        "notice_date",
        "The notice can't be dated before the service.",
        id="notice-before-service",
    ),
    pytest.param(
        lambda today, dob: {"notice_date": today + timedelta(days=1)},
        "notice_date",
        "The notice date can't be in the future.",
        id="future-notice",
    ),
]


@pytest.mark.parametrize(("dates", "field", "message"), DATE_PROBLEMS)
def test_impossible_dates_are_refused_next_to_their_field_and_nothing_is_saved(
    billing, client_for, url, entry, patient, today, dates, field, message, field_text
):
    entry.update({k: iso(v) for k, v in dates(today, patient.date_of_birth).items()})

    response = client_for(billing).post(url, entry)

    assert response.status_code == 200
    assert message in field_text(response, f"id_{field}")
    assert_nothing_saved()


def test_the_notice_may_be_dated_the_day_of_service(billing, client_for, url, entry, today):
    entry.update(service_date=iso(today), notice_date=iso(today))

    response = client_for(billing).post(url, entry)

    assert response.status_code == 302
    assert Denial.objects.get().notice_date == today


def test_another_clinics_provider_cannot_be_chosen(
    billing, client_for, url, entry, other_clinic, field_text
):
    stranger = ProviderFactory(clinic=other_clinic)
    entry["provider"] = str(stranger.pk)

    response = client_for(billing).post(url, entry)

    assert response.status_code == 200
    assert "Select a valid choice." in field_text(response, "id_provider")
    assert_nothing_saved()


def test_html_in_the_deciding_contractor_is_shown_as_text(
    billing, client_for, url, entry, page_text
):
    entry["decided_by"] = '<script>alert("mac")</script><b>Noridian</b>'

    response = client_for(billing).post(url, entry, follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(" not in html
    assert "<b>Noridian</b>" not in html
    assert "&lt;script&gt;alert(&quot;mac&quot;)&lt;/script&gt;&lt;b&gt;Noridian&lt;/b&gt;" in html
    assert 'Decided by <script>alert("mac")</script><b>Noridian</b>' in page_text(response)


def test_ga_and_gz_on_the_same_line_are_refused(billing, client_for, url, entry, field_text):
    entry["modifiers"] = "GA GZ"

    response = client_for(billing).post(url, entry)

    assert response.status_code == 200
    assert "GA and GZ can't be on the same line" in field_text(response, "id_modifiers")
    assert_nothing_saved()


def test_twelve_diagnosis_codes_the_form_accepts_are_stored_whole(billing, client_for, url, entry):
    # A CMS-1500 carries up to twelve diagnoses (A-L); typed without dots or spaces.
    codes = "Z79899 F17210 F17290 F10230 Z91190 Z79891 R45851 T43591A G4700 F1120 F32A F332"
    codes = codes.split()
    entry["diagnosis_codes"] = ",".join(codes)
    assert len(entry["diagnosis_codes"]) <= 100

    response = client_for(billing).post(url, entry)

    claim = Claim.objects.get()
    assert response.status_code == 302
    assert len(claim.diagnosis_list) == 12
    assert len(claim.diagnosis_codes) <= Claim._meta.get_field("diagnosis_codes").max_length
