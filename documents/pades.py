"""The digital signature (PAdES) on signed letters, with pyHanko.

The signed copy of a letter is sealed with the clinic's certificate, so any PDF reader shows
that it is unaltered since signing and who sealed it. The certificate comes from the
environment (docs/operations.md): a PEM certificate and key (SIGNING_CERT_PATH,
SIGNING_KEY_PATH, SIGNING_KEY_PASSPHRASE) or a PKCS#12 file (SIGNING_PKCS12_PATH,
SIGNING_PKCS12_PASSPHRASE). Without one, and only where SIGNING_SELF_SIGNED allows it (on by
default with DEBUG: the demo), a self-signed certificate is made once and kept under
SIGNING_SELF_SIGNED_DIR (var/signing/, outside the repository). Readers show such a
signature as intact but from an untrusted signer; production uses a real one.
"""

from __future__ import annotations

import asyncio
import datetime
import fcntl
import functools
import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

SELF_SIGNED_KEY = "demo-signing-key.pem"
SELF_SIGNED_CERT = "demo-signing-cert.pem"
SELF_SIGNED_NAME = "Demo clinic signing certificate (self-signed)"
# The signature dictionary's field; one clinician signature per signed copy.
FIELD_NAME = "ClinicianSignature"


class SigningUnavailable(Exception):
    """No usable certificate: the letter is not signed. The message is for staff."""


def configured_source() -> str:
    """Where the certificate comes from: "pem", "pkcs12", "self-signed" or "" (none)."""
    if settings.SIGNING_PKCS12_PATH:
        return "pkcs12"
    if settings.SIGNING_CERT_PATH or settings.SIGNING_KEY_PATH:
        return "pem"
    return "self-signed" if settings.SIGNING_SELF_SIGNED else ""


def seal(pdf: bytes, *, name: str, reason: str, location: str) -> bytes:
    """`pdf` with a PAdES baseline signature over the whole file (an incremental update, so
    the rendered pages are byte for byte the ones signed)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=name,
        reason=reason,
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    key = signer()
    return _run(lambda: signers.async_sign_pdf(writer, meta, signer=key)).getvalue()


def _run(make_coroutine):
    """Run pyHanko's coroutine to the end from sync code. pyHanko's own sync wrapper calls
    asyncio.run(), which fails in a thread whose event loop is running (an async caller,
    the browser tests): there it runs in a worker thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def signer():
    """The pyHanko signer for the configured certificate (loaded once per process)."""
    source = configured_source()
    if source == "pkcs12":
        return _pkcs12_signer(
            settings.SIGNING_PKCS12_PATH, settings.SIGNING_PKCS12_PASSPHRASE or None
        )
    if source == "pem":
        return _pem_signer(
            settings.SIGNING_CERT_PATH,
            settings.SIGNING_KEY_PATH,
            settings.SIGNING_KEY_PASSPHRASE or None,
        )
    if source == "self-signed":
        key, cert = ensure_self_signed(Path(settings.SIGNING_SELF_SIGNED_DIR))
        return _pem_signer(str(cert), str(key), None)
    raise SigningUnavailable(
        "No signing certificate is configured for this clinic, so letters can't be signed. "
        "Ask your administrator to set SIGNING_PKCS12_PATH (see docs/operations.md)."
    )


@functools.lru_cache(maxsize=4)
def _pem_signer(cert_path: str, key_path: str, passphrase: str | None):
    from pyhanko.sign import signers

    if not (cert_path and key_path):
        raise SigningUnavailable(
            "The signing certificate is half configured: set both SIGNING_CERT_PATH and "
            "SIGNING_KEY_PATH."
        )
    loaded = signers.SimpleSigner.load(
        key_path, cert_path, key_passphrase=passphrase.encode() if passphrase else None
    )
    if loaded is None:  # pyHanko logs the reason and returns None
        raise SigningUnavailable("The signing certificate or its key could not be read.")
    return loaded


@functools.lru_cache(maxsize=4)
def _pkcs12_signer(path: str, passphrase: str | None):
    from pyhanko.sign import signers

    loaded = signers.SimpleSigner.load_pkcs12(
        path, passphrase=passphrase.encode() if passphrase else None
    )
    if loaded is None:
        raise SigningUnavailable("The signing certificate (PKCS#12) could not be read.")
    return loaded


def ensure_self_signed(directory: Path) -> tuple[Path, Path]:
    """The demo key and certificate in `directory`, made on first use (under a file lock, so
    two workers starting together agree on one pair)."""
    key_path, cert_path = directory / SELF_SIGNED_KEY, directory / SELF_SIGNED_CERT
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (key_path.exists() and cert_path.exists()):
            key_pem, cert_pem = _make_self_signed()
            _write_private(key_path, key_pem)
            _write_private(cert_path, cert_pem)
    return key_path, cert_path


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _make_self_signed() -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SELF_SIGNED_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=5 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            # Signing documents: digitalSignature and nonRepudiation (contentCommitment).
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)
