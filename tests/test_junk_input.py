"""Junk posted to every form of the app: never a 500, never a half-saved record.

For each form-handling POST URL, hypothesis starts from what a browser would send for a
valid entry and spoils some of it: wrong types, 100,000-character strings, control
characters and NUL bytes, markup and `<script>`, template code (`{{ }}`, `{% %}`),
impossible dates (2026-02-30, 0000-00-00, year 9999 and 10000), negative and enormous
numbers, unicode digits and letters, fields left out or sent twice, unexpected extra fields.

Every example then proves, on the database the run uses (run it on PostgreSQL too: NUL bytes
in text are a classic PostgreSQL-only 500):

* the response is not a server error (the test client re-raises any exception the view
  raised, and the status is below 500);
* the outcome is the form's own verdict: the same data run through the form class first
  says whether the save should happen, and it happens exactly then;
* a refused post changes no row of any model (counts and values; only sessions, sign-in
  throttling and the audit/access logs may record the attempt);
* an accepted post stores exactly the form's cleaned values, and every stored text fits
  its column (SQLite does not enforce varchar lengths, so this is checked here).

Each example runs inside a transaction that is rolled back afterwards, so each starts from
the same records; the people and records are built once per test function. Besides the
intake, appeal, document and sign-in forms, the letter-template admin form and its live
preview are fuzzed with template code, since staff type template syntax there on purpose.

What the fuzzing found is pinned down by the tests at the end of the module: regression
tests now, since each finding was fixed while the module was being written.
"""

import hashlib
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.admin import site as admin_site
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.http import QueryDict
from django.http.multipartparser import MultiPartParser
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from appeals.forms import (
    AppealReasonsForm,
    DecisionForm,
    DenialEntryForm,
    EnclosureForm,
    FileAppealForm,
)
from appeals.models import Appeal, ClaimLine, Denial, Enclosure
from coverage.assessments import current_assessment
from documents.forms import DeliveryForm, GenerateDocumentForm
from documents.models import DocumentDelivery, DocumentKind, GeneratedDocument, LetterTemplate
from documents.services import offered_kinds
from intake import steps
from intake.forms import PatientForm, PatientSearchForm
from intake.mfa import TokenForm, _next_url
from intake.models import Patient
from intake.views import SEARCH_SESSION_KEY, _loaded_version
from tests.factories import (
    BILLING,
    CLINIC_ADMIN,
    CLINICIAN,
    FRONT_DESK,
    PASSWORD,
    PatientFactory,
    UserFactory,
    complete_intake,
)
from tests.factories_appeals import (
    AppealFactory,
    AppealLetterFactory,
    blank_pdf,
    sign_appeal_letter,
)
from tests.factories_documents import (
    GeneratedDocumentFactory,
    SigningProviderFactory,
    form_fields,
)
from tests.test_intake_flow import PATIENT

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # the day the forms compare with

# Small enough for the whole module to run in well under a minute; the @example()s pin the
# inputs that matter most (NUL bytes, huge strings, impossible dates) into every run.
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # nothing written to .hypothesis/ (a shared tree)
)
FEW = settings(FUZZ, max_examples=6)  # posts that render a PDF when they succeed

# --- Junk ------------------------------------------------------------------------------------

HUGE = 100_000
HUGE_STRINGS = [
    "x" * HUGE,
    "é" * HUGE,
    "<script>" * (HUGE // 8),
    "\x00" + "n" * HUGE,
    "9" * HUGE,
    "{{ x }}" * (HUGE // 7),
]
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00\x00\x00",
    "2026-02-30\x00",
    "\t\r\n",
    "\x1b[2J\x07",
    "\x7f\x85\x9f",
    "\u200b\u200e\u202e\ufeff",
    "\u2028\u2029",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "{{ 7|add:1 }}",
    "{% now 'Y' %}",
    "{% load static %}{% static 'x' %}",
    "{{ request.user.password }}",
    "{% include '/etc/passwd' %}",
    "{#",
    "{%",
    "}}",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "9999-99-99",
    "10000-01-01",
    "-001-01-01",
    "2026-13-45",
    "02/30/2026",
    "1899-12-31",
    "0001-01-01",
    "2026-02-29",
    "2024-02-29",
    "-1",
    "0",
    "-0",
    "1e309",
    "-1e309",
    "NaN",
    "sNaN",
    "Infinity",
    "-inf",
    "1" + "0" * 40,
    "-" + "9" * 40,
    "9" * 5000,
    "0.0000000001",
    "1.005",
    "1,000",
    "1_000",
    "0x1F",
    " 7 ",
    "٣",
    "١٢٣٤٥٦",
    "²",
    "Ⅻ",
    "'; DROP TABLE intake_patient; --",
    "' OR '1'='1",
    "../../etc/passwd",
    "%00",
    "%s%n",
    "\\",
    "None",
    "null",
    "True",
    "[]",
    "{}",
    "😀😀😀",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "Z̵̡̢a̶l̷g̸o̵",
    "ﷺ",
    "ß",
    "İ",
    "ǅ",
    "\u0301",
    "עברית",
    "中文名字",
]

junk = st.one_of(
    st.sampled_from(NASTY),
    st.sampled_from(HUGE_STRINGS),
    st.text(max_size=30),
    st.text(st.characters(categories=["Cc"]), max_size=6),  # control characters, NUL included
    st.builds(lambda a, b: f"{a}\x00{b}", st.text(max_size=6), st.text(max_size=6)),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(repr),
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    st.dates(min_value=date(1, 1, 1)).map(lambda d: d.strftime("%m/%d/%Y")),
)
extra_key = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz_-[]0123456789é中"), min_size=1, max_size=15
)


def recent(days_back: int = 3000, days_ahead: int = 0) -> st.SearchStrategy[str]:
    return st.integers(-days_back, days_ahead).map(
        lambda n: (TODAY + timedelta(days=n)).isoformat()
    )


@st.composite
def spoiled(draw, baseline: dict, valid: dict | None = None) -> dict:
    """The baseline with some fields spoiled: junk, a valid alternative, left out or sent twice
    (and sometimes an unexpected extra field)."""
    valid = valid or {}
    data = dict(baseline)
    keys = sorted(baseline)
    for key in draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys))):
        how = draw(st.sampled_from(["junk", "junk", "valid", "drop", "twice"]))
        if how == "valid" and key in valid:
            data[key] = draw(valid[key])
        elif how == "drop":
            del data[key]
        elif how == "twice":
            data[key] = [draw(junk), draw(st.one_of(junk, st.just(baseline[key])))]
        else:
            data[key] = draw(junk)
    if draw(st.integers(0, 4)) == 0:
        data[draw(extra_key)] = draw(junk)
    return data


def fill(data: dict, **values: str) -> dict:
    """Put the run's ids in: `"<clinic>"` becomes `values["clinic"]` wherever it was kept."""
    marks = {f"<{name}>": value for name, value in values.items()}

    def one(value):
        return marks.get(value, value) if isinstance(value, str) else value

    return {
        key: [one(v) for v in value] if isinstance(value, list) else one(value)
        for key, value in data.items()
    }


