"""The audit report pages by entry id (keyset): Newer/Older links, no COUNT, and the same
number of queries whether the trail holds a hundred entries or many more."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import audit_context
from audit.models import AuditEntry
from audit.views import PAGE_SIZE
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

REPORT = "audit:report"


@pytest.fixture
def admin_client(client_for, clinic_admin):
    if not clinic_admin.has_perm("audit.view_auditentry"):
        clinic_admin.user_permissions.add(
            Permission.objects.get(content_type__app_label="audit", codename="view_auditentry")
        )
    return client_for(type(clinic_admin).objects.get(pk=clinic_admin.pk))


def add_patients(clinic, user, count):
    with audit_context(user=user):
        for _ in range(count):
            PatientFactory(clinic=clinic)


def shown(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="entry-(\d+)">', response.content.decode())]


def link(response, label) -> str | None:
    match = re.search(rf'href="\?([^"]*)">{label}</a>', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


def follow(client, query: str):
    return client.get(reverse(REPORT) + "?" + query)


def test_older_and_newer_walk_the_whole_trail_without_gaps_or_repeats(
    admin_client, clinic, front_desk
):
    add_patients(clinic, front_desk, PAGE_SIZE * 2 + 3)
    expected = list(
        AuditEntry.objects.filter(user=front_desk).order_by("-id").values_list("id", flat=True)
    )

    first = admin_client.get(reverse(REPORT), {"user": front_desk.pk})
    second = follow(admin_client, link(first, "Older"))
    third = follow(admin_client, link(second, "Older"))
    back = follow(admin_client, link(third, "Newer"))

    assert shown(first) + shown(second) + shown(third) == expected
    assert link(first, "Newer") is None and link(third, "Older") is None
    assert shown(back) == shown(second)
    assert f"user={front_desk.pk}" in link(second, "Older")


@pytest.mark.parametrize("cursor", ["abc", "-5", "9" * 40, ""])
def test_a_meaningless_cursor_shows_the_newest_page(admin_client, clinic, front_desk, cursor):
    add_patients(clinic, front_desk, 3)
    newest = admin_client.get(reverse(REPORT))

    response = admin_client.get(reverse(REPORT), {"before": cursor})

    assert response.status_code == 200
    assert shown(response) == shown(newest)


def queries_for(client, params) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(REPORT), params)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_page_costs_the_same_queries_however_long_the_trail_and_never_counts_it(
    admin_client, clinic, front_desk
):
    add_patients(clinic, front_desk, PAGE_SIZE + 5)
    middle = AuditEntry.objects.order_by("-id").values_list("id", flat=True)[PAGE_SIZE]
    short_first = queries_for(admin_client, {})
    short_later = queries_for(admin_client, {"before": middle})

    add_patients(clinic, front_desk, PAGE_SIZE * 3)
    long_first = queries_for(admin_client, {})
    long_later = queries_for(admin_client, {"before": middle})

    assert len(long_first) == len(short_first)
    assert len(long_later) == len(short_later)
    assert not [sql for sql in long_first + long_later if "COUNT(" in sql.upper()]
