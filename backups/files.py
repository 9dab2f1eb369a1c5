"""The private storage's files: hashing, safe names, listing, and checks against their rows."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import Storage, storages

from backups.constants import CHUNK, HASHED_FILES, UNHASHED_FILES, Log
from backups.errors import BackupError


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