def querydict(data: dict) -> QueryDict:
    """The data as Django parses it from the request (a field sent twice keeps both)."""
    qd = QueryDict(mutable=True)
    for key, value in data.items():
        qd.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return qd


def body_size(data: dict) -> int:
    values = [v for value in data.values() for v in (value if isinstance(value, list) else [value])]
    return sum(len(str(v).encode()) + 100 for v in values) + sum(len(k.encode()) for k in data)


def too_big(data: dict) -> bool:
    """Django refuses the whole body (400) past DATA_UPLOAD_MAX_MEMORY_SIZE, before any view."""
    return body_size(data) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 64 * 1024


# --- The database, before and after -------------------------------------------------------

# Attempts may be recorded here whatever the outcome: sessions, sign-in throttling
# (django-axes), the audit trail and the PHI access log.
LOGS = {"sessions.session", "audit.auditentry", "appeals.accessevent", "admin.logentry"}
# django-otp counts failed codes on the device rows (throttling): compared by count only.
COUNT_ONLY = {"otp_totp.totpdevice", "otp_static.staticdevice"}


def _tracked_models():
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in LOGS or model._meta.app_label == "axes":
            continue
        yield label, model


def snapshot() -> dict[str, Any]:
    state: dict[str, Any] = {}
    for label, model in _tracked_models():
        if label in COUNT_ONLY:
            state[label] = model._default_manager.count()
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        state[label] = {
            row[0]: row for row in model._default_manager.order_by("pk").values_list(*names)
        }
    return state


def written(before: dict, after: dict) -> dict[str, list]:
    """Per model: the pks of rows added, changed or removed."""
    changes = {}
    for label, rows in after.items():
        old = before[label]
        if isinstance(rows, int):
            if rows != old:
                changes[label] = [f"count {old} -> {rows}"]
            continue
        touched = [pk for pk, row in rows.items() if old.get(pk) != row]
        touched += [pk for pk in old if pk not in rows]
        if touched:
            changes[label] = touched
    return changes


def assert_fits(before: dict, after: dict) -> None:
    """Every text stored by the save fits its column (PostgreSQL would have refused it)."""
    for label, pks in written(before, after).items():
        if label in COUNT_ONLY:
            continue
        model = apps.get_model(label)
        for pk in pks:
            row = after[label].get(pk)
            if row is None:
                continue
            for field, value in zip(model._meta.concrete_fields, row, strict=True):
                if isinstance(field, models.CharField) and isinstance(value, str):
                    assert len(value) <= field.max_length, (
                        f"{label}.{field.name} stored {len(value)} characters in a "
                        f"{field.max_length}-character column: {value[:80]!r}"
                    )


@contextmanager
def rolled_back():
    """Run the block in a transaction that is always rolled back (errors still propagate)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def signed_in(user=None) -> Client:
    client = Client(raise_request_exception=True)  # a view exception fails the example
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Verdict:
    """What the form says about the data before it is posted."""

    ok: bool
    cleaned: Any = None
    form: Any = None


def post_and_check(
    client: Client,
    url: str,
    data: dict,
    verdict: Verdict,
    *,
    succeeded: Callable[[Any], bool],
    verify: Callable[[Any, Verdict], None] = lambda response, verdict: None,
    files: dict | None = None,
):
    """Post, then hold the response and the database to the form's verdict."""
    before = snapshot()
    payload = dict(data)
    if files:
        payload.update(files)
    response = client.post(url, payload)

    assert response.status_code < 500
    if not too_big(data):
        # What the view parsed is what the form was given (no encoding surprises).
        assert dict(response.wsgi_request.POST.lists()) == dict(querydict(data).lists())
    after = snapshot()
    success = succeeded(response)
    event(f"{'saved' if success else 'refused'} ({response.status_code})")
    expected = verdict.ok and not too_big(data)
    assert success == expected, (
        f"form verdict {verdict.ok} (too big: {too_big(data)}) but the view answered "
        f"{response.status_code} {response.get('Location', '')}"
    )
    if success:
        assert_fits(before, after)
        verify(response, verdict)
    else:
        assert written(before, after) == {}, "a refused post changed the database"
    return response


def redirects_to(view_name: str) -> Callable[[Any], bool]:
    def check(response) -> bool:
        return response.status_code == 302 and resolve(response["Location"]).view_name == view_name

    return check


def assert_saved(instance: models.Model, cleaned: dict, names=None) -> None:
    """The stored instance holds exactly the cleaned values (fresh from the database)."""
    instance = type(instance)._default_manager.get(pk=instance.pk)
    for name in names or cleaned:
        assert getattr(instance, name) == cleaned[name], name


# --- People and records -------------------------------------------------------------------


@pytest.fixture
def staff(clinic):
    """A front-desk, billing and clinical user of `clinic` with a provider profile."""
    user = UserFactory(username="allrounder", role=FRONT_DESK, clinics=[clinic])
    user.groups.add(*Group.objects.filter(name__in=[BILLING, CLINICIAN]))
    SigningProviderFactory(clinic=clinic, user=user)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def patient(clinic, provider):
    patient = complete_intake(
        PatientFactory(clinic=clinic, first_name="Agnes", last_name="Holloway"), provider=provider
    )
    current_assessment(patient)  # stored, as opening the patient page does
    return Patient.objects.get(pk=patient.pk)


@pytest.fixture
def appeal(patient, staff):
    return AppealFactory(
        denial__claim__patient=patient,
        denial__claim__created_by=staff,
        denial__claim__provider=patient.current_request().ordering_provider,
    )


@pytest.fixture
def signed_appeal(appeal):
    """An appeal whose letter the clinician signed: only then can it be filed (issue 14)."""
    sign_appeal_letter(appeal)
    return Appeal.objects.get(pk=appeal.pk)


@pytest.fixture
def filed_appeal(appeal):
    Appeal.objects.filter(pk=appeal.pk).update(
        status=Appeal.Status.FILED,
        filed_date=TODAY - timedelta(days=5),
        filed_method=Appeal.FiledMethod.FAX,
    )
    return Appeal.objects.get(pk=appeal.pk)


# --- Intake -------------------------------------------------------------------------------

PATIENT_VALID = {
    "date_of_birth": recent(40000, -1),
    "sex": st.sampled_from(["F", "M", "U"]),
    "state": st.sampled_from(["NY", "ca", " tx "]),
    "zip_code": st.sampled_from(["14607", "14607-1234", "146071234"]),
    "middle_name": st.sampled_from(["", "Ann", "O'Neil", "José"]),
}


NEW_PATIENT = {**PATIENT, "clinic": "<clinic>"}


