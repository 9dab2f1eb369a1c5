"""The admin isolation matrix: a clinic admin of another clinic is shown, offered and able to
change nothing of clinic A, on any admin page (issue 12).

The app's own pages have tests/test_clinic_isolation.py; this is the same for the Django
admin. Every ModelAdmin in `admin.site._registry` is covered (a ModelAdmin registered later
is in the matrix without touching this file), and so is every relation of every model the
autocomplete view can be asked about.

Clinic A and clinic B each hold a complete set of data: staff in every role, a provider
linked to a user, a patient with a complete intake and an assessment, a document and its
delivery, a claim, denial, appeal and enclosure, a lockout, sign-in logs and an
authenticator. A superuser exists, and a clinician works at both clinics (so is A's
business too). The clinic admin of B, also admin of a third clinic C (so the sidebar's
clinic filter has something to list), then:

- opens every changelist: none of A's identifying strings on the page, none of A's rows in
  the list or in a sidebar filter;
- opens every add form and the change form of one of their own rows: no A row offered in
  any picker of the form or its inlines;
- requests, GET and POST, every URL of the ModelAdmin that takes an object id (change,
  delete, history, password, and custom ones like the TOTP QR code) with each of A's ids:
  never a 200, and nothing changed anywhere in the database;
- posts every action of every ModelAdmin (and delete_selected everywhere) with A's ids:
  nothing changed;
- asks the autocomplete view about every relation of every model: no A row in the answer.

Which rows are clinic A's is said here, per model: by the clinic path admin_scoping finds
(patients, claims, ... through their patient), by user for users and authenticators, by
username for lockouts, by clinic or patient for audit entries. A registered model this file
can't place fails loudly. Letter templates and coverage rules are shared rows until they
carry a clinic; once they have a `clinic` field, a version of clinic A is created here and
must stay hidden from B like everything else.
"""

import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from appeals.models import DenialArgument
from audit.models import AuditEntry
from coverage.assessments import current_assessment
from coverage.models import CoveragePolicy
from documents.models import DocumentDelivery, LetterTemplate
from intake.admin_scoping import clinic_path
from intake.models import Clinic
from tests.factories import (
    CLINIC_ADMIN,
    CLINICIAN,
    FRONT_DESK,
    ClinicFactory,
    PatientFactory,
    ProviderFactory,
    UserFactory,
    complete_intake,
    make_npi,
)
from tests.factories_appeals import AppealFactory, EnclosureFactory
from tests.factories_documents import GeneratedDocumentFactory

User = get_user_model()

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODELS = [model for model, _ in REGISTERED]
# Not any clinic's data: role groups are the same for every clinic.
NOT_CLINIC_DATA = {Group}
# Shared by every clinic until they carry a clinic (issue 12, per-clinic versions).
SHARED_UNTIL_PER_CLINIC = {LetterTemplate, CoveragePolicy, DenialArgument}
# What the matrix may change: the session (sign-in, messages) and the audit trail (checked
# on its own: nothing new about clinic A).
NOT_SNAPSHOTTED = {"sessions.session", "audit.auditentry"}


def label(model) -> str:
    return model._meta.label


def has_clinic_field(model) -> bool:
    return any(f.name == "clinic" for f in model._meta.concrete_fields)


@dataclass
class Side:
    clinic: Clinic
    users: list = field(default_factory=list)
    strings: list[str] = field(default_factory=list)


