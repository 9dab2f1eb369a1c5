"""Enclosure positions are numbered under a lock on the appeal and unique per appeal
(issue 12, "Integrity": 20 simultaneous uploads left 5 duplicate positions)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from appeals.models import Appeal, Enclosure
from tests.factories import BILLING, ClinicFactory, PatientFactory, UserFactory
from tests.factories_appeals import AppealFactory, EnclosureFactory, blank_pdf
from tests.reference_data import reseed_reference_data
from tests.test_concurrency_postgres import THREADS, run_together, signed_in


@pytest.mark.django_db
def test_two_enclosures_cannot_share_a_position(clinic):
    appeal = AppealFactory(denial__claim__patient=PatientFactory(clinic=clinic))
    EnclosureFactory(appeal=appeal, position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnclosureFactory(appeal=appeal, position=1)


@pytest.mark.django_db
def test_uploads_are_numbered_one_after_another(client_for, billing, clinic):
    appeal = AppealFactory(
        denial__claim__patient=PatientFactory(clinic=clinic), status=Appeal.Status.READY
    )
    client = client_for(billing)
    for n in range(3):
        client.post(
            reverse("appeals:appeal-enclosure", args=[appeal.pk]),
            {"title": f"Record {n}", "file": SimpleUploadedFile("r.pdf", blank_pdf(1))},
        )
    assert list(appeal.enclosures.values_list("position", flat=True)) == [1, 2, 3]


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs real concurrent transactions (PostgreSQL); SQLite serialises every writer",
)
def test_twenty_simultaneous_uploads_get_positions_1_to_20(transactional_db):
    reseed_reference_data()
    clinic = ClinicFactory(name="Lakeside Ketamine Clinic")
    billing = UserFactory(username="billing", role=BILLING, clinics=[clinic])
    appeal = AppealFactory(
        denial__claim__patient=PatientFactory(clinic=clinic), status=Appeal.Status.READY
    )
    url = reverse("appeals:appeal-enclosure", args=[appeal.pk])
    clients = signed_in(billing)
    pdf = blank_pdf(1)

    outcome = run_together(
        lambda i: clients[i].post(
            url, {"title": f"Record {i}", "file": SimpleUploadedFile(f"r{i}.pdf", pdf)}
        )
    )

    assert outcome.raised == []
    assert [r.status_code for r in outcome.results] == [302] * THREADS
    positions = sorted(Enclosure.objects.filter(appeal=appeal).values_list("position", flat=True))
    assert positions == list(range(1, THREADS + 1))
