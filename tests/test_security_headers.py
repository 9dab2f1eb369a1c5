"""Security headers on every dynamic response, and production transport settings.

Guards: SECURE_CSP (+ django.middleware.csp.ContentSecurityPolicyMiddleware and the csp
context processor), the PDF view's csp_override/xframe_options_sameorigin,
SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY, X_FRAME_OPTIONS,
intake.middleware.NoStoreMiddleware, and the `if not DEBUG:` block of config/settings.py
(HSTS, Secure cookies, SSL redirect).
"""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import include, path, reverse

from tests.factories import PASSWORD, PatientFactory
from tests.factories_documents import GeneratedDocumentFactory

LOGIN = reverse("login")


# A page whose template uses the CSP nonce (no shipped template does yet), served next to
# the real URLs: tests point ROOT_URLCONF at this module.
def _nonce_page(request):
    template = engines["django"].from_string(
        '<!doctype html><script nonce="{{ csp_nonce }}">window.ok = 1;</script>'
    )
    return HttpResponse(template.render({}, request))


urlpatterns = [
    path("__nonce-probe__/", _nonce_page),
    path("", include("config.urls")),
]


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_locked_down_csp(response, *, frame_ancestors: str = "'none'") -> dict:
    policy = csp(response)
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == [frame_ancestors]
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    return policy


def assert_common_headers(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, complete=True)


@pytest.fixture
def document(patient, clinician):
    return GeneratedDocumentFactory(patient=patient, kind="lmn", generated_by=clinician)


# --- Every page --------------------------------------------------------------------------


def test_the_sign_in_page(db):
    response = Client().get(LOGIN)

    assert response.status_code == 200
    assert_locked_down_csp(response)
    assert_common_headers(response)
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_patient_page(client_for, front_desk, patient):
    response = client_for(front_desk).get(patient.get_absolute_url())

    assert response.status_code == 200
    assert_locked_down_csp(response)
    assert_common_headers(response)
    assert response.headers["X-Frame-Options"] == "DENY"


def test_redirects_and_errors_carry_the_headers_too(client_for, front_desk, other_clinic):
    stranger_patient = PatientFactory(clinic=other_clinic)
    for expected, response in (
        (302, Client().get(reverse("intake:patient-list"))),  # to sign in
        (404, client_for(front_desk).get(stranger_patient.get_absolute_url())),  # not theirs
    ):
        assert response.status_code == expected
        assert_locked_down_csp(response)
        assert_common_headers(response)


