"""The patient list: one search box for names, birth dates and Medicare numbers.

The search text is PHI, so it is POSTed and kept in the session: it must never show up
in a URL (redirects, links, pagination). Users only ever see their own clinic's patients.
"""

import re
from datetime import date

import pytest
from django.urls import reverse

from tests.factories import FRONT_DESK, CoverageFactory, PatientFactory, UserFactory

LIST = reverse("intake:patient-list")


@pytest.fixture
def desk(client_for, front_desk):
    return client_for(front_desk)


@pytest.fixture
def patients(clinic):
    """Three patients of the personas' clinic, one with Medicare coverage on file."""
    ellison = PatientFactory(
        clinic=clinic, first_name="Margaret", last_name="Ellison", date_of_birth=date(1952, 4, 11)
    )
    CoverageFactory(patient=ellison, mbi="1EG4TE5MK73")
    castillo = PatientFactory(
        clinic=clinic, first_name="Robert", last_name="Castillo", date_of_birth=date(1949, 9, 2)
    )
    nguyen = PatientFactory(
        clinic=clinic, first_name="Dorothy", last_name="Nguyen", date_of_birth=date(1955, 1, 23)
    )
    return {"ellison": ellison, "castillo": castillo, "nguyen": nguyen}


def search(client, text: str):
    """Search as the page does: POST the box, follow the redirect back to the list."""
    posted = client.post(LIST, {"q": text})
    assert posted.status_code == 302
    assert posted["Location"] == LIST  # the text is not carried in the redirect
    return client.get(LIST)


def listed_names(response) -> list[str]:
    return re.findall(r'<a href="/patients/\d+/">([^<]+)</a>', response.content.decode())


def urls_on(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'(?:href|action|formaction|src)="([^"]*)"', html)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ellison", ["Ellison, Margaret"]),
        ("ELLI", ["Ellison, Margaret"]),
        ("marg", ["Ellison, Margaret"]),
        ("Margaret Ellison", ["Ellison, Margaret"]),
        ("ell marg", ["Ellison, Margaret"]),
        ("o", ["Castillo, Robert", "Ellison, Margaret", "Nguyen, Dorothy"]),
        ("  castillo  ", ["Castillo, Robert"]),
    ],
)
def test_search_by_partial_name_ignores_case(desk, patients, text, expected):
    assert listed_names(search(desk, text)) == expected


@pytest.mark.parametrize("text", ["04/11/1952", "1952-04-11", "04-11-1952"])
def test_search_by_date_of_birth(desk, patients, text):
    assert listed_names(search(desk, text)) == ["Ellison, Margaret"]


def test_search_by_date_of_birth_with_a_two_digit_year(desk, patients):
    assert listed_names(search(desk, "04/11/52")) == ["Ellison, Margaret"]


@pytest.mark.parametrize("text", ["1EG4TE5MK73", "1eg4-te5-mk73", "1EG4 TE5 MK73"])
def test_search_by_medicare_number_with_dashes_or_lower_case(desk, patients, text):
    assert listed_names(search(desk, text)) == ["Ellison, Margaret"]


def test_a_search_with_no_match_says_so(desk, patients, page_text):
    response = search(desk, "Zebulon")

    assert listed_names(response) == []
    assert "No patient matches “Zebulon”" in page_text(response)


def test_the_search_is_kept_until_cleared(desk, patients):
    search(desk, "castillo")

    assert listed_names(desk.get(LIST)) == ["Castillo, Robert"]

    cleared = desk.post(reverse("intake:clear-search"))
    assert cleared["Location"] == LIST
    assert len(listed_names(desk.get(LIST))) == 3


@pytest.mark.parametrize("text", ["Ellison", "04/11/1952", "1eg4-te5-mk73"])
def test_search_text_never_appears_in_any_url(desk, patients, clinic, text):
    # Enough matches for a second page, so pagination links are on the page too.
    for _ in range(26):
        patient = PatientFactory(
            clinic=clinic, last_name="Ellison", date_of_birth=date(1952, 4, 11)
        )
        CoverageFactory(patient=patient, mbi="1EG4TE5MK73")

    first = search(desk, text)
    second = desk.get(LIST, {"page": 2})

    assert len(listed_names(first)) == 25
    assert len(listed_names(second)) == 2
    for response in (first, second):
        assert response.request["QUERY_STRING"] in ("", "page=2")
        for url in urls_on(response):
            for fragment in {text, text.upper(), "Ellison", "1952", "1EG4", "1eg4"}:
                assert fragment not in url, (url, fragment)