@FUZZ
@given(data=spoiled(NEW_PATIENT, PATIENT_VALID))
@example(data={**NEW_PATIENT, "first_name": "Mar\x00garet"})
@example(data={**NEW_PATIENT, "last_name": "x" * HUGE})
@example(data={**NEW_PATIENT, "date_of_birth": "2026-02-30"})
@example(data={**NEW_PATIENT, "date_of_birth": "0000-00-00"})
@example(data={**NEW_PATIENT, "date_of_birth": "9999-12-31"})
@example(data={**NEW_PATIENT, "first_name": "<script>alert(1)</script>{{ 7|add:1 }}"})
def test_junk_new_patient(data, staff, clinic):
    data = fill(data, clinic=str(clinic.pk))
    with rolled_back():
        form = PatientForm(querydict(data), user=staff)
        valid = form.is_valid()
        verdict = Verdict(valid, form.cleaned_data if valid else None)

        def verify(response, verdict):
            patient = Patient.objects.get(pk=resolve(response["Location"]).kwargs["pk"])
            assert_saved(patient, verdict.cleaned)
            assert patient.created_by == staff

        post_and_check(
            signed_in(staff),
            reverse("intake:intake-start"),
            data,
            verdict,
            succeeded=redirects_to("intake:intake-step"),
            verify=verify,
        )


def _lock_ok(data: dict, patient: Patient) -> bool:
    loaded = _loaded_version(SimpleNamespace(POST=querydict(data)))
    return loaded is None or loaded == patient.lock_version


EDIT = {**PATIENT, "clinic": "<clinic>", "lock_version": "<lock>"}


@FUZZ
@given(data=spoiled(EDIT, {**PATIENT_VALID, "lock_version": st.just("<lock>")}))
@example(data={**EDIT, "city": "Roch\x00ester"})
@example(data={**EDIT, "lock_version": "0\x00"})
@example(data={**EDIT, "lock_version": "9" * 5000})
@example(data={**EDIT, "lock_version": "-1"})
@example(data={**EDIT, "lock_version": "٠"})  # an Arabic-Indic zero: int() accepts it
def test_junk_patient_edit(data, staff, patient):
    data = fill(data, clinic=str(patient.clinic_id), lock=str(patient.lock_version))
    url = reverse("intake:patient-edit", args=[patient.pk])
    with rolled_back():
        fresh = Patient.objects.get(pk=patient.pk)
        form = PatientForm(querydict(data), instance=fresh, user=staff)
        valid = form.is_valid()
        verdict = Verdict(valid and _lock_ok(data, patient), form.cleaned_data if valid else None)

        def verify(response, verdict):
            assert_saved(patient, verdict.cleaned)
            assert Patient.objects.get(pk=patient.pk).lock_version == patient.lock_version + 1

        post_and_check(
            signed_in(staff),
            url,
            data,
            verdict,
            succeeded=lambda r: r.status_code == 302,
            verify=verify,
        )


def _step_verdict(step: str, patient: Patient, data: dict, user) -> Verdict:
    fresh = Patient.objects.get(pk=patient.pk)
    # As the view builds it: the narrative fields are the clinician's (staff is one).
    bound = steps.STEPS[step].build(fresh, querydict(data), user=user)
    return Verdict(steps.is_valid(bound) and _lock_ok(data, patient), form=bound)


def _form_rows(formset) -> Counter:
    """What the formset should leave in the database: kept rows and new (changed) rows."""
    names = [n for n in formset.form._meta.fields]
    rows = Counter()
    for form in formset.forms:
        if form in formset.deleted_forms:
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        rows[tuple(form.cleaned_data.get(n) for n in names)] += 1
    return rows


def _db_rows(formset, patient) -> Counter:
    names = [n for n in formset.form._meta.fields]
    model = formset.model
    return Counter(
        tuple(getattr(obj, n) for n in names) for obj in model.objects.filter(patient=patient)
    )


def _verify_step(patient: Patient):
    def verify(response, verdict):
        for form in verdict.form.values():
            if hasattr(form, "forms"):  # a formset
                assert _db_rows(form, patient) == _form_rows(form)
            else:
                assert_saved(form.instance, form.cleaned_data)
        assert Patient.objects.get(pk=patient.pk).lock_version == patient.lock_version + 1

    return verify


@pytest.fixture
def step_form(staff, patient):
    """What the browser submits for a step of the patient's intake, as loaded now."""

    def load(step: str) -> dict:
        page = signed_in(staff).get(reverse("intake:intake-step", args=[patient.pk, step]))
        assert page.status_code == 200
        return form_fields(page, containing="lock_version")

    return load


STEP_VALID = {
    "coverage": {
        "program": st.sampled_from(["original", "advantage", "none"]),
        "mbi": st.sampled_from(["1EG4-TE5-MK73", "1eg4te5mk73", ""]),
        "part_b_effective": recent(),
        "coverage_end": st.one_of(st.just(""), recent(100, 400)),
        "medicaid_dual": st.sampled_from(["none", "qmb", "full", "partial"]),
    },
    "screening": {
        "bp_systolic": st.integers(50, 320).map(str),
        "bp_diastolic": st.integers(20, 210).map(str),
        "bp_taken_on": recent(30, 3),
        "screened_on": recent(30, 3),
        "pregnant": st.sampled_from(["True", "False", ""]),
    },
    "request": {
        "product": st.sampled_from(["iv_ketamine", "esketamine"]),
        "dose_mg": st.integers(0, 400).map(str),
        "planned_sessions": st.integers(0, 120).map(str),
        "codes": st.sampled_from(["J3490", "G2082, G2083", "j3490,96365", "96365 96366"]),
        "requested_start": recent(10, 400),
    },
}


def _spoil_every_field(base: dict, value: str) -> dict:
    return {k: (value if k != "lock_version" and "FORMS" not in k else v) for k, v in base.items()}


@pytest.mark.parametrize("step", ["coverage", "screening", "request", "clinical", "history"])
@FUZZ
@given(draw=st.data())
def test_junk_intake_step(step, draw, staff, patient, step_form):
    base = step_form(step)
    valid = {**STEP_VALID.get(step, {}), "lock_version": st.just(base["lock_version"])}
    data = draw.draw(
        st.one_of(
            spoiled(base, valid),
            # Every field at once (management form kept): NUL, huge, impossible dates.
            st.sampled_from(["\x00", "x" * HUGE, "2026-02-30", "0000-00-00", "-" + "9" * 40]).map(
                lambda value: _spoil_every_field(base, value)
            ),
        ),
        label="data",
    )
    url = reverse("intake:intake-step", args=[patient.pk, step])
    with rolled_back():
        verdict = _step_verdict(step, patient, data, staff)
        post_and_check(
            signed_in(staff),
            url,
            data,
            verdict,
            succeeded=lambda r: r.status_code == 302,
            verify=_verify_step(patient),
        )


@FUZZ
@given(data=spoiled({"q": "Holloway"}, {"q": st.sampled_from(["04/11/1952", "1EG4TE5MK73"])}))
@example(data={"q": "\x00"})
@example(data={"q": "02/29/00"})
@example(data={"q": "02/30/2026"})
@example(data={"q": "x" * HUGE})
@example(data={"q": "%_\\"})
def test_junk_patient_search(data, staff, patient):
    with rolled_back():
        client = signed_in(staff)
        form = PatientSearchForm(querydict(data))
        valid = form.is_valid()
        before = snapshot()

        response = client.post(reverse("intake:patient-list"), data)

        # The search always returns to the list (the query is kept in the session, not the
        # URL); the list then runs it.
        assert response.status_code == 302
        listing = client.get(response["Location"])
        assert listing.status_code == 200
        assert written(before, snapshot()) == {}
        if valid:
            assert client.session.get(SEARCH_SESSION_KEY) == form.cleaned_data["q"]


