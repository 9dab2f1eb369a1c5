"""Every URL of the project is closed to anonymous visitors and to signed-in users
without a role.

The routes are enumerated from the URL resolver, so a URL added later (in any
namespace) is covered without touching this file. Path parameters are filled with real
objects where the name says what they are (a patient's pk, a real intake step) and
with generic values otherwise; a 404 for a guessed id counts as "nothing leaked".
"""

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize

from intake.models import Patient
from tests.factories import PatientFactory


@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced, e.g. "intake:patient-detail"; None for unnamed
    regex: str  # the full regex from the site root
    callback: Any

    @property
    def label(self) -> str:
        return self.name or f"unnamed:{self.regex}"

    @property
    def is_admin(self) -> bool:
        return (self.name or "").startswith("admin:") or self.regex.startswith("admin/")

    @property
    def serves_static_files(self) -> bool:
        return self.callback.__module__ in (
            "django.views.static",
            "django.contrib.staticfiles.views",
        )


def walk(patterns, prefix: str = "", namespace: str = ""):
    """Every endpoint under `patterns`, recursively through include()s."""
    for entry in patterns:
        regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, regex, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(name, regex, entry.callback)


ROUTES = list(walk(get_resolver().url_patterns))

# The only pages a visitor who is not signed in may see.
ANONYMOUS_MAY_SEE = {"login", "admin:login"}
# Pages every signed-in user may use, whatever their role.
ANY_USER_MAY_SEE = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "home",
    "admin:login",
    # The second sign-in step: every signed-in user may enrol and verify their own device.
    "mfa-verify",
    "mfa-setup",
}
LOGIN_PAGES = {"login", "admin:login"}


def candidate_values(param: str, patient: Patient) -> list[str]:
    """Values to try for a path parameter: the meaningful one first, then generic ones."""
    specific = {
        "step": ["coverage"],
        "app_label": ["intake"],
        "content_type_id": [str(ContentType.objects.get_for_model(Patient).pk)],
        "url": ["no-such-page/"],
    }.get(param, [])
    generic = [
        str(patient.pk),
        "1",
        "intake",
        "coverage",
        "x",
        "00000000-0000-0000-0000-000000000001",
    ]
    return [*specific, *generic]


def url_for(route: Route, patient: Patient) -> str:
    """A concrete URL that resolves to `route` (not to a route that shadows it)."""
    for template, params in normalize(route.regex):
        choices = [candidate_values(param, patient) for param in params]
        for values in itertools.product(*choices):
            path = "/" + template % dict(zip(params, values, strict=True))
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if match.func is route.callback:
                return path
    raise AssertionError(f"no URL could be built for {route.label} ({route.regex})")


def checked_routes(may_see: set[str]) -> list:
    return [
        pytest.param(route, id=route.label)
        for route in ROUTES
        if route.name not in may_see and not route.serves_static_files
    ]


@pytest.fixture
def patient(clinic):
    """A full intake at the personas' clinic, so every page has something to leak."""
    return PatientFactory(clinic=clinic, last_name="Leakwatch", complete=True)


def final_path(response) -> str:
    return response.request["PATH_INFO"]


def test_the_walker_finds_the_app_and_admin_routes():
    names = {route.name for route in ROUTES}
    assert {
        "home",
        "login",
        "intake:patient-list",
        "intake:patient-detail",
        "intake:intake-step",
        "intake:intake-review",
        "intake:clear-search",
        "admin:index",
        "admin:intake_patient_change",
    } <= names


def test_every_route_gets_a_concrete_url(patient):
    urls = {route.label: url_for(route, patient) for route in ROUTES}
    assert urls["intake:intake-step"] == f"/patients/{patient.pk}/intake/coverage/"
    assert urls["intake:patient-detail"] == f"/patients/{patient.pk}/"


def assert_refused(response, *, may_redirect_to_sign_in: bool, statuses: tuple[int, ...]):
    """Refused: either redirected, in the end, to a sign-in page, or one of `statuses`."""
    if response.redirect_chain:
        assert may_redirect_to_sign_in, response.redirect_chain
        # Wherever the redirects lead, they end at a sign-in page, not at content.
        assert resolve(final_path(response)).view_name in LOGIN_PAGES, response.redirect_chain
    else:
        assert response.status_code in statuses, response.status_code
    assert b"Leakwatch" not in response.content


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", checked_routes(ANONYMOUS_MAY_SEE))
def test_anonymous_visitor_is_sent_to_sign_in_or_refused(client, patient, route, method):
    response = getattr(client, method)(url_for(route, patient), follow=True)

    # 405: a POST-only view refusing a GET (or the reverse) before anything is looked up.
    assert_refused(response, may_redirect_to_sign_in=True, statuses=(403, 404, 405))


def test_anonymous_visitor_sees_the_sign_in_page(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b"Sign in" in response.content


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", checked_routes(ANY_USER_MAY_SEE))
def test_signed_in_user_without_a_role_is_refused(client_for, no_role_user, patient, route, method):
    client = client_for(no_role_user)

    response = getattr(client, method)(url_for(route, patient), follow=True)

    # The admin sends users who aren't staff to its own sign-in page; the app's pages
    # refuse outright (a redirect to sign-in would loop for someone already signed in).
    assert_refused(
        response,
        may_redirect_to_sign_in=route.is_admin,
        statuses=(403, 404, 405) if method == "get" else (403, 404),
    )


@pytest.mark.parametrize(
    "name",
    ["intake:patient-list", "intake:intake-start", "intake:patient-detail", "intake:intake-step"],
)
def test_signed_in_user_without_a_role_gets_403_on_intake_pages(
    client_for, no_role_user, patient, name
):
    route = next(route for route in ROUTES if route.name == name)

    response = client_for(no_role_user).get(url_for(route, patient))

    assert response.status_code == 403
    assert "Your role doesn" in response.content.decode()


# mfa-verify sends a user without a device on to mfa-setup, which is checked here.
@pytest.mark.parametrize("name", sorted(ANY_USER_MAY_SEE - LOGIN_PAGES - {"logout", "mfa-verify"}))
def test_signed_in_user_without_a_role_can_use_the_account_pages(client_for, no_role_user, name):
    response = client_for(no_role_user).get(reverse(name))

    assert response.status_code == 200
