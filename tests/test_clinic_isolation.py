"""Clinic isolation: no one reaches another clinic's records by changing an id.

Guards the requirement "a test matrix of role × object × clinic proves that no one reaches
another clinic's records by changing an id (404, not a leak)".

Clinic A holds one of every object a URL can name: a patient with a complete intake (every
intake step has a page), an unsigned and a signed document (with a delivery record), a
denial under appeal (letter and enclosure on file) and a denial not yet appealed. Staff of
clinic B, one user per role and a member of clinic B only, send GET and POST to every
non-admin URL that takes an object id, filled with clinic A's ids. The URLs are enumerated
from the URL resolver (test_url_access's walker), so a route added later is covered without
touching this file, and fails loudly if nothing here says which object its id names.

Each attempt must
- get 404, or exactly the refusal (403 or 405) the same role gets in clinic A itself: a
  refusal that does not depend on whose object it is tells nothing;
- read exactly like the 404 for an id that does not exist (no "it exists" oracle);
- show none of the patient's name, MBI or claim numbers;
- change nothing: no row added or removed in any intake, appeals or audit table (the audit
  trail records every write to a patient's rows and every read, so this also shows that
  nothing was updated or read), and no field of clinic A's patient or appeal touched.

A positive control sends the same request as the same role's user of clinic A and expects
anything but 404, so the 404s above come from clinic scoping and not from a badly filled URL.

The Django admin is out of scope here: that a clinic admin's patient changelist lists only
their own clinic's patients is tested in test_roles.py.
"""

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import resolve
from django.utils import timezone
from django.utils.regex_helper import normalize

from documents.models import DocumentDelivery, DocumentKind, DocumentSignature
from intake import steps
from tests.factories import (
    BILLING,
    CLINIC_ADMIN,
    CLINICIAN,
    FRONT_DESK,
    ClinicFactory,
    PatientFactory,
    ProviderFactory,
    UserFactory,
)
from tests.factories_appeals import (
    AppealFactory,
    AppealLetterFactory,
    DenialFactory,
    EnclosureFactory,
)
from tests.factories_documents import (
    GeneratedDocumentFactory,
    SigningProviderFactory,
    blank_pdf,
    form_fields,
)
from tests.test_url_access import ROUTES, Route

# --- The matrix: which URLs, which roles, which methods ---------------------------------

# The personas (named as in conftest), one user per role in each clinic.
ROLE_OF_PERSONA = {
    "front_desk": FRONT_DESK,
    "clinician": CLINICIAN,
    "billing": BILLING,
    "clinic_admin": CLINIC_ADMIN,
}
METHODS = ["GET", "POST"]

# Which clinic-A object a route's `pk` is the id of, by the URL's first path segment.
PK_OBJECTS = {
    "patients": ["patient"],
    "documents": ["document", "signed_document"],
    "denials": ["denial"],
    "appeals": ["appeal"],
}
# Every intake step has its own page.
PARAM_VALUES = {"step": list(steps.STEPS)}

# Routes the matrix must contain: if the walker stopped finding them, nothing would be checked.
EXPECTED_ROUTES = {
    "intake:patient-detail",
    "intake:patient-edit",
    "intake:intake-review",
    "intake:intake-step",
    "coverage:assessment-history",
    "documents:patient-documents",
    "documents:document-generate",
    "documents:document-detail",
    "documents:document-pdf",
    "documents:document-sign",
    "documents:document-sent",
    "appeals:denial-new",
    "appeals:denial-detail",
    "appeals:appeal-start",
    "appeals:appeal-detail",
    "appeals:appeal-reasons",
    "appeals:appeal-letter",
    "appeals:appeal-enclosure",
    "appeals:appeal-packet",
    "appeals:appeal-file",
    "appeals:appeal-decision",
    "appeals:appeal-next",
}

MISSING_ID = 999_999_999  # an id no object has: what "does not exist" looks like


