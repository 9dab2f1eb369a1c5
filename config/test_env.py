"""Environment for the test run, loaded as a pytest plugin (`-p config.test_env`) so it is in
place before pytest-django imports the settings.

Tests run with DEBUG off (production behaviour) and a throwaway key.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# The hashed-manifest static storage needs collectstatic; tests use plain static files.
os.environ.setdefault("STATIC_MANIFEST", "0")
# Unit tests sign in with force_login; MFA has its own tests that switch it back on
# (tests/test_mfa.py) and the browser tests sign in with a real TOTP code.
os.environ.setdefault("MFA_ENFORCED", "0")
# Likewise the admin-issued enrolment code: tests/test_mfa_enrolment.py switches it on.
os.environ.setdefault("MFA_ENROLMENT_CODE_REQUIRED", "0")
# Throwaway MBI keys for the test run (Fernet keys are 32 url-safe base64 bytes).
os.environ.setdefault("MBI_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWtleS1mb3ItbWJpLWVuY3J5cHRpb24=")
os.environ.setdefault("MBI_INDEX_KEY", "test-only-blind-index-key")
# Throwaway audit chain key (HMAC-SHA256): version 1.
os.environ.setdefault("AUDIT_CHAIN_KEYS", "1:test-only-audit-chain-key-0123456789abcdef")
# Signed letters carry a PAdES signature; the run uses the self-signed demo certificate.
os.environ.setdefault("SIGNING_SELF_SIGNED", "1")