# --- Denials and appeals ------------------------------------------------------------------

VALID_ICD = ["F33.2", "F332", "f33.1", "F41.1", "Z79.899", "F32A", "F43.10", "G47.00"]


DENIAL = {
    "provider": "<provider>",
    "claim_number": "ICN00000000001",
    "service_date": (TODAY - timedelta(days=40)).isoformat(),
    "code": "J3490",
    "modifiers": "GA",
    "units": "1",
    "billed_amount": "850.00",
    "allowed_amount": "",
    "diagnosis_codes": "F33.2",
    "notice_type": "msn",
    "notice_date": (TODAY - timedelta(days=30)).isoformat(),
    "decided_by": "Noridian JE Part B",
    "adjustment": "CO-50",
    "rarc_codes": "N115",
    "denied_amount": "850.00",
}


DENIAL_VALID = {
    "diagnosis_codes": st.lists(st.sampled_from(VALID_ICD), min_size=1, max_size=20).map(",".join),
    "modifiers": st.lists(st.sampled_from(["GA", "KX", "GY", "59", "ga"]), max_size=3).map(
        " ".join
    ),
    "adjustment": st.sampled_from(["CO-50", "PR-204", "CO 50, CO-167", "OA-18"]),
    "rarc_codes": st.lists(st.sampled_from(["N115", "M127", "N386", "MA130"]), max_size=4).map(
        ",".join
    ),
    "billed_amount": st.decimals(0, 99999999, places=2).map(str),
    "denied_amount": st.decimals(0, 99999999, places=2).map(str),
    "units": st.integers(-5, 1200).map(str),
    "service_date": recent(20000, 5),
    "notice_date": recent(20000, 5),
    "notice_type": st.sampled_from(["msn", "ra", "ma_od", "part_d_cd"]),
}


def reject_known_bug_pointers(cleaned: dict) -> None:
    """Too many codes overflow ClaimLine.diagnosis_pointers (the xfail test below)."""
    codes = cleaned.get("diagnosis_codes") or []
    limit = ClaimLine._meta.get_field("diagnosis_pointers").max_length
    assume(len(",".join(str(i) for i in range(1, len(codes) + 1))) <= limit)


@FUZZ
@given(data=spoiled(DENIAL, DENIAL_VALID))
@example(data={**DENIAL, "decided_by": "Nori\x00dian"})
@example(data={**DENIAL, "claim_number": "x" * HUGE})
@example(data={**DENIAL, "service_date": "2026-02-30", "notice_date": "0000-00-00"})
@example(data={**DENIAL, "billed_amount": "1e309", "denied_amount": "NaN", "units": "-1"})
@example(data={**DENIAL, "billed_amount": "-" + "9" * 40, "allowed_amount": "sNaN"})
@example(data={**DENIAL, "modifiers": "ga,kx,gy,59,25,gt,95"})
@example(data={**DENIAL, "rarc_codes": ",".join(["N115", "M127", "N386", "MA130"] * 6)})
@example(data={**DENIAL, "adjustment": "CO-50," * 7 + "PR-1"})
@example(data={**DENIAL, "diagnosis_codes": "F332," * 40})
def test_junk_denial_entry(data, staff, patient, provider):
    data = fill(data, provider=str(provider.pk))
    with rolled_back():
        form = DenialEntryForm(querydict(data), patient=patient)
        valid = form.is_valid()
        if valid:
            reject_known_bug_pointers(form.cleaned_data)
        verdict = Verdict(valid, form.cleaned_data if valid else None)

        def verify(response, verdict):
            c = verdict.cleaned
            denial = Denial.objects.get(pk=resolve(response["Location"]).kwargs["pk"])
            claim = denial.claim
            line = claim.lines.get()
            group, carcs = c["adjustment"]
            assert (claim.patient, claim.provider, claim.claim_number) == (
                patient,
                c["provider"],
                c["claim_number"],
            )
            assert claim.service_from == claim.service_to == c["service_date"]
            assert claim.diagnosis_codes == ", ".join(c["diagnosis_codes"])
            assert (line.code, line.modifiers, line.units) == (
                c["code"],
                c["modifiers"],
                c["units"],
            )
            assert (line.billed_amount, line.allowed_amount) == (
                c["billed_amount"],
                c["allowed_amount"],
            )
            assert (denial.notice_type, denial.notice_date, denial.decided_by) == (
                c["notice_type"],
                c["notice_date"],
                c["decided_by"],
            )
            assert (denial.group_code, denial.carc_codes, denial.rarc_codes) == (
                group,
                ", ".join(carcs),
                ", ".join(c["rarc_codes"]),
            )
            assert denial.denied_amount == c["denied_amount"]

        post_and_check(
            signed_in(staff),
            reverse("appeals:denial-new", args=[patient.pk]),
            data,
            verdict,
            succeeded=redirects_to("appeals:denial-detail"),
            verify=verify,
        )


REASONS = {"reasons": "The treatment met every coverage criterion."}


@FUZZ
@given(data=spoiled(REASONS))
@example(data={"reasons": "Because\x00"})
@example(data={"reasons": "é" * HUGE})
@example(data={"reasons": "{% load static %}{{ request.user.password }}<script>x</script>"})
def test_junk_appeal_reasons(data, staff, appeal):
    with rolled_back():
        form = AppealReasonsForm(querydict(data), instance=Appeal.objects.get(pk=appeal.pk))
        valid = form.is_valid()
        verdict = Verdict(valid, form.cleaned_data if valid else None)
        response = post_and_check(
            signed_in(staff),
            reverse("appeals:appeal-reasons", args=[appeal.pk]),
            data,
            verdict,
            # Always back to the appeal; whether it saved is told by the row (auto_now).
            succeeded=lambda r: Appeal.objects.get(pk=appeal.pk).updated_at != appeal.updated_at,
            verify=lambda r, v: assert_saved(appeal, v.cleaned),
        )
        assert response.status_code == 302


FILING = {
    "filed_date": (TODAY - timedelta(days=1)).isoformat(),
    "filed_method": "fax",
    "tracking_number": "FAX-0001",
    "good_cause_statement": "",
}


FILING_VALID = {
    "filed_date": recent(400, 3),
    "filed_method": st.sampled_from(["mail", "fax", "portal", "ecape", ""]),
    "good_cause_statement": st.sampled_from(["", "Hospitalised until last week."]),
}


@FUZZ
@given(data=spoiled(FILING, FILING_VALID))
@example(data={**FILING, "tracking_number": "FAX\x00"})
@example(data={**FILING, "filed_date": "2026-02-30"})
@example(data={**FILING, "filed_date": "9999-12-31"})
@example(data={**FILING, "filed_date": "0001-01-01", "good_cause_statement": "x" * HUGE})
def test_junk_file_appeal(data, staff, signed_appeal):
    appeal = signed_appeal
    with rolled_back():
        form = FileAppealForm(querydict(data), instance=Appeal.objects.get(pk=appeal.pk))
        valid = form.is_valid()
        verdict = Verdict(valid, form.cleaned_data if valid else None)

        def verify(response, verdict):
            assert_saved(appeal, verdict.cleaned)
            assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.FILED

        post_and_check(
            signed_in(staff),
            reverse("appeals:appeal-file", args=[appeal.pk]),
            data,
            verdict,
            succeeded=lambda r: (
                r.status_code == 302
                and Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.FILED
            ),
            verify=verify,
        )


