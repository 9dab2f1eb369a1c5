"""Concurrent appends never fork the chain: each waits for the one before it to commit.

Needs real concurrent transactions, so PostgreSQL: SQLite lets one writer in at a time and
the test database there is in memory, shared by threads only through one connection.
"""

import io
import threading
import time
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import RequestFactory

from audit import record_access
from audit.models import AuditEntry
from intake.models import Patient
from tests.factories import ClinicFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent transactions (PostgreSQL); SQLite serialises all writers",
    ),
]

THREADS = 10


def run_at_once(work) -> list[BaseException]:
    """Run work(i) in THREADS threads released together; return what they raised."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def thread(i):
        try:
            barrier.wait(timeout=10)
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=thread, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_ten_patients_created_at_once_leave_a_valid_chain(transactional_db):
    clinic = ClinicFactory()
    before = AuditEntry.objects.count()

    def create_patient(i):
        with transaction.atomic():
            patient = Patient.objects.create(
                clinic=clinic,
                first_name=f"Thread{i}",
                last_name="Concurrent",
                date_of_birth=date(1950, 1, 1 + i),
                sex="F",
                phone="585-555-0100",
                address_line1="1 Elm Road",
                city="Rochester",
                state="NY",
                zip_code="14607",
            )
            time.sleep(0.05)  # stay in the transaction while the others try to append
            patient.phone = "585-555-0101"
            patient.save()

    errors = run_at_once(create_patient)

    assert errors == []
    assert Patient.objects.filter(last_name="Concurrent").count() == THREADS
    assert AuditEntry.objects.filter(model_label="intake.patient", action="create").count() == (
        THREADS
    )
    assert AuditEntry.objects.count() == before + 2 * THREADS
    assert verify().startswith(f"OK: {before + 2 * THREADS} entries verified")
    # Each transaction's two entries are adjacent: nobody appended in between.
    for patient in Patient.objects.filter(last_name="Concurrent"):
        created, updated = AuditEntry.objects.filter(
            model_label="intake.patient", object_id=str(patient.pk)
        ).order_by("id")
        assert updated.previous_hash == created.entry_hash


def test_ten_reads_recorded_at_once_outside_any_transaction(transactional_db):
    user = UserFactory()
    before = AuditEntry.objects.count()

    def read(i):
        request = RequestFactory().get("/")
        request.user = user
        record_access(request, "view", f"report-{i}")

    errors = run_at_once(read)

    assert errors == []
    assert AuditEntry.objects.filter(kind="access").count() == THREADS
    assert verify().startswith(f"OK: {before + THREADS} entries verified")