@dataclass(frozen=True)
class ObjectUrl:
    """One URL of the matrix: a route and what fills each of its path parameters — the key
    of a clinic-A object (for `pk`) or a literal (for `step`); None if nothing says."""

    route: Route
    template: str  # e.g. "appeals/%(pk)s/file/"
    fill: tuple[tuple[str, str | None], ...]  # (parameter, object key or value)

    def __str__(self) -> str:
        return "/".join([self.route.label, *(value or f"{p}=?" for p, value in self.fill)])

    @property
    def unmapped(self) -> list[str]:
        return [param for param, value in self.fill if value is None]

    def path(self, records: dict, *, missing: bool = False) -> str:
        """The URL with clinic A's ids (or, with `missing`, an id that doesn't exist)."""
        assert not self.unmapped, f"{self}: say in PK_OBJECTS/PARAM_VALUES what to fill in"
        values = {
            param: (MISSING_ID if missing else records[value].pk) if param == "pk" else value
            for param, value in self.fill
        }
        path = "/" + self.template % values
        assert resolve(path).func is self.route.callback, f"{path} is not {self.route.label}"
        return path


def _options(param: str, template: str) -> list[str | None]:
    if param == "pk":
        return PK_OBJECTS.get(template.split("/", 1)[0], [None])
    return PARAM_VALUES.get(param, [None])


def object_urls(routes: list[Route]) -> list[ObjectUrl]:
    """Every non-admin route with a path parameter, once per object it can name."""
    urls = []
    for route in routes:
        if route.is_admin or route.serves_static_files:
            continue
        template, params = normalize(route.regex)[0]
        if not params:
            continue
        choices = [_options(param, template) for param in params]
        for values in itertools.product(*choices):
            urls.append(ObjectUrl(route, template, tuple(zip(params, values, strict=True))))
    return urls


OBJECT_URLS = object_urls(ROUTES)


def test_the_matrix_covers_every_object_route():
    names = {url.route.name for url in OBJECT_URLS}

    assert names >= EXPECTED_ROUTES, f"routes not found: {EXPECTED_ROUTES - names}"
    assert [str(url) for url in OBJECT_URLS if url.unmapped] == []
    # Every intake step and both documents (unsigned and signed) are tried.
    assert len(OBJECT_URLS) >= len(EXPECTED_ROUTES) + len(steps.STEPS) - 1 + 4


# --- The two clinics, built once for the module -----------------------------------------


FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(autouse=True)
def _fast_and_isolated():
    """Replaces conftest's per-test settings for this module: `world` sets the fast hasher
    and a throwaway file store once, for the records it builds once."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Clinic A's records and both clinics' staff, built and signed in once: 480 cases
    each building a full intake, appeal and documents would take minutes.

    Built in a transaction that is rolled back after the module. Each test also asks for
    `db`, so it runs in a savepoint inside it (pytest-django's per-test transaction, nested),
    as with Django's TestCase.setUpTestData: what one request changes, the next test doesn't
    see.
    """
    store = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("private"))},
        },
    }
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=[FAST_HASHER], STORAGES=store),
        transaction.atomic(),
    ):
        clinics = {
            "A": ClinicFactory(name="Lakeside Ketamine Clinic"),
            "B": ClinicFactory(name="Riverside Infusion Center"),
        }
        records = build_records(clinics["A"])
        yield World(
            records=records,
            sessions={
                (label, persona): session_of(member_of(clinic, persona))
                for label, clinic in clinics.items()
                for persona in ROLE_OF_PERSONA
            },
        )
        transaction.set_rollback(True)


@dataclass
class World:
    records: dict  # clinic A's objects, by the keys PK_OBJECTS names (and a few more)
    sessions: dict  # ("A" or "B", persona) -> the session of that clinic's user, signed in
    forms: dict = field(default_factory=dict)  # path -> its form as clinic A's staff see it

    def form_on_page(self, path: str) -> dict:
        """The fields of the form on that page, as clinic A's front desk would submit them.
        Read once: every test starts from the same data, so the form is the same."""
        if path not in self.forms:
            page = self.client("A", "front_desk").get(path)
            self.forms[path] = form_fields(page, containing="lock_version")
        return dict(self.forms[path])

    def client(self, clinic: str, persona: str) -> Client:
        """A browser signed in as `persona` of clinic "A" or "B" (a fresh cookie jar)."""
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[clinic, persona]
        return client


def session_of(user) -> str:
    """Signs the user in once for the whole module; tests reuse the session."""
    client = Client()
    client.force_login(user)
    return client.session.session_key


