"""Backup and restore of a whole instance: the database and every stored file, in one archive.

The management commands `backup` and `restore` are thin wrappers around `create_backup` and
`restore_backup`; docs/operations.md ("Backups") is the operator's guide.

Archive layout (a gzip-compressed tar, mode 0600):

    manifest.json    what is inside: SHA-256 and size of every file and of the dump, rows per
                     model, latest migration per app, creation time (UTC), Django version
    database.json    `dumpdata` of every app (see DUMP_EXCLUDE), natural foreign keys
    files/<name>     every file under the private storage root, by its storage name

The database dump keeps primary keys (users, patients and documents come back with their ids)
and refers to content types and permissions by natural key, because `migrate` recreates those
two tables in the target with ids of its own.

This module also serves as the serialization module of the dump's format (DUMP_FORMAT): Django
looks up `Serializer` and `Deserializer` in the module a format is registered with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.management import CommandError, call_command, get_commands
from django.core.management.color import no_style
from django.core.serializers import json as json_serializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DUMP_NAME = "database.json"
FILES_PREFIX = "files/"
DUMP_FORMAT = "appeals_backup_json"

# Content types and permissions are recreated by `migrate` (their ids may differ, so the dump
# refers to them by natural key); sessions are throwaway sign-ins.
DUMP_EXCLUDE = ["contenttypes", "auth.permission", "sessions"]
# Tables a restore never empties and only ever INSERTs into: the audit app's hash-chained
# entries (on PostgreSQL a trigger refuses UPDATE and DELETE on them).
APPEND_ONLY_APPS = ("audit",)
# Stored files whose row records the file's SHA-256: (model, file field, hash field).
HASHED_FILES = [
    ("appeals.GeneratedDocument", "pdf", "sha256"),
    ("appeals.DocumentSignature", "signed_pdf", "signed_sha256"),
    ("appeals.Enclosure", "file", "sha256"),
]
# Stored files without a recorded hash: only their presence can be checked.
UNHASHED_FILES = [("intake.Clinic", "logo"), ("intake.Provider", "signature_image")]

CHUNK = 1024 * 1024
SPOOL_MAX = 16 * 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_LISTED_PROBLEMS = 20

Log = Callable[[str], None]


class BackupError(Exception):
    """A refusal, with the exit code the command should end with."""

    def __init__(self, message: str, returncode: int = 1):
        super().__init__(message)
        self.returncode = returncode


class Serializer(json_serializer.Serializer):
    """Django's JSON serializer, but datetimes and times keep their microseconds.

    DjangoJSONEncoder cuts them to milliseconds; a restore must give back rows exactly as they
    were (audit/chain.py hashes each entry's time to the microsecond). `_value_from_field` is
    the Python serializer's per-value hook: a value returned as text passes the encoder as is.
    """

    def _value_from_field(self, obj, field):
        value = super()._value_from_field(obj, field)
        if isinstance(value, dt.datetime | dt.time):
            return value.isoformat()
        return value


Deserializer = json_serializer.Deserializer


@dataclass
class BackupSummary:
    path: Path
    rows: int
    models: int
    files: int
    file_bytes: int
    documents_verified: int
    archive_bytes: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreSummary:
    rows: int
    models: int
    files: int
    file_bytes: int
    documents_verified: int
    created_at: str
    audit: str = ""
    warnings: list[str] = field(default_factory=list)


# --- helpers shared by both directions ---------------------------------------------------


def _sha256_of(stream, copy_to=None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest(), size


def _storage() -> Storage:
    return storages["default"]


def _storage_root(storage: Storage) -> Path:
    location = getattr(storage, "location", None)
    if not location:
        raise BackupError(
            "The default storage has no local directory (expected the private "
            "FileSystemStorage of settings.STORAGES['default'])."
        )
    return Path(location)


def _safe_name(name: str) -> bool:
    """A relative POSIX path with no empty, '.' or '..' component (nothing that can climb)."""
    if not name or "\\" in name or "\x00" in name or PurePosixPath(name).is_absolute():
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _inside(root: Path, name: str) -> bool:
    """Whether storage name `name` resolves (symlinks followed) to a path under `root`."""
    base = os.path.realpath(root)
    target = os.path.realpath(os.path.join(base, name))
    return target.startswith(base + os.sep)


def dump_excludes() -> list[str]:
    installed = {config.label for config in apps.get_app_configs()}
    return [label for label in DUMP_EXCLUDE if label.split(".")[0] in installed]


def append_only_models() -> list:
    return [
        model
        for label in APPEND_ONLY_APPS
        if apps.is_installed(label)
        for model in apps.get_app_config(label.rsplit(".", 1)[-1]).get_models()
    ]


@contextmanager
def audit_tracking_paused():
    """Keep the audit app's signal receivers from writing entries inside the block.

    A restore puts the archived trail back exactly as it was. Entries written during the
    restore itself (by migrate's role-permission sync in the new database, and by the load's
    raw saves, which the receivers don't tell apart) would take the ids and chain links of
    the archived entries. Uses the receivers' dispatch_uids (audit/tracking.py) and
    reconnects them with `tracking.connect()`. Should that scheme change, the disconnect
    reports it, and the restore's own checks (an empty trail after migrate, the row counts)
    refuse rather than mix two chains.
    """
    if not apps.is_installed("audit"):
        yield
        return
    from audit import tracking

    try:
        for label in tracking.TRACKED_MODELS:
            model = apps.get_model(label)
            uid = f"audit:{model._meta.label_lower}"
            for signal, name in (
                (pre_save, "pre_save"),
                (post_save, "post_save"),
                (pre_delete, "pre_delete"),
                (post_delete, "post_delete"),
            ):
                if not signal.disconnect(sender=model, dispatch_uid=f"{uid}:{name}"):
                    raise BackupError(f"Can't pause audit tracking: no receiver {uid}:{name}.")
        for label, field_name in tracking.TRACKED_M2M:
            owner = apps.get_model(label)
            uid = f"audit:{owner._meta.label_lower}.{field_name}"
            if not m2m_changed.disconnect(
                sender=getattr(owner, field_name).through, dispatch_uid=uid
            ):
                raise BackupError(f"Can't pause audit tracking: no receiver {uid}.")
        yield
    finally:
        tracking.connect()


def verify_audit_chain() -> str:
    """Run the audit app's chain verification, if it has one: its verdict, or BackupError."""
    if "verify_audit" not in get_commands():
        return ""
    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        raise BackupError(f"Restore verification FAILED; do not use this instance: {exc}") from exc
    return " ".join(out.getvalue().split())


def verify_document_files(storage: Storage, using: str) -> tuple[int, list[str]]:
    """Hash every file whose row records a SHA-256; return (rows checked, problems)."""
    checked = 0
    problems = []
    for label, file_field, hash_field in HASHED_FILES:
        model = apps.get_model(label)
        rows = model._base_manager.using(using).order_by("pk")
        for pk, name, expected in rows.values_list("pk", file_field, hash_field).iterator():
            checked += 1
            where = f"{model.__name__} {pk} ({file_field} {name!r})"
            if not name:
                problems.append(f"{where}: the row records no file")
                continue
            try:
                with storage.open(name, "rb") as fh:
                    actual, _ = _sha256_of(fh)
            except FileNotFoundError:
                problems.append(f"{where}: the file is missing from storage")
                continue
            except SuspiciousFileOperation:
                problems.append(f"{where}: the file name points outside the storage root")
                continue
            if actual != expected:
                problems.append(
                    f"{where}: the file's SHA-256 is {actual}, the row records {expected}"
                )
    return checked, problems


def missing_unhashed_files(storage: Storage, using: str) -> list[str]:
    missing = []
    for label, file_field in UNHASHED_FILES:
        model = apps.get_model(label)
        rows = model._base_manager.using(using).exclude(**{file_field: ""}).order_by("pk")
        for pk, name in rows.values_list("pk", file_field).iterator():
            if not storage.exists(name):
                missing.append(f"{model.__name__} {pk} ({file_field} {name!r}) has no file")
    return missing


def _format_problems(problems: list[str]) -> str:
    shown = [f"  - {p}" for p in problems[:MAX_LISTED_PROBLEMS]]
    if len(problems) > MAX_LISTED_PROBLEMS:
        shown.append(f"  ... and {len(problems) - MAX_LISTED_PROBLEMS} more")
    return "\n".join(shown)


def applied_migration_state(connection) -> dict[str, str]:
    """The latest applied migration of each app (by position in the migration graph)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    latest: dict[str, tuple[int, str]] = {}
    for app_label, name in loader.applied_migrations:
        key = (app_label, name)
        depth = len(loader.graph.forwards_plan(key)) if key in loader.graph.nodes else 0
        if (depth, name) > latest.get(app_label, (-1, "")):
            latest[app_label] = (depth, name)
    return {app_label: name for app_label, (_, name) in sorted(latest.items())}


def code_migration_state() -> dict[str, list[str]]:
    """The newest migration(s) of each app in this code (leaf nodes of the graph)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves: dict[str, list[str]] = {}
    for app_label, name in loader.graph.leaf_nodes():
        leaves.setdefault(app_label, []).append(name)
    return leaves


# --- backup ------------------------------------------------------------------------------


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


def list_stored_files(root: Path, warn: Log) -> list[str]:
    """Every regular file under the storage root, as storage names; symlinks are skipped."""
    names = []
    if not root.is_dir():
        return names
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for entry in [*dirnames, *filenames]:
            path = Path(dirpath) / entry
            if path.is_symlink():
                warn(f"Skipped symbolic link {path.relative_to(root).as_posix()!r} in storage.")
        for filename in filenames:
            path = Path(dirpath) / filename
            if path.is_symlink() or not path.is_file():
                continue
            names.append(path.relative_to(root).as_posix())
    return sorted(names)


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    info.mode = 0o600
    info.type = tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def create_backup(out: Path, *, using: str = DEFAULT_DB_ALIAS, log: Log = print) -> BackupSummary:
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
    serializers.register_serializer(DUMP_FORMAT, __name__)
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
            with os.fdopen(fd, "wb") as raw:
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


# --- restore -----------------------------------------------------------------------------


def restore_backup(
    archive: Path, *, force: bool = False, using: str = DEFAULT_DB_ALIAS, log: Log = print
) -> RestoreSummary:
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"No archive at {archive}.")
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


def _check_members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """Every member must be a regular file at a safe name: refuses tar-slip archives."""
    members: dict[str, tarfile.TarInfo] = {}
    for member in tar.getmembers():
        name = member.name
        if not _safe_name(name):
            raise BackupError(
                f"Archive refused: member {name!r} has an absolute or '..' path that would "
                "escape the storage root (tar-slip)."
            )
        if member.issym() or member.islnk():
            raise BackupError(
                f"Archive refused: member {name!r} is a link (to {member.linkname!r}); "
                "archives may only hold regular files."
            )
        if not member.isreg():
            raise BackupError(f"Archive refused: member {name!r} is not a regular file.")
        if name not in (MANIFEST_NAME, DUMP_NAME) and not name.startswith(FILES_PREFIX):
            raise BackupError(f"Archive refused: unexpected member {name!r}.")
        if name in members:
            raise BackupError(f"Archive refused: member {name!r} appears twice.")
        members[name] = member
    return members


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> io.BufferedReader:
    stream = tar.extractfile(member)
    if stream is None:  # pragma: no cover - only regular files get this far
        raise BackupError(f"Archive refused: can't read {member.name!r}.")
    return stream


def _read_manifest(tar, members) -> dict:
    member = members.get(MANIFEST_NAME)
    if member is None:
        raise BackupError(f"Archive refused: it has no {MANIFEST_NAME}.")
    if member.size > MAX_MANIFEST_BYTES:
        raise BackupError(f"Archive refused: {MANIFEST_NAME} is implausibly large.")
    try:
        manifest = json.loads(_read_member(tar, member).read())
    except ValueError as exc:
        raise BackupError(f"Archive refused: {MANIFEST_NAME} is not valid JSON ({exc}).") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"Archive refused: {MANIFEST_NAME} is not a format-{FORMAT_VERSION} manifest."
        )
    entries = manifest.get("files")
    database = manifest.get("database")
    if not isinstance(entries, list) or not isinstance(database, dict):
        raise BackupError(f"Archive refused: {MANIFEST_NAME} lacks its file or database list.")
    seen = set()
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not _safe_name(path):
            raise BackupError(
                f"Archive refused: the manifest lists {path!r}, an absolute or '..' path that "
                "would escape the storage root (tar-slip)."
            )
        if path in seen:
            raise BackupError(f"Archive refused: the manifest lists {path!r} twice.")
        seen.add(path)
    return manifest


