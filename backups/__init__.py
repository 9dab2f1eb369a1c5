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

The package's modules:

    constants.py        archive names, what the dump leaves out, hashed file fields, limits
    errors.py           BackupError, and how lists of problems are shown in it
    summaries.py        BackupSummary and RestoreSummary, what the two directions return
    serialization.py    the serialization module of the dump's format (DUMP_FORMAT): Django
                        looks up `Serializer` and `Deserializer` in the module a format is
                        registered with
    files.py            stored files: hashing, safe names, listing, checks against their rows
    audit_trail.py      pausing the audit app's tracking, verifying its chain
    migration_state.py  applied migrations of a database, newest migrations of this code
    create.py           create_backup: the consistent snapshot and the archive writing
    archive_checks.py   reading an archive safely: members, manifest, recorded hashes
    load.py             load_dump: replacing every table's rows with the dump's
    restore.py          restore_backup: the checks, then migrate, load and file writing
"""

from __future__ import annotations

from backups.audit_trail import audit_tracking_paused, verify_audit_chain
from backups.constants import (
    APPEND_ONLY_APPS,
    CHUNK,
    DUMP_EXCLUDE,
    DUMP_FORMAT,
    DUMP_NAME,
    FILES_PREFIX,
    FORMAT_VERSION,
    HASHED_FILES,
    MANIFEST_NAME,
    MAX_LISTED_PROBLEMS,
    MAX_MANIFEST_BYTES,
    SPOOL_MAX,
    UNHASHED_FILES,
    Log,
)
from backups.create import consistent_snapshot, create_backup, dump_excludes
from backups.errors import BackupError
from backups.files import list_stored_files, missing_unhashed_files, verify_document_files
from backups.load import append_only_models, load_dump
from backups.migration_state import applied_migration_state, code_migration_state
from backups.restore import restore_backup
from backups.serialization import Deserializer, Serializer
from backups.summaries import BackupSummary, RestoreSummary

__all__ = [
    "APPEND_ONLY_APPS",
    "CHUNK",
    "DUMP_EXCLUDE",
    "DUMP_FORMAT",
    "DUMP_NAME",
    "FILES_PREFIX",
    "FORMAT_VERSION",
    "HASHED_FILES",
    "MANIFEST_NAME",
    "MAX_LISTED_PROBLEMS",
    "MAX_MANIFEST_BYTES",
    "SPOOL_MAX",
    "UNHASHED_FILES",
    "BackupError",
    "BackupSummary",
    "Deserializer",
    "Log",
    "RestoreSummary",
    "Serializer",
    "append_only_models",
    "applied_migration_state",
    "audit_tracking_paused",
    "code_migration_state",
    "consistent_snapshot",
    "create_backup",
    "dump_excludes",
    "list_stored_files",
    "load_dump",
    "missing_unhashed_files",
    "restore_backup",
    "verify_audit_chain",
    "verify_document_files",
]
