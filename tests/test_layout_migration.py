"""A database made before the one-app-per-job move migrates forward keeping everything.

Built at the migrations of the old layout (coverage and document models inside appeals/),
filled with a clinic's worth of rows, stored files and audit entries, then migrated to the
new layout: every row keeps its id, every file its bytes, content types and permissions
follow their models (so every role keeps its abilities), the audit chain still verifies,
and entries written under the old labels still display and filter under their model.
"""

import hashlib
import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit import chain
from audit.display import record_name
from audit.labels import labels_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the production database; table renames and constraints are checked there",
    ),
]

# The last migration of the old layout. The database is taken back there from the full
# schema (which also proves the move reverses), so every other app stays as it is.
OLD_LAYOUT = [("appeals", "0007_labels")]
NEW_LAYOUT = [
    ("appeals", "0009_hand_over_models"),
    ("coverage", "0001_initial"),
    ("documents", "0001_initial"),
]
PDF = b"%PDF-1.7\n% a stored letter\n%%EOF\n"


def _append_audit(apps, previous: str, **content) -> str:
    """An entry as the old code wrote it: keyed-hashed over its content and the previous one."""
    entry = {
        "at": timezone.now(),
        "kind": "write",
        "action": "create",
        "user_id": None,
        "username": "billing",
        "ip_address": "",
        "patient_id": None,
        "clinic_id": None,
        "changes": {},
        "key_version": chain.signing_version(),
        **content,
    }
    digest = chain.entry_hash(entry, previous)
    apps.get_model("audit", "AuditEntry").objects.create(
        **entry, previous_hash=previous, entry_hash=digest
    )
    return digest


def _old_layout_clinic(apps) -> dict:
    """One clinic's records as the old layout stored them; returns the ids to look for."""
    for seed in ("0002_seed_coverage_policies", "0003_seed_letter_templates"):
        # The shipped rules and templates, in their old tables (an earlier test may have
        # flushed them); the seeds are the migrations' own, run against the old models.
        importlib.import_module(f"appeals.migrations.{seed}").seed(apps, None)
    get = apps.get_model
    user = get("auth", "User").objects.create(username="billing", password="!")
    clinic = get("intake", "Clinic").objects.create(
        name="Lakeside Ketamine Clinic",
        npi="1245319599",
        phone="518-555-0100",
        address_line1="1 Main St",
        city="Albany",
        state="NY",
        zip_code="12207",
    )
    clinic.staff.add(user)
    provider = get("intake", "Provider").objects.create(
        clinic=clinic,
        first_name="Ana",
        last_name="Reyes",
        credentials="MD",
        npi="1003000126",
        specialty="Psychiatry",
    )
    patient = get("intake", "Patient").objects.create(
        clinic=clinic,
        first_name="Mary",
        last_name="Ellison",
        date_of_birth=date(1950, 4, 2),
        sex="F",
        phone="518-555-0101",
        address_line1="2 Elm St",
        city="Albany",
        state="NY",
        zip_code="12208",
    )
    request = get("intake", "TreatmentRequest").objects.create(
        patient=patient,
        ordering_provider=provider,
        product="esketamine",
        indication="trd",
        planned_sessions=8,
        codes="G2083",
        requested_start=date(2026, 3, 2),
    )
    policy = get("appeals", "CoveragePolicy").objects.order_by("id").first()
    assessment = get("appeals", "Assessment").objects.create(
        patient=patient,
        treatment_request=request,
        policy=policy,
        determination="covered",
        assessed_for=date(2026, 3, 2),
        facts={},
        facts_hash="a" * 64,
        result={"determination": "covered"},
    )
    template = get("appeals", "LetterTemplate").objects.filter(kind="appeal_letter").first()
    claim = get("appeals", "Claim").objects.create(
        patient=patient,
        provider=provider,
        claim_number="C-1",
        service_from=date(2026, 3, 2),
        service_to=date(2026, 3, 2),
        diagnosis_codes="F33.2",
        created_by=user,
    )
    get("appeals", "ClaimLine").objects.create(
        claim=claim,
        service_date=date(2026, 3, 2),
        code="G2083",
        billed_amount=Decimal("850.00"),
    )
    denial = get("appeals", "Denial").objects.create(
        claim=claim,
        notice_type="msn",
        notice_date=date(2026, 3, 20),
        group_code="CO",
        carc_codes="50",
        decided_by="NGS J6",
        denied_amount=Decimal("850.00"),
        created_by=user,
    )
    appeal = get("appeals", "Appeal").objects.create(
        denial=denial,
        track="original",
        level="redetermination",
        notice_date=date(2026, 3, 20),
        filing_deadline=date(2026, 3, 20) + timedelta(days=120),
        amount_in_controversy=Decimal("850.00"),
        created_by=user,
    )
    letter = get("appeals", "GeneratedDocument")(
        patient=patient,
        kind="appeal_letter",
        version=1,
        template=template,
        assessment=assessment,
        appeal=appeal,
        html="<p>Dear reviewer</p>",
        sha256=hashlib.sha256(PDF).hexdigest(),
        page_count=1,
        generated_by=user,
    )
    letter.pdf.save("appeal_letter-v1.pdf", ContentFile(PDF), save=False)
    letter.save()
    lmn = get("appeals", "GeneratedDocument")(
        patient=patient,
        kind="lmn",
        version=1,
        html="<p>LMN</p>",
        sha256=hashlib.sha256(PDF).hexdigest(),
        page_count=1,
        generated_by=user,
    )
    lmn.pdf.save("lmn-v1.pdf", ContentFile(PDF), save=False)
    lmn.save()
    signature = get("appeals", "DocumentSignature")(
        document=lmn,
        signer=provider,
        signed_by=user,
        name="Ana Reyes",
        credentials="MD",
        npi="1003000126",
        signed_at=timezone.now(),
        signed_sha256="b" * 64,
        attestation="I reviewed this letter.",
    )
    signature.signed_pdf.save("lmn-v1-signed.pdf", ContentFile(PDF), save=False)
    signature.save()
    get("appeals", "DocumentDelivery").objects.create(
        document=lmn, method="fax", sent_on=date(2026, 3, 5), recipient="NGS", recorded_by=user
    )
    enclosure = get("appeals", "Enclosure")(
        appeal=appeal,
        title="MSN",
        sha256=hashlib.sha256(PDF).hexdigest(),
        page_count=1,
        position=1,
        uploaded_by=user,
    )
    enclosure.file.save("msn.pdf", ContentFile(PDF), save=False)
    enclosure.save()

    ContentType = get("contenttypes", "ContentType")
    Permission = get("auth", "Permission")
    doc_type, _ = ContentType.objects.get_or_create(app_label="appeals", model="generateddocument")
    sign, _ = Permission.objects.get_or_create(
        content_type=doc_type,
        codename="sign_document",
        defaults={"name": "Can sign letters electronically"},
    )
    clinician = get("auth", "Group").objects.get(name="Clinician")
    clinician.permissions.add(sign)

    entries = apps.get_model("audit", "AuditEntry").objects.order_by("-id")
    newest = entries.values_list("entry_hash", flat=True).first() or chain.GENESIS_HASH
    head = _append_audit(
        apps,
        newest,
        model_label="appeals.generateddocument",
        object_id=str(letter.pk),
        patient_id=patient.pk,
        clinic_id=clinic.pk,
    )
    _append_audit(apps, head, model_label="appeals.coveragepolicy", object_id=str(policy.pk))
    return {
        "patient": patient.pk,
        "policy": policy.pk,
        "assessment": assessment.pk,
        "letter": letter.pk,
        "lmn": lmn.pk,
        "appeal": appeal.pk,
        "enclosure": enclosure.pk,
        "letter_file": letter.pdf.name,
        "enclosure_file": enclosure.file.name,
        "doc_type": doc_type.pk,
        "sign": sign.pk,
    }


