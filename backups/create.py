"""Backup: one consistent snapshot of the database and the stored files, written to an archive."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tarfile
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import django
from django.apps import apps
from django.core import serializers
from django.core.files.storage import Storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from backups import encryption, serialization
from backups.constants import (
    DUMP_EXCLUDE,
    DUMP_FORMAT,
    DUMP_NAME,
    FILES_PREFIX,
    FORMAT_VERSION,
    HASHED_FILES,
    MANIFEST_NAME,
    SPOOL_MAX,
    Log,
)
from backups.errors import BackupError, _format_problems
from backups.files import (
    _sha256_of,
    _storage,
    _storage_root,
    list_stored_files,
    missing_unhashed_files,
    verify_document_files,
)
from backups.migration_state import applied_migration_state
from backups.summaries import BackupSummary


def dump_excludes() -> list[str]:
    installed = {config.label for config in apps.get_app_configs()}
    return [label for label in DUMP_EXCLUDE if label.split(".")[0] in installed]


@contextmanager
def consistent_snapshot(using: str):
    """One read-only transaction whose every query sees the same committed state.

    PostgreSQL: `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY` as the first
    statement of the transaction; the snapshot is then taken at the first query and every
    later query (the whole dumpdata, the hash checks, the migration state) reads from it,
    whatever commits meanwhile. This is what pg_dump does. It only works as the first
    statement, so the connection is opened beforehand (its set-up queries run outside the
    transaction) and the backup refuses to run inside a caller's transaction.

    SQLite: Django begins a deferred transaction; its first read takes a read lock (rollback
    journal: writers wait until we end) or a read snapshot (WAL), so the view is consistent
    either way.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError("Run the backup outside any transaction: it opens its own snapshot.")
    if connection.vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    connection.ensure_connection()
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield connection


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o600
    info.type = tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def create_backup(
    out: Path,
    *,
    recipients: Sequence[str] = (),
    encrypt: bool = True,
    using: str = DEFAULT_DB_ALIAS,
    log: Log = print,
) -> BackupSummary:
    """Write the archive to ``out``, encrypted to the age ``recipients`` (backups/encryption.py).

    ``encrypt=False`` (backup --no-encryption) writes the plain .tar.gz: for development and
    tests only, never for a clinic's data.
    """
    # Checked first: a missing or malformed key is refused before any work is done.
    age_recipients = encryption.recipients(recipients) if encrypt else None
    out = Path(out).absolute()
    if out.exists():
        raise BackupError(f"{out} already exists; archives are never overwritten.")
    if not out.parent.is_dir():
        raise BackupError(f"The directory {out.parent} does not exist.")
    storage = _storage()
    root = _storage_root(storage)
    if out.resolve().is_relative_to(root.resolve()):
        raise BackupError(f"Write archives outside the private storage root ({root}).")
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        log(f"Warning: {message}")

    created_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
    serializers.register_serializer(DUMP_FORMAT, serialization.__name__)
    # Everything PHI-bearing is written next to the archive (never to a shared /tmp), in a
    # directory only this user can read.
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=out.parent) as tmp:
        dump_path = Path(tmp) / DUMP_NAME
        with consistent_snapshot(using) as connection:
            with dump_path.open("w", encoding="utf-8") as fh:
                call_command(
                    "dumpdata",
                    format=DUMP_FORMAT,
                    database=using,
                    exclude=dump_excludes(),
                    use_natural_foreign_keys=True,
                    use_base_manager=True,
                    verbosity=0,
                    stdout=fh,
                )
            migrations = applied_migration_state(connection)
            documents_verified, problems = verify_document_files(storage, using)
            if problems:
                raise BackupError(
                    "Backup refused: stored files do not match the SHA-256 recorded in their "
                    f"rows:\n{_format_problems(problems)}\nNo archive was written."
                )
            for message in missing_unhashed_files(storage, using):
                warn(message)
            expected = _expected_hashes(using)
            # Listed inside the snapshot: every file a row of the snapshot refers to was
            # written before that row committed, so it is on this list. Stored files are
            # never rewritten in place (names carry the hash), so they can be copied after
            # the transaction ends, which keeps the database lock (SQLite) short.
            names = list_stored_files(root, warn)
            unlisted = sorted(set(expected) - set(names))
            if unlisted:
                raise BackupError(
                    "Backup refused: these documents are not regular files under the storage "
                    f"root:\n{_format_problems(unlisted)}\nNo archive was written."
                )

        dump_sha, dump_size = _hash_path(dump_path)
        with dump_path.open("rb") as fh:
            rows = Counter(obj["model"] for obj in json.load(fh))

        fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
        try:
            os.fchmod(fd, 0o600)
            # Encrypted: the tar is written inside the private temporary directory first and
            # only its ciphertext reaches the archive's directory.
            plain = Path(tmp) / "archive.tar.gz" if age_recipients else None
            with plain.open("xb") if plain else os.fdopen(fd, "wb") as raw:
                files, file_bytes = _write_archive(
                    raw,
                    out.name,
                    storage,
                    names,
                    expected,
                    dump_path,
                    Path(tmp),
                    manifest={
                        "format": FORMAT_VERSION,
                        "created_at": created_at.isoformat().replace("+00:00", "Z"),
                        "django_version": django.get_version(),
                        "database": {
                            "vendor": connections[using].vendor,
                            "file": DUMP_NAME,
                            "sha256": dump_sha,
                            "size": dump_size,
                            "excluded": dump_excludes(),
                            "natural_foreign_keys": True,
                            "rows": dict(sorted(rows.items())),
                        },
                        "migrations": migrations,
                        "documents_verified": documents_verified,
                    },
                    mtime=created_at.timestamp(),
                )
                raw.flush()
                os.fsync(raw.fileno())
            if plain:
                os.close(fd)
                encryption.encrypt_archive(plain, Path(partial), age_recipients)
                with open(partial, "rb") as written:
                    os.fsync(written.fileno())
            os.replace(partial, out)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    os.chmod(out, 0o600)
    return BackupSummary(
        path=out,
        rows=sum(rows.values()),
        models=len(rows),
        files=files,
        file_bytes=file_bytes,
        documents_verified=documents_verified,
        archive_bytes=out.stat().st_size,
        warnings=warnings,
    )


