"""One settings module, configured from the environment (12-factor).

Defaults are safe for production: DEBUG is off and SECRET_KEY must be provided.
`make run` sets DEBUG=1 for local use; see docs/operations.md for every variable.
"""

import base64
import hashlib
import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105

# MBI encryption keys (Fernet, newest first) and the blind-index key: from the environment
# only. How to generate them: docs/operations.md.
MBI_ENCRYPTION_KEYS = env.list("MBI_ENCRYPTION_KEYS", default=[])
MBI_INDEX_KEY = env("MBI_INDEX_KEY", default="")
if not MBI_ENCRYPTION_KEYS or not MBI_INDEX_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "MBI_ENCRYPTION_KEYS and MBI_INDEX_KEY must be set when DEBUG is off."
        )

    def _dev_key(purpose: str) -> str:
        digest = hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()
        return base64.urlsafe_b64encode(digest).decode()

    MBI_ENCRYPTION_KEYS = MBI_ENCRYPTION_KEYS or [_dev_key("mbi-encryption")]
    MBI_INDEX_KEY = MBI_INDEX_KEY or _dev_key("mbi-index")


# Audit chain keys (HMAC-SHA256, audit/chain.py): "VERSION:SECRET", comma-separated. The
# highest version hashes new entries; every listed one still verifies the entries it hashed,
# so a key is never removed while its entries exist (docs/operations.md, rotation).
def _audit_chain_keys(items: list[str]) -> dict[int, str]:
    keys: dict[int, str] = {}
    for item in items:
        version, _, secret = item.partition(":")
        if not re.fullmatch(r"[1-9][0-9]{0,3}", version) or len(secret) < 32:
            raise ImproperlyConfigured(
                "AUDIT_CHAIN_KEYS: each key is VERSION:SECRET, a version from 1 to 9999 and "
                "a secret of at least 32 characters."
            )
        if int(version) in keys:
            raise ImproperlyConfigured(f"AUDIT_CHAIN_KEYS lists version {version} twice.")
        keys[int(version)] = secret
    return keys


AUDIT_CHAIN_KEYS = _audit_chain_keys(env.list("AUDIT_CHAIN_KEYS", default=[]))
if not AUDIT_CHAIN_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEYS must be set when DEBUG is off.")
    # Local demo only: derived from the development SECRET_KEY, so not secret at all.
    AUDIT_CHAIN_KEYS = {1: hashlib.sha256(f"audit-chain:{SECRET_KEY}".encode()).hexdigest()}

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    # One app per job, each importing only those above it (pyproject: import-linter).
    "intake",
    "coverage",
    "documents",
    "appeals",
    "backups",
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "intake.middleware.SessionLifetimeMiddleware",
    "intake.middleware.RequireMFAMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "intake.middleware.NoStoreMiddleware",
    "audit.middleware.AuditContextMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "intake.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out username+IP never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Argon2id first (OWASP ASVS 2.4.1); older hashes are upgraded on the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    # Generated PDFs, uploaded enclosures, logos and signatures hold PHI: they live outside
    # any web root, encrypted, and are only ever served by permission-checked views.
    "default": {
        "BACKEND": "intake.storage.EncryptedFileSystemStorage",
        "OPTIONS": {
            "location": env("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "var" / "private"))
        },
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
# MEDIA_URL stays Django's default "": nothing is served from the private storage by URL.

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the cookie expires SESSION_IDLE_MINUTES after the last request.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=15) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Absolute lifetime: however active, a session ends this long after sign-in
# (intake.middleware.SessionLifetimeMiddleware).
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)

# Multi-factor sign-in (TOTP + backup codes): required for these roles, or for everyone.
MFA_ENFORCED = env.bool("MFA_ENFORCED", default=True)  # off only in the unit-test run
MFA_REQUIRED_ROLES = ["Clinician", "Billing", "Clinic admin"]
MFA_REQUIRED_FOR_ALL = env.bool("MFA_REQUIRED_FOR_ALL", default=False)
# Enrolling an authenticator needs a one-time code from a clinic admin (intake/mfa.py), so a
# password alone can't claim an account's second factor. Off in the local demo.
MFA_ENROLMENT_CODE_REQUIRED = env.bool("MFA_ENROLMENT_CODE_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Medicare desk")

