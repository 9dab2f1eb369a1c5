"""Write one consistent, verified archive of the database and every stored file.

    python manage.py backup --out /srv/backups/clinic-$(date -u +%Y%m%dT%H%M%SZ).tar.gz.age

Encrypted to the age public keys in BACKUP_RECIPIENTS (or each --recipient); refused when
there is none. --no-encryption writes a plain archive, for development and tests only.

Exit status 1 (nothing written) if a stored document no longer matches the SHA-256 in its
row, or if the file already exists. The logic lives in appeals/backup/; docs/operations.md
("Backups") is the operator's guide.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from backups import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write the database (dumpdata, one consistent snapshot) and every stored file, with "
        "a SHA-256 manifest, to one .tar.gz archive encrypted with age (mode 0600). The "
        "archive holds PHI."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="The archive to write (FILE.tar.gz).")
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="An age public key (age1...) to encrypt to; repeatable. Default: the keys in "
            "the BACKUP_RECIPIENTS setting.",
        )
        parser.add_argument(
            "--no-encryption",
            action="store_true",
            help="Write the archive unencrypted. Development and tests only: it holds PHI.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(
        self, *args, out: str, recipient: list, no_encryption: bool, database: str, **options
    ) -> None:
        try:
            summary = create_backup(
                Path(out),
                recipients=recipient or settings.BACKUP_RECIPIENTS,
                encrypt=not no_encryption,
                using=database,
                log=lambda m: self.stderr.write(self.style.WARNING(m)),
            )
        except BackupError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        self.stdout.write(
            f"Backup written to {summary.path}\n"
            f"  rows:      {summary.rows} in {summary.models} models\n"
            f"  files:     {summary.files} ({summary.file_bytes} bytes)\n"
            f"  documents: {summary.documents_verified} verified against their recorded SHA-256\n"
            f"  archive:   {summary.archive_bytes} bytes, mode 0600, "
            + ("NOT ENCRYPTED" if no_encryption else "encrypted (age)")
        )
