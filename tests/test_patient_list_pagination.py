"""The patient list and its name search come in pages of 25, in name order, for the same
number of queries however many patients the clinic has."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

LIST = "intake:patient-list"


def names(response) -> list[str]:
    return re.findall(r'/patients/\d+/">([^<]+)</a>', response.content.decode())


def query_count(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(LIST), params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_pages_of_25_in_name_order(client_for, front_desk, clinic):
    for n in range(30):
        PatientFactory(clinic=clinic, last_name=f"Zed{n:02d}", first_name="Ann")
    client = client_for(front_desk)

    first = client.get(reverse(LIST))
    second = client.get(reverse(LIST), {"page": 2})

    assert names(first) == [f"Zed{n:02d}, Ann" for n in range(25)]
    assert names(second) == [f"Zed{n:02d}, Ann" for n in range(25, 30)]
    assert "Page 1 of 2" in first.content.decode()


def test_a_name_search_is_paged_too(client_for, front_desk, clinic):
    for n in range(27):
        PatientFactory(clinic=clinic, last_name=f"Quill{n:02d}", first_name="Bo")
    PatientFactory(clinic=clinic, last_name="Other", first_name="Cy")
    client = client_for(front_desk)
    client.post(reverse(LIST), {"q": "quill"})

    second = client.get(reverse(LIST), {"page": 2})

    assert names(second) == ["Quill25, Bo", "Quill26, Bo"]


def test_the_list_and_the_search_cost_the_same_queries_at_any_size(client_for, front_desk, clinic):
    client = client_for(front_desk)
    PatientFactory.create_batch(30, clinic=clinic, last_name="Mossop")
    small = query_count(client), query_count(client, page=2)
    client.post(reverse(LIST), {"q": "mossop"})
    small_search = query_count(client)

    PatientFactory.create_batch(60, clinic=clinic, last_name="Mossop")
    large_search = query_count(client)
    client.post(reverse("intake:clear-search"))

    assert (query_count(client), query_count(client, page=2)) == small
    assert large_search == small_search
