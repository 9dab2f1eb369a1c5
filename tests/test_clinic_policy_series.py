"""Coverage rules are per clinic (issue 12), as letter templates are.

A clinic admin's save of a shipped rule starts that clinic's own version series; the
assessment of that clinic's patients uses it, every other clinic's patients keep the shared
default. Another clinic's versions are neither listed nor opened, and a forged POST naming
another clinic is refused.
"""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from coverage.assessments import current_assessment
from coverage.models import CoveragePolicy
from tests.factories import CLINIC_ADMIN, PatientFactory, UserFactory, complete_intake
from tests.factories_documents import form_fields

KEY = "iv-ketamine-trd-original"


@pytest.fixture
def default_v1(db):
    return CoveragePolicy.objects.get(key=KEY, version=1, clinic=None)


@pytest.fixture
def admin_b(other_clinic):
    return UserFactory(username="adminb", role=CLINIC_ADMIN, clinics=[other_clinic])


def change_url(policy) -> str:
    return reverse("admin:coverage_coveragepolicy_change", args=[policy.pk])


def edit(client, policy, **changes):
    """Open the change page, change fields, and save the whole form as a browser would."""
    page = client.get(change_url(policy))
    assert page.status_code == 200
    data = {**form_fields(page, "coveragepolicy_form"), **changes, "_save": "Save"}
    return client.post(change_url(policy), data)


def failed_trials_status(assessment) -> str:
    criteria = {c["id"]: c for c in assessment.result["criteria"]}
    matching = [c for key, c in criteria.items() if "trial" in key]
    assert matching, sorted(criteria)
    return matching[0]["status"]


def test_clinic_b_rule_edit_applies_to_clinic_b_patients_only(
    clinic, other_clinic, default_v1, admin_b, client_for
):
    patient_a = complete_intake(PatientFactory(clinic=clinic))
    patient_b = complete_intake(PatientFactory(clinic=other_clinic))
    before_b = current_assessment(patient_b)

    response = edit(
        client_for(admin_b), default_v1, min_failed_trials="9", change_note="Nine trials here"
    )

    assert response.status_code == 302
    own = CoveragePolicy.objects.get(key=KEY, clinic=other_clinic)
    assert (own.version, own.min_failed_trials) == (1, 9)
    assert own.change_note == "Copied from the shared default v1. Nine trials here"
    after_a = current_assessment(patient_a)
    after_b = current_assessment(patient_b)
    assert after_a.policy == default_v1
    assert after_b.policy == own
    assert failed_trials_status(before_b) == "met"
    assert failed_trials_status(after_a) == "met"
    assert failed_trials_status(after_b) == "unmet"
    assert CoveragePolicy.objects.get(pk=default_v1.pk).min_failed_trials == (
        default_v1.min_failed_trials
    )


def test_another_clinics_rule_versions_are_not_listed_or_opened(
    clinic, default_v1, admin_b, client_for, page_text
):
    theirs = CoveragePolicy.objects.get(pk=default_v1.pk)
    theirs.pk = None
    theirs.clinic = clinic
    theirs.title = "Lakeside's private rule"
    theirs.save()
    client = client_for(admin_b)

    listing = page_text(client.get(reverse("admin:coverage_coveragepolicy_changelist")))
    opened = client.get(change_url(theirs))

    assert "Lakeside's private rule" not in listing
    assert "Lakeside Ketamine Clinic" not in listing
    assert opened.status_code == 302
    assert b"private rule" not in opened.content


def test_a_forged_post_naming_another_clinic_is_refused(clinic, default_v1, admin_b, client_for):
    response = edit(client_for(admin_b), default_v1, clinic=str(clinic.pk), min_failed_trials="9")

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert CoveragePolicy.objects.filter(key=KEY).count() == 1


def test_a_clinic_admin_cannot_add_a_rule_with_a_shared_key_from_scratch(
    other_clinic, default_v1, admin_b, client_for, page_text
):
    client = client_for(admin_b)
    data = form_fields(client.get(change_url(default_v1)), "coveragepolicy_form")

    response = client.post(
        reverse("admin:coverage_coveragepolicy_add"), {**data, "key": KEY, "_save": "Save"}
    )

    assert response.status_code == 200
    assert "A shared default of this exists" in page_text(response)
    assert not CoveragePolicy.objects.filter(clinic=other_clinic).exists()


def test_version_numbers_stay_unique_per_series_in_the_database(other_clinic, default_v1):
    """Both the defaults (clinic NULL) and each clinic's series have (series, version) unique."""
    copy = CoveragePolicy.objects.get(pk=default_v1.pk)
    copy.pk = None
    copy.clinic = other_clinic
    copy.save()  # clinic B's version 1 beside the default's version 1: allowed

    for clinic in (None, other_clinic):
        again = CoveragePolicy.objects.get(pk=default_v1.pk)
        again.pk = None
        again.clinic = clinic
        with pytest.raises(IntegrityError), transaction.atomic():
            again.save()