def build_clinic(word: str, ip: str, npi: int) -> Side:
    """A clinic with one of everything; `word` is in every name, so the page can be searched."""
    low = word.lower()
    clinic = ClinicFactory(name=f"{word} Infusion Center", npi=make_npi(f"3{npi:08d}"))
    admin_user = UserFactory(username=f"{low}_admin", role=CLINIC_ADMIN, clinics=[clinic])
    desk = UserFactory(username=f"{low}_desk", role=FRONT_DESK, clinics=[clinic])
    clinician = UserFactory(username=f"{low}_clinician", role=CLINICIAN, clinics=[clinic])
    provider = ProviderFactory(
        clinic=clinic,
        last_name=f"{word}provider",
        npi=make_npi(f"4{npi:08d}"),
        user=clinician,
    )
    patient = PatientFactory(clinic=clinic, first_name=f"{word}first", last_name=f"{word}patient")
    complete_intake(patient, provider=provider)
    assert current_assessment(patient) is not None
    document = GeneratedDocumentFactory(patient=patient, generated_by=clinician)
    DocumentDelivery.objects.create(
        document=document,
        method=DocumentDelivery.Method.FAX,
        sent_on=date.today(),
        recipient=f"{word} Medical Review",
        recorded_by=desk,
    )
    appeal = AppealFactory(
        denial__claim__patient=patient,
        denial__claim__provider=provider,
        denial__claim__claim_number=f"ICN{word.upper()}01",
        denial__claim__created_by=desk,
    )
    EnclosureFactory(appeal=appeal, title=f"{word} remittance advice")
    axes_row = {
        "username": desk.username,
        "ip_address": ip,
        "user_agent": f"{word}Browser/1.0",
        "http_accept": "text/html",
        "path_info": "/accounts/login/",
    }
    AccessAttempt.objects.create(**axes_row, get_data="", post_data="", failures_since_start=5)
    AccessLog.objects.create(**axes_row)
    AccessFailureLog.objects.create(**axes_row, locked_out=True)
    TOTPDevice.objects.create(user=desk, name=f"{word} phone", confirmed=True)
    StaticDevice.objects.create(user=desk, name=f"{word} backup codes", confirmed=True)
    strings = [
        clinic.name,
        clinic.npi,
        provider.last_name,
        provider.npi,
        patient.first_name,
        patient.last_name,
        appeal.denial.claim.claim_number,
        f"{word} Medical Review",
        f"{word} remittance advice",
        f"{word}Browser",
        f"{word} phone",
        ip,
        *(u.username for u in (admin_user, desk, clinician)),
    ]
    for model in SHARED_UNTIL_PER_CLINIC:
        if has_clinic_field(model):
            strings.append(own_version(model, clinic, word))
    return Side(clinic, [admin_user, desk, clinician], strings)


def own_version(model, clinic, word: str) -> str:
    """A clinic's own version of a shipped row (once the model has a clinic): a copy of the
    newest shared row, marked so the page can be searched for it."""
    row = model.objects.filter(clinic__isnull=True).order_by("-pk").first()
    assert row is not None, f"no shipped {label(model)} row to copy"
    marker = f"{word} own version"
    row.pk = None
    row._state.adding = True
    row.clinic = clinic
    row.change_note = marker
    row.save()
    return marker


@dataclass
class World:
    a: Side
    b: Side
    c: Clinic
    admin_b: object
    client: Client
    strings: list[str]

    def foreign(self, model) -> set:
        """The pks of `model`'s rows that are clinic A's (or a superuser's): B must not see."""
        a = self.a.clinic
        a_patients = a.patients.values("pk")
        if model is User:
            return set(
                User.objects.filter(Q(clinics=a) | Q(is_superuser=True)).values_list(
                    "pk", flat=True
                )
            )
        if model in (AccessAttempt, AccessLog, AccessFailureLog):
            usernames = User.objects.filter(Q(clinics=a) | Q(is_superuser=True)).values("username")
            return set(model.objects.filter(username__in=usernames).values_list("pk", flat=True))
        if model in (TOTPDevice, StaticDevice):
            return set(model.objects.filter(user__clinics=a).values_list("pk", flat=True))
        if model is AuditEntry:
            rows = AuditEntry.objects.filter(Q(clinic_id=a.pk) | Q(patient_id__in=a_patients))
            return set(rows.values_list("pk", flat=True))
        if model in NOT_CLINIC_DATA:
            return set()
        if model in SHARED_UNTIL_PER_CLINIC and not has_clinic_field(model):
            return set()
        path = clinic_path(model)
        assert path, f"{label(model)}: say in World.foreign which rows are another clinic's"
        return set(model.objects.filter(**{path: a.pk}).values_list("pk", flat=True))

    def own(self, model) -> set:
        path = clinic_path(model)
        if not path:
            return set()
        rows = model.objects.filter(**{f"{path}__in": [self.b.clinic.pk, self.c.pk]})
        return set(rows.values_list("pk", flat=True))

    def assert_shows_nothing_of_a(self, response, where: str) -> None:
        text = response.content.decode()
        leaked = [s for s in self.strings if s in text]
        assert not leaked, f"{where} shows clinic A's {leaked}"