def member_of(clinic, persona: str):
    """A user of `clinic` only, in the persona's role."""
    return UserFactory(
        username=f"{persona}-{clinic.pk}", role=ROLE_OF_PERSONA[persona], clinics=[clinic]
    )


def build_records(clinic) -> dict:
    """One of every object clinic A's URLs can name, and the rows hanging off them."""
    provider = ProviderFactory(clinic=clinic, first_name="Celia", last_name="Marsh")
    staff = UserFactory(username="records-keeper", role=BILLING, clinics=[clinic])
    patient = PatientFactory(
        clinic=clinic,
        first_name="Philippa",
        last_name="Quarrington",
        complete=True,
        complete__provider=provider,
    )
    document = GeneratedDocumentFactory(patient=patient, kind=DocumentKind.LMN, generated_by=staff)
    signed_document = GeneratedDocumentFactory(
        patient=patient, kind=DocumentKind.PRIOR_AUTH, generated_by=staff
    )
    signer = SigningProviderFactory(clinic=clinic, user__clinics=[clinic])
    signature = DocumentSignature(
        document=signed_document,
        signer=signer,
        signed_by=signer.user,
        name=f"{signer.first_name} {signer.last_name}",
        credentials=signer.credentials,
        npi=signer.npi,
        signed_at=timezone.now(),
        signed_sha256="0" * 64,
        attestation="I have reviewed this document and sign it electronically.",
    )
    signature.signed_pdf.save("prior_auth-signed.pdf", ContentFile(blank_pdf()))
    delivery = DocumentDelivery.objects.create(
        document=signed_document,
        method=DocumentDelivery.Method.FAX,
        sent_on=timezone.localdate(),
        recipient="Noridian JE Part B",
        recorded_by=staff,
    )
    appeal = AppealFactory(
        denial__claim__patient=patient,
        denial__claim__provider=provider,
        denial__claim__created_by=staff,
        due_in=30,
    )
    return {
        "patient": patient,
        "coverage": patient.coverage,
        "document": document,
        "signed_document": signed_document,
        "signature": signature,
        "delivery": delivery,
        "claim": appeal.denial.claim,
        "appealed_denial": appeal.denial,
        "appeal": appeal,
        "letter": AppealLetterFactory(appeal=appeal),
        "enclosure": EnclosureFactory(appeal=appeal),
        # Not appealed yet, so "start appeal" on it would create one.
        "denial": DenialFactory(
            claim__patient=patient, claim__provider=provider, claim__created_by=staff
        ),
    }


def secrets_of(records: dict) -> list[str]:
    """What must never show on another clinic's screen."""
    patient = records["patient"]
    return [
        patient.first_name,
        patient.last_name,
        records["coverage"].mbi,
        records["claim"].claim_number,
        records["denial"].claim.claim_number,
    ]


WATCHED_APPS = ["intake", "appeals", "audit"]
# Read field by field; every other write shows in the counts, as an audit entry at least
# (the audit trail records each create, update and delete of a patient's rows, and reads).
WATCHED_ROWS = ["patient", "appeal"]


def snapshot(records: dict) -> dict:
    """Row counts of every intake, appeals and audit model, and every field of clinic A's
    patient and appeal: {"rows of audit.AuditEntry": 52, "patient.lock_version": 3, ...}."""
    models = [model for label in WATCHED_APPS for model in apps.get_app_config(label).get_models()]
    # One query for all the counts (table names come from the app registry, not from input).
    counts_sql = ", ".join(
        f"(SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)})"  # noqa: S608
        for model in models
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts_sql}")
        counts = cursor.fetchone()
    state = {f"rows of {m._meta.label}": n for m, n in zip(models, counts, strict=True)}
    for key in WATCHED_ROWS:
        obj = records[key]
        row = type(obj)._base_manager.filter(pk=obj.pk).values().first() or {}
        state.update({f"{key}.{field}": value for field, value in row.items()})
    return state


def changes(before: dict, after: dict) -> list[str]:
    return [
        f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in before | after
        if before.get(key) != after.get(key)
    ]


# --- Requests ---------------------------------------------------------------------------


