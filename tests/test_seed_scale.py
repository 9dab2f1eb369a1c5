"""`seed_demo --scale N` fills the demo clinic to N patients with letters, denials, appeals
and audit entries in proportion; the Medicare numbers are encrypted and searchable, the
audit chain still verifies, and plain `seed_demo` is unchanged."""

import io

import pytest
from django.core.management import call_command

from appeals.models import Appeal
from audit.models import AuditEntry
from documents.models import GeneratedDocument
from intake.models import Clinic, Coverage, Patient
from intake.search import filter_patients

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_plain_seed_demo_still_makes_the_thirteen_story_patients():
    seed()
    assert Patient.objects.count() == 13
    assert not Appeal.objects.exists()


def test_scale_fills_the_clinic_with_records_in_proportion(settings):
    output = seed("--scale", "50")

    clinic = Clinic.objects.get()
    assert clinic.patients.count() == 50
    assert "Demo data ready (50 new patients)" in output
    scaled = Patient.objects.filter(last_name__in=["Abbott", "Barnes"])
    assert GeneratedDocument.objects.filter(patient__in=scaled).count() >= 10
    assert Appeal.objects.count() == (50 - 13 + 4) // 5
    assert AuditEntry.objects.filter(action="view", model_label="intake.patient").count() == 37


def test_scaled_medicare_numbers_are_encrypted_and_found_by_search(settings):
    seed("--scale", "30")
    coverage = Coverage.objects.order_by("-id").first()

    found = filter_patients(Patient.objects.all(), coverage.mbi)

    assert list(found) == [coverage.patient]
    assert len(set(Coverage.objects.values_list("mbi_index", flat=True))) == 30


def test_seeded_letters_open_as_pdfs_and_the_audit_chain_verifies():
    seed("--scale", "20")
    document = GeneratedDocument.objects.order_by("-id").first()
    out = io.StringIO()

    call_command("verify_audit", stdout=out)

    assert document.read_pdf().startswith(b"%PDF-")
    assert out.getvalue().startswith("OK")


def test_running_scale_twice_adds_nothing():
    seed("--scale", "20")
    output = seed("--scale", "20")
    assert Patient.objects.count() == 20
    assert "(0 new patients)" in output