@pytest.fixture
def world(db) -> World:
    a = build_clinic("Alderbrook", "203.0.113.71", 1)
    b = build_clinic("Bellhaven", "198.51.100.72", 2)
    c = ClinicFactory(name="Cedarview Ketamine Clinic")
    PatientFactory(clinic=c, last_name="Cedarpatient")
    ProviderFactory(clinic=c, last_name="Cedarprovider")
    admin_b = b.users[0]
    c.staff.add(admin_b)
    shared = UserFactory(username="alder_and_bell", role=CLINICIAN, clinics=[a.clinic, b.clinic])
    root = UserFactory(username="zz_rootsuper", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin_b)
    strings = [*a.strings, shared.username, root.username]
    for s in strings:
        assert not any(s in own for own in b.strings), f"{s!r} is also clinic B's"
    return World(a, b, c, admin_b, client, strings)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def snapshot() -> dict:
    return {
        label(m): list(m._default_manager.order_by("pk").values())
        for m in apps.get_models()
        if m._meta.label_lower not in NOT_SNAPSHOTTED
    }


def audit_about_a(world, after: int) -> list:
    a = world.a.clinic
    return list(
        AuditEntry.objects.filter(pk__gt=after).filter(
            Q(clinic_id=a.pk) | Q(patient_id__in=a.patients.values("pk"))
        )
    )


def last_audit_id() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def model_choice_fields(response):
    """Every picker of the page's form and its inlines: (name, form field). An inline row's
    hidden id is not a picker (the formset only edits rows of its own parent)."""
    fields = list(response.context["adminform"].form.fields.items())
    for inline in response.context.get("inline_admin_formsets") or []:
        fields += [
            (f"{inline.formset.prefix}-{name}", f)
            for name, f in inline.formset.empty_form.fields.items()
        ]
    return [
        (n, f)
        for n, f in fields
        if isinstance(f, forms.ModelChoiceField) and not isinstance(f.widget, forms.HiddenInput)
    ]


def assert_pickers_offer_nothing_of_a(world, response, where: str) -> None:
    for name, form_field in model_choice_fields(response):
        offered = set(form_field.queryset.values_list("pk", flat=True))
        foreign = world.foreign(form_field.queryset.model)
        assert not offered & foreign, f"{where}: {name} offers clinic A's rows"


# --- Changelists ------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_every_changelist_shows_nothing_of_another_clinic(world, model):
    response = world.client.get(url(model, "changelist"))

    assert response.status_code in (200, 403)
    world.assert_shows_nothing_of_a(response, f"{label(model)} changelist")
    if response.status_code == 403:
        return
    changelist = response.context["cl"]
    listed = {obj.pk for obj in changelist.result_list}
    assert not listed & world.foreign(model)
    if world.own(model):
        assert listed, f"{label(model)}: the admin's own rows are missing (a broken page?)"
    for spec in changelist.filter_specs:
        related = getattr(getattr(spec, "field", None), "related_model", None)
        if related is not None:
            choices = {str(value) for value, _ in spec.lookup_choices}
            assert not choices & {str(pk) for pk in world.foreign(related)}, spec.title


def test_the_clinic_filter_lists_exactly_the_admins_clinics(world):
    response = world.client.get(url(apps.get_model("intake", "Patient"), "changelist"))

    spec = next(s for s in response.context["cl"].filter_specs if s.title == "clinic")
    assert {name for _, name in spec.lookup_choices} == {world.b.clinic.name, world.c.name}


