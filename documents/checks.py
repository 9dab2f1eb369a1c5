"""System checks for documents: is there a certificate to seal signed letters with?"""

from django.conf import settings
from django.core.checks import Info, Tags, register

from documents import pades


@register(Tags.security, deploy=True)
def signing_certificate(app_configs, **kwargs):
    """Production without a clinic certificate can't sign letters (or, if SIGNING_SELF_SIGNED
    is on, signs with one no reader trusts). An Info, not a Warning: the deploy check runs in
    CI, which has no certificate, and signing says why it is refused in words for staff."""
    if settings.DEBUG:
        return []
    source = pades.configured_source()
    if source == "":
        return [
            Info(
                "No signing certificate is configured: clinicians can't sign letters.",
                hint="Set SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSPHRASE, or "
                "SIGNING_CERT_PATH and SIGNING_KEY_PATH (docs/operations.md).",
                id="documents.I001",
            )
        ]
    if source == "self-signed":
        return [
            Info(
                "Signed letters are sealed with a self-signed certificate, which PDF readers "
                "show as from an unknown signer.",
                hint="Configure the clinic's own certificate (docs/operations.md).",
                id="documents.I002",
            )
        ]
    return []