DECISION = {
    "decision": "unfavorable",
    "decision_date": (TODAY - timedelta(days=1)).isoformat(),
    "decided_by": "Noridian JE Part B",
    "decision_summary": "Not medically necessary.",
}
DECISION_VALID = {
    "decision": st.sampled_from(["favorable", "partial", "unfavorable", "dismissed", ""]),
    "decision_date": recent(30, 3),
}


@FUZZ
@given(data=spoiled(DECISION, DECISION_VALID))
@example(data={**DECISION, "decision_summary": "\x00"})
@example(data={**DECISION, "decision_date": "2026-02-30"})
@example(data={**DECISION, "decided_by": "x" * HUGE})
def test_junk_record_decision(data, staff, filed_appeal):
    with rolled_back():
        form = DecisionForm(querydict(data), instance=Appeal.objects.get(pk=filed_appeal.pk))
        valid = form.is_valid()
        verdict = Verdict(valid, form.cleaned_data if valid else None)

        def verify(response, verdict):
            assert_saved(filed_appeal, verdict.cleaned)
            assert Appeal.objects.get(pk=filed_appeal.pk).status == Appeal.Status.DECIDED

        post_and_check(
            signed_in(staff),
            reverse("appeals:appeal-decision", args=[filed_appeal.pk]),
            data,
            verdict,
            succeeded=lambda r: (
                r.status_code == 302
                and Appeal.objects.get(pk=filed_appeal.pk).status == Appeal.Status.DECIDED
            ),
            verify=verify,
        )


PDF = blank_pdf(1)
UPLOADS = [
    PDF,
    b"",
    b"\x00" * 64,
    b"%PDF-1.7\n" + b"\x00" * 200,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
    PDF[: len(PDF) // 2],
    b"<script>alert(1)</script>{{ 7|add:1 }}",
    PDF.replace(b"/Count 1", b"/Count 99999999"),
]
FILE_NAMES = [
    "remittance.pdf",
    "r\x00.pdf",
    "../../etc/passwd",
    "x" * 300 + ".pdf",
    "中文.pdf",
    "\x00",
]


def _as_parsed(name: str) -> str:
    """The file name as Django's multipart parser keeps it ('' drops the file)."""
    return MultiPartParser.sanitize_file_name(MultiPartParser.__new__(MultiPartParser), name) or ""


@FUZZ
@given(
    title=st.one_of(st.just("Remittance advice"), junk),
    content=st.sampled_from(UPLOADS),
    name=st.sampled_from(FILE_NAMES),
    send_file=st.booleans(),
)
@example(title="Remittance\x00", content=PDF, name="remittance.pdf", send_file=True)
@example(title="x" * HUGE, content=PDF, name="remittance.pdf", send_file=True)
@example(title="Remittance advice", content=UPLOADS[-1], name="r\x00.pdf", send_file=True)
def test_junk_enclosure_upload(title, content, name, send_file, staff, appeal):
    data = {"title": title}
    parsed = _as_parsed(name)
    with rolled_back():
        files = {"file": SimpleUploadedFile(parsed, content)} if send_file and parsed else {}
        form = EnclosureForm(querydict(data), files)
        valid = form.is_valid()
        verdict = Verdict(valid, form.cleaned_data if valid else None)

        def verify(response, verdict):
            enclosure = Enclosure.objects.get(appeal=appeal)
            assert enclosure.title == verdict.cleaned["title"]
            assert enclosure.sha256 == hashlib.sha256(content).hexdigest()
            with enclosure.file.open("rb") as fh:
                assert fh.read() == content

        post_and_check(
            signed_in(staff),
            reverse("appeals:appeal-enclosure", args=[appeal.pk]),
            data,
            verdict,
            succeeded=lambda r: r.status_code == 302,
            verify=verify,
            files={"file": SimpleUploadedFile(name, content)} if send_file else {},
        )


# --- Documents ----------------------------------------------------------------------------


@FEW
@given(
    data=spoiled(
        {"kind": "lmn", "request_key": "a1b2c3d4e5f6"},
        {
            "kind": st.sampled_from([k.value for k in DocumentKind]),
            "request_key": st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=70),
        },
    )
)
@example(data={"kind": "lmn", "request_key": "abc\x00def"})
@example(data={"kind": "lmn", "request_key": "k" * 65})
@example(data={"kind": "lmn", "request_key": "ключ٣²"})
@example(data={"kind": "packet", "request_key": "abc"})
@example(data={"kind": "lmn\x00", "request_key": "abc"})
def test_junk_generate_document(data, staff, patient):
    offered = set(offered_kinds(patient))
    with rolled_back():
        form = GenerateDocumentForm(querydict(data))
        valid = form.is_valid()
        verdict = Verdict(
            valid and (form.cleaned_data["kind"] != "abn" or "abn" in offered),
            form.cleaned_data if valid else None,
        )

        def verify(response, verdict):
            document = GeneratedDocument.objects.get(pk=resolve(response["Location"]).kwargs["pk"])
            assert (document.patient, document.kind, document.request_key) == (
                patient,
                verdict.cleaned["kind"],
                verdict.cleaned["request_key"],
            )

        post_and_check(
            signed_in(staff),
            reverse("documents:document-generate", args=[patient.pk]),
            data,
            verdict,
            succeeded=redirects_to("documents:document-detail"),
            verify=verify,
        )


@pytest.fixture
def document(patient, staff):
    return GeneratedDocumentFactory(patient=patient, kind=DocumentKind.LMN, generated_by=staff)


DELIVERY = {
    "method": "fax",
    "sent_on": TODAY.isoformat(),
    "recipient": "Noridian JE Part B",
    "tracking": "FAX-1234",
}


@FUZZ
@given(
    data=spoiled(
        DELIVERY,
        {
            "method": st.sampled_from(["fax", "mail", "portal", "hand", "email"]),
            "sent_on": recent(3, 3),
        },
    )
)
@example(data={**DELIVERY, "recipient": "Nori\x00dian"})
@example(data={**DELIVERY, "sent_on": "0000-00-00"})
@example(data={**DELIVERY, "sent_on": "9999-12-31"})
@example(data={**DELIVERY, "tracking": "x" * HUGE})
def test_junk_document_sent(data, staff, document):
    with rolled_back():
        form = DeliveryForm(querydict(data), document=document)
        valid = form.is_valid()
        verdict = Verdict(valid, form.cleaned_data if valid else None)

        def verify(response, verdict):
            delivery = DocumentDelivery.objects.get(document=document)
            assert_saved(delivery, verdict.cleaned)

        post_and_check(
            signed_in(staff),
            reverse("documents:document-sent", args=[document.pk]),
            data,
            verdict,
            succeeded=lambda r: r.status_code == 302,
            verify=verify,
        )


