"""The audit report: clinic admins filter, page through and export their clinics' entries;
nobody else gets in."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils import timezone

from audit import audit_context, record_access
from audit.models import AuditEntry
from audit.views import PAGE_SIZE
from config.urls import urlpatterns as project_urlpatterns
from tests.factories import PatientFactory, UserFactory

# Until config/urls.py includes audit.urls, this module is the URLconf of its own tests.
urlpatterns = list(project_urlpatterns)
if not any(getattr(p, "namespace", None) == "audit" for p in urlpatterns):
    urlpatterns.append(path("audit/", include("audit.urls")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

REPORT = "audit:report"
EXPORT = "audit:export-csv"


def can_read_report(user):
    """The Clinic admin role carries audit.view_auditentry once intake/roles.py lists it;
    until then the permission is given to the user directly."""
    if not user.has_perm("audit.view_auditentry"):
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="audit", codename="view_auditentry")
        )
    return type(user).objects.get(pk=user.pk)  # a fresh object: no cached permissions


@pytest.fixture
def admin(clinic_admin):
    return can_read_report(clinic_admin)


@pytest.fixture
def admin_client(client_for, admin):
    return client_for(admin)


def rows(response) -> list[str]:
    """The entry ids shown, in page order."""
    return re.findall(r'<tr id="entry-(\d+)">', response.content.decode())


def entry_ids(queryset) -> list[str]:
    return [str(pk) for pk in queryset.order_by("-id").values_list("id", flat=True)]


def test_front_desk_gets_403(client_for, front_desk):
    assert client_for(front_desk).get(reverse(REPORT)).status_code == 403
    assert client_for(front_desk).get(reverse(EXPORT)).status_code == 403


def test_signed_out_users_are_sent_to_sign_in(client_for):
    response = client_for(None).get(reverse(REPORT))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_an_admin_sees_their_clinics_entries_newest_first_and_not_other_clinics(
    admin_client, clinic, other_clinic, other_front_desk, page_text
):
    ours = PatientFactory(clinic=clinic, first_name="Margaret", last_name="Ellison")
    with audit_context(user=other_front_desk):
        theirs = PatientFactory(clinic=other_clinic, first_name="Robert", last_name="Zane")

    response = admin_client.get(reverse(REPORT))

    assert response.status_code == 200
    shown = rows(response)
    assert shown == sorted(shown, key=int, reverse=True)
    assert str(AuditEntry.objects.get(model_label="intake.patient", object_id=ours.pk).pk) in shown
    hidden = AuditEntry.objects.get(model_label="intake.patient", object_id=theirs.pk)
    assert str(hidden.pk) not in shown
    text = page_text(response)
    assert f"KC-{ours.pk:06d}" in text and "Margaret Ellison" in text
    assert f"Patient #{ours.pk}" in text
    assert "Zane" not in text


def test_staff_of_two_clinics_do_not_carry_the_other_clinics_patients_in(
    admin_client, clinic, other_clinic, page_text
):
    both = UserFactory(username="floater", clinics=[clinic, other_clinic])
    with audit_context(user=both):
        theirs = PatientFactory(clinic=other_clinic, last_name="Zane")
        ours = PatientFactory(clinic=clinic, last_name="Ellison")

    response = admin_client.get(reverse(REPORT), {"user": both.pk})

    shown = rows(response)
    assert str(AuditEntry.objects.get(model_label="intake.patient", object_id=ours.pk).pk) in shown
    assert not AuditEntry.objects.filter(patient_id=theirs.pk, pk__in=shown).exists()
    assert "Zane" not in page_text(response)


def test_a_deleted_patients_history_stays_in_the_report(admin_client, admin, clinic):
    patient = PatientFactory(clinic=clinic)
    patient_id = patient.pk
    with audit_context(user=admin):
        patient.delete()

    response = admin_client.get(reverse(REPORT), {"patient": patient_id})

    assert rows(response) == entry_ids(AuditEntry.objects.filter(patient_id=patient_id))
    assert len(rows(response)) == 2  # created, deleted


def test_role_changes_of_the_clinics_staff_are_shown_whoever_made_them(
    admin_client, front_desk, other_front_desk
):
    from django.contrib.auth.models import Group

    root = UserFactory(is_superuser=True, is_staff=True)
    billing = Group.objects.get(name="Billing")
    with audit_context(user=root):
        front_desk.groups.add(billing)
        other_front_desk.groups.add(billing)

    shown = rows(admin_client.get(reverse(REPORT), {"action": "update"}))

    ours = AuditEntry.objects.get(model_label="auth.user", object_id=front_desk.pk, user=root)
    theirs = AuditEntry.objects.get(
        model_label="auth.user", object_id=other_front_desk.pk, user=root
    )
    assert str(ours.pk) in shown
    assert str(theirs.pk) not in shown


def test_entries_by_the_clinics_staff_are_shown_even_without_a_patient(
    admin_client, front_desk, request_factory_get
):
    entry = record_access(request_factory_get(front_desk), "export", "appeal-queue.csv")
    assert str(entry.pk) in rows(admin_client.get(reverse(REPORT)))


@pytest.fixture
def request_factory_get(rf):
    def make(user):
        request = rf.get("/", REMOTE_ADDR="192.0.2.10")
        request.user = user
        return request

    return make


@pytest.fixture
def activity(clinic, front_desk, clinician, request_factory_get):
    """A patient created by the front desk, updated by the clinician, and viewed."""
    with audit_context(user=front_desk):
        first = PatientFactory(clinic=clinic)
        second = PatientFactory(clinic=clinic)
    with audit_context(user=clinician):
        first.phone = "585-555-0000"
        first.save()
    record_access(request_factory_get(clinician), "view", first)
    return first, second


def test_filter_by_user(admin_client, activity, clinician):
    response = admin_client.get(reverse(REPORT), {"user": clinician.pk})
    assert rows(response) == entry_ids(AuditEntry.objects.filter(user=clinician))
    assert len(rows(response)) == 2


def test_filter_by_patient_chart_number_or_id(admin_client, activity):
    first, _ = activity
    expected = entry_ids(AuditEntry.objects.filter(patient_id=first.pk))

    assert rows(admin_client.get(reverse(REPORT), {"patient": f"KC-{first.pk:06d}"})) == expected
    assert rows(admin_client.get(reverse(REPORT), {"patient": str(first.pk)})) == expected


def test_filter_by_action(admin_client, activity):
    first, _ = activity
    response = admin_client.get(reverse(REPORT), {"action": "view"})
    assert rows(response) == entry_ids(AuditEntry.objects.filter(action="view"))
    assert len(rows(response)) == 1


def test_filter_by_date_range(admin_client, activity):
    today = timezone.localdate()
    everything = entry_ids(AuditEntry.objects.all())

    today_only = {"date_from": today.isoformat(), "date_to": today.isoformat()}
    yesterday = {"date_to": (today - timedelta(days=1)).isoformat()}
    tomorrow = {"date_from": (today + timedelta(days=1)).isoformat()}
    assert set(rows(admin_client.get(reverse(REPORT), today_only))) <= set(everything)
    assert len(rows(admin_client.get(reverse(REPORT), today_only))) >= 4
    assert rows(admin_client.get(reverse(REPORT), yesterday)) == []
    assert rows(admin_client.get(reverse(REPORT), tomorrow)) == []


def test_filters_combine(admin_client, activity, front_desk):
    first, _ = activity
    response = admin_client.get(
        reverse(REPORT), {"user": front_desk.pk, "patient": first.pk, "action": "create"}
    )
    assert rows(response) == entry_ids(
        AuditEntry.objects.filter(user=front_desk, patient_id=first.pk, action="create")
    )
    assert len(rows(response)) == 1


def test_an_end_date_before_the_start_is_explained(admin_client, field_text):
    response = admin_client.get(
        reverse(REPORT), {"date_from": "2026-03-02", "date_to": "2026-03-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in field_text(response, "id_date_to")
    assert rows(response) == []


def test_a_bad_chart_number_is_explained(admin_client, field_text):
    response = admin_client.get(reverse(REPORT), {"patient": "Ellison"})
    assert "Enter a chart number such as KC-000123" in field_text(response, "id_patient")


def test_the_user_filter_only_offers_the_admins_clinics_staff(
    admin_client, front_desk, other_front_desk
):
    content = admin_client.get(reverse(REPORT)).content.decode()
    assert f'value="{front_desk.pk}"' in content
    assert f'value="{other_front_desk.pk}"' not in content


def test_pages_are_newest_first_and_keep_the_filters(admin_client, clinic, front_desk):
    with audit_context(user=front_desk):
        for _ in range(PAGE_SIZE + 5):
            PatientFactory(clinic=clinic)
    expected = entry_ids(AuditEntry.objects.filter(user=front_desk))

    first = admin_client.get(reverse(REPORT), {"user": front_desk.pk})
    older = f"user={front_desk.pk}&amp;before={expected[PAGE_SIZE - 1]}"
    second = admin_client.get(
        reverse(REPORT), {"user": front_desk.pk, "before": expected[PAGE_SIZE - 1]}
    )

    assert rows(first) == expected[:PAGE_SIZE]
    assert rows(second) == expected[PAGE_SIZE:]
    assert older in first.content.decode()


def test_updates_show_old_and_new_values(admin_client, activity, page_text):
    first, _ = activity
    text = page_text(admin_client.get(reverse(REPORT), {"action": "update", "patient": first.pk}))
    assert re.search(r"phone : 585-555-\d{4} → 585-555-0000", text)


def test_the_page_has_no_inline_script_or_style(admin_client, activity):
    content = admin_client.get(reverse(REPORT)).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content)
    assert " style=" not in content
    assert "<style" not in content


# The CSV export.


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_export_applies_the_same_filters_and_is_itself_recorded(
    admin_client, admin, activity, clinician
):
    expected = entry_ids(AuditEntry.objects.filter(user=clinician))

    response = admin_client.get(reverse(EXPORT), {"user": clinician.pk}, REMOTE_ADDR="192.0.2.1")

    table = read_csv(response)
    assert table[0][:4] == ["Entry", "Time (UTC)", "Kind", "Action"]
    assert [row[0] for row in table[1:]] == expected
    assert {row[4] for row in table[1:]} == {"clinician"}
    assert all(row[1].endswith("+00:00") for row in table[1:])
    export = AuditEntry.objects.latest("id")
    assert (export.kind, export.action, export.user) == ("access", "export", admin)
    assert (export.model_label, export.ip_address) == ("audit-report.csv", "192.0.2.1")


def test_the_export_shows_changes_but_never_the_mbi(admin_client, clinic):
    from tests.factories import CoverageFactory

    CoverageFactory(patient=PatientFactory(clinic=clinic), mbi="1EG4TE5MK73")

    table = read_csv(admin_client.get(reverse(EXPORT)))

    coverage_rows = [row for row in table if row[6] == "intake.coverage"]
    assert '"mbi": "(changed)"' in coverage_rows[0][9]
    assert "1EG4TE5MK73" not in "\n".join(",".join(row) for row in table)


def test_export_cells_cannot_run_as_spreadsheet_formulas(admin_client, clinic):
    PatientFactory(clinic=clinic, first_name="=HYPERLINK(1)")
    table = read_csv(admin_client.get(reverse(EXPORT), {"action": "create"}))
    assert all(not cell.startswith("=") for row in table for cell in row)


def test_a_superuser_sees_every_clinic(client_for, clinic, other_clinic):
    root = UserFactory(is_superuser=True, is_staff=True)
    theirs = PatientFactory(clinic=other_clinic)
    response = client_for(root).get(reverse(REPORT), {"patient": theirs.pk})
    assert len(rows(response)) == 1
