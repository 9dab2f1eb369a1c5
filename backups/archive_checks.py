"""Reading an archive safely: its members, its manifest, and the hashes the manifest records."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections import Counter

from backups.constants import (
    DUMP_NAME,
    FILES_PREFIX,
    FORMAT_VERSION,
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
)
from backups.errors import BackupError, _format_problems
from backups.files import _safe_name, _sha256_of


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
