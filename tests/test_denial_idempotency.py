"""Denial entry is idempotent: one rendered form stores one claim and one denial, however many
times (or however simultaneously) it is submitted (issue 12, "Integrity": 20 identical posts
created 20 claims)."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appeals.models import Claim, Denial
from tests.factories import BILLING, ClinicFactory, PatientFactory, ProviderFactory, UserFactory
from tests.reference_data import reseed_reference_data
from tests.test_concurrency_postgres import THREADS, run_together, signed_in


def entry(provider, **overrides) -> dict:
    today = timezone.localdate()
    return {
        "provider": str(provider.pk),
        "claim_number": "22612345678901",
        "service_date": (today - timedelta(days=30)).isoformat(),
        "code": "J3490",
        "modifiers": "",
        "units": "1",
        "billed_amount": "850.00",
        "allowed_amount": "",
        "diagnosis_codes": "F33.2",
        "notice_type": "msn",
        "notice_date": (today - timedelta(days=20)).isoformat(),
        "decided_by": "Noridian JE Part B",
        "adjustment": "CO-50",
        "rarc_codes": "N115",
        "denied_amount": "850.00",
        **overrides,
    }


@pytest.mark.django_db
def test_the_form_carries_a_fresh_one_time_key(client_for, billing, clinic):
    patient = PatientFactory(clinic=clinic, complete=True)
    url = reverse("appeals:denial-new", args=[patient.pk])
    keys = [
        re.search(r'name="request_key" value="(\w+)"', client_for(billing).get(url).text).group(1)
        for _ in range(2)
    ]
    assert keys[0] != keys[1]


@pytest.mark.django_db
def test_submitting_the_same_form_twice_stores_one_denial(client_for, billing, clinic, provider):
    patient = PatientFactory(clinic=clinic, complete=True)
    url = reverse("appeals:denial-new", args=[patient.pk])
    client = client_for(billing)
    data = entry(provider, request_key=uuid.uuid4().hex)

    first = client.post(url, data)
    second = client.post(url, data, follow=True)

    denial = Denial.objects.get()
    assert Claim.objects.count() == 1
    assert first["Location"] == denial.get_absolute_url()
    assert second.redirect_chain[-1][0] == denial.get_absolute_url()
    assert "That denial was already recorded; here it is." in second.text


@pytest.mark.django_db
def test_a_new_form_records_a_second_denial(client_for, billing, clinic, provider):
    patient = PatientFactory(clinic=clinic, complete=True)
    url = reverse("appeals:denial-new", args=[patient.pk])
    client = client_for(billing)
    client.post(url, entry(provider, request_key=uuid.uuid4().hex))
    client.post(url, entry(provider, request_key=uuid.uuid4().hex))
    assert Denial.objects.count() == 2


@pytest.mark.django_db
def test_a_key_used_for_another_patient_is_refused(client_for, billing, clinic, provider):
    key = uuid.uuid4().hex
    first, second = (PatientFactory(clinic=clinic, complete=True) for _ in range(2))
    client = client_for(billing)
    client.post(reverse("appeals:denial-new", args=[first.pk]), entry(provider, request_key=key))

    response = client.post(
        reverse("appeals:denial-new", args=[second.pk]), entry(provider, request_key=key)
    )

    assert response.status_code == 200
    assert "This form was already used for another patient" in response.text
    assert Denial.objects.get().claim.patient == first


# --- Simultaneous submissions (PostgreSQL) ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent transactions (PostgreSQL); SQLite serialises every writer",
)
def test_twenty_simultaneous_identical_posts_store_one_claim_and_denial(transactional_db):
    reseed_reference_data()
    clinic = ClinicFactory(name="Lakeside Ketamine Clinic")
    billing = UserFactory(username="billing", role=BILLING, clinics=[clinic])
    provider = ProviderFactory(clinic=clinic)
    patient = PatientFactory(clinic=clinic, complete=True)
    url = reverse("appeals:denial-new", args=[patient.pk])
    data = entry(provider, request_key=uuid.uuid4().hex)
    clients = signed_in(billing)

    outcome = run_together(lambda i: clients[i].post(url, data))

    assert outcome.raised == []
    denial = Denial.objects.get()
    assert Claim.objects.count() == 1
    assert [r.status_code for r in outcome.results] == [302] * THREADS
    assert {r["Location"] for r in outcome.results} == {denial.get_absolute_url()}
