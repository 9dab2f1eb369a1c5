"""Bring everything encrypted at rest under the newest key of MBI_ENCRYPTION_KEYS.

After a rotation (new key first, old key still listed) this re-encrypts every encrypted
column (intake.crypto.EncryptedTextField) and every stored file, so the old key can then be
withdrawn. It also encrypts stored files written before file encryption was switched on.
Safe to run again: it only rewrites what is not yet under the newest key (columns are always
rewritten: a Fernet token does not say which key made it without trying, and rows are few).
"""

from pathlib import Path

from django.apps import apps
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backups import list_stored_files
from intake.crypto import EncryptedTextField
from intake.storage import PARTIAL_SUFFIX, EncryptedFileSystemStorage


class Command(BaseCommand):
    help = "Re-encrypt encrypted columns and stored files under the newest encryption key."

    def handle(self, *args, **options):
        storage = storages["default"]
        if not isinstance(storage, EncryptedFileSystemStorage):
            raise CommandError("STORAGES['default'] is not the encrypted file storage.")
        for model, field in encrypted_columns():
            rows = reencrypt_column(model, field)
            self.stdout.write(f"{model._meta.label}.{field}: {rows} rows re-encrypted.")
        checked = rewritten = 0
        for name in list_stored_files(Path(storage.location), self.stderr.write):
            if name.endswith(PARTIAL_SUFFIX):
                continue  # an interrupted earlier run's leftover, not a stored file
            checked += 1
            rewritten += storage.encrypt_in_place(name)
        self.stdout.write(f"{checked} stored files checked, {rewritten} encrypted or re-keyed.")


def encrypted_columns():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field.name


def reencrypt_column(model, field: str) -> int:
    """Read each value (decrypted with any listed key), write it back (newest key).

    QuerySet.update: no save() signals, so a key rotation adds no audit entries and does not
    trip models that refuse to be saved twice (generated documents are immutable).
    """
    rows = 0
    manager = model._base_manager
    with transaction.atomic():
        values = manager.select_for_update().exclude(**{field: ""}).values_list("pk", field)
        for pk, value in values.iterator():
            manager.filter(pk=pk).update(**{field: value})
            rows += 1
    return rows
