"""The admin's user list says each user's role, clinic and whether two-step sign-in is set
up, for the same number of queries however many users there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import BILLING, CLINICIAN, FRONT_DESK, UserFactory
from tests.factories_documents import table_rows

pytestmark = pytest.mark.django_db

USERS = reverse("admin:auth_user_changelist")


@pytest.fixture
def staff(clinic):
    nurse = UserFactory(username="lakenurse", role=FRONT_DESK, clinics=[clinic])
    doctor = UserFactory(username="drhale", role=CLINICIAN, clinics=[clinic])
    TOTPDevice.objects.create(user=doctor, name="Phone", confirmed=True)
    # Scanned the QR code but never typed a code from it: not set up yet.
    biller = UserFactory(username="billy", role=BILLING, clinics=[clinic])
    TOTPDevice.objects.create(user=biller, name="Phone", confirmed=False)
    return nurse, doctor, biller


def rows_by_username(response) -> dict[str, dict[str, str]]:
    # The changelist's cells: the select box, then list_display in order.
    columns = ["", "Username", "First name", "Last name", "Role", "Clinic", "Two-step sign-in"]
    rows = [dict(zip(columns, row, strict=False)) for row in table_rows(response)]
    return {row["Username"]: row for row in rows}


def test_the_columns_are_headed_role_clinic_and_two_step(client_for, clinic_admin, page_text):
    assert "Role Clinic Two-step sign-in" in page_text(client_for(clinic_admin).get(USERS))


def test_the_list_shows_role_clinic_and_two_step_status(client_for, clinic_admin, clinic, staff):
    response = client_for(clinic_admin).get(USERS)
    assert response.status_code == 200

    rows = rows_by_username(response)
    shown = {
        name: (row["Role"], row["Clinic"], row["Two-step sign-in"])
        for name, row in rows.items()
        if name in ("lakenurse", "drhale", "billy")
    }
    assert shown == {
        "lakenurse": ("Front desk", clinic.name, "Not set up"),
        "drhale": ("Clinician", clinic.name, "On"),
        "billy": ("Billing", clinic.name, "Not set up"),
    }


@pytest.mark.parametrize("value, expected", [("on", {"drhale"}), ("off", {"lakenurse", "billy"})])
def test_the_list_filters_by_two_step_status(client_for, clinic_admin, staff, value, expected):
    response = client_for(clinic_admin).get(USERS, {"two_step": value})

    listed = set(rows_by_username(response)) - {clinic_admin.username}
    assert listed == expected


def test_a_user_with_no_role_or_clinic_says_so_to_a_superuser(client_for, db):
    root = UserFactory(username="rootuser", is_superuser=True, is_staff=True)
    UserFactory(username="loner")

    rows = rows_by_username(client_for(root).get(USERS))

    assert (rows["loner"]["Role"], rows["loner"]["Clinic"]) == ("No role", "No clinic")
    assert rows["rootuser"]["Role"].startswith("Superuser")


def test_the_list_costs_the_same_queries_at_three_and_thirty_users(
    client_for, clinic_admin, clinic, staff, django_assert_max_num_queries
):
    client = client_for(clinic_admin)
    with CaptureQueriesContext(connection) as small:
        client.get(USERS)
    for n in range(27):
        user = UserFactory(username=f"temp{n:02d}", role=FRONT_DESK, clinics=[clinic])
        TOTPDevice.objects.create(user=user, name="Phone", confirmed=n % 2 == 0)

    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(USERS).status_code == 200
