"""One chart per person in a clinic: a Medicare number (MBI) already on one of the clinic's
charts is refused, with a link to that chart; the same legal name and birth date asks first
and goes on only when the user says it is a different person. Other clinics' charts neither
block nor show."""

import re

import pytest
from django.urls import reverse

from intake.models import Coverage, Patient
from tests.factories import CoverageFactory, PatientFactory, current_version
from tests.test_intake_flow import COVERAGE, PATIENT, step_url

MBI = "1EG4TE5MK73"
START = reverse("intake:intake-start")


@pytest.fixture
def desk(client_for, front_desk):
    return client_for(front_desk)


@pytest.fixture
def existing(clinic):
    """Margaret Ellison's chart, with her Medicare number."""
    patient = PatientFactory(
        clinic=clinic, first_name="Margaret", last_name="Ellison", date_of_birth="1952-04-11"
    )
    CoverageFactory(patient=patient, mbi=MBI)
    return patient


def links_in(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', html)


# --- The Medicare number ---------------------------------------------------------------


def test_a_new_chart_with_an_mbi_already_in_the_clinic_is_refused_with_a_link(
    desk, clinic, existing, field_text
):
    response = desk.post(
        START,
        {**PATIENT, "first_name": "Peggy", "clinic": clinic.pk, "mbi": "1eg4-te5-mk73"},
    )

    assert response.status_code == 200
    said = field_text(response, "id_mbi")  # the name is a link: text joined with spaces
    assert "This Medicare number is already on the chart of Margaret Ellison" in said
    assert "born 04/11/1952. Open that chart instead of starting a second one." in said
    block = response.content.decode().split('id="div_id_mbi"')[1].split("</div>\n")[0]
    assert existing.get_absolute_url() in links_in(block)
    assert Patient.objects.count() == 1


def test_the_same_mbi_in_another_clinic_does_not_block_or_show_that_chart(
    desk, clinic, other_clinic
):
    elsewhere = PatientFactory(clinic=other_clinic, first_name="Hidden", last_name="Elsewhere")
    CoverageFactory(patient=elsewhere, mbi=MBI)

    response = desk.post(START, {**PATIENT, "clinic": clinic.pk, "mbi": MBI})

    assert response.status_code == 302
    assert Patient.objects.filter(clinic=clinic).count() == 1
    assert "Elsewhere" not in desk.get(response["Location"]).content.decode()


def test_an_mbi_typed_on_the_new_intake_page_fills_in_the_coverage_step(desk, clinic):
    response = desk.post(START, {**PATIENT, "clinic": clinic.pk, "mbi": "1eg4-te5-mk73"})
    patient = Patient.objects.get()
    assert response["Location"] == step_url(patient, "coverage")

    page = desk.get(step_url(patient, "coverage")).content.decode()
    assert f'value="{MBI}"' in page
    # Kept encrypted in the session, never in the URL.
    assert MBI not in response["Location"]
    assert MBI not in str(dict(desk.session))

    desk.post(step_url(patient, "coverage"), {**COVERAGE, "mbi": MBI, **current_version(patient)})
    assert Coverage.objects.get(patient=patient).mbi == MBI
    assert f'value="{MBI}"' in desk.get(step_url(patient, "coverage")).content.decode()
    assert "intake_carried_mbi" not in desk.session or not desk.session["intake_carried_mbi"]


def test_coverage_with_an_mbi_of_another_chart_of_the_clinic_is_refused_with_a_link(
    desk, clinic, existing, field_text
):
    patient = PatientFactory(clinic=clinic, first_name="Peggy", last_name="Ellison")

    response = desk.post(
        step_url(patient, "coverage"), {**COVERAGE, "mbi": MBI, **current_version(patient)}
    )

    assert response.status_code == 200
    assert "This Medicare number is already on the chart of Margaret Ellison" in field_text(
        response, "id_mbi"
    )
    assert existing.get_absolute_url() in response.content.decode()
    assert not Coverage.objects.filter(patient=patient).exists()


def test_a_chart_keeps_its_own_mbi_when_its_coverage_is_saved_again(desk, existing):
    response = desk.post(
        step_url(existing, "coverage"), {**COVERAGE, "mbi": MBI, **current_version(existing)}
    )

    assert response.status_code == 302


def test_a_name_with_html_is_escaped_in_the_refusal(desk, clinic, field_text):
    odd = PatientFactory(clinic=clinic, first_name="<b>Eve</b>", last_name="Ellison")
    CoverageFactory(patient=odd, mbi=MBI)

    response = desk.post(START, {**PATIENT, "clinic": clinic.pk, "mbi": MBI})

    html = response.content.decode()
    assert "<b>Eve</b>" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt; Ellison" in html


# --- The same name and birth date ---------------------------------------------------------


def test_the_same_name_and_birth_date_asks_first_and_shows_the_chart(
    desk, clinic, existing, page_text
):
    response = desk.post(
        START, {**PATIENT, "first_name": "MARGARET", "middle_name": "", "clinic": clinic.pk}
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Is this a patient the clinic already has?" in text
    assert "Margaret Ellison , born 04/11/1952 · intake in progress" in text  # a link, then text
    assert "tick the box if this is a different person" in text
    assert existing.get_absolute_url() in response.content.decode()
    assert Patient.objects.count() == 1


def test_a_different_person_with_the_same_name_and_birth_date_gets_a_chart_once_confirmed(
    desk, clinic, existing
):
    response = desk.post(START, {**PATIENT, "clinic": clinic.pk, "confirm_new_chart": "on"})

    assert response.status_code == 302
    assert Patient.objects.filter(last_name="Ellison").count() == 2


def test_another_birth_date_or_another_clinic_does_not_ask(desk, clinic, other_clinic, existing):
    PatientFactory(
        clinic=other_clinic, first_name="Ruth", last_name="Ellison", date_of_birth="1952-04-11"
    )

    assert desk.post(START, {**PATIENT, "clinic": clinic.pk, "date_of_birth": "1952-04-12"})[
        "Location"
    ]
    response = desk.post(START, {**PATIENT, "first_name": "Ruth", "clinic": clinic.pk})
    assert response.status_code == 302


def test_editing_a_chart_does_not_ask_about_itself(desk, clinic, existing):
    response = desk.post(
        reverse("intake:patient-edit", args=[existing.pk]),
        {**PATIENT, "clinic": clinic.pk, **current_version(existing)},
    )

    assert response.status_code == 302
