"""Rebuild a fresh instance from an archive written by `backup`.

    python manage.py restore --archive /srv/backups/clinic-20260301T020000Z.tar.gz.age \
        --identity /root/backup-identity.txt [--force]

--identity is the age identity (private key) file; --no-encryption reads a plain archive
written by backup --no-encryption (development and tests only).

Exit status 2 if the target database already has patients or users (unless --force) or
append-only audit rows; 1 if the archive is damaged, altered or unsafe (paths escaping the
storage root, links), if its migration state differs from this code's, or if the restored
instance fails verification. The logic lives in appeals/backup/.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Check an archive's manifest, then migrate, load the database dump, write the files "
        "into the private storage and verify every document's SHA-256."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--archive", required=True, help="An archive written by `backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore into a database that already has patients or users: ALL of its data "
            "is replaced by the archive's (stored files with the same names are overwritten).",
        )
        parser.add_argument(
            "--identity",
            help="The age identity (private key) file that decrypts the archive.",
        )
        parser.add_argument(
            "--no-encryption",
            action="store_true",
            help="The archive was written with backup --no-encryption (development only).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(
        self,
        *args,
        archive: str,
        identity: str | None,
        no_encryption: bool,
        force: bool,
        database: str,
        **options,
    ) -> None:
        try:
            summary = restore_backup(
                Path(archive),
                identity=Path(identity) if identity else None,
                encrypted=not no_encryption,
                force=force,
                using=database,
                log=lambda m: self.stderr.write(self.style.WARNING(m)),
            )
        except BackupError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        self.stdout.write(
            f"Restored the backup of {summary.created_at}\n"
            f"  rows:      {summary.rows} in {summary.models} models\n"
            f"  files:     {summary.files} ({summary.file_bytes} bytes)\n"
            f"  documents: {summary.documents_verified} verified against their recorded SHA-256"
        )
        if summary.audit:
            self.stdout.write(f"  audit:     {summary.audit}")
