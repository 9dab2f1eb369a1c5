"""Who may do what with denials and appeals: every appeals URL against every role.

Anonymous visitors are sent to sign in; front desk has no claim permissions (403);
clinicians and clinic admins may look (200) but not act (403); billing may do everything;
billing staff of another clinic get 404 for this clinic's objects (nothing leaks, not even
that they exist). A refused request changes nothing.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from appeals import appeal_actions
from appeals.models import Appeal, Claim, Denial, Enclosure
from documents.models import GeneratedDocument
from tests.factories import BILLING, PatientFactory, UserFactory
from tests.factories_appeals import DenialFactory


@dataclass(frozen=True)
class Route:
    name: str
    method: str  # "get" or "post"
    target: str | None  # which object the URL names: patient, denial, appeal or none
    looks: bool  # a page that only shows (view permission) rather than acts
    billing_status: int  # what billing gets with an empty form

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}"


ROUTES = [
    Route("denial-new", "get", "patient", looks=False, billing_status=200),
    Route("denial-new", "post", "patient", looks=False, billing_status=200),
    Route("denial-detail", "get", "denial", looks=True, billing_status=200),
    Route("appeal-start", "post", "fresh_denial", looks=False, billing_status=302),
    Route("appeal-detail", "get", "appeal", looks=True, billing_status=200),
    Route("appeal-reasons", "post", "appeal", looks=False, billing_status=302),
    Route("appeal-letter", "post", "appeal", looks=False, billing_status=302),
    Route("appeal-enclosure", "post", "appeal", looks=False, billing_status=400),
    Route("appeal-packet", "post", "appeal", looks=False, billing_status=302),
    Route("appeal-file", "post", "appeal", looks=False, billing_status=400),
    Route("appeal-decision", "post", "appeal", looks=False, billing_status=400),
    Route("appeal-next", "post", "appeal", looks=False, billing_status=302),
    Route("work-queue", "get", None, looks=True, billing_status=200),
    Route("dashboard", "get", None, looks=True, billing_status=200),
    Route("export-csv", "get", None, looks=True, billing_status=200),
    Route("deadlines-ical", "get", None, looks=True, billing_status=200),
]
OBJECT_ROUTES = [route for route in ROUTES if route.target is not None]


@pytest.fixture
def objects(clinic):
    """A patient with a denial under appeal (draft) and a second denial not yet appealed."""
    patient = PatientFactory(clinic=clinic)
    denial = Denial.objects.get(pk=DenialFactory(claim__patient=patient).pk)
    appeal = appeal_actions.start_appeal(denial, denial.created_by).appeal
    return {
        "patient": patient,
        "denial": denial,
        "appeal": appeal,
        "fresh_denial": DenialFactory(claim__patient=patient),
    }


def url_of(route: Route, objects) -> str:
    if route.target is None:
        return reverse(f"appeals:{route.name}")
    return reverse(f"appeals:{route.name}", args=[objects[route.target].pk])


def send(client, route: Route, objects):
    return getattr(client, route.method)(url_of(route, objects))


def state(objects) -> tuple:
    appeal = Appeal.objects.get(pk=objects["appeal"].pk)
    return (
        Claim.objects.count(),
        Denial.objects.count(),
        Appeal.objects.count(),
        Enclosure.objects.count(),
        GeneratedDocument.objects.count(),
        appeal.updated_at,
        appeal.status,
        appeal.reasons,
    )


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_visitors_are_sent_to_sign_in(client_for, objects, route):
    before = state(objects)
    url = url_of(route, objects)

    response = send(client_for(None), route, objects)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert state(objects) == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_front_desk_is_refused_everything(front_desk, client_for, objects, route):
    before = state(objects)

    response = send(client_for(front_desk), route, objects)

    assert response.status_code == 403
    assert state(objects) == before


@pytest.mark.parametrize("role", ["clinician", "clinic_admin"])
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_clinicians_and_clinic_admins_may_look_but_not_act(
    request, role, client_for, objects, route
):
    user = request.getfixturevalue(role)
    before = state(objects)

    response = send(client_for(user), route, objects)

    assert response.status_code == (200 if route.looks else 403)
    assert state(objects) == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_billing_may_do_everything(billing, client_for, objects, route):
    response = send(client_for(billing), route, objects)

    assert response.status_code == route.billing_status
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_another_clinics_billing_gets_not_found_for_this_clinics_objects(
    other_clinic, client_for, objects, route
):
    stranger = UserFactory(role=BILLING, clinics=[other_clinic])
    before = state(objects)

    response = send(client_for(stranger), route, objects)

    assert response.status_code == 404
    assert state(objects) == before


def test_the_start_button_is_shown_only_to_those_who_may_start(
    billing, clinician, client_for, objects
):
    url = reverse("appeals:denial-detail", args=[objects["fresh_denial"].pk])
    start = reverse("appeals:appeal-start", args=[objects["fresh_denial"].pk])

    assert start in client_for(billing).get(url).content.decode()
    assert start not in client_for(clinician).get(url).content.decode()
