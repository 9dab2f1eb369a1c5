"""Backup and restore (appeals/backup/): the round trip, and every refusal.

The tests that run `backup` are transactional: it opens its own REPEATABLE READ snapshot, which
PostgreSQL only allows as the first statement of a transaction (not inside a test's). They
don't use `serialized_rollback`: it reloads the initial rows through Django's JSON
serializer, which cuts timestamps to milliseconds and so breaks the audit chain's hashes.
"""

import hashlib
import io
import json
import os
import shutil
import stat
import tarfile
from pathlib import Path
from types import SimpleNamespace

import django
import pyrage
import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from appeals.models import Appeal, Claim, Enclosure
from audit.models import AuditEntry
from backups import audit_tracking_paused, code_migration_state
from documents.models import DocumentKind, DocumentSignature, GeneratedDocument, LetterTemplate
from intake.models import Clinic, Coverage, Patient, Provider, TreatmentTrial
from intake.storage import is_encrypted
from tests.factories import CLINICIAN, PASSWORD, PatientFactory, UserFactory
from tests.factories_appeals import EnclosureFactory, blank_pdf

TRANSACTIONAL = pytest.mark.django_db(transaction=True)
# The test key pair: archives are encrypted to RECIPIENT, restored with the identity file.
IDENTITY = pyrage.x25519.Identity.generate()
RECIPIENT = str(IDENTITY.to_public())
IDENTITY_FILE: Path


@pytest.fixture(autouse=True)
def identity_file(tmp_path_factory):
    global IDENTITY_FILE
    IDENTITY_FILE = tmp_path_factory.mktemp("keys") / "backup-identity.txt"
    IDENTITY_FILE.write_text(f"# public key: {RECIPIENT}\n{IDENTITY}\n")
    return IDENTITY_FILE


COUNTED = [
    get_user_model(),
    Clinic,
    Provider,
    Patient,
    Coverage,
    TreatmentTrial,
    Claim,
    Appeal,
    LetterTemplate,
    GeneratedDocument,
    DocumentSignature,
    Enclosure,
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def storage_root() -> Path:
    return Path(storages["default"].location)


def stored_files() -> dict[str, str]:
    """Every file under the private storage: name -> SHA-256 of its content (as read through
    the storage, which decrypts). On disk every one of them is ciphertext."""
    root = storage_root()
    names = [p.relative_to(root).as_posix() for p in sorted(root.rglob("*")) if p.is_file()]
    for name in names:
        assert is_encrypted((root / name).read_bytes()), f"{name} is plaintext on disk"
    storage = storages["default"]
    return {name: sha256(storage.open(name).read()) for name in names}


def audit_trail() -> list[tuple[int, str]]:
    return list(AuditEntry.objects.order_by("id").values_list("id", "entry_hash"))


def counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in COUNTED}


def build_instance() -> SimpleNamespace:
    """A patient with a complete intake, a signed generated letter, an appeal enclosure, a
    clinic logo and a provider's signature image."""
    user = UserFactory(role=CLINICIAN)
    patient = PatientFactory(complete=True)
    patient.clinic.staff.add(user)
    provider = patient.current_request().ordering_provider
    patient.clinic.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\nlogo"))
    provider.signature_image.save("signature.png", ContentFile(b"\x89PNG\r\n\x1a\nsig"))

    document = GeneratedDocument(
        patient=patient,
        kind=DocumentKind.LMN,
        version=1,
        template=LetterTemplate.objects.current_for(DocumentKind.LMN),
        html="<p>Letter of medical necessity</p>",
        page_count=1,
        generated_by=user,
    )
    document.attach_pdf(blank_pdf(1))
    document.save()
    signed_pdf = blank_pdf(2)
    signature = DocumentSignature(
        document=document,
        signer=provider,
        signed_by=user,
        name="Celia Marsh",
        credentials="MD",
        npi=provider.npi,
        signed_at=timezone.now().replace(microsecond=123456),
        signed_sha256=sha256(signed_pdf),
        attestation="Signed electronically by the ordering provider.",
    )
    signature.signed_pdf.save("lmn-v1-signed.pdf", ContentFile(signed_pdf), save=False)
    signature.save()
    enclosure = EnclosureFactory(appeal__denial__claim__patient=patient, pdf=blank_pdf(3))
    return SimpleNamespace(
        user=user,
        patient=patient,
        document=document,
        signature=signature,
        enclosure=enclosure,
    )


def run_backup(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", out=str(path), recipient=[RECIPIENT], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def run_restore(path: Path, **options) -> str:
    out = io.StringIO()
    options.setdefault("identity", str(IDENTITY_FILE))
    call_command("restore", archive=str(path), stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def plain_tar(archive: Path) -> tarfile.TarFile:
    """The archive's tar, decrypted with the test identity."""
    return tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(archive.read_bytes(), [IDENTITY])))


def encrypt_in_place(path: Path) -> None:
    path.write_bytes(pyrage.encrypt(path.read_bytes(), [IDENTITY.to_public()]))


