"""Encryption at rest for the Medicare number (MBI), and a blind index to search by it.

The same key ring also encrypts generated letters' HTML (EncryptedTextField) and every
stored file (intake.storage.EncryptedFileSystemStorage): PDFs print the MBI.

The MBI is stored Fernet-encrypted (AES-128-CBC + HMAC-SHA256) with keys from the
environment, never from the database or the repository (HIPAA §164.312(a)(2)(iv), ASVS
6.2). Because each encryption is randomised, equality search uses a separate keyed hash:
HMAC-SHA256 of the normalised MBI (the "blind index"), which reveals nothing without its
own key. MBI_ENCRYPTION_KEYS may list several keys, newest first, to rotate without
downtime (MultiFernet decrypts with any, encrypts with the first).
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

FERNET_PREFIX = "gAAAAA"


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.MBI_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def rotate_bytes(token: bytes) -> bytes:
    """The same plaintext under the newest key, or the token itself if it already is."""
    try:
        Fernet(settings.MBI_ENCRYPTION_KEYS[0]).decrypt(token)
    except InvalidToken:
        return _fernet().rotate(token)
    return token


def blind_index(mbi: str) -> str:
    if not mbi:
        return ""
    key = settings.MBI_INDEX_KEY.encode()
    return hmac.new(key, mbi.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Holds plaintext in Python and ciphertext in the database. Not filterable by value."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        if not value.startswith(FERNET_PREFIX):
            return value  # a row written before encryption; re-saved by migration 0003
        try:
            return decrypt(value)
        except InvalidToken as exc:
            raise ValueError(
                "An encrypted value could not be decrypted: check MBI_ENCRYPTION_KEYS."
            ) from exc

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