def form_data(world: World, url: ObjectUrl, path: str) -> dict:
    """What a browser would plausibly send to this URL (fresh each time: files are read)."""
    today = timezone.localdate()
    records = world.records
    match url.route.name:
        case "intake:patient-edit" | "intake:intake-step":
            # The form as clinic A's own staff see it, lock version included.
            return world.form_on_page(path)
        case "documents:document-generate":
            return {"kind": DocumentKind.LMN, "request_key": uuid.uuid4().hex}
        case "documents:document-sent":
            return {
                "method": "fax",
                "sent_on": today.isoformat(),
                "recipient": "Noridian JE Part B",
                "tracking": "FX-20931",
            }
        case "appeals:denial-new":
            return {
                "provider": records["claim"].provider_id,
                "claim_number": "ICN99999999999",
                "service_date": (today - timedelta(days=30)).isoformat(),
                "code": "J3490",
                "units": "1",
                "billed_amount": "850.00",
                "diagnosis_codes": "F33.2",
                "notice_type": "msn",
                "notice_date": (today - timedelta(days=20)).isoformat(),
                "decided_by": "Noridian JE Part B",
                "adjustment": "CO-50",
                "rarc_codes": "N115",
                "denied_amount": "850.00",
            }
        case "appeals:appeal-reasons":
            return {"reasons": "Rewritten from another clinic."}
        case "appeals:appeal-letter" | "appeals:appeal-packet":
            return {"request_key": uuid.uuid4().hex}
        case "appeals:appeal-enclosure":
            return {
                "title": "Remittance advice",
                "file": SimpleUploadedFile("ra.pdf", blank_pdf(), "application/pdf"),
            }
        case "appeals:appeal-file":
            return {"filed_date": today.isoformat(), "filed_method": "mail"}
        case "appeals:appeal-decision":
            return {
                "decision": "unfavorable",
                "decision_date": today.isoformat(),
                "decided_by": "C2C Innovative Solutions",
                "decision_summary": "Upheld.",
            }
        case _:
            return {}


def send(client, method: str, path: str, data: dict):
    return client.get(path) if method == "GET" else client.post(path, data)


def attempt(world: World, clinic: str, persona: str, method: str, url: ObjectUrl):
    """A browser signed in as `persona` of clinic "A" or "B", and the path (with clinic A's
    ids) and form data it sends to `url`."""
    path = url.path(world.records)
    data = form_data(world, url, path) if method == "POST" else {}
    return world.client(clinic, persona), path, data


# Read as "<who> <method>s <route>/<object>": e.g. billing-POST-appeals:appeal-file/appeal.
def in_matrix(test):
    test = pytest.mark.parametrize("persona", list(ROLE_OF_PERSONA))(test)
    test = pytest.mark.parametrize("method", METHODS)(test)
    return pytest.mark.parametrize("url", OBJECT_URLS, ids=str)(test)


REFUSED_BY_ROLE = (403, 405)  # no permission for the view, or the wrong method for it


# --- The matrix -------------------------------------------------------------------------


@in_matrix
def test_another_clinics_staff_get_404_and_change_nothing(
    world, db, persona, method, url, page_text
):
    stranger, path, data = attempt(world, "B", persona, method, url)
    before = snapshot(world.records)

    response = send(stranger, method, path, data)

    assert changes(before, snapshot(world.records)) == []
    shown = response.content.decode(errors="replace")
    assert [secret for secret in secrets_of(world.records) if secret in shown] == []
    if response.status_code in REFUSED_BY_ROLE:
        # Refused before any lookup, as the same role is in its own clinic: that says nothing
        # about whose object it is. Where clinic A's staff are let in, B must get 404.
        colleague, path, data = attempt(world, "A", persona, method, url)
        assert send(colleague, method, path, data).status_code == response.status_code
        return
    assert response.status_code == 404
    # Exactly what an id that doesn't exist gets: the 404 doesn't tell that it exists.
    missing = send(stranger, method, url.path(world.records, missing=True), {})
    assert missing.status_code == 404
    assert page_text(response) == page_text(missing)


@in_matrix
def test_the_same_role_in_clinic_a_is_not_refused_with_404(world, db, persona, method, url):
    colleague, path, data = attempt(world, "A", persona, method, url)

    response = send(colleague, method, path, data)

    if response.status_code in REFUSED_BY_ROLE:
        pytest.skip(f"{persona} may not {method} this in their own clinic either")
    assert response.status_code != 404
    if response.status_code == 302:
        assert not response["Location"].startswith("/accounts/login/")