def _expected_key(data: dict) -> str | None:
    """The key a letter or packet is stored under: the posted one if it is a key the
    Generate form would accept, else none (no de-duplication, never a junk key)."""
    key = querydict(data).get("request_key")
    form = GenerateDocumentForm({"kind": "lmn", "request_key": key})
    return key if form.is_valid() else None


@pytest.mark.parametrize("button", ["appeal-letter", "appeal-packet"])
@FEW
@given(data=spoiled({"request_key": "0123456789abcdef0123456789abcdefl"}))
@example(data={"request_key": "abc\x00def"})
@example(data={"request_key": "k" * 65})
@example(data={"request_key": "ключ٣"})
def test_junk_letter_and_packet_buttons(button, data, staff, appeal):
    key = _expected_key(data)
    kind = DocumentKind.APPEAL_LETTER if button == "appeal-letter" else DocumentKind.PACKET
    with rolled_back():
        if button == "appeal-packet":
            AppealLetterFactory(appeal=appeal, generated_by=staff, signed=True)
        count = GeneratedDocument.objects.filter(kind=kind).count()

        def verify(response, verdict):
            document = GeneratedDocument.objects.filter(kind=kind).order_by("-id").first()
            assert (document.appeal, document.request_key) == (appeal, key)

        post_and_check(
            signed_in(staff),
            reverse(f"appeals:{button}", args=[appeal.pk]),
            data,
            Verdict(True),
            succeeded=lambda r: GeneratedDocument.objects.filter(kind=kind).count() == count + 1,
            verify=verify,
        )


# --- Letter templates (admin) -----------------------------------------------------------------

TEMPLATE_VARIABLES = [
    "patient.first_name",
    "patient.date_of_birth",
    "patient.age",
    "request.dose_mg",
    "request.codes",
    "document.version",
    "clinic.name",
    "today",
    "1.5",
    '"text"',
    "9999999999999999999999999",
]
FILTER_ARGS = [
    "",
    ':"Y"',
    ':"r"',
    ':"-3"',
    ':"2g"',
    ':"-99999999999"',
    ':"abc"',
    ':"a,b,c"',
    ':","',
    ':"\x00"',
    ":2",
    ":-2",
    ":999",
    ":patient.age",
]
TEMPLATE_TAGS = [
    '{% now "Y-m-d" %}',
    '{% now "\\" %}',
    "{% now %}",
    '{% cycle "a" "b" %}',
    '{% cycle "a" "b" as c silent %}{% cycle c %}',
    "{% firstof patient.middle_name patient.first_name %}",
    "{% if patient.age > 64 %}senior{% elif %}x{% endif %}",
    "{% if patient.age > 999999999999999999999999999 %}x{% else %}y{% endif %}",
    "{% for trial in trials %}{{ trial.drug }}{% empty %}none{% endfor %}",
    "{% for x in patient.first_name %}{{ x }}{% endfor %}",
    "{% with a=patient.first_name %}{{ a|upper }}{% endwith %}",
    "{% autoescape off %}<b>x</b>{% endautoescape %}",
    "{% spaceless %} <p> x </p> {% endspaceless %}",
    "{% comment %}{{ patient.mbi }}{% endcomment %}",
    "{% block content %}{% endblock %}",
    '{% extends "documents/layout.html" %}',
    "{% load static %}",
    "{% include 'documents/layout.html' %}",
    "{% debug %}",
    "{% url 'home' %}",
    "{% csrf_token %}",
    "{{ patient.mbi }}",
    "{{ patient.first_name|safe }}",
    "{{ }}",
    "{% %}",
    "{{ patient.",
    "{% if %}",
    "{% endif %}",
]
template_snippet = st.one_of(
    st.builds(
        lambda var, name, arg: f"{{{{ {var}|{name}{arg} }}}}",
        st.sampled_from(TEMPLATE_VARIABLES),
        st.sampled_from(
            ["capfirst", "date", "default", "default_if_none", "escape", "floatformat", "join"]
            + ["length", "linebreaksbr", "lower", "pluralize", "time", "title", "upper", "yesno"]
        ),
        st.sampled_from(FILTER_ARGS),
    ),
    st.sampled_from(TEMPLATE_TAGS),
    junk,
)


@pytest.fixture
def template_admin(clinic):
    return UserFactory(username="templateadmin", role=CLINIC_ADMIN, clinics=[clinic])


@FUZZ
@given(
    page=st.sampled_from(["change", "add"]),
    snippets=st.lists(template_snippet, min_size=1, max_size=4),
    note=st.one_of(st.just("Wording"), junk),
    kind=st.one_of(st.just("lmn"), st.sampled_from([k.value for k in DocumentKind]), junk),
    replace_body=st.booleans(),
)
@example(
    page="change",
    snippets=["{{ patient.first_name\x00 }}"],
    note="x",
    kind="lmn",
    replace_body=False,
)
@example(page="change", snippets=["x" * HUGE], note="x" * HUGE, kind="lmn", replace_body=True)
@example(
    page="add", snippets=["{% load static %}"], note="\x00", kind="lmn\x00", replace_body=False
)
@example(page="add", snippets=['{{ today|date:"\x00" }}'], note="W", kind="abn", replace_body=False)
@example(
    page="change",
    snippets=["{{ patient.age|pluralize:2 }}"],
    note="W",
    kind="lmn",
    replace_body=False,
)
@example(page="add", snippets=["{{ today }}"], note="Cover", kind="packet", replace_body=False)
def test_junk_letter_template_edit_and_preview(
    page, snippets, note, kind, replace_body, template_admin
):
    v1 = LetterTemplate.objects.get(kind="lmn", version=1)
    inserted = "".join(snippets)
    body = (
        inserted
        if replace_body
        else v1.body.replace("{% block content %}", "{% block content %}" + inserted, 1)
    )
    data = {"kind": kind, "change_note": note, "body": body, "_save": "Save"}
    if page == "change":
        url = reverse("admin:documents_lettertemplate_change", args=[v1.pk])
    else:
        url = reverse("admin:documents_lettertemplate_add")
    with rolled_back():
        request = RequestFactory().post(url)
        request.user = template_admin
        model_admin = admin_site._registry[LetterTemplate]
        if page == "change":
            form_class = model_admin.get_form(request, v1, change=True)
            form = form_class(querydict(data), instance=LetterTemplate.objects.get(pk=v1.pk))
        else:
            form = model_admin.get_form(request, None, change=False)(querydict(data))
        valid = form.is_valid()
        verdict = Verdict(valid, form.cleaned_data if valid else None)
        client = signed_in(template_admin)

        def verify(response, verdict):
            # A new row, numbered after the newest of its kind; on the change page the kind
            # is read-only (test_stale_edits.py::test_an_edit_cannot_move_a_template_...).
            new = LetterTemplate.objects.order_by("-id").first()
            saved_kind = verdict.cleaned.get("kind", v1.kind)
            assert new.pk != v1.pk and new.kind == saved_kind
            assert new.version == LetterTemplate.next_version(saved_kind) - 1
            names = [n for n in ("kind", "change_note", "body") if n in verdict.cleaned]
            assert_saved(new, verdict.cleaned, names)
            assert LetterTemplate.objects.get(pk=v1.pk).body == v1.body  # never updated

        post_and_check(
            client,
            url,
            data,
            verdict,
            succeeded=lambda r: r.status_code == 302,
            verify=verify,
        )
        # The live preview of the same text answers with a message, never a server error.
        preview = client.post(
            reverse("admin:documents_lettertemplate_preview"), {"kind": kind, "body": body}
        )
        assert preview.status_code == 200
        assert preview.json()["ok"] in (True, False)


