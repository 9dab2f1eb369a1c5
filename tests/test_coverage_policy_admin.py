"""Clinic admins edit coverage rules in the admin; every edit is a new version.

Saving the change form stores version N+1 and leaves version N exactly as it was, so an
assessment made under version N can still be explained by it. A rule the engine could not
use is refused on the form with a message next to the field, and nothing is saved. Old
versions can't be deleted.
"""

import json

import pytest
from django.urls import reverse

from coverage.models import Assessment, CoveragePolicy
from tests.factories import PatientFactory, UserFactory, complete_intake
from tests.factories_documents import element_text, form_fields, table_rows

KEY = "iv-ketamine-trd-original"
TITLE = (
    "IV racemic ketamine for treatment-resistant depression (off-label) - "
    "Original Medicare (Part B)"
)


@pytest.fixture
def policy(db):
    return CoveragePolicy.objects.get(key=KEY, version=1)


@pytest.fixture
def superuser(db):
    """The shared defaults are edited by superusers (a clinic admin's edit starts their
    clinic's own series: tests/test_clinic_policy_series.py)."""
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(superuser, client_for):
    return client_for(superuser)


def change_url(policy) -> str:
    return reverse("admin:coverage_coveragepolicy_change", args=[policy.pk])


def edit(client, policy, **changes):
    """Open the policy's change page, change some fields, and save the whole form."""
    response = client.get(change_url(policy))
    assert response.status_code == 200
    data = form_fields(response, "coveragepolicy_form")
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)  # an unticked checkbox is not sent
        else:
            data[name] = value
    return client.post(change_url(policy), {**data, "_save": "Save"})


def test_editing_a_policy_saves_version_2_and_leaves_version_1_unchanged(
    policy, admin_client, superuser, page_text
):
    before = policy.as_dict()

    response = edit(
        admin_client, policy, min_failed_trials="3", change_note="Plan asks for three trials"
    )

    assert response.status_code == 302
    shown = admin_client.get(response["Location"])
    assert "Saved as version 2; earlier versions are kept." in page_text(shown)
    versions = CoveragePolicy.objects.filter(key=KEY).order_by("version")
    assert [p.version for p in versions] == [1, 2]
    old, new = versions
    assert old.pk == policy.pk
    assert old.as_dict() == before
    assert old.min_failed_trials == 2
    assert old.change_note != "Plan asks for three trials"
    assert new.min_failed_trials == 3
    assert new.change_note == "Plan asks for three trials"
    assert new.created_by == superuser
    assert {
        k: v for k, v in new.as_dict().items() if k not in ("version", "min_failed_trials")
    } == {k: v for k, v in before.items() if k not in ("version", "min_failed_trials")}
    # The list shows both versions; the current rules use the new one.
    listing = admin_client.get(reverse("admin:coverage_coveragepolicy_changelist") + f"?q={KEY}")
    assert [row[:3] for row in table_rows(listing)] == [[TITLE, KEY, "2"], [TITLE, KEY, "1"]]
    assert CoveragePolicy.objects.current().get(key=KEY).version == 2


def test_an_assessment_made_before_the_edit_still_uses_version_1(
    policy, clinic, billing, admin_client, client_for, page_text
):
    patient = PatientFactory(clinic=clinic, first_name="Walter", last_name="Quimby")
    complete_intake(patient)  # IV ketamine, TRD, Original Medicare; no augmentation tried
    biller = client_for(billing)
    page = page_text(biller.get(reverse("intake:patient-detail", args=[patient.pk])))
    # Augmentation rests on typical payer practice in version 1: advice, not a denial
    # (shared/reference/medicare.md §G).
    assert "Medical-necessity review expected" in page
    assert "document an augmentation trial" in page
    assert f"Rule: {TITLE} (version 1)" in page
    (before_edit,) = Assessment.objects.filter(patient=patient)

    # Say the patient's contractor publishes an article that asks for augmentation: the
    # admin names that source, and the same unmet criterion now denies.
    sources = {**policy.criteria_sources, "augmentation": "contractor"}
    response = edit(admin_client, policy, criteria_sources=json.dumps(sources))
    assert response.status_code == 302

    page = page_text(biller.get(reverse("intake:patient-detail", args=[patient.pk])))
    assert f"Rule: {TITLE} (version 2)" in page
    assert "Medicare is expected to deny" in page
    assert "An augmentation trial (e.g. antipsychotic, lithium) failed this episode" in page
    history = table_rows(biller.get(reverse("coverage:assessment-history", args=[patient.pk])))
    assert [row[2] for row in history] == [f"{TITLE} v2", f"{TITLE} v1"]
    assert [row[1] for row in history] == [
        "Medicare is expected to deny",
        "Medical-necessity review expected",
    ]
    before_edit.refresh_from_db()
    assert before_edit.policy == policy
    assert before_edit.policy.version == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("severity", '{"xyz": 3}', "instrument must be one of"),
        ("severity", '{"phq9": -1}', "must be a whole number >= 0"),
        ("effective_to", "2016-01-01", "is before effective_from"),
        ("citations", "[]", "is required"),
    ],
)
def test_an_invalid_policy_is_refused_next_to_the_field_and_nothing_is_saved(
    field, value, message, policy, admin_client, page_text
):
    before = policy.as_dict()

    response = edit(admin_client, policy, **{field: value})

    assert response.status_code == 200
    assert "Please correct the error below." in page_text(response)
    assert message in (element_text(response, f"id_{field}_error") or "")
    assert list(CoveragePolicy.objects.filter(key=KEY).values_list("version", flat=True)) == [1]
    policy.refresh_from_db()
    assert policy.as_dict() == before


def test_a_policy_version_cannot_be_deleted(policy, admin_client, page_text):
    change_page = admin_client.get(change_url(policy))
    assert change_page.status_code == 200
    assert "Delete" not in page_text(change_page)
    assert reverse("admin:coverage_coveragepolicy_delete", args=[policy.pk]) not in (
        change_page.content.decode()
    )

    listing = admin_client.get(reverse("admin:coverage_coveragepolicy_changelist"))
    assert "delete_selected" not in listing.content.decode()

    delete_url = reverse("admin:coverage_coveragepolicy_delete", args=[policy.pk])
    assert admin_client.get(delete_url).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert CoveragePolicy.objects.filter(pk=policy.pk).exists()
