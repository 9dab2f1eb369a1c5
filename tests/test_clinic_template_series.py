"""Letter templates are per clinic (issue 12).

The shipped templates are shared defaults, read-only to clinic admins: a clinic admin's save
of a default starts that clinic's own series at version 1, used for that clinic's patients
only. Before the fix, clinic B's edit of the LMN template changed clinic A's letters. A
clinic admin never sees, opens or saves another clinic's versions, and a forged POST naming
another clinic is refused. The list, the change form, the version history, the preview and
the audit trail say whose version each is.
"""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from documents.models import LetterTemplate
from tests.factories import (
    BILLING,
    CLINIC_ADMIN,
    ClinicFactory,
    PatientFactory,
    UserFactory,
    complete_intake,
)
from tests.factories_documents import element_text, generate_from_page, pdf_text

MARKER_B = "Riverside letters carry this sentence."
KIND = "patient_explanation"  # the one-page letter: the cheapest to render twice


@pytest.fixture
def default_v1(db):
    return LetterTemplate.objects.get(kind=KIND, version=1, clinic=None)


@pytest.fixture
def admin_b(other_clinic):
    return UserFactory(username="adminb", role=CLINIC_ADMIN, clinics=[other_clinic])


def change_url(template) -> str:
    return reverse("admin:documents_lettertemplate_change", args=[template.pk])


def with_marker(body: str, marker: str) -> str:
    return body.replace("{% block content %}", "{% block content %}<p>" + marker + "</p>", 1)


def save(client, template, body: str, clinic=None, note="Our own wording"):
    data = {"change_note": note, "body": body, "_save": "Save"}
    if clinic is not None:
        data["clinic"] = clinic.pk
    return client.post(change_url(template), data)


def letter_text(client, patient) -> tuple[str, str]:
    document = generate_from_page(client, patient, KIND)
    pdf = client.get(reverse("documents:document-pdf", args=[document.pk])).content
    return document.html, pdf_text(pdf)


def test_clinic_b_editing_a_default_changes_only_clinic_b_letters(
    clinic, other_clinic, default_v1, admin_b, client_for
):
    patient_a = complete_intake(PatientFactory(clinic=clinic))
    patient_b = complete_intake(PatientFactory(clinic=other_clinic))
    biller_a = client_for(UserFactory(role=BILLING, clinics=[clinic]))
    biller_b = client_for(UserFactory(role=BILLING, clinics=[other_clinic]))

    response = save(
        client_for(admin_b), default_v1, with_marker(default_v1.body, MARKER_B), other_clinic
    )

    assert response.status_code == 302
    html_a, pdf_a = letter_text(biller_a, patient_a)
    html_b, pdf_b = letter_text(biller_b, patient_b)
    assert MARKER_B not in html_a and MARKER_B not in pdf_a
    assert MARKER_B in html_b and MARKER_B in pdf_b


def test_a_clinic_admin_save_of_a_default_starts_their_clinic_series_and_keeps_the_default(
    other_clinic, default_v1, admin_b, client_for, page_text
):
    client = client_for(admin_b)

    response = save(client, default_v1, with_marker(default_v1.body, MARKER_B), other_clinic)

    assert response.status_code == 302
    shown = page_text(client.get(response["Location"]))
    assert "Saved as version 1 of Riverside Infusion Center's own series" in shown
    assert "copied from the shared default v1" in shown
    defaults = LetterTemplate.objects.filter(kind=KIND, clinic=None)
    assert [(t.version, t.body) for t in defaults] == [(1, default_v1.body)]
    own = LetterTemplate.objects.get(kind=KIND, clinic=other_clinic)
    assert own.version == 1
    assert MARKER_B in own.body
    assert own.change_note == "Copied from the shared default v1. Our own wording"
    assert own.created_by == admin_b


def test_a_second_edit_continues_the_clinic_series(other_clinic, default_v1, admin_b, client_for):
    client = client_for(admin_b)
    save(client, default_v1, with_marker(default_v1.body, MARKER_B), other_clinic)
    own_v1 = LetterTemplate.objects.get(kind=KIND, clinic=other_clinic)

    response = save(client, own_v1, with_marker(own_v1.body, "Second edit."))

    assert response.status_code == 302
    versions = LetterTemplate.objects.filter(kind=KIND, clinic=other_clinic)
    assert sorted(t.version for t in versions) == [1, 2]
    assert LetterTemplate.objects.filter(kind=KIND, clinic=None).count() == 1


def test_a_clinic_admin_cannot_see_or_open_another_clinics_versions(
    clinic, other_clinic, default_v1, admin_b, client_for, page_text
):
    theirs = LetterTemplate.objects.create(
        kind=KIND, version=1, clinic=clinic, body=default_v1.body, change_note="Lakeside only"
    )
    client = client_for(admin_b)

    listing = client.get(reverse("admin:documents_lettertemplate_changelist"))
    opened = client.get(change_url(theirs))
    posted = save(client, theirs, with_marker(theirs.body, MARKER_B))

    assert listing.status_code == 200
    text = page_text(listing)
    assert "Lakeside only" not in text
    assert "Lakeside Ketamine Clinic" not in text  # not even in the clinic filter
    assert "Shared default" in text
    assert opened.status_code == 302  # the admin's "doesn't exist" redirect
    assert posted.status_code == 302
    assert LetterTemplate.objects.filter(clinic=clinic).count() == 1
    assert LetterTemplate.objects.filter(clinic=other_clinic).count() == 0


