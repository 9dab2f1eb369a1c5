"""The audit report's date filters at the edges of the calendar answer a form error, not a 500
(issue 12, "Small ones": GET /audit/?date_to=9999-12-31)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import include, path, reverse

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "audit" for p in urlpatterns):
    urlpatterns.append(path("audit/", include("audit.urls")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def admin_client(client_for, clinic_admin):
    clinic_admin.user_permissions.add(
        Permission.objects.get(content_type__app_label="audit", codename="view_auditentry")
    )
    return client_for(type(clinic_admin).objects.get(pk=clinic_admin.pk))


@pytest.mark.parametrize("field", ["date_to", "date_from"])
def test_last_day_of_the_calendar_is_a_form_error(admin_client, field):
    response = admin_client.get(reverse("audit:report"), {field: "9999-12-31"})
    assert response.status_code == 200
    assert "Enter a date between 01/02/0001 and 12/30/9999." in response.content.decode()


def test_csv_export_with_the_last_day_is_not_a_server_error(admin_client):
    response = admin_client.get(reverse("audit:export-csv"), {"date_to": "9999-12-31"})
    assert response.status_code < 500


def test_an_ordinary_range_still_filters(admin_client):
    response = admin_client.get(
        reverse("audit:report"), {"date_from": "2026-01-01", "date_to": "2026-12-31"}
    )
    assert response.status_code == 200
    assert "Enter a date between" not in response.content.decode()