def test_26_patients_make_two_pages(desk, clinic, page_text):
    for n in range(26):
        PatientFactory(clinic=clinic, last_name=f"Patient{n:02d}")

    first = desk.get(LIST)
    second = desk.get(LIST, {"page": 2})

    assert len(listed_names(first)) == 25
    assert "Page 1 of 2" in page_text(first)
    assert 'href="?page=2"' in first.content.decode()
    assert len(listed_names(second)) == 1
    assert "Page 2 of 2" in page_text(second)
    assert 'href="?page=1"' in second.content.decode()
    assert set(listed_names(first)).isdisjoint(listed_names(second))


def test_an_out_of_range_page_shows_the_last_page(desk, clinic, page_text):
    for _ in range(26):
        PatientFactory(clinic=clinic)

    assert "Page 2 of 2" in page_text(desk.get(LIST, {"page": 99}))
    assert "Page 1 of 2" in page_text(desk.get(LIST, {"page": "x"}))


# Session read and save (with its savepoint), the user, their permissions and groups, the
# count and the page of patients: a fixed number, however many patients there are. A
# per-row query would add at least 5 here even in the smaller case.
MAX_LIST_QUERIES = 10


@pytest.mark.parametrize("count", [5, 30])
def test_the_list_query_count_does_not_grow_with_the_number_of_patients(
    desk, clinic, django_assert_max_num_queries, count
):
    for n in range(count):
        patient = PatientFactory(clinic=clinic)
        if n % 2:
            CoverageFactory(patient=patient)
    desk.get(LIST)  # warm the session and the permission cache

    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = desk.get(LIST)

    assert len(listed_names(response)) == min(count, 25)


def test_the_list_with_coverage_shows_program_and_masked_mbi_only(desk, patients, page_text):
    text = page_text(desk.get(LIST))

    assert "Original Medicare (Part A/B)" in text
    assert "•••••••MK73" in text
    assert "1EG4TE5MK73" not in text
    assert "not entered" in text


def test_users_only_see_their_own_clinics_patients(desk, patients, other_clinic):
    stranger = PatientFactory(clinic=other_clinic, first_name="Ellis", last_name="Outsider")
    CoverageFactory(patient=stranger, mbi="9AA0A00AA00")

    assert "Outsider, Ellis" not in listed_names(desk.get(LIST))
    assert listed_names(search(desk, "Outsider")) == []
    assert listed_names(search(desk, "9AA0A00AA00")) == []
    assert listed_names(search(desk, stranger.date_of_birth.strftime("%m/%d/%Y"))) == []


def test_staff_of_two_clinics_see_both_clinics_patients_once(client_for, clinic, other_clinic):
    both = UserFactory(role=FRONT_DESK, clinics=[clinic, other_clinic])
    PatientFactory(clinic=clinic, first_name="Ada", last_name="Here")
    PatientFactory(clinic=other_clinic, first_name="Bea", last_name="There")

    assert listed_names(client_for(both).get(LIST)) == ["Here, Ada", "There, Bea"]


@pytest.mark.parametrize(
    "name, extra",
    [
        ("intake:patient-detail", []),
        ("intake:patient-edit", []),
        ("intake:intake-step", ["coverage"]),
        ("intake:intake-step", ["request"]),
        ("intake:intake-review", []),
    ],
)
def test_another_clinics_patient_is_not_found(desk, other_clinic, name, extra):
    stranger = PatientFactory(clinic=other_clinic, complete=True)

    url = reverse(name, args=[stranger.pk, *extra])

    assert desk.get(url).status_code == 404
    assert desk.post(url).status_code == 404


def test_home_lists_only_the_users_clinics_intakes_in_progress(desk, clinic, other_clinic):
    PatientFactory(clinic=clinic, first_name="Ada", last_name="Inprogress")
    PatientFactory(clinic=clinic, first_name="Cy", last_name="Finished", complete=True)
    PatientFactory(clinic=other_clinic, first_name="Bea", last_name="Elsewhere")

    html = desk.get(reverse("home")).content.decode()

    assert "Ada Inprogress" in html
    assert "Finished" not in html
    assert "Elsewhere" not in html


def test_patient_pages_are_never_kept_in_a_browser_or_proxy_cache(desk, patients):
    for url in (LIST, patients["ellison"].get_absolute_url()):
        assert "no-store" in desk.get(url)["Cache-Control"]