def test_a_forged_post_naming_another_clinic_is_refused(
    clinic, other_clinic, default_v1, admin_b, client_for
):
    response = save(client_for(admin_b), default_v1, with_marker(default_v1.body, MARKER_B), clinic)

    assert response.status_code == 200
    assert "Select a valid choice" in (element_text(response, "id_clinic_error") or "")
    assert LetterTemplate.objects.filter(kind=KIND).count() == 1


def test_an_admin_of_two_clinics_picks_which_clinic_and_only_from_theirs(
    clinic, other_clinic, default_v1, client_for
):
    third = ClinicFactory(name="Hillcrest Wellness")
    admin = UserFactory(role=CLINIC_ADMIN, clinics=[clinic, other_clinic])
    client = client_for(admin)

    form = client.get(change_url(default_v1))
    response = save(client, default_v1, with_marker(default_v1.body, MARKER_B), other_clinic)

    choices = [label for _, label in form.context["adminform"].form.fields["clinic"].choices]
    assert choices[1:] == ["Lakeside Ketamine Clinic", "Riverside Infusion Center"]
    assert third.name not in form.content.decode()
    assert response.status_code == 302
    assert LetterTemplate.objects.get(kind=KIND, clinic=other_clinic).version == 1
    assert not LetterTemplate.objects.filter(kind=KIND, clinic=clinic).exists()


def test_editing_the_default_after_starting_an_own_series_is_refused(
    other_clinic, default_v1, admin_b, client_for, page_text
):
    client = client_for(admin_b)
    save(client, default_v1, with_marker(default_v1.body, MARKER_B), other_clinic)

    response = save(client, default_v1, with_marker(default_v1.body, "Again"), other_clinic)

    assert response.status_code == 200
    assert "Riverside Infusion Center already has its own version 1 of this" in page_text(response)
    assert "Again" in response.content.decode()  # the typed text stays
    assert LetterTemplate.objects.filter(kind=KIND, clinic=other_clinic).count() == 1


def test_a_superuser_edit_of_a_default_changes_the_default_for_every_clinic(default_v1, client_for):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    response = save(client_for(root), default_v1, with_marker(default_v1.body, "For all."))

    assert response.status_code == 302
    newest = LetterTemplate.objects.current_for(KIND, None)
    assert (newest.version, newest.clinic) == (2, None)


def test_the_list_form_history_and_preview_say_whose_version_it_is(
    other_clinic, default_v1, admin_b, client_for, page_text
):
    client = client_for(admin_b)
    save(client, default_v1, with_marker(default_v1.body, MARKER_B), other_clinic)
    own = LetterTemplate.objects.get(kind=KIND, clinic=other_clinic)

    listing = page_text(client.get(reverse("admin:documents_lettertemplate_changelist")))
    form = client.get(change_url(own))
    preview = client.post(
        reverse("admin:documents_lettertemplate_preview"),
        {"kind": KIND, "body": own.body, "clinic": other_clinic.pk},
    ).json()

    assert "Riverside Infusion Center" in listing and "Shared default" in listing
    history = element_text(form, "version-history")
    assert "Riverside Infusion Center" in history
    assert "Copied from the shared default v1" in history
    assert preview["ok"] is True
    assert preview["series"] == "Riverside Infusion Center"
    assert "Riverside Infusion Center" in preview["html"]  # the clinic's own letterhead


def test_the_preview_refuses_another_clinics_letterhead(clinic, default_v1, admin_b, client_for):
    data = (
        client_for(admin_b)
        .post(
            reverse("admin:documents_lettertemplate_preview"),
            {"kind": KIND, "body": default_v1.body, "clinic": clinic.pk},
        )
        .json()
    )

    assert data == {"ok": False, "error": "Choose one of your clinics."}


def test_the_audit_trail_records_which_clinic_a_version_belongs_to(
    clinic, other_clinic, default_v1, admin_b, client_for, page_text
):
    save(client_for(admin_b), default_v1, with_marker(default_v1.body, MARKER_B), other_clinic)
    own = LetterTemplate.objects.get(kind=KIND, clinic=other_clinic)
    admin_a = UserFactory(role=CLINIC_ADMIN, clinics=[clinic])

    entry = AuditEntry.objects.get(model_label="documents.lettertemplate", object_id=str(own.pk))
    report_b = page_text(client_for(admin_b).get(reverse("audit:report")))
    report_a = page_text(client_for(admin_a).get(reverse("audit:report")))

    assert entry.clinic_id == other_clinic.pk
    assert f"Letter template #{own.pk} Riverside Infusion Center" in report_b
    assert f"Letter template #{own.pk}" not in report_a
