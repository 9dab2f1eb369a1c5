"""ICD-10-CM lookup while typing: `search_icd10` finds billable codes by code prefix or by
words, and intake:icd10-search serves it as JSON to signed-in staff of any clinic, for the
Tom Select widget on the diagnosis code field (static/js/icd10.js)."""

import inspect
import json
import re

import pytest
from django.urls import reverse

from intake.icd10 import search_icd10
from tests.factories import PatientFactory
from tests.test_intake_flow import step_url

URL = reverse("intake:icd10-search")


# --- The search ------------------------------------------------------------------------


def test_the_interface_is_query_and_limit_returning_code_and_description_pairs():
    signature = inspect.signature(search_icd10)
    assert list(signature.parameters) == ["query", "limit"]
    assert signature.parameters["limit"].default == 20
    found = search_icd10("F33.2")
    assert found == [
        ("F33.2", "Major depressive disorder, recurrent severe without psychotic features")
    ]


@pytest.mark.parametrize("query", ["F33", "f33", " F33 "])
def test_a_code_prefix_finds_the_billable_codes_under_it_in_code_order(query):
    codes = [code for code, _ in search_icd10(query)]

    assert codes == [
        "F33.0",
        "F33.1",
        "F33.2",
        "F33.3",
        "F33.40",
        "F33.41",
        "F33.42",
        "F33.8",
        "F33.9",
    ]
    assert "F33" not in codes  # a category, not billable


@pytest.mark.parametrize("query", ["F43.1", "f431", "F43.1 "])
def test_the_dot_is_optional(query):
    assert [code for code, _ in search_icd10(query)] == ["F43.10", "F43.11", "F43.12"]


def test_words_find_descriptions_where_each_word_starts_a_word():
    found = search_icd10("depress recur", limit=50)

    assert found and all(code.startswith("F33") for code, _ in found)
    assert ("F33.1", "Major depressive disorder, recurrent, moderate") in found
    # "recur" starts "recurrent"; "cur" starts no word there.
    assert not any(code.startswith("F33") for code, _ in search_icd10("depress cur"))


def test_words_list_their_matches_in_code_order():
    # The lookup runs over the prebuilt index (intake/icd10.py), which stops at `limit`
    # walking codes in order, so F43.10 (unspecified) comes before F43.11 and F43.12.
    results = search_icd10("post-traumatic stress disorder")

    assert results[0][1].startswith("Post-traumatic stress disorder")
    assert [code for code, _ in results] == sorted(code for code, _ in results)


def test_a_code_prefix_and_words_narrow_each_other():
    found = search_icd10("F43 chronic")

    assert found == [("F43.12", "Post-traumatic stress disorder, chronic")]


def test_the_limit_is_kept():
    assert len(search_icd10("F3", limit=5)) == 5
    assert search_icd10("F3", limit=0) == []


@pytest.mark.parametrize("query", ["", "   ", "...", "zzzzqqq", "<script>", "Z" * 200])
def test_nothing_or_nonsense_finds_nothing(query):
    assert search_icd10(query) == []


# --- The endpoint -----------------------------------------------------------------------


def test_front_desk_gets_codes_as_json(client_for, front_desk):
    response = client_for(front_desk).post(URL, {"q": "f33.4"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == [
        {
            "code": "F33.40",
            "description": "Major depressive disorder, recurrent, in remission, unspecified",
        },
        {
            "code": "F33.41",
            "description": "Major depressive disorder, recurrent, in partial remission",
        },
        {
            "code": "F33.42",
            "description": "Major depressive disorder, recurrent, in full remission",
        },
    ]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["clinician", "billing", "clinic_admin", "other_front_desk"])
def test_every_role_of_every_clinic_may_look_codes_up(request, client_for, persona):
    user = request.getfixturevalue(persona)

    response = client_for(user).post(URL, {"q": "complex regional"})

    assert response.status_code == 200
    assert json.loads(response.content)[0]["code"].startswith("G90.5")


def test_at_most_twenty_codes_and_nothing_for_one_letter(client_for, front_desk):
    client = client_for(front_desk)

    assert len(json.loads(client.post(URL, {"q": "F3"}).content)) == 20
    assert json.loads(client.post(URL, {"q": "F"}).content) == []
    assert json.loads(client.post(URL, {}).content) == []
    assert client.post(URL, {"q": "F33 " * 5000}).status_code == 200


def test_the_query_travels_in_the_body_not_the_url(client_for, front_desk):
    assert client_for(front_desk).get(URL, {"q": "F33"}).status_code == 405


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.post(URL, {"q": "F33"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_is_refused(client_for, no_role_user):
    assert client_for(no_role_user).post(URL, {"q": "F33"}).status_code == 403


# --- The widget --------------------------------------------------------------------------


def test_the_diagnosis_code_field_carries_the_lookup_and_loads_only_our_own_files(
    client_for, front_desk, clinic
):
    patient = PatientFactory(clinic=clinic)

    html = client_for(front_desk).get(step_url(patient, "clinical")).content.decode()

    field = re.search(r'<input[^>]*name="dx-0-code"[^>]*>', html).group(0)
    assert f'data-icd10-search="{URL}"' in field
    assert 'autocomplete="off"' in field
    for asset in (
        "/static/vendor/tom-select/tom-select.base.min.js",
        "/static/vendor/tom-select/tom-select.bootstrap5.min.css",
        "/static/js/icd10.js",
    ):
        assert asset in html, asset
    assert not re.search(r'(src|href)="(https?:)?//', html)