# --- Forms ----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_every_add_form_offers_nothing_of_another_clinic(world, model):
    response = world.client.get(url(model, "add"))

    assert response.status_code in (200, 403)
    world.assert_shows_nothing_of_a(response, f"{label(model)} add form")
    if response.status_code == 200:
        assert_pickers_offer_nothing_of_a(world, response, f"{label(model)} add form")


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_the_change_form_of_an_own_row_offers_nothing_of_another_clinic(world, model):
    own = sorted(world.own(model))
    if model is User:
        own = [world.b.users[1].pk]
    if not own:
        pytest.skip(f"{label(model)} has no rows of a clinic")

    response = world.client.get(url(model, "change", own[0]))

    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert_pickers_offer_nothing_of_a(world, response, f"{label(model)} change form")


# --- URLs that name an object ----------------------------------------------------------------

PARAMETER = re.compile(r"<[^>]+>")


def object_routes(model_admin) -> list[str]:
    """The ModelAdmin's URLs that take one object id: change, delete, history, password..."""
    routes = [str(pattern.pattern) for pattern in model_admin.get_urls()]
    return [route for route in routes if len(PARAMETER.findall(route)) == 1]


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_no_url_of_another_clinics_object_answers_or_changes_anything(world, model):
    foreign = sorted(world.foreign(model))
    if model not in NOT_CLINIC_DATA | SHARED_UNTIL_PER_CLINIC:
        assert foreign, f"the world has no clinic-A row of {label(model)}: add one"
    prefix = url(model, "changelist")
    routes = object_routes(admin.site._registry[model])
    assert any(route.endswith("/change/") for route in routes)
    before, audit_mark = snapshot(), last_audit_id()

    for pk in foreign:
        for route in routes:
            path = prefix + PARAMETER.sub(str(pk), route)
            for response in (
                world.client.get(path),
                world.client.post(path, {"post": "yes", "password1": "x", "password2": "x"}),
            ):
                assert response.status_code != 200, path
                world.assert_shows_nothing_of_a(response, path)

    assert snapshot() == before
    assert not audit_about_a(world, audit_mark)


# --- Actions --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=label)
def test_no_action_posted_with_another_clinics_ids_changes_anything(world, model):
    request = RequestFactory().get("/")
    request.user = world.admin_b
    actions = set(admin.site._registry[model].get_actions(request)) | {"delete_selected"}
    foreign = [str(pk) for pk in sorted(world.foreign(model))]
    before, audit_mark = snapshot(), last_audit_id()

    for action in sorted(actions):
        response = world.client.post(
            url(model, "changelist"),
            {"action": action, "_selected_action": foreign, "index": "0", "post": "yes"},
        )
        assert response.status_code in (200, 302, 403), action
        world.assert_shows_nothing_of_a(response, f"{label(model)} action {action}")

    assert snapshot() == before
    assert not audit_about_a(world, audit_mark)


# --- Autocomplete ---------------------------------------------------------------------------


def autocomplete_questions():
    """Every (model, relation) the autocomplete view can be asked about: any model's forward
    or reverse relation to a registered model (the view doesn't check autocomplete_fields)."""
    for source in apps.get_models():
        for relation in source._meta.get_fields():
            if relation.is_relation and relation.related_model in admin.site._registry:
                yield source, relation


def test_autocomplete_answers_nothing_of_another_clinic(world):
    answered, own_answered, leaks = 0, 0, []
    for source, relation in autocomplete_questions():
        remote = relation.related_model
        foreign = {str(pk) for pk in world.foreign(remote)}
        own = {str(pk) for pk in world.own(remote)}
        for term in ("", world.a.strings[0][:5]):
            response = world.client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": source._meta.app_label,
                    "model_name": source._meta.model_name,
                    "field_name": relation.name,
                    "term": term,
                },
            )
            if response.status_code != 200:
                assert response.status_code in (403, 404)
                continue
            answered += 1
            ids = {result["id"] for result in response.json()["results"]}
            own_answered += bool(ids & own)
            text = response.content.decode()
            if ids & foreign or any(s in text for s in world.strings):
                leaks.append(f"{label(source)}.{relation.name} term={term!r}")

    assert answered and own_answered  # the questions reached the view and found B's rows
    assert not leaks, leaks
