"""The patient list shows each patient's coverage status, filters by program, status and
intake progress, and sorts by name, birth date and status, at a fixed number of queries."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coverage.models import Assessment
from tests.factories import CoverageFactory, PatientFactory, TreatmentRequestFactory

pytestmark = pytest.mark.django_db

LIST = reverse("intake:patient-list")


@pytest.fixture
def desk(client_for, front_desk):
    return client_for(front_desk)


def assess(patient, determination: str) -> Assessment:
    return Assessment.objects.create(
        patient=patient,
        treatment_request=TreatmentRequestFactory(patient=patient),
        determination=determination,
        assessed_for=date(2026, 1, 5),
        facts={},
        facts_hash="x" * 64,
        result={},
    )


@pytest.fixture
def three(clinic):
    ellison = PatientFactory(
        clinic=clinic, last_name="Ellison", first_name="Ann", date_of_birth=date(1952, 4, 11)
    )
    CoverageFactory(patient=ellison, program="original")
    assess(ellison, "incomplete")
    assess(ellison, "likely_denied")  # the newest one counts
    castillo = PatientFactory(
        clinic=clinic, last_name="Castillo", first_name="Bo", date_of_birth=date(1960, 1, 2)
    )
    CoverageFactory(patient=castillo, program="advantage")
    assess(castillo, "prior_auth_required")
    PatientFactory(
        clinic=clinic, last_name="Nguyen", first_name="Cy", date_of_birth=date(1945, 6, 7)
    )
    return ellison, castillo


def rows(response) -> list[list[str]]:
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def names(response) -> list[str]:
    return [row[0] for row in rows(response)]


def test_each_patient_shows_the_newest_coverage_status_or_not_assessed(desk, three):
    response = desk.get(LIST)

    status = {row[0]: row[3] for row in rows(response)}
    assert status == {
        "Castillo, Bo": "Prior authorisation required",
        "Ellison, Ann": "Medicare is expected to deny",
        "Nguyen, Cy": "not assessed",
    }


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"program": "advantage"}, ["Castillo, Bo"]),
        ({"program": "missing"}, ["Nguyen, Cy"]),
        ({"coverage_status": "likely_denied"}, ["Ellison, Ann"]),
        ({"coverage_status": "none"}, ["Nguyen, Cy"]),
    ],
)
def test_the_list_filters_by_program_and_coverage_status(desk, three, params, expected):
    assert names(desk.get(LIST, params)) == expected


def test_in_progress_only_is_a_checkbox_that_hides_completed_intakes(desk, three, page_text):
    ellison, _ = three
    ellison.intake_completed_at = "2026-01-05T10:00:00Z"
    ellison.save()

    page = desk.get(LIST).content.decode()
    assert re.search(r'<input type="checkbox" name="in_progress"[^>]*id="id_in_progress"', page)
    assert "Intake in progress only" in page_text(desk.get(LIST))
    assert names(desk.get(LIST, {"in_progress": "on"})) == ["Castillo, Bo", "Nguyen, Cy"]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["Castillo, Bo", "Ellison, Ann", "Nguyen, Cy"]),
        ("-name", ["Nguyen, Cy", "Ellison, Ann", "Castillo, Bo"]),
        ("dob", ["Nguyen, Cy", "Ellison, Ann", "Castillo, Bo"]),
        ("-dob", ["Castillo, Bo", "Ellison, Ann", "Nguyen, Cy"]),
        # "likely_denied" < "prior_auth_required"; not assessed comes last either way
        ("status", ["Ellison, Ann", "Castillo, Bo", "Nguyen, Cy"]),
        ("-status", ["Castillo, Bo", "Ellison, Ann", "Nguyen, Cy"]),
        ("nonsense", ["Castillo, Bo", "Ellison, Ann", "Nguyen, Cy"]),
    ],
)
def test_the_list_sorts_by_name_birth_date_and_status(desk, three, sort, expected):
    assert names(desk.get(LIST, {"sort": sort})) == expected


def test_the_sorted_column_says_so_and_keeps_the_filters(desk, three):
    page = desk.get(LIST, {"sort": "dob", "program": "original"}).content.decode()

    sorted_header = re.search(r'aria-sort="ascending"><a href="\?([^"]*)">([^<]+)</a>', page)
    assert sorted_header[2] == "Date of birth"
    assert set(sorted_header[1].split("&amp;")) == {"sort=-dob", "program=original"}
    assert names(desk.get(LIST, {"sort": "dob", "program": "original"})) == ["Ellison, Ann"]


def test_a_filter_that_matches_nobody_says_so(desk, three, page_text):
    assert "No patient matches these filters." in page_text(
        desk.get(LIST, {"coverage_status": "covered"})
    )


def test_pages_keep_the_filters_and_sort(desk, clinic):
    for n in range(30):
        CoverageFactory(
            patient=PatientFactory(clinic=clinic, last_name=f"Zed{n:02d}"), program="advantage"
        )

    page = desk.get(LIST, {"program": "advantage", "sort": "-name"}).content.decode()

    assert "program=advantage&amp;sort=-name&amp;page=2" in page


def test_the_filtered_sorted_list_costs_the_same_queries_at_three_and_thirty(
    desk, clinic, django_assert_max_num_queries
):
    def patient(n):
        p = PatientFactory(clinic=clinic, last_name=f"Q{n:02d}")
        CoverageFactory(patient=p, program="original")
        assess(p, "covered")

    for n in range(3):
        patient(n)
    params = {"program": "original", "sort": "status"}
    with CaptureQueriesContext(connection) as small:
        desk.get(LIST, params)
    for n in range(3, 30):
        patient(n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(names(desk.get(LIST, params))) == 25
