"""Backups are encrypted to an age recipient key and restoring needs the private key
(issue 12, "Integrity": the archive holds MBIs, letters, TOTP secrets and password hashes).

Transactional, like tests/test_backup.py: `backup` opens its own snapshot transaction.
"""

import io
import os
import tarfile

import pyrage
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import PatientFactory

TRANSACTIONAL = pytest.mark.django_db(transaction=True)
AGE_MAGIC = b"age-encryption.org/v1\n"


@pytest.fixture
def key(tmp_path):
    identity = pyrage.x25519.Identity.generate()
    path = tmp_path / "identity.txt"
    path.write_text(f"# created by the test\n{identity}\n")
    return identity, str(identity.to_public()), path


@pytest.fixture
def patient(transactional_db):
    return PatientFactory(complete=True, last_name="Quillfeather")


def backup(out, **options) -> str:
    stdout = io.StringIO()
    call_command("backup", out=str(out), stdout=stdout, stderr=io.StringIO(), **options)
    return stdout.getvalue()


def restore(archive, **options) -> None:
    call_command(
        "restore", archive=str(archive), stdout=io.StringIO(), stderr=io.StringIO(), **options
    )


@TRANSACTIONAL
def test_without_a_recipient_nothing_is_written(tmp_path, settings, patient):
    settings.BACKUP_RECIPIENTS = []
    with pytest.raises(CommandError) as refused:
        backup(tmp_path / "clinic.tar.gz.age")
    assert "no recipient key to encrypt the archive to" in str(refused.value)
    assert "BACKUP_RECIPIENTS" in str(refused.value)
    assert os.listdir(tmp_path) == []


@TRANSACTIONAL
def test_a_malformed_recipient_is_refused(tmp_path, patient):
    with pytest.raises(CommandError, match="is not an age public key"):
        backup(tmp_path / "clinic.tar.gz.age", recipient=["age1notakey"])
    assert os.listdir(tmp_path) == []


@TRANSACTIONAL
def test_the_archive_is_age_ciphertext_to_the_configured_recipient(
    tmp_path, settings, patient, key
):
    identity, recipient, _ = key
    settings.BACKUP_RECIPIENTS = [recipient]
    archive = tmp_path / "clinic.tar.gz.age"

    said = backup(archive)

    data = archive.read_bytes()
    assert data.startswith(AGE_MAGIC)
    assert "encrypted (age)" in said
    with pytest.raises(tarfile.TarError):
        tarfile.open(fileobj=io.BytesIO(data))  # noqa: SIM115 - it must fail to open
    # The recipient's identity opens it, and inside is the usual archive with the patient.
    with tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(data, [identity]))) as tar:
        dump = tar.extractfile("database.json").read()
    assert b"Quillfeather" in dump
    assert b"Quillfeather" not in data


@TRANSACTIONAL
def test_restore_needs_the_identity_and_the_right_one(tmp_path, patient, key, settings):
    _, recipient, identity_file = key
    archive = tmp_path / "clinic.tar.gz.age"
    backup(archive, recipient=[recipient])

    with pytest.raises(CommandError) as missing:
        restore(archive)
    assert "the archive is encrypted. Pass --identity PATH" in str(missing.value)

    other = tmp_path / "other.txt"
    other.write_text(f"{pyrage.x25519.Identity.generate()}\n")
    with pytest.raises(CommandError) as wrong:
        restore(archive, identity=str(other))
    assert "the identity file cannot decrypt" in str(wrong.value)

    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a key\n")
    with pytest.raises(CommandError, match="is not an age identity file"):
        restore(archive, identity=str(garbage))

    # The right key gets past decryption to the usual checks (this database is in use).
    with pytest.raises(CommandError) as in_use:
        restore(archive, identity=str(identity_file))
    assert in_use.value.returncode == 2
    assert "already has 1 patient" in str(in_use.value)
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["clinic.tar.gz.age", "identity.txt", "other.txt", "garbage.txt"]
    )  # no decrypted copy left behind


@TRANSACTIONAL
def test_a_plain_archive_needs_the_explicit_flag_both_ways(tmp_path, patient, key):
    _, _, identity_file = key
    archive = tmp_path / "dev.tar.gz"

    said = backup(archive, no_encryption=True)

    assert "NOT ENCRYPTED" in said
    with tarfile.open(archive) as tar:
        assert "manifest.json" in tar.getnames()
    with pytest.raises(CommandError, match="is not an encrypted \\(age\\) archive"):
        restore(archive, identity=str(identity_file))
    with pytest.raises(CommandError) as in_use:
        restore(archive, no_encryption=True)
    assert in_use.value.returncode == 2  # past the format check, stopped by the usual one