def _back_to_the_old_layout():
    executor = MigrationExecutor(connection)
    executor.migrate(OLD_LAYOUT)
    executor.loader.build_graph()
    applied = sorted(executor.recorder.applied_migrations())
    assert ("coverage", "0001_initial") not in applied
    return executor.loader.project_state(applied)


@pytest.mark.django_db(transaction=True)
def test_the_old_layout_migrates_forward_keeping_rows_files_permissions_and_the_trail(
    migrator,
):
    old = _back_to_the_old_layout()
    ids = _old_layout_clinic(old.apps)
    counts = {
        name: old.apps.get_model("appeals", name).objects.count()
        for name in (
            "CoveragePolicy",
            "Assessment",
            "LetterTemplate",
            "GeneratedDocument",
            "DocumentSignature",
            "DocumentDelivery",
            "Claim",
            "Denial",
            "Appeal",
        )
    }

    new = migrator.apply_tested_migration(NEW_LAYOUT)
    get = new.apps.get_model

    home = {
        "CoveragePolicy": "coverage",
        "Assessment": "coverage",
        "Claim": "appeals",
        "Denial": "appeals",
        "Appeal": "appeals",
    }
    for name, count in counts.items():
        assert get(home.get(name, "documents"), name).objects.count() == count, name

    letter = get("documents", "GeneratedDocument").objects.get(pk=ids["letter"])
    assert letter.assessment_id == ids["assessment"]
    assert letter.pdf.name == ids["letter_file"]
    with default_storage.open(ids["letter_file"]) as fh:
        assert fh.read() == PDF
    with default_storage.open(ids["enclosure_file"]) as fh:
        assert fh.read() == PDF
    # The appeal's letter is linked from the appeals side now; the LMN belongs to no appeal.
    appeal = get("appeals", "Appeal").objects.get(pk=ids["appeal"])
    assert list(appeal.documents.values_list("pk", flat=True)) == [ids["letter"]]
    assert get("documents", "DocumentSignature").objects.get().document_id == ids["lmn"]

    # Same content type row, relabelled: permissions and the roles holding them follow.
    doc_type = get("contenttypes", "ContentType").objects.get(pk=ids["doc_type"])
    assert (doc_type.app_label, doc_type.model) == ("documents", "generateddocument")
    clinician = get("auth", "Group").objects.get(name="Clinician")
    assert clinician.permissions.filter(
        pk=ids["sign"], content_type__app_label="documents", codename="sign_document"
    ).exists()

    call_command("verify_audit")  # raises CommandError if the chain is broken
    old_label_entries = get("audit", "AuditEntry").objects.filter(
        model_label__in=labels_of("documents.generateddocument")
    )
    assert old_label_entries.count() == 1
    assert record_name("appeals.generateddocument") == record_name("documents.generateddocument")
