"""Every admin list with a date hierarchy answers for any date in its query string: the last
dates a datetime holds list normally (nothing is that late), impossible ones redirect to the
whole list with a message. Never a 500.

Guards: audit.admin_dates (SafeDateHierarchyMixin / SafeDateHierarchyChangeList), used by
every ModelAdmin with a date_hierarchy. Django's own ChangeList adds a day, a month or a year
to the chosen date to find the end of the range, which overflows at 9999 (ValueError,
OverflowError: a 500). A new admin with a date_hierarchy is picked up here by itself.
"""

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.admin_dates import NOT_A_DATE, SafeDateHierarchyMixin
from tests.factories import PASSWORD, PatientFactory, UserFactory

DATE_ADMINS = sorted(
    ((model_admin for model_admin in admin.site._registry.values() if model_admin.date_hierarchy)),
    key=lambda model_admin: model_admin.model._meta.label,
)

# Dates the calendar has, down to the last ones a datetime can hold: listed, maybe empty.
LISTED = [
    "{f}__year=9999",
    "{f}__year=9999&{f}__month=12",
    "{f}__year=9999&{f}__month=12&{f}__day=31",
    "{f}__year=9999&{f}__month=2&{f}__day=28",
    "{f}__year=1",
    "{f}__year=1&{f}__month=1&{f}__day=1",
    "{f}__year=2026&{f}__year=9999",  # repeated: the last one counts, as in Django
]
# Dates it hasn't: back to the whole list, with a message.
REFUSED = [
    "{f}__year=" + "9" * 31,
    "{f}__year=10000",
    "{f}__year=0",
    "{f}__year=-5",
    "{f}__year=abc",
    "{f}__year=",
    "{f}__year=9999&{f}__month=13",
    "{f}__year=9999&{f}__month=" + "9" * 31,
    "{f}__year=9999&{f}__month=12&{f}__day=32",
    "{f}__year=2026&{f}__month=2&{f}__day=30",
]


def admin_id(model_admin) -> str:
    return model_admin.model._meta.label_lower


@pytest.fixture
def superuser_client(client, clinic):
    """Rows in every listed model: audit entries (a patient), and django-axes's sign-in log
    and failed attempts (a real sign-in, then a wrong password)."""
    PatientFactory(clinic=clinic)
    UserFactory(username="root", is_superuser=True, is_staff=True)
    signed_in = client.post(reverse("login"), {"username": "root", "password": PASSWORD})
    assert signed_in.status_code == 302
    Client().post(reverse("login"), {"username": "someone", "password": "wrong"})
    assert AccessLog.objects.exists() and AccessAttempt.objects.exists()
    return client


def rows(model_admin, **lookups) -> int:
    return model_admin.model._default_manager.filter(**lookups).count()


def changelist(model_admin) -> str:
    opts = model_admin.model._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/"


def test_the_audit_trail_admin_is_among_those_checked_and_all_use_the_safe_list():
    checked = [admin_id(model_admin) for model_admin in DATE_ADMINS]
    assert {"audit.auditentry", "axes.accessattempt", "axes.accesslog"} <= set(checked)
    for model_admin in DATE_ADMINS:
        assert isinstance(model_admin, SafeDateHierarchyMixin), admin_id(model_admin)


@pytest.mark.parametrize("model_admin", DATE_ADMINS, ids=admin_id)
@pytest.mark.parametrize("query", LISTED)
@pytest.mark.parametrize("time_zone", ["America/New_York", "Pacific/Guam"])
def test_the_last_and_first_dates_list_normally(
    superuser_client, model_admin, query, time_zone, settings
):
    # Guam (UTC+10, Medicare territory): 1 January of year 1 there is before datetime.min in
    # UTC, the other end of the same overflow.
    settings.TIME_ZONE = time_zone
    url = changelist(model_admin) + "?" + query.format(f=model_admin.date_hierarchy)

    response = superuser_client.get(url)

    assert response.status_code == 200, url
    assert response.context["cl"].result_count == 0
    assert [str(m) for m in response.context["messages"]] == []


@pytest.mark.parametrize("model_admin", DATE_ADMINS, ids=admin_id)
def test_this_year_still_lists_this_years_rows(superuser_client, model_admin):
    field = model_admin.date_hierarchy
    year = timezone.localdate().year
    expected = rows(model_admin, **{f"{field}__year": year})

    response = superuser_client.get(f"{changelist(model_admin)}?{field}__year={year}")

    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


@pytest.mark.parametrize("model_admin", DATE_ADMINS, ids=admin_id)
@pytest.mark.parametrize("query", REFUSED)
def test_impossible_dates_go_back_to_the_whole_list_with_a_message(
    superuser_client, model_admin, query
):
    url = changelist(model_admin) + "?" + query.format(f=model_admin.date_hierarchy)

    response = superuser_client.get(url)

    assert response.status_code == 302, url
    assert response["Location"] == f"{changelist(model_admin)}?{ERROR_FLAG}=1"
    page = superuser_client.get(response["Location"])
    assert page.status_code == 200
    assert NOT_A_DATE in [str(m) for m in page.context["messages"]]
    assert page.context["cl"].result_count == rows(model_admin)
