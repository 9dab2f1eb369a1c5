"""Recompute the whole audit chain and say whether it is intact.

    python manage.py verify_audit
    OK: 1234 entries verified
    Last entry: 1234 3f0c...

    python manage.py verify_audit --head /mnt/anchor/head-2026-11-30.json \\
        --export-head /srv/clinic/var/audit-head.json

`--head FILE` also checks that the entry a previous `--export-head` wrote to FILE is still in
the chain, unchanged: that is what catches a rewrite of the whole table by someone with
database access (recomputing every hash without the key, or deleting the tail).
`--export-head FILE` writes the newest entry (id, entry_hash, at, key_version) as JSON,
after the chain verified; copy it somewhere the database's superuser can't write
(docs/audit.md, "Anchoring the head").

Exit status 0 when intact; 1, with the first broken entry's id and why, when not (or when a
head file can't be read or written).
"""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.chain import HASHED_FIELDS, Head, verify
from audit.models import AuditEntry


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit status 1 at the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--head",
            metavar="FILE",
            type=Path,
            help="A head written by --export-head earlier: that entry must still be in the "
            "chain, unchanged.",
        )
        parser.add_argument(
            "--export-head",
            metavar="FILE",
            type=Path,
            help="After verifying, write the newest entry (id, entry_hash, at, key_version) "
            "to FILE as JSON.",
        )

    def handle(self, *args, head=None, export_head=None, **options):
        anchor = _read_head(head) if head is not None else None
        rows = (
            AuditEntry.objects.order_by("id")
            .values("id", "previous_hash", "entry_hash", "key_version", *HASHED_FIELDS)
            .iterator(chunk_size=2000)
        )
        try:
            verdict = verify(rows, head=anchor)
        finally:
            # verify() may stop early: close the (server-side, on PostgreSQL) cursor now,
            # inside the transaction that opened it, not whenever it is garbage-collected.
            rows.close()
        if not verdict.ok:
            raise CommandError(
                f"Audit chain broken at entry {verdict.broken_id}: {verdict.reason} "
                f"({verdict.checked} entries before it verified).",
                returncode=1,
            )
        self.stdout.write(f"OK: {verdict.checked} entries verified")
        if verdict.last_id is not None:
            self.stdout.write(f"Last entry: {verdict.last_id} {verdict.last_hash}")
        if verdict.legacy:
            self.stdout.write(
                f"{verdict.legacy} entries at the start are hashed without a key (written "
                "before the chain was keyed)."
            )
        if anchor is not None:
            self.stdout.write(f"Head {anchor.id} from {head} is in the chain, unchanged.")
        if export_head is not None:
            if verdict.last is None:
                raise CommandError("The audit trail is empty: no head to export.", returncode=1)
            _write_head(export_head, verdict.last)
            self.stdout.write(f"Head {verdict.last.id} written to {export_head}.")


def _read_head(path: Path) -> Head:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Can't read the head file {path}: {error}", returncode=1) from error
    try:
        return Head.from_json(text)
    except ValueError as error:
        raise CommandError(f"{path} is not an exported head: {error}.", returncode=1) from error


def _write_head(path: Path, head: Head) -> None:
    """Whole or not at all: a temporary file next to FILE, then renamed over it."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(head.to_json() + "\n")
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise CommandError(f"Can't write the head file {path}: {error}", returncode=1) from error
