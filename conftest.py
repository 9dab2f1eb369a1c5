import os

# Tests run with DEBUG off (production behaviour) and a throwaway key.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# The hashed-manifest static storage needs collectstatic; tests use plain static files.
os.environ.setdefault("STATIC_MANIFEST", "0")