def test_the_pdf_download_is_not_cached_and_not_sniffed(client_for, clinician, document):
    # Guards: NoStoreMiddleware covers file responses with patient data as well as pages.
    response = client_for(clinician).get(reverse("documents:document-pdf", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert_common_headers(response)
    assert "private" in response.headers["Cache-Control"]
    # The same view serves the inline preview, so the download may be framed by the same
    # origin too (see the next test); object-src and base-uri stay 'none'.
    assert_locked_down_csp(response, frame_ancestors="'self'")


def test_the_inline_pdf_preview_may_be_framed_by_the_same_origin_only(
    client_for, clinician, document
):
    # Guards: documents.views.pdf's csp_override(frame-ancestors 'self') and
    # xframe_options_sameorigin. With frame-ancestors 'none' (the site default) the
    # document page's own <iframe> preview would be refused by the browser.
    client = client_for(clinician)
    page = client.get(reverse("documents:document-detail", args=[document.pk]))
    preview_url = reverse("documents:document-pdf", args=[document.pk]) + "?inline=1"
    assert f'src="{preview_url}"' in page.content.decode()
    # The framing page allows a same-origin frame (no frame-src: default-src 'self' applies).
    page_policy = assert_locked_down_csp(page)
    assert page_policy.get("frame-src", page_policy.get("child-src", ["'self'"])) == ["'self'"]

    response = client.get(preview_url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert_locked_down_csp(response, frame_ancestors="'self'")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert_common_headers(response)


def test_a_template_using_csp_nonce_gets_a_fresh_nonce_in_script_src(settings, front_desk):
    # Guards: CSP.NONCE in SECURE_CSP["script-src"] and the csp context processor.
    settings.ROOT_URLCONF = __name__
    client = Client()
    nonces = []
    for _ in range(2):
        response = client.get("/__nonce-probe__/")
        nonce = re.search(r'<script nonce="([^"]+)">', response.content.decode()).group(1)
        assert f"'nonce-{nonce}'" in csp(response)["script-src"]
        assert_locked_down_csp(response)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    assert len(nonces[0]) >= 16


# --- Production transport ------------------------------------------------------------------


@pytest.fixture
def production(settings):
    """The production transport settings (test_env.py turns the SSL redirect off)."""
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


def test_in_production_http_is_redirected_to_https(production, db):
    response = Client().get(LOGIN)  # a new client: SecurityMiddleware reads settings at start

    assert response.status_code == 301
    assert response["Location"] == f"https://testserver{LOGIN}"


def test_in_production_https_responses_carry_hsts(production, db):
    # Guards: SECURE_HSTS_SECONDS / _INCLUDE_SUBDOMAINS / _PRELOAD from the not-DEBUG block.
    response = Client().get(LOGIN, secure=True)

    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert "preload" in hsts


def test_in_production_the_session_and_csrf_cookies_are_secure_and_http_only(
    production, front_desk
):
    client = Client()
    page = client.get(LOGIN, secure=True)
    csrf_cookie = page.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf_cookie["secure"] and csrf_cookie["httponly"]

    response = client.post(
        LOGIN, {"username": front_desk.username, "password": PASSWORD}, secure=True
    )

    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_production_defaults_need_no_environment_variables():
    # Guards: the `if not DEBUG:` block's defaults, read from a fresh interpreter with only
    # the required secrets (the test run's own SECURE_SSL_REDIRECT=0 is not passed on).
    keep = (
        "PATH",
        "HOME",
        "LANG",
        "SECRET_KEY",
        "MBI_ENCRYPTION_KEYS",
        "MBI_INDEX_KEY",
        "AUDIT_CHAIN_KEYS",
    )
    env = {name: os.environ[name] for name in keep if name in os.environ}
    code = (
        "import json, config.settings as s; print(json.dumps({n: getattr(s, n) for n in "
        "('DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        " 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_HTTPONLY',"
        " 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', 'X_FRAME_OPTIONS')}))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
    }


# --- X-Forwarded-Proto -------------------------------------------------------------------


def test_a_forged_x_forwarded_proto_is_ignored_by_default(production, db):
    # Guards: SECURE_PROXY_SSL_HEADER is set only with TRUST_X_FORWARDED_PROTO=1. Trusted,
    # a client's own "X-Forwarded-Proto: https" over plain HTTP would skip the redirect to
    # HTTPS and make Django treat the request as secure (HSTS, CSRF's HTTPS referer checks).
    assert RequestFactory().get(LOGIN, HTTP_X_FORWARDED_PROTO="https").is_secure() is False

    redirected = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https")
    assert redirected.status_code == 301
    assert redirected["Location"] == f"https://testserver{LOGIN}"

    production.SECURE_SSL_REDIRECT = False
    served = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https")
    assert served.status_code == 200
    assert "Strict-Transport-Security" not in served.headers


def test_behind_a_trusted_proxy_its_x_forwarded_proto_is_honoured(production, db):
    # The control: what TRUST_X_FORWARDED_PROTO=1 sets makes the same header count.
    production.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    response = Client().get(LOGIN, HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    ("trust", "expected"),
    [
        (None, None),
        ("0", None),
        ("1", ["HTTP_X_FORWARDED_PROTO", "https"]),
    ],
)
def test_only_trust_x_forwarded_proto_sets_the_proxy_ssl_header(trust, expected):
    keep = ("PATH", "HOME", "LANG", "SECRET_KEY", "MBI_ENCRYPTION_KEYS", "MBI_INDEX_KEY")
    env = {name: os.environ[name] for name in (*keep, "AUDIT_CHAIN_KEYS") if name in os.environ}
    if trust is not None:
        env["TRUST_X_FORWARDED_PROTO"] = trust
    code = (
        "import json, config.settings as s; "
        "print(json.dumps(getattr(s, 'SECURE_PROXY_SSL_HEADER', None)))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(result.stdout) == expected