def read_member(archive: Path, name: str) -> bytes:
    with plain_tar(archive) as tar:
        return tar.extractfile(name).read()


def copy_archive(source: Path, target: Path, change: dict | None = None) -> None:
    """Rewrite `source` as `target`, passing members named in `change` through a function:
    decrypted, changed and encrypted again to the same key, as an insider with it could."""
    change = change or {}
    with plain_tar(source) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name in change:
                data = change[member.name](data)
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    encrypt_in_place(target)


def flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


@TRANSACTIONAL
def test_round_trip_restores_rows_and_files_exactly(tmp_path):
    made = build_instance()
    files_before = stored_files()
    counts_before = counts()
    trail_before = audit_trail()
    assert trail_before  # the audit app recorded the rows created above
    call_command("verify_audit", stdout=io.StringIO())  # the chain is intact to begin with
    archive = tmp_path / "backups" / "clinic.tar.gz"
    archive.parent.mkdir()

    summary = run_backup(archive)

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert "rows:" in summary and "files:     5 (" in summary
    assert os.listdir(archive.parent) == ["clinic.tar.gz"]  # no temporary files left behind
    manifest = json.loads(read_member(archive, "manifest.json"))
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == files_before
    for entry in manifest["files"]:
        assert entry["size"] == storages["default"].size(entry["path"])
    dump = read_member(archive, "database.json")
    assert manifest["database"]["sha256"] == sha256(dump)
    rows = manifest["database"]["rows"]
    assert rows["intake.patient"] == 1 and rows["documents.generateddocument"] == 1
    assert "sessions.session" not in rows and "contenttypes.contenttype" not in rows
    latest = MigrationRecorder(connection).migration_qs.filter(app="appeals").latest("id").name
    assert manifest["migrations"]["appeals"] == latest
    assert manifest["created_at"].endswith("Z")
    assert manifest["django_version"] == django.get_version()
    assert manifest["documents_verified"] == 3

    # Lose everything: the database and the private storage. (Paused, flush's role sync
    # would start a new audit trail, as a `migrate` run by hand would; the restore's own
    # migrate pauses it.)
    with audit_tracking_paused():
        call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(storage_root())
    assert not Patient.objects.exists() and not AuditEntry.objects.exists()

    summary = run_restore(archive)

    assert "documents: 3 verified" in summary
    assert f"audit:     OK: {len(trail_before)} entries verified" in summary
    assert counts() == counts_before
    assert stored_files() == files_before
    assert audit_trail() == trail_before  # the same entries, ids and hashes: nothing added
    patient = Patient.objects.get(pk=made.patient.pk)
    assert (patient.first_name, patient.last_name, patient.date_of_birth) == (
        made.patient.first_name,
        made.patient.last_name,
        made.patient.date_of_birth,
    )
    assert patient.coverage.mbi == made.patient.coverage.mbi
    assert patient.intake_completed_at == made.patient.intake_completed_at
    document = GeneratedDocument.objects.get(pk=made.document.pk)
    assert document.sha256 == made.document.sha256 == sha256(document.read_pdf())
    signature = DocumentSignature.objects.get(document=document)
    assert signature.signed_at == made.signature.signed_at  # microseconds survive
    with signature.signed_pdf.open("rb") as fh:
        assert sha256(fh.read()) == signature.signed_sha256
    enclosure = Enclosure.objects.get(pk=made.enclosure.pk)
    with enclosure.file.open("rb") as fh:
        assert sha256(fh.read()) == enclosure.sha256 == made.enclosure.sha256
    user = get_user_model().objects.get(pk=made.user.pk)
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [CLINICIAN]
    assert user.has_perm("intake.view_patient")  # group permissions by natural key
    # New rows get new ids (the sequences were moved past the restored rows), and the
    # audit trail goes on from the restored chain.
    assert PatientFactory(clinic=patient.clinic).pk > patient.pk
    assert audit_trail()[: len(trail_before)] == trail_before
    call_command("verify_audit", stdout=io.StringIO())

    # The database is in use now: restore refuses it, and --force can't replace the audit
    # trail, which is append-only.
    with pytest.raises(CommandError) as refused:
        run_restore(archive)
    assert refused.value.returncode == 2
    assert "already has 2 patients" in str(refused.value)
    with pytest.raises(CommandError) as refused:
        run_restore(archive, force=True)
    assert refused.value.returncode == 2
    assert "audit.AuditEntry rows, which are append-only" in str(refused.value)
    assert Patient.objects.count() == 2


