"""Every create, update and delete of a tracked row is recorded: who, when, what changed.

The MBI, password hashes, file contents and letter HTML never reach the trail.
"""

import json
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse

from audit import audit_context
from audit.choices import REDACTED
from audit.models import AuditEntry
from intake.models import Coverage, Patient
from intake.roles import BILLING
from tests.factories import (
    PASSWORD,
    ClinicFactory,
    CoverageFactory,
    DiagnosisFactory,
    PatientFactory,
    UserFactory,
    current_version,
)
from tests.factories_appeals import AppealLetterFactory, EnclosureFactory

pytestmark = pytest.mark.django_db


def entries_for(obj, action=None):
    entries = AuditEntry.objects.filter(
        model_label=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")
    return entries.filter(action=action) if action else entries


def test_creating_a_patient_records_its_values_and_who_created_it(clinic, front_desk):
    with audit_context(user=front_desk, ip_address="10.0.0.7"):
        patient = PatientFactory(clinic=clinic, first_name="Margaret", last_name="Ellison")

    [entry] = entries_for(patient, "create")
    assert entry.kind == "write"
    assert entry.user == front_desk
    assert entry.username == "frontdesk"
    assert entry.ip_address == "10.0.0.7"
    assert entry.patient_id == patient.pk
    assert entry.clinic_id == clinic.pk
    assert entry.model_label == "intake.patient"
    assert entry.changes["first_name"] == "Margaret"
    assert entry.changes["last_name"] == "Ellison"
    assert entry.changes["clinic"] == clinic.pk
    assert entry.changes["date_of_birth"] == patient.date_of_birth.isoformat()
    assert entry.at.utcoffset().total_seconds() == 0  # stored and returned in UTC


def test_updating_a_patient_records_only_what_changed_as_old_and_new(clinic, clinician):
    patient = PatientFactory(clinic=clinic, first_name="Margaret", phone="585-555-0101")

    with audit_context(user=clinician):
        patient.first_name = "Maggie"
        patient.save()

    [entry] = entries_for(patient, "update")
    assert entry.user == clinician
    assert entry.changes["first_name"] == ["Margaret", "Maggie"]
    assert "phone" not in entry.changes  # unchanged fields are not listed
    assert "last_name" not in entry.changes
    assert set(entry.changes) == {"first_name", "updated_at"}


def test_a_save_that_changes_nothing_adds_no_entry(clinic):
    diagnosis = DiagnosisFactory(patient=PatientFactory(clinic=clinic))
    before = AuditEntry.objects.count()

    diagnosis.save()  # Diagnosis has no auto_now field: nothing changes

    assert AuditEntry.objects.count() == before


def test_update_fields_limits_what_is_compared(clinic):
    patient = PatientFactory(clinic=clinic, first_name="Margaret", phone="585-555-0101")
    patient.phone = "585-555-0199"  # changed in memory, but not saved
    patient.first_name = "Maggie"

    patient.save(update_fields=["first_name"])

    [entry] = entries_for(patient, "update")
    assert entry.changes == {"first_name": ["Margaret", "Maggie"]}


def test_deleting_a_patient_records_it_and_every_cascaded_row(clinic, clinic_admin):
    patient = PatientFactory(clinic=clinic, first_name="Margaret")
    coverage = CoverageFactory(patient=patient)
    diagnosis = DiagnosisFactory(patient=patient)
    patient_id, coverage_id, diagnosis_id = patient.pk, coverage.pk, diagnosis.pk

    with audit_context(user=clinic_admin):
        patient.delete()

    deletes = AuditEntry.objects.filter(action="delete", patient_id=patient_id)
    assert {(e.model_label, e.object_id) for e in deletes} == {
        ("intake.patient", str(patient_id)),
        ("intake.coverage", str(coverage_id)),
        ("intake.diagnosis", str(diagnosis_id)),
    }
    assert all(e.user == clinic_admin for e in deletes)
    assert all(e.clinic_id == clinic.pk for e in deletes)  # known after the patient is gone
    deleted = deletes.get(model_label="intake.patient")
    assert deleted.changes["first_name"] == "Margaret"  # what was deleted stays readable
    assert deletes.get(model_label="intake.coverage").changes["mbi"] == REDACTED


def test_writes_outside_a_request_or_context_have_no_user(clinic):
    patient = PatientFactory(clinic=clinic)

    [entry] = entries_for(patient, "create")
    assert entry.user is None
    assert entry.username == ""
    assert entry.ip_address == ""


def test_a_rolled_back_change_leaves_no_entry(clinic):
    before = AuditEntry.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        PatientFactory(clinic=clinic)
        assert AuditEntry.objects.count() == before + 1
        raise RuntimeError("the view failed after saving")

    assert AuditEntry.objects.count() == before
    assert not Patient.objects.exists()


def test_the_mbi_and_its_index_are_never_stored(clinic):
    patient = PatientFactory(clinic=clinic)
    coverage = CoverageFactory(patient=patient, mbi="1EG4TE5MK73")
    coverage.mbi = "1EG4TE5MK74"
    coverage.save()

    [created] = entries_for(coverage, "create")
    [updated] = entries_for(coverage, "update")
    assert created.changes["mbi"] == REDACTED
    assert updated.changes["mbi"] == REDACTED
    assert created.patient_id == updated.patient_id == patient.pk
    stored = json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert "1EG4TE5MK7" not in stored
    index = Coverage.objects.values_list("mbi_index", flat=True).get(pk=coverage.pk)
    if index:  # the blind index (a keyed hash of the MBI) is redacted too
        assert index not in stored


def test_a_coverage_change_that_keeps_the_mbi_does_not_mention_it(clinic):
    coverage = CoverageFactory(patient=PatientFactory(clinic=clinic))
    coverage.medigap_plan = "Plan N"
    coverage.save()

    [updated] = entries_for(coverage, "update")
    assert updated.changes["medigap_plan"] == ["Plan G", "Plan N"]
    assert "mbi" not in updated.changes


def test_file_contents_and_letter_html_are_never_stored(clinic):
    enclosure = EnclosureFactory(appeal__denial__claim__patient__clinic=clinic)
    letter = AppealLetterFactory(appeal=enclosure.appeal, html="<p>Dear Ms. Ellison</p>")

    [enclosure_entry] = entries_for(enclosure, "create")
    [letter_entry] = entries_for(letter, "create")
    assert enclosure_entry.changes["file"] == REDACTED
    assert letter_entry.changes["pdf"] == REDACTED
    assert letter_entry.changes["html"] == REDACTED
    assert letter_entry.changes["sha256"] == letter.sha256  # the hash is fine to keep
    assert "Ellison" not in json.dumps(letter_entry.changes)


def test_rows_deep_under_a_patient_record_that_patient(clinic):
    enclosure = EnclosureFactory(appeal__denial__claim__patient__clinic=clinic)
    patient = enclosure.appeal.denial.claim.patient

    for obj in (
        enclosure,
        enclosure.appeal,
        enclosure.appeal.denial,
        enclosure.appeal.denial.claim,
        enclosure.appeal.denial.claim.lines.get(),
    ):
        [entry] = entries_for(obj, "create")
        assert (entry.patient_id, entry.clinic_id) == (patient.pk, clinic.pk), obj


def test_a_password_change_is_recorded_without_the_hash(clinic):
    user = UserFactory(clinics=[clinic])
    user.set_password("Another-long-passphrase-99")
    user.save()

    [entry] = entries_for(user, "update")
    assert entry.changes == {"password": REDACTED}
    assert "md5$" not in json.dumps(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_role_membership_changes_are_recorded_from_either_side(clinic, clinic_admin):
    user = UserFactory(username="newhire", clinics=[clinic])
    billing = Group.objects.get(name=BILLING)

    with audit_context(user=clinic_admin):
        user.groups.add(billing)
        billing.user_set.remove(user)

    added, removed = entries_for(user, "update").filter(changes__has_key="groups")
    assert added.changes == {"groups": [[], [BILLING]]}
    assert removed.changes == {"groups": [[BILLING], []]}
    assert added.user == removed.user == clinic_admin


def test_clearing_a_role_records_each_member(clinic):
    first, second = UserFactory(role=BILLING), UserFactory(role=BILLING)
    billing = Group.objects.get(name=BILLING)
    last = AuditEntry.objects.latest("id").pk

    billing.user_set.clear()

    entries = AuditEntry.objects.filter(pk__gt=last)
    assert {(e.object_id, json.dumps(e.changes["groups"])) for e in entries} == {
        (str(first.pk), json.dumps([[BILLING], []])),
        (str(second.pk), json.dumps([[BILLING], []])),
    }


def test_clinic_staff_changes_are_recorded(clinic):
    user = UserFactory(username="temp")

    clinic.staff.add(user)

    [entry] = entries_for(clinic, "update")
    assert entry.changes["staff"][1] == sorted([*entry.changes["staff"][0], "temp"])
    assert (entry.clinic_id, entry.patient_id) == (clinic.pk, None)


def test_front_desk_saving_the_coverage_step_is_recorded_with_user_ip_and_no_mbi(
    client_for, front_desk, clinic
):
    patient = PatientFactory(clinic=clinic)
    desk = client_for(front_desk)

    response = desk.post(
        reverse("intake:intake-step", args=[patient.pk, "coverage"]),
        {
            "program": "original",
            "mbi": "1eg4-te5-mk73",
            "part_a_effective": "2018-03-01",
            "part_b_effective": "2018-03-01",
            "medigap_plan": "Plan G",
            "medicaid_dual": "none",
            **current_version(patient),
        },
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302
    coverage = Coverage.objects.get(patient=patient)
    [entry] = entries_for(coverage, "create")
    assert entry.user == front_desk
    assert entry.ip_address == "203.0.113.9"
    assert entry.patient_id == patient.pk
    assert entry.changes["mbi"] == REDACTED
    assert entry.changes["part_b_effective"] == date(2018, 3, 1).isoformat()
    assert entry.changes["program"] == "original"
    assert "1EG4TE5MK73" not in json.dumps(entry.changes).upper()
    # The same request moved the intake on: that update is the front desk's too.
    [step] = entries_for(patient, "update")
    assert step.user == front_desk
    assert step.changes["intake_step"] == ["coverage", "clinical"]


def test_other_clinics_rows_are_recorded_too(other_clinic):
    patient = PatientFactory(clinic=other_clinic)
    assert entries_for(patient, "create").exists()
    assert entries_for(ClinicFactory(), "create").exists()


def test_signing_in_is_recorded_as_the_users_own_last_login_update(client, clinic):
    user = UserFactory(username="newclinician", clinics=[clinic])

    response = client.post(
        reverse("login"),
        {"username": "newclinician", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.77",
    )

    assert response.status_code == 302
    [entry] = entries_for(user, "update")
    assert set(entry.changes) == {"last_login"}
    assert entry.user == user
    assert entry.ip_address == "198.51.100.77"
