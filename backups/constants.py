"""The archive's fixed names, what the dump leaves out, which stored files carry a hash, limits."""

from __future__ import annotations

from collections.abc import Callable

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
    ("documents.GeneratedDocument", "pdf", "sha256"),
    ("documents.DocumentSignature", "signed_pdf", "signed_sha256"),
    ("appeals.Enclosure", "file", "sha256"),
]
# Stored files without a recorded hash: only their presence can be checked.
UNHASHED_FILES = [("intake.Clinic", "logo"), ("intake.Provider", "signature_image")]

CHUNK = 1024 * 1024
SPOOL_MAX = 16 * 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
MAX_LISTED_PROBLEMS = 20

Log = Callable[[str], None]