# --- Signing in -----------------------------------------------------------------------------


def _login_form_class():
    """The form the sign-in page really uses (LoginView's authentication_form)."""
    view = resolve(reverse("login")).func
    return view.view_initkwargs.get("authentication_form") or AuthenticationForm


@FUZZ
@given(
    data=spoiled(
        {"username": "allrounder", "password": "not the password"},
        {"password": st.just(PASSWORD)},
    )
)
@example(data={"username": "allrounder", "password": PASSWORD})
@example(data={"username": " allrounder ", "password": PASSWORD})
@example(data={"username": "allrounder\x00", "password": PASSWORD})
@example(data={"username": "allrounder", "password": "\x00"})
@example(data={"username": "x" * 300, "password": "x" * HUGE})
@example(data={"username": "allrounder", "password": PASSWORD, "next": "javascript:alert(1)\x00"})
def test_junk_login(data, staff):
    with rolled_back():
        # django-axes (the first backend) needs the request; the attempt it may record here
        # is rolled back with the example.
        request = RequestFactory().post(reverse("login"))
        form = _login_form_class()(request, querydict(data))
        verdict = Verdict(form.is_valid())
        client = signed_in(None)

        def verify(response, verdict):
            assert str(client.session[SESSION_KEY]) == str(staff.pk)

        post_and_check(
            client,
            reverse("login"),
            data,
            verdict,
            succeeded=lambda r: r.status_code == 302,
            verify=verify,
        )


NEW_PASSWORD = "a much longer and unusual passphrase 42"


