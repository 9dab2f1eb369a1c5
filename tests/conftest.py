import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import (
    BILLING,
    CLINIC_ADMIN,
    CLINICIAN,
    FRONT_DESK,
    ClinicFactory,
    ProviderFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Fast password hashing and a throwaway private file store for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


# Personas: staff of `clinic`, one per role, plus a signed-in user with no role at all
# and a front-desk user of another clinic (the permission matrix's "stranger").


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Lakeside Ketamine Clinic")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Riverside Infusion Center")


@pytest.fixture
def provider(clinic):
    """An active ordering provider of `clinic`."""
    return ProviderFactory(clinic=clinic, first_name="Celia", last_name="Marsh")


@pytest.fixture
def front_desk(clinic):
    return UserFactory(username="frontdesk", role=FRONT_DESK, clinics=[clinic])


@pytest.fixture
def clinician(clinic):
    return UserFactory(username="clinician", role=CLINICIAN, clinics=[clinic])


@pytest.fixture
def billing(clinic):
    return UserFactory(username="billing", role=BILLING, clinics=[clinic])


@pytest.fixture
def clinic_admin(clinic):
    return UserFactory(username="clinicadmin", role=CLINIC_ADMIN, clinics=[clinic])


@pytest.fixture
def no_role_user(clinic):
    """Signed in and on the clinic's staff list, but in no role group."""
    return UserFactory(username="norole", clinics=[clinic])


@pytest.fixture
def other_front_desk(other_clinic):
    return UserFactory(username="otherdesk", role=FRONT_DESK, clinics=[other_clinic])


@pytest.fixture
def client_for(db):
    """`client_for(user)`: a test client signed in as `user` (anonymous for None)."""

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


# Reading pages the way a person does: the visible text, and what is shown next to a field.


class _TextById(HTMLParser):
    """Collects the text of the whole page and of every element that has an id."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: dict[str, list[str]] = {}
        self.page: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        if tag in self.VOID:
            return
        element_id = dict(attrs).get("id")
        self.stack.append((tag, element_id))
        if element_id:
            self.texts.setdefault(element_id, [])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip = max(self._skip - 1, 0)
        # Close up to the matching start tag, so an implicitly closed <p> or <li> can't
        # shift every later element.
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if self._skip:
            return
        self.page.append(data)
        for _, element_id in self.stack:
            if element_id:
                self.texts[element_id].append(data)


def _squash(parts: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


def _parse(response) -> _TextById:
    parser = _TextById()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def page_text():
    """`page_text(response)`: the page's visible text, entities decoded, whitespace squashed."""

    def text(response) -> str:
        return _squash(_parse(response).page)

    return text


@pytest.fixture
def field_text():
    """`field_text(response, "id_mbi")`: what the user sees in that field's block (label,
    help and error message) — crispy-forms wraps each field in `div_id_<name>`."""

    def text(response, field_id: str) -> str:
        parser = _parse(response)
        key = f"div_{field_id}"
        assert key in parser.texts, f"no field block {key} on the page"
        return _squash(parser.texts[key])

    return text
