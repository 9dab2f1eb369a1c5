"""Stored files (letters, packets, uploads, logos, signatures) encrypted on disk.

Letters and packets print the patient's name, Medicare number and diagnoses, so the private
file store gets the same protection as the MBI column: Fernet with MBI_ENCRYPTION_KEYS from
the environment (intake/crypto.py; HIPAA §164.312(a)(2)(iv), ASVS 6.1.1). Callers see
plaintext: `open()` decrypts, `save()` encrypts, `size()` is the plaintext size, so hashes
recorded at generation time still match what is read back.

Files written before this storage was configured are plaintext; they are read as they are
and encrypted by `manage.py reencrypt` (which also re-encrypts under the newest key after
a rotation).
"""

import io
import os

from cryptography.fernet import InvalidToken
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from intake import crypto

FERNET_PREFIX = crypto.FERNET_PREFIX.encode()
PARTIAL_SUFFIX = ".partial"


class EncryptedFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        content.seek(0)
        return super()._save(name, ContentFile(crypto.encrypt_bytes(content.read())))

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            raise ValueError("Encrypted stored files are written only with save().")
        return DecryptedFile(self, name)

    def size(self, name):
        return len(self.read_plain(name))

    def read_stored(self, name) -> bytes:
        """The bytes on disk (ciphertext, or plaintext for a file not yet encrypted)."""
        with open(self.path(name), "rb") as fh:
            return fh.read()

    def read_plain(self, name) -> bytes:
        stored = self.read_stored(name)
        if not is_encrypted(stored):
            return stored
        try:
            return crypto.decrypt_bytes(stored)
        except InvalidToken as exc:
            raise ValueError(
                f"Stored file {name!r} could not be decrypted: check MBI_ENCRYPTION_KEYS."
            ) from exc

    def encrypt_in_place(self, name) -> bool:
        """Encrypt a plaintext file, or re-encrypt it under the newest key after a rotation.

        True if the file was rewritten. The replace is atomic: a reader sees the old file or
        the new one, never half of either.
        """
        stored = self.read_stored(name)
        if is_encrypted(stored):
            token = crypto.rotate_bytes(stored)
        else:
            token = crypto.encrypt_bytes(stored)
        if token == stored:
            return False
        path = self.path(name)
        partial = f"{path}{PARTIAL_SUFFIX}"
        with open(partial, "wb") as fh:
            fh.write(token)
        os.replace(partial, path)
        return True


class DecryptedFile(File):
    """The plaintext of a stored file, re-read from storage if reopened after closing
    (FieldFile keeps its file object and reopens it on the next `.open()`)."""

    def __init__(self, storage: EncryptedFileSystemStorage, name: str):
        self._storage = storage
        super().__init__(io.BytesIO(storage.read_plain(name)), name=name)

    def open(self, mode=None, *args, **kwargs):
        if self.closed:
            self.file = io.BytesIO(self._storage.read_plain(self.name))
        else:
            self.seek(0)
        return self


def is_encrypted(data: bytes) -> bool:
    return data.startswith(FERNET_PREFIX)
