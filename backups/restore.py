"""Restore: check the archive and the target, then migrate, load the dump, write the files."""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import django
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import Storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

from backups import encryption
from backups.archive_checks import (
    _check_members,
    _read_manifest,
    _read_member,
    _verified_dump,
    _verify_archived_files,
)
from backups.audit_trail import audit_tracking_paused, verify_audit_chain
from backups.constants import FILES_PREFIX, SPOOL_MAX, Log
from backups.errors import BackupError, _format_problems
from backups.files import (
    _inside,
    _sha256_of,
    _storage,
    _storage_root,
    missing_unhashed_files,
    verify_document_files,
)
from backups.load import append_only_models, load_dump
from backups.migration_state import code_migration_state
from backups.summaries import RestoreSummary


def restore_backup(
    archive: Path,
    *,
    identity: Path | None = None,
    encrypted: bool = True,
    force: bool = False,
    using: str = DEFAULT_DB_ALIAS,
    log: Log = print,
) -> RestoreSummary:
    """Decrypt ``archive`` with the age ``identity`` file, check it, then restore it.

    ``encrypted=False`` (restore --no-encryption) reads a plain archive written by
    backup --no-encryption: development and tests only.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"No archive at {archive}.")
    age = encryption.is_age_file(archive)
    if not encrypted:
        if age:
            raise BackupError(
                f"Restore refused: {archive} is encrypted; pass --identity PATH instead of "
                "--no-encryption."
            )
        return _restore(archive, force=force, using=using, log=log)
    if not age:
        raise BackupError(
            f"Restore refused: {archive} is not an encrypted (age) archive. Archives are "
            "encrypted; only one written with backup --no-encryption (development) is plain, "
            "and restoring it needs --no-encryption too."
        )
    identities = encryption.load_identities(identity)
    # Decrypted next to the archive, in a directory only this user can read (never /tmp).
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=archive.parent) as tmp:
        plain = Path(tmp) / archive.name
        encryption.decrypt_archive(archive, plain, identities)
        return _restore(plain, force=force, using=using, log=log)


def _restore(archive: Path, *, force: bool, using: str, log: Log) -> RestoreSummary:
    storage = _storage()
    root = _storage_root(storage)
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        log(f"Warning: {message}")

    # 1. Nothing below touches the database or the storage until every check has passed.
    _check_not_in_use(using, force)
    try:
        tar = tarfile.open(archive, mode="r:*")  # noqa: SIM115 - closed in the finally below
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(
            f"Archive refused: {archive} is not a readable tar archive ({exc})."
        ) from exc
    try:
        members = _check_members(tar)
        manifest = _read_manifest(tar, members)
        dump = _verified_dump(tar, members, manifest)
        _verify_archived_files(tar, members, manifest)
        _check_migrations(manifest)
        if manifest.get("django_version") != django.get_version():
            warn(
                f"The archive was made with Django {manifest.get('django_version')}, "
                f"this is {django.get_version()}."
            )
        _check_append_only_empty(using)
        conflicts = _storage_conflicts(storage, root, manifest)
        if conflicts and not force:
            raise BackupError(
                "Restore refused: the private storage already holds different files under "
                f"these names:\n{_format_problems(conflicts)}\nRestore into an empty "
                "storage directory, or pass --force to overwrite them.",
                returncode=2,
            )

        # 2. Schema, then every row in one transaction, then the files.
        connection = connections[using]
        if connection.in_atomic_block:
            raise BackupError("Run the restore outside any transaction.")
        with audit_tracking_paused():
            call_command("migrate", database=using, interactive=False, verbosity=0)
            rows = load_dump(dump, using)
        files, file_bytes = _write_files(tar, members, manifest, storage, archive.parent)
    finally:
        tar.close()

    # 3. The restored instance must hold exactly what the archive recorded.
    documents_verified, problems = verify_document_files(storage, using)
    for entry in manifest["files"]:
        try:
            with storage.open(entry["path"], "rb") as fh:
                sha, _ = _sha256_of(fh)
        except FileNotFoundError:
            sha = "missing"
        if sha != entry["sha256"]:
            problems.append(f"{entry['path']}: restored file does not match the manifest")
    if problems:
        raise BackupError(
            "Restore verification FAILED; do not use this instance:\n" + _format_problems(problems)
        )
    audit = verify_audit_chain()
    for message in missing_unhashed_files(storage, using):
        warn(message)
    return RestoreSummary(
        rows=sum(rows.values()),
        models=len(rows),
        files=files,
        file_bytes=file_bytes,
        documents_verified=documents_verified,
        created_at=manifest.get("created_at", "?"),
        audit=audit,
        warnings=warnings,
    )


def _table_has_rows(model, using: str) -> int:
    connection = connections[using]
    if model._meta.db_table not in connection.introspection.table_names():
        return 0
    return model._base_manager.using(using).count()


def _check_not_in_use(using: str, force: bool) -> None:
    from intake.models import Patient

    found = []
    for model in (Patient, get_user_model()):
        count = _table_has_rows(model, using)
        if count:
            name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
            found.append(f"{count} {name}")
    if found and not force:
        raise BackupError(
            f"Restore refused: the target database already has {' and '.join(found)}. "
            "Restore into a new, empty database, or pass --force to replace ALL of its "
            "data with the archive's.",
            returncode=2,
        )


def _check_append_only_empty(using: str) -> None:
    for model in append_only_models():
        if _table_has_rows(model, using):
            raise BackupError(
                f"Restore refused: the target database already has {model._meta.label} rows, "
                "which are append-only and can't be replaced (not even with --force). "
                "Restore into a new, empty database, and let restore run migrate.",
                returncode=2,
            )


def _check_migrations(manifest) -> None:
    archived = manifest.get("migrations") or {}
    code = code_migration_state()
    problems = []
    for app_label in sorted(set(archived) | set(code)):
        have, want = code.get(app_label, []), archived.get(app_label)
        if want is None:
            problems.append(f"{app_label}: not in the archive; this code has {', '.join(have)}")
        elif want not in have:
            problems.append(f"{app_label}: archive at {want}, this code at {', '.join(have)}")
    if problems:
        raise BackupError(
            "Restore refused: the archive's migration state differs from this code's:\n"
            + _format_problems(problems)
            + "\nRestore with the release that made the archive, then upgrade (migrate)."
        )


def _storage_conflicts(storage: Storage, root: Path, manifest) -> list[str]:
    conflicts = []
    for entry in manifest["files"]:
        name = entry["path"]
        if not _inside(root, name):
            raise BackupError(
                f"Archive refused: {name!r} would be written outside the storage root."
            )
        if storage.exists(name):
            with storage.open(name, "rb") as fh:
                sha, _ = _sha256_of(fh)
            if sha != entry["sha256"]:
                conflicts.append(name)
    return conflicts


def _write_files(tar, members, manifest, storage: Storage, tmp: Path) -> tuple[int, int]:
    """Write every archived file under its own storage name (an identical file is kept)."""
    total = 0
    for entry in manifest["files"]:
        name = entry["path"]
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX, dir=tmp) as spool:
            sha, size = _sha256_of(_read_member(tar, members[FILES_PREFIX + name]), spool)
            if sha != entry["sha256"]:
                raise BackupError(f"Restore failed: {name!r} changed inside the archive.")
            if storage.exists(name):
                with storage.open(name, "rb") as fh:
                    if _sha256_of(fh)[0] == sha:
                        total += size
                        continue
                storage.delete(name)
            spool.seek(0)
            saved = storage.save(name, File(spool, name=PurePosixPath(name).name))
            if saved != name:
                raise BackupError(f"Restore failed: storage saved {name!r} as {saved!r}.")
        total += size
    return len(manifest["files"]), total