@FUZZ
@given(
    data=spoiled(
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
)
@example(
    data={"old_password": PASSWORD, "new_password1": "x\x00" * 8, "new_password2": "x\x00" * 8}
)
@example(data={"old_password": PASSWORD, "new_password1": "é" * HUGE, "new_password2": "é" * HUGE})
@example(
    data={"old_password": "\x00", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
)
def test_junk_password_change(data, staff):
    with rolled_back():
        user = get_user_model().objects.get(pk=staff.pk)
        form = PasswordChangeForm(user, querydict(data))
        valid = form.is_valid()
        verdict = Verdict(valid, form.cleaned_data if valid else None)

        def verify(response, verdict):
            stored = get_user_model().objects.get(pk=staff.pk)
            assert stored.check_password(verdict.cleaned["new_password1"])

        post_and_check(
            signed_in(staff),
            reverse("password_change"),
            data,
            verdict,
            succeeded=lambda r: r.status_code == 302,
            verify=verify,
        )


def _totp_now(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, step=device.step, digits=device.digits).token():06d}"


def _mfa_next(data: dict) -> str:
    """Where intake.mfa.verify sends the user after a right code (its own _next_url)."""
    request = SimpleNamespace(
        POST=querydict(data),
        GET=QueryDict(),
        get_host=lambda: "testserver",
        is_secure=lambda: False,
    )
    return _next_url(request)


@FUZZ
@given(
    data=spoiled(
        {"token": "000000", "next": "/patients/"},
        {"token": st.just("ba5eba11"), "next": st.sampled_from(["/", "home", "//x.example"])},
    ),
)
@example(data={"token": "ba5eba11", "next": "/patients/"})
@example(data={"token": " ba5e ba11 ", "next": "https://evil.example/"})
@example(data={"token": "ba5e\x00ba11", "next": "/patients/"})
@example(data={"token": "١٢٣٤٥٦", "next": "//evil.example/"})
@example(data={"token": "x" * HUGE, "next": "\x00"})
@example(data={"token": "ba5eba11", "next": "http://[::1"})
@example(data={"token": "ba5eba11", "next": "{{ 7|add:1 }}"})
@example(data={"token": "ba5eba11", "next": "x"})
def test_junk_mfa_verify(data, staff):
    with rolled_back():
        TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
        backup = StaticDevice.objects.create(user=staff, name="Backup codes")
        StaticToken.objects.create(device=backup, token="ba5eba11")
        form = TokenForm(querydict(data))
        valid = form.is_valid()
        token = form.cleaned_data.get("token") if valid else None
        verdict = Verdict(valid and token == "ba5eba11")
        client = signed_in(staff)

        def verify(response, verdict):
            assert client.session.get("otp_device_id")
            assert not StaticToken.objects.filter(token="ba5eba11").exists()  # used up
            # The safe `next` (URL-quoted), never off-site.
            assert response["Location"] == iri_to_uri(_mfa_next(data))

        post_and_check(
            client,
            reverse("mfa-verify"),
            data,
            verdict,
            succeeded=lambda r: r.status_code == 302,
            verify=verify,
        )


@FUZZ
@given(data=spoiled({"token": "000000"}, {"token": st.just("<totp>")}))
@example(data={"token": "<totp>"})
@example(data={"token": "\x00"})
@example(data={"token": "9" * HUGE})
def test_junk_mfa_setup(data, staff):
    with rolled_back():
        client = signed_in(staff)
        assert client.get(reverse("mfa-setup")).status_code == 200  # the page makes the device
        device = TOTPDevice.objects.get(user=staff)
        code = _totp_now(device)  # once: the view accepts it for a step either side
        data = fill(data, totp=code)
        form = TokenForm(querydict(data))
        valid = form.is_valid()
        verdict = Verdict(valid and form.cleaned_data["token"] == code)

        def verify(response, verdict):
            assert response.status_code == 200  # the backup codes, shown once
            assert StaticToken.objects.filter(device__user=staff).count() == 10

        post_and_check(
            client,
            reverse("mfa-setup"),
            data,
            verdict,
            succeeded=lambda r: TOTPDevice.objects.get(pk=device.pk).confirmed,
            verify=verify,
        )


# --- What this module found --------------------------------------------------------------
# Pinned down one by one (the fuzz tests above meet the same inputs only at random). Each
# was a 500 or an over-long write when found, and was fixed while this module was written
# (bbffbc4, 395953e, 6434124, b069782).


@pytest.mark.parametrize("count", [6, 12])
def test_a_claim_with_up_to_twelve_diagnosis_codes_is_stored_whole(count, staff, patient, provider):
    """A CMS-1500 carries up to twelve diagnoses; their pointers must fit the line's column."""
    codes = ["F33.2", "F33.1", "F41.1", "Z79.899", "F43.10", "G47.00", "F32A", "F17.210"]
    codes += ["F10.230", "R45.851", "F11.20", "Z91.190"]
    data = fill({**DENIAL, "diagnosis_codes": ", ".join(codes[:count])}, provider=str(provider.pk))
    before = snapshot()

    response = signed_in(staff).post(reverse("appeals:denial-new", args=[patient.pk]), data)

    assert response.status_code == 302
    assert_fits(before, snapshot())
    line = ClaimLine.objects.get()
    assert line.diagnosis_pointers == ",".join(str(i) for i in range(1, count + 1))


@pytest.mark.parametrize(
    "codes",
    [
        ["I10"] * 17,  # repeats: the pointers '1,...,17' once overflowed varchar(40)
        ["F33.2", "F33.1", "F41.1", "Z79.899", "F43.10", "G47.00", "F32A", "F17.210"]
        + ["F10.230", "R45.851", "F11.20", "Z91.190", "I10"],  # 13 distinct codes
    ],
    ids=["17 repeats", "13 codes"],
)
def test_a_denial_with_more_diagnosis_codes_than_a_claim_holds_is_refused(
    codes, staff, patient, provider, field_text
):
    data = fill({**DENIAL, "diagnosis_codes": ",".join(codes)}, provider=str(provider.pk))
    client = signed_in(staff)
    client.raise_request_exception = False  # a 500 is reported as a status, not an error
    before = snapshot()

    response = client.post(reverse("appeals:denial-new", args=[patient.pk]), data)

    assert response.status_code == 200  # the form again, with a message
    assert field_text(response, "id_diagnosis_codes") != ""
    assert written(before, snapshot()) == {}


@pytest.mark.parametrize("button", ["appeal-letter", "appeal-packet"])
@pytest.mark.parametrize("key", ["k" * 65, "abc\x00def"], ids=["65 characters", "NUL byte"])
def test_a_letter_or_packet_button_with_a_junk_request_key_is_refused_cleanly(
    button, key, staff, appeal
):
    if button == "appeal-packet":
        AppealLetterFactory(appeal=appeal, generated_by=staff, signed=True)
    client = signed_in(staff)
    client.raise_request_exception = False
    before = snapshot()

    response = client.post(reverse(f"appeals:{button}", args=[appeal.pk]), {"request_key": key})

    assert response.status_code < 500
    # Refused (or ignored) like GenerateDocumentForm refuses it: never stored as a key.
    assert key not in set(GeneratedDocument.objects.values_list("request_key", flat=True))
    assert_fits(before, snapshot())


def test_a_login_with_a_very_long_username_is_an_ordinary_failed_sign_in(staff):
    from axes.models import AccessAttempt

    client = signed_in(None)
    client.raise_request_exception = False

    response = client.post(reverse("login"), {"username": "x" * 300, "password": "wrong"})

    assert response.status_code == 200  # the sign-in form again, with a message
    assert SESSION_KEY not in client.session
    for attempt in AccessAttempt.objects.all():
        assert len(attempt.username) <= AccessAttempt._meta.get_field("username").max_length


@pytest.mark.parametrize("next_url", ["x", "patients", "{{ 7|add:1 }}"])
def test_a_right_code_with_an_odd_next_value_still_signs_in(next_url, staff):
    TOTPDevice.objects.create(user=staff, name="Authenticator app", confirmed=True)
    backup = StaticDevice.objects.create(user=staff, name="Backup codes")
    StaticToken.objects.create(device=backup, token="ba5eba11")
    client = signed_in(staff)
    client.raise_request_exception = False

    response = client.post(reverse("mfa-verify"), {"token": "ba5eba11", "next": next_url})

    # A redirect to that same-site path (not read as a URL name), not a 500.
    assert response.status_code == 302
    assert response["Location"] in (iri_to_uri(next_url), "/")
    assert client.session.get("otp_device_id")


# Filters the template engine allows, given an argument they cannot use. Found by the fuzz
# test above: each raised while rendering (InvalidOperation, IndexError, AttributeError,
# TypeError), so the live preview, saving the template and every Generate were 500s (fixed
# in bbffbc4, 395953e and 6434124).
BREAKING_FILTERS = [
    pytest.param('{{ patient.age|floatformat:"99999999999" }}', id="floatformat-huge"),
    pytest.param('{{ patient.age|floatformat:"" }}', id="floatformat-empty"),
    pytest.param("{{ patient.first_name|yesno:2 }}", id="yesno-number"),
    pytest.param("{{ patient.age|pluralize:2 }}", id="pluralize-number"),
    pytest.param('{{ patient.first_name|linebreaksbr:"Y" }}', id="linebreaksbr-argument"),
    pytest.param('{{ today|date:"a,b" }}', id="date-comma-format"),
]


def _lmn_with(snippet: str) -> str:
    v1 = LetterTemplate.objects.get(kind="lmn", version=1)
    return v1.body.replace("{% block content %}", "{% block content %}" + snippet, 1)


@pytest.mark.parametrize("snippet", BREAKING_FILTERS)
def test_a_filter_argument_that_breaks_rendering_gets_a_preview_message(snippet, template_admin):
    client = signed_in(template_admin)
    client.raise_request_exception = False

    preview = client.post(
        reverse("admin:documents_lettertemplate_preview"),
        {"kind": "lmn", "body": _lmn_with(snippet)},
    )

    assert preview.status_code == 200
    assert preview.json()["ok"] is False


@pytest.mark.parametrize("snippet", BREAKING_FILTERS)
def test_a_filter_argument_that_breaks_rendering_is_refused_on_save(snippet, template_admin):
    v1 = LetterTemplate.objects.get(kind="lmn", version=1)
    client = signed_in(template_admin)
    client.raise_request_exception = False

    saved = client.post(
        reverse("admin:documents_lettertemplate_change", args=[v1.pk]),
        {"kind": "lmn", "change_note": "argument", "body": _lmn_with(snippet), "_save": "Save"},
    )

    assert saved.status_code == 200  # the form again, saying which line and why
    assert LetterTemplate.objects.current_for("lmn") == v1


@pytest.mark.parametrize("snippet", BREAKING_FILTERS)
def test_a_stored_template_with_a_breaking_filter_argument_never_makes_generate_a_500(
    snippet, patient, staff
):
    # Stored without the admin's checks: saved before they existed, or restored from a backup.
    LetterTemplate.objects.create(
        kind="lmn", version=LetterTemplate.next_version("lmn"), body=_lmn_with(snippet)
    )
    desk = signed_in(staff)
    desk.raise_request_exception = False

    generated = desk.post(
        reverse("documents:document-generate", args=[patient.pk]),
        {"kind": "lmn", "request_key": "filterargument1"},
    )

    assert generated.status_code == 302  # back to the patient, with the reason


def test_adding_a_template_for_a_kind_without_a_demo_context_is_refused_with_a_message(
    template_admin,
):
    v1 = LetterTemplate.objects.get(kind="lmn", version=1)
    client = signed_in(template_admin)
    client.raise_request_exception = False

    response = client.post(
        reverse("admin:documents_lettertemplate_add"),
        {"kind": "packet", "change_note": "Packet cover", "body": v1.body, "_save": "Save"},
    )

    assert response.status_code == 200  # the form again, with the reason
    assert not LetterTemplate.objects.filter(kind="packet").exists()