def _expected_hashes(using: str) -> dict[str, str]:
    expected = {}
    for label, file_field, hash_field in HASHED_FILES:
        model = apps.get_model(label)
        rows = model._base_manager.using(using).exclude(**{file_field: ""})
        expected.update(rows.values_list(file_field, hash_field))
    return expected


def _hash_path(path: Path) -> tuple[str, int]:
    with path.open("rb") as fh:
        return _sha256_of(fh)


def _write_archive(
    raw,
    archive_name: str,
    storage: Storage,
    names: list[str],
    expected: dict[str, str],
    dump_path: Path,
    tmp: Path,
    *,
    manifest: dict,
    mtime: float,
) -> tuple[int, int]:
    entries = []
    with tarfile.open(name=archive_name, fileobj=raw, mode="w:gz") as tar:
        with dump_path.open("rb") as fh:
            tar.addfile(_tarinfo(DUMP_NAME, manifest["database"]["size"], mtime), fh)
        for name in names:
            # Each file is read once, into a spool, so the hash in the manifest is the hash of
            # exactly the bytes archived even if the file is being written right now.
            with (
                tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX, dir=tmp) as spool,
                storage.open(name, "rb") as fh,
            ):
                sha, size = _sha256_of(fh, copy_to=spool)
                if name in expected and sha != expected[name]:
                    raise BackupError(
                        f"Backup refused: {name!r} changed while the backup ran "
                        f"(SHA-256 {sha}, its row records {expected[name]})."
                    )
                spool.seek(0)
                tar.addfile(_tarinfo(FILES_PREFIX + name, size, mtime), spool)
            entries.append({"path": name, "sha256": sha, "size": size})
        manifest = {
            **manifest,
            "files": entries,
            "totals": {"files": len(entries), "bytes": sum(e["size"] for e in entries)},
        }
        data = json.dumps(manifest, indent=2, sort_keys=False).encode()
        tar.addfile(_tarinfo(MANIFEST_NAME, len(data), mtime), io.BytesIO(data))
    return len(entries), manifest["totals"]["bytes"]