# Brute-force protection keyed on username AND address, so one attacker can't lock a
# whole clinic out from behind its shared NAT address (ASVS 2.2.1).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address for lockouts and the audit trail, one rule for both: REMOTE_ADDR, or
# behind PROXY_COUNT trusted reverse proxies the entry that many hops from the right of
# X-Forwarded-For (what the first proxy appended; anything left of it is client-written).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"

# Content-Security-Policy: our own static files only; nothing inline without a nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# X-Forwarded-Proto is a request header anyone can send: trusted only when a proxy in front
# sets it itself (overwriting the client's), as TRUST_X_FORWARDED_PROTO=1 says it does
# (docs/operations.md).
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The clinic's certificate for the digital (PAdES) signature on signed letters
# (documents/pades.py, docs/operations.md): a PKCS#12 file, or a PEM certificate and key.
SIGNING_PKCS12_PATH = env("SIGNING_PKCS12_PATH", default="")
SIGNING_PKCS12_PASSPHRASE = env("SIGNING_PKCS12_PASSPHRASE", default="")
SIGNING_CERT_PATH = env("SIGNING_CERT_PATH", default="")
SIGNING_KEY_PATH = env("SIGNING_KEY_PATH", default="")
SIGNING_KEY_PASSPHRASE = env("SIGNING_KEY_PASSPHRASE", default="")
# Without one: a self-signed certificate, made once (the demo; readers call it untrusted).
SIGNING_SELF_SIGNED = env.bool("SIGNING_SELF_SIGNED", default=DEBUG)
SIGNING_SELF_SIGNED_DIR = Path(
    env("SIGNING_SELF_SIGNED_DIR", default=str(BASE_DIR / "var" / "signing"))
)

# A PDF render that takes longer than this is stopped with a clear message (appeals/pdf.py).
PDF_RENDER_TIMEOUT_SECONDS = env.float("PDF_RENDER_TIMEOUT_SECONDS", default=20.0)

# Upper bound for uploaded files (enclosures, logos, signature images).
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
# Upper bound for what an uploaded PDF decodes to: the sum over pages of the decoded content
# streams and images each page draws (a stream shared by n pages counts n times), so a small
# file whose pages reuse one huge compressed stream is refused (documents/pdf_decoded_size.py,
# docs/security.md). Default 512 MiB: about 1 MB per page at the 500-page limit.
MAX_UPLOAD_DECODED_BYTES = env.int("MAX_UPLOAD_DECODED_BYTES", default=512 * 1024 * 1024)
# age public keys (age1..., comma-separated) every backup archive is encrypted to
# (backups/encryption.py, docs/operations.md "Backups"); `backup` refuses to run without one.
BACKUP_RECIPIENTS = env.list("BACKUP_RECIPIENTS", default=[])
# A packet assembly that runs longer than this is stopped with a message (appeals/packet.py).
PACKET_TIMEOUT_SECONDS = env.float("PACKET_TIMEOUT_SECONDS", default=60.0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request logs would carry query strings; we keep PHI out of URLs, and keep these quiet.
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"handlers": ["console"], "level": "ERROR"},
        "axes": {"level": "WARNING"},
        # At DEBUG, Django logs missing template variables with the whole context (PHI).
        "django.template": {"level": "INFO"},
        # WeasyPrint logs every render step at INFO, and at ERROR every URL it failed to
        # load, in full: query, host, data: payload, which a letter template can fill with
        # patient fields. The app reports refusals itself (tests/test_pdf_fetch_logging.py).
        "weasyprint": {"level": "CRITICAL"},
        "fontTools": {"level": "WARNING"},
    },
}