@TRANSACTIONAL
def test_tampered_archive_is_refused_before_anything_is_touched(tmp_path):
    made = build_instance()
    archive = tmp_path / "clinic.tar.gz"
    run_backup(archive)
    files_before = stored_files()

    with pytest.raises(CommandError) as not_empty:
        run_restore(archive)
    assert not_empty.value.returncode == 2
    assert "already has 1 patient" in str(not_empty.value)

    member = "files/" + made.document.pdf.name
    tampered = tmp_path / "tampered.tar.gz"
    copy_archive(archive, tampered, change={member: flip_one_byte})
    with pytest.raises(CommandError) as refused:
        run_restore(tampered, force=True)
    assert refused.value.returncode == 1
    assert member in str(refused.value)
    assert "does not match the manifest" in str(refused.value)

    dump_tampered = tmp_path / "dump-tampered.tar.gz"
    copy_archive(archive, dump_tampered, change={"database.json": lambda d: d.replace(b"[", b" [")})
    with pytest.raises(CommandError) as refused:
        run_restore(dump_tampered, force=True)
    assert "database.json does not match the manifest" in str(refused.value)

    # Nothing was touched: the data and files are those of before.
    assert Patient.objects.filter(pk=made.patient.pk).exists()
    assert stored_files() == files_before


@TRANSACTIONAL
@pytest.mark.parametrize("damage", ["changed", "missing"])
def test_backup_refuses_when_a_stored_file_no_longer_matches_its_row(tmp_path, damage):
    made = build_instance()
    stored = storage_root() / made.enclosure.file.name
    if damage == "changed":
        stored.write_bytes(blank_pdf(4))
    else:
        stored.unlink()
    backups = tmp_path / "backups"
    backups.mkdir()

    with pytest.raises(CommandError) as refused:
        run_backup(backups / "clinic.tar.gz")

    message = str(refused.value)
    assert refused.value.returncode == 1
    assert f"Enclosure {made.enclosure.pk}" in message
    assert made.enclosure.file.name in message
    assert "GeneratedDocument" not in message  # the intact document is not blamed
    assert os.listdir(backups) == []  # no archive, no partial file


# Archives built by hand: restore must refuse them before touching the database or storage.


def write_archive(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    encrypt_in_place(path)


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def link(name: str, target: str, kind: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, b""


def manifest(files: list[dict], dump: bytes = b"[]", migrations=None) -> bytes:
    migrations = migrations or {app: names[0] for app, names in code_migration_state().items()}
    return json.dumps(
        {
            "format": 1,
            "created_at": "2026-01-01T00:00:00Z",
            "django_version": django.get_version(),
            "database": {"file": "database.json", "sha256": sha256(dump), "size": 2, "rows": {}},
            "migrations": migrations,
            "files": files,
        }
    ).encode()


def entry(path: str, data: bytes) -> dict:
    return {"path": path, "sha256": sha256(data), "size": len(data)}


PAYLOAD = b"not a document"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("dot-dot member", "escape the storage root"),
        ("absolute member", "escape the storage root"),
        ("symlink member", "is a link"),
        ("hard link member", "is a link"),
        ("dot-dot in manifest", "escape the storage root"),
    ],
)
def test_tar_slip_archive_is_refused(tmp_path, kind, expected):
    escape = tmp_path / "escape.txt"
    good = regular("files/documents/1/a.pdf", PAYLOAD)
    members = {
        "dot-dot member": [regular("files/../../escape.txt", PAYLOAD)],
        "absolute member": [regular(str(escape), PAYLOAD)],
        "symlink member": [link("files/documents/1/b.pdf", "/etc/passwd", tarfile.SYMTYPE)],
        "hard link member": [link("files/documents/1/b.pdf", "../../x", tarfile.LNKTYPE)],
        "dot-dot in manifest": [],
    }[kind]
    listed = [entry("documents/1/a.pdf", PAYLOAD)]
    if kind == "dot-dot in manifest":
        listed.append(entry("../../escape.txt", PAYLOAD))
    archive = tmp_path / "evil.tar.gz"
    write_archive(
        archive,
        [regular("manifest.json", manifest(listed)), regular("database.json", b"[]"), good]
        + members,
    )

    with pytest.raises(CommandError) as refused:
        run_restore(archive)

    assert refused.value.returncode == 1
    assert expected in str(refused.value)
    assert not escape.exists()
    assert not storage_root().exists()


@pytest.mark.django_db
def test_archive_from_another_release_is_refused(tmp_path):
    archive = tmp_path / "future.tar.gz"
    migrations = {app: names[0] for app, names in code_migration_state().items()}
    migrations["appeals"] = "9999_from_the_future"
    write_archive(
        archive,
        [
            regular("manifest.json", manifest([], migrations=migrations)),
            regular("database.json", b"[]"),
        ],
    )

    with pytest.raises(CommandError) as refused:
        run_restore(archive)

    assert refused.value.returncode == 1
    assert "appeals: archive at 9999_from_the_future" in str(refused.value)


@pytest.mark.django_db
def test_backup_refuses_to_write_into_the_private_storage():
    storage_root().mkdir(parents=True)
    with pytest.raises(CommandError) as refused:
        run_backup(storage_root() / "clinic.tar.gz")
    assert refused.value.returncode == 1
    assert "outside the private storage root" in str(refused.value)
    assert list(storage_root().iterdir()) == []
