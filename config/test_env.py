"""Environment for the test run, loaded as a pytest plugin (`-p config.test_env`) so it is in
place before pytest-django imports the settings.

Tests run with DEBUG off (production behaviour) and a throwaway key.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# The hashed-manifest static storage needs collectstatic; tests use plain static files.
os.environ.setdefault("STATIC_MANIFEST", "0")
