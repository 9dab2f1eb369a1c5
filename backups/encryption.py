"""Archives are encrypted to age recipients (pyrage): they hold MBIs, letters, TOTP secrets and
password hashes, so a copied archive must be useless without the private key (issue 12).

`backup` encrypts to the public keys in settings.BACKUP_RECIPIENTS (or --recipient);
`restore` decrypts with an identity (private key) file given as --identity. age's format is
authenticated: a changed byte or the wrong key fails decryption, never yields garbage.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyrage
from pyrage import x25519

from backups.errors import BackupError

__all__ = ["decrypt_archive", "encrypt_archive", "is_age_file", "load_identities", "recipients"]

AGE_MAGIC = b"age-encryption.org/v1\n"


def recipients(values: Iterable[str]) -> list[x25519.Recipient]:
    keys = [value.strip() for value in values if value and value.strip()]
    if not keys:
        raise BackupError(
            "Backup refused: no recipient key to encrypt the archive to. Set BACKUP_RECIPIENTS "
            "(comma-separated age public keys, age1...) or pass --recipient; the archive holds "
            "MBIs, letters, TOTP secrets and password hashes, so it is never written in the "
            "clear. No archive was written."
        )
    parsed = []
    for key in keys:
        try:
            parsed.append(x25519.Recipient.from_str(key))
        except pyrage.RecipientError as exc:
            raise BackupError(
                f"Backup refused: {key[:12]}... is not an age public key (age1...): {exc}. "
                "No archive was written."
            ) from exc
    return parsed


def load_identities(path: Path | None) -> list[x25519.Identity]:
    if path is None:
        raise BackupError(
            "Restore refused: the archive is encrypted. Pass --identity PATH, the age identity "
            "(private key) file whose public key is in BACKUP_RECIPIENTS."
        )
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(
            f"Restore refused: cannot read the identity file {path} ({exc})."
        ) from exc
    identities = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue  # age-keygen writes "# created: ..." and "# public key: ..." comments
        try:
            identities.append(x25519.Identity.from_str(line))
        except pyrage.IdentityError as exc:
            raise BackupError(
                f"Restore refused: {path} is not an age identity file "
                f"(expected AGE-SECRET-KEY-1... lines): {exc}."
            ) from exc
    if not identities:
        raise BackupError(f"Restore refused: {path} holds no age identity (AGE-SECRET-KEY-1...).")
    return identities


def is_age_file(path: Path) -> bool:
    with Path(path).open("rb") as fh:
        return fh.read(len(AGE_MAGIC)) == AGE_MAGIC


def encrypt_archive(plain: Path, out: Path, to: list[x25519.Recipient]) -> None:
    try:
        pyrage.encrypt_file(str(plain), str(out), to)
    except pyrage.EncryptError as exc:
        raise BackupError(f"Backup failed while encrypting the archive: {exc}.") from exc


def decrypt_archive(archive: Path, out: Path, identities: list[x25519.Identity]) -> None:
    try:
        pyrage.decrypt_file(str(archive), str(out), identities)
    except pyrage.DecryptError as exc:
        raise BackupError(
            f"Restore refused: the identity file cannot decrypt {archive} ({exc}). It was "
            "encrypted to another key, or it is damaged. Use the identity whose public key was "
            "in BACKUP_RECIPIENTS when the backup was made."
        ) from exc
