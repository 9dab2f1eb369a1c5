"""Write one consistent, verified archive of the database and every stored file.

    python manage.py backup --out /srv/backups/clinic-$(date -u +%Y%m%dT%H%M%SZ).tar.gz

Exit status 1 (nothing written) if a stored document no longer matches the SHA-256 in its
row, or if the file already exists. The logic lives in appeals/backup/; docs/operations.md
("Backups") is the operator's guide.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from backups import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write the database (dumpdata, one consistent snapshot) and every stored file, with "
        "a SHA-256 manifest, to one .tar.gz archive (mode 0600). The archive holds PHI."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="The archive to write (FILE.tar.gz).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args, out: str, database: str, **options) -> None:
        try:
            summary = create_backup(
                Path(out), using=database, log=lambda m: self.stderr.write(self.style.WARNING(m))
            )
        except BackupError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc
        self.stdout.write(
            f"Backup written to {summary.path}\n"
            f"  rows:      {summary.rows} in {summary.models} models\n"
            f"  files:     {summary.files} ({summary.file_bytes} bytes)\n"
            f"  documents: {summary.documents_verified} verified against their recorded SHA-256\n"
            f"  archive:   {summary.archive_bytes} bytes, mode 0600"
        )