def _verified_dump(tar, members, manifest) -> list[dict]:
    database = manifest["database"]
    member = members.get(DUMP_NAME)
    if member is None:
        raise BackupError(f"Archive refused: it has no {DUMP_NAME}.")
    data = _read_member(tar, member).read()
    sha = hashlib.sha256(data).hexdigest()
    if sha != database.get("sha256") or len(data) != database.get("size"):
        raise BackupError(
            f"Archive refused: {DUMP_NAME} does not match the manifest (SHA-256 {sha}, "
            f"manifest {database.get('sha256')}); the archive is damaged or was altered."
        )
    try:
        objects = json.loads(data)
    except ValueError as exc:
        raise BackupError(f"Archive refused: {DUMP_NAME} is not valid JSON ({exc}).") from exc
    rows = Counter(obj.get("model") for obj in objects)
    if dict(rows) != database.get("rows"):
        raise BackupError(f"Archive refused: {DUMP_NAME} does not hold the rows it lists.")
    return objects


def _verify_archived_files(tar, members, manifest) -> None:
    problems = []
    listed = set()
    for entry in manifest["files"]:
        name = FILES_PREFIX + entry["path"]
        listed.add(name)
        member = members.get(name)
        if member is None:
            problems.append(f"{name}: listed in the manifest but not in the archive")
            continue
        sha, size = _sha256_of(_read_member(tar, member))
        if sha != entry.get("sha256") or size != entry.get("size"):
            problems.append(
                f"{name}: SHA-256 {sha} ({size} bytes) does not match the manifest's "
                f"{entry.get('sha256')} ({entry.get('size')} bytes)"
            )
    for name in members:
        if name.startswith(FILES_PREFIX) and name not in listed:
            problems.append(f"{name}: in the archive but not in the manifest")
    if problems:
        raise BackupError(
            "Archive refused: its contents do not match its manifest (damaged or altered):\n"
            + _format_problems(problems)
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


def load_dump(objects: list[dict], using: str = DEFAULT_DB_ALIAS) -> Counter:
    """Replace every table's rows with the dump's, in one transaction, using INSERTs only.

    The target has just been migrated, so its tables hold only what migrations seeded (role
    groups, letter templates, coverage policies); those rows are in the dump too. Emptying the
    tables first gives every row back its archived primary key and makes the load pure
    INSERTs: nothing is ever UPDATEd. Content types and permissions stay (the dump refers to
    them by natural key); the append-only tables are never emptied, must be empty, and are
    filled last, when every row they refer to exists. Returns the rows loaded per model.
    """
    try:
        return _load(objects, using)
    except (DatabaseError, ValueError) as exc:
        raise BackupError(
            f"Restore failed while loading the dump (nothing was changed): {exc}"
        ) from exc


def _load(objects: list[dict], using: str) -> Counter:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    connection = connections[using]
    append_only = append_only_models()
    append_only_labels = {model._meta.label_lower for model in append_only}
    keep_tables = {model._meta.db_table for model in (ContentType, Permission, *append_only)}
    for model in append_only:
        keep_tables.update(f.remote_field.through._meta.db_table for f in model._meta.many_to_many)
    regular = [obj for obj in objects if obj.get("model") not in append_only_labels]
    appended = [obj for obj in objects if obj.get("model") in append_only_labels]
    counts: Counter = Counter()
    loaded = set()

    with transaction.atomic(using=using):
        for model in append_only:
            if model._base_manager.using(using).exists():
                raise BackupError(
                    f"Restore refused: {model._meta.label} already has rows after migrate; "
                    "append-only rows can't be replaced. Restore into a new, empty database.",
                    returncode=2,
                )
        tables = set(connection.introspection.django_table_names(only_existing=True))
        with connection.cursor() as cursor:
            for table in sorted(tables - keep_tables):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608

        for batch, is_append_only in ((regular, False), (appended, True)):
            deferred = []
            for obj in _deserialize(batch, using):
                model = type(obj.object)
                if not router.allow_migrate_model(using, model):
                    continue
                # force_insert: a plain INSERT, never Django's "UPDATE, then INSERT if no row".
                obj.save(using=using, force_insert=True)
                counts[model._meta.label_lower] += 1
                loaded.add(model)
                if obj.deferred_fields:
                    if is_append_only:
                        raise BackupError(
                            f"Restore failed: {model._meta.label} {obj.object.pk} refers to a "
                            "row missing from the archive."
                        )
                    deferred.append(obj)
            for obj in deferred:
                obj.save_deferred_fields(using=using)

        mismatched = []
        for model in sorted(loaded, key=lambda m: m._meta.label):
            found = model._base_manager.using(using).count()
            if found != counts[model._meta.label_lower]:
                mismatched.append(
                    f"{model._meta.label}: {found} rows, the archive has "
                    f"{counts[model._meta.label_lower]}"
                )
        if mismatched:
            raise BackupError(
                "Restore failed: the database would not hold exactly the archive's rows "
                f"(nothing was changed):\n{_format_problems(mismatched)}"
            )
        connection.check_constraints(table_names=[model._meta.db_table for model in loaded])
        # Explicit primary keys don't advance PostgreSQL's sequences; set them past the
        # restored rows so the next INSERT doesn't collide (loaddata does the same).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), loaded):
                cursor.execute(sql)
    return counts


def _deserialize(batch: list[dict], using: str) -> Iterable:
    objects = serializers.deserialize("python", batch, using=using, handle_forward_references=True)
    while True:
        try:
            obj = next(objects)
        except StopIteration:
            return
        except Exception as exc:
            raise BackupError(f"Restore failed: the dump can't be loaded ({exc}).") from exc
        yield obj


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
