"""A form opened before someone else saved is refused, and what was typed stays on screen.

No threads here: the first person opens a page, a colleague opens and saves the same page,
then the first person saves the page they still have open (with its old `lock_version`).
The intake pages answer 409 with "NOT saved" and the typed values back in the fields; the
database keeps the colleague's save. The versioned admin records (letter templates,
coverage rules) refuse an edit started from an older version the same way, an edit must
stay a new version of its own record (the key is read-only on the change form), and "add"
cannot append to an existing record unseen.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from coverage.models import CoveragePolicy
from documents.models import LetterTemplate
from intake.models import Coverage, Diagnosis, Patient, Screening, TreatmentTrial
from tests.factories import (
    CLINIC_ADMIN,
    FRONT_DESK,
    PatientFactory,
    UserFactory,
    complete_intake,
)
from tests.factories_documents import form_fields

TODAY = date.today()
NOT_SAVED = "Your entries are below and were NOT saved"


@pytest.fixture
def patient(clinic):
    return complete_intake(PatientFactory(clinic=clinic, first_name="Opal", last_name="Quince"))


@pytest.fixture
def first(front_desk, client_for):
    """The person whose page goes stale."""
    return client_for(front_desk)


@pytest.fixture
def colleague(clinic, client_for):
    return client_for(UserFactory(username="colleague", role=FRONT_DESK, clinics=[clinic]))


def step_url(patient, step: str) -> str:
    return reverse("intake:intake-step", args=[patient.pk, step])


def open_form(client, url: str) -> dict:
    """GET the page and return what the browser would submit (with the lock_version)."""
    response = client.get(url)
    assert response.status_code == 200
    data = form_fields(response, containing="lock_version")
    return data


def new_row(data: dict, prefix: str) -> int:
    """The index of the formset's blank row (after the saved ones)."""
    return int(data[f"{prefix}-INITIAL_FORMS"])


# Each case: what the first person types and what the colleague types, as a change to the
# submitted form data; then how to read back the stored value that both of them edited.
def _coverage(data, who):
    data["medigap_plan"] = f"Plan {who}"
    data["part_d_plan_name"] = f"Part D of {who}"
    return {"medigap_plan": f"Plan {who}", "part_d_plan_name": f"Part D of {who}"}


def _screening(data, who):
    data["notes"] = f"Screening note by {who}"
    data["bp_systolic"] = "131" if who == "first" else "142"
    return {"notes": f"Screening note by {who}", "bp_systolic": data["bp_systolic"]}


def _request(data, who):
    data["planned_sessions"] = "4" if who == "first" else "8"
    data["codes"] = "J3490, 96365" if who == "first" else "J3490, 96365, 96366"
    return {"planned_sessions": data["planned_sessions"], "codes": data["codes"]}


def _clinical(data, who):
    row = new_row(data, "dx")
    code = "F41.1" if who == "first" else "F43.10"
    data[f"dx-{row}-code"] = code
    data[f"dx-{row}-onset_date"] = (TODAY - timedelta(days=90)).isoformat()
    data["dx-TOTAL_FORMS"] = str(row + 1)
    return {f"dx-{row}-code": code}


def _history(data, who):
    row = new_row(data, "trial")
    drug = "escitalopram" if who == "first" else "venlafaxine XR"
    data.update(
        {
            f"trial-{row}-kind": "antidepressant",
            f"trial-{row}-drug_name": drug,
            f"trial-{row}-drug_class": "ssri" if who == "first" else "snri",
            f"trial-{row}-duration_weeks": "9",
            f"trial-{row}-adherence": "good",
            f"trial-{row}-outcome": "no_response",
            f"trial-{row}-current_episode": "on",
        }
    )
    data["trial-TOTAL_FORMS"] = str(row + 1)
    return {f"trial-{row}-drug_name": drug}


def _stored(step: str, patient: Patient) -> dict:
    match step:
        case "coverage":
            c = Coverage.objects.get(patient=patient)
            return {"medigap_plan": c.medigap_plan, "part_d_plan_name": c.part_d_plan_name}
        case "screening":
            s = Screening.objects.get(patient=patient)
            return {"notes": s.notes, "bp_systolic": str(s.bp_systolic)}
        case "request":
            r = patient.current_request()
            return {"planned_sessions": str(r.planned_sessions), "codes": r.codes}
        case "clinical":
            return {
                "codes": sorted(
                    Diagnosis.objects.filter(patient=patient).values_list("code", flat=True)
                )
            }
        case "history":
            return {
                "drugs": sorted(
                    TreatmentTrial.objects.filter(patient=patient).values_list(
                        "drug_name", flat=True
                    )
                )
            }
    raise AssertionError(step)


EDITS = {
    "coverage": _coverage,
    "screening": _screening,
    "request": _request,
    "clinical": _clinical,
    "history": _history,
}


@pytest.mark.parametrize("step", list(EDITS))
def test_saving_a_step_opened_before_a_colleague_saved_it_is_refused_and_keeps_the_input(
    step, patient, first, colleague, page_text
):
    edit = EDITS[step]
    loaded_at = patient.lock_version
    mine = open_form(first, step_url(patient, step))
    theirs = open_form(colleague, step_url(patient, step))
    assert mine["lock_version"] == theirs["lock_version"] == str(loaded_at)
    typed = edit(mine, "first")
    edit(theirs, "colleague")
    saved = colleague.post(step_url(patient, step), theirs)
    assert saved.status_code == 302
    after_colleague = _stored(step, patient)

    response = first.post(step_url(patient, step), mine)

    assert response.status_code == 409
    assert NOT_SAVED in page_text(response)
    shown = form_fields(response, containing="lock_version")
    for name, value in typed.items():
        assert shown[name] == value, name
    # The database holds the colleague's save, untouched by the refused one.
    assert _stored(step, patient) == after_colleague
    patient.refresh_from_db()
    assert patient.lock_version == loaded_at + 1
    # The re-shown form carries the current version: checking and saving again works.
    assert shown["lock_version"] == str(loaded_at + 1)
    again = first.post(step_url(patient, step), shown)
    assert again.status_code == 302
    patient.refresh_from_db()
    assert patient.lock_version == loaded_at + 2


def test_a_step_posted_with_a_tampered_lock_version_is_refused(patient, first, page_text):
    data = open_form(first, step_url(patient, "coverage"))
    _coverage(data, "first")
    before = _stored("coverage", patient)

    for tampered in ["abc", "-1", "99999999999999999999999", ""]:
        data["lock_version"] = tampered
        response = first.post(step_url(patient, "coverage"), data)
        assert response.status_code == 409, tampered
        assert NOT_SAVED in page_text(response)
        assert _stored("coverage", patient) == before


# --- The patient details page --------------------------------------------------------------


def test_patient_details_opened_before_a_colleague_saved_them_are_refused_and_kept(
    patient, first, colleague, page_text
):
    url = reverse("intake:patient-edit", args=[patient.pk])
    loaded_at = patient.lock_version
    mine = open_form(first, url)
    theirs = open_form(colleague, url)
    mine.update(phone="585-555-0111", address_line1="1 First Street", middle_name="Firsta")
    theirs.update(phone="585-555-0222", address_line1="2 Second Avenue", middle_name="")
    assert colleague.post(url, theirs).status_code == 302

    response = first.post(url, mine)

    assert response.status_code == 409
    assert (
        "Someone else saved this patient after you opened this page. Your entries are below "
        "and were NOT saved" in page_text(response)
    )
    shown = form_fields(response, containing="lock_version")
    assert (shown["phone"], shown["address_line1"], shown["middle_name"]) == (
        "585-555-0111",
        "1 First Street",
        "Firsta",
    )
    patient.refresh_from_db()
    assert (patient.phone, patient.address_line1, patient.middle_name) == (
        "585-555-0222",
        "2 Second Avenue",
        "",
    )
    assert patient.lock_version == loaded_at + 1
    assert shown["lock_version"] == str(loaded_at + 1)


def test_an_intake_step_save_makes_an_open_patient_details_page_stale(
    patient, first, colleague, page_text
):
    """One lock for the whole patient: any intake save makes every open form stale."""
    edit_url = reverse("intake:patient-edit", args=[patient.pk])
    mine = open_form(first, edit_url)
    mine["phone"] = "585-555-0333"
    theirs = open_form(colleague, step_url(patient, "coverage"))
    _coverage(theirs, "colleague")
    assert colleague.post(step_url(patient, "coverage"), theirs).status_code == 302

    response = first.post(edit_url, mine)

    assert response.status_code == 409
    assert form_fields(response, containing="lock_version")["phone"] == "585-555-0333"
    patient.refresh_from_db()
    assert patient.phone != "585-555-0333"


# --- Versioned admin records ----------------------------------------------------------------


@pytest.fixture
def admins(clinic, client_for):
    # Superusers: they keep the shared default series, whose stale check this is. A clinic
    # admin's edit of a default starts their clinic's own series (tests/test_clinic_*_series.py).
    first_admin = UserFactory(
        username="admin1", role=CLINIC_ADMIN, clinics=[clinic], is_superuser=True, is_staff=True
    )
    second_admin = UserFactory(
        username="admin2", role=CLINIC_ADMIN, clinics=[clinic], is_superuser=True, is_staff=True
    )
    return client_for(first_admin), client_for(second_admin)


def admin_form(client, url: str, form_id: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    data = form_fields(response, form_id)
    data["_save"] = "Save"
    return data


def test_a_template_edited_from_version_1_after_version_2_exists_is_refused_and_kept(
    admins, page_text
):
    """The admin always stores an edit as a new version; started from an old one, it must not
    silently replace the newer text (it did before the stale check in VersionedAdmin)."""
    mine, theirs = admins
    v1 = LetterTemplate.objects.get(kind="lmn", version=1)
    url = reverse("admin:documents_lettertemplate_change", args=[v1.pk])
    my_form = admin_form(mine, url, "lettertemplate_form")
    their_form = admin_form(theirs, url, "lettertemplate_form")
    their_body = their_form["body"].replace(
        "{% block content %}", "{% block content %}<p>Colleague's paragraph.</p>", 1
    )
    my_body = my_form["body"].replace(
        "{% block content %}", "{% block content %}<p>My paragraph.</p>", 1
    )
    their_form.update(body=their_body, change_note="Colleague's edit")
    my_form.update(body=my_body, change_note="My edit")
    assert theirs.post(url, their_form).status_code == 302
    v2 = LetterTemplate.objects.get(kind="lmn", version=2)

    response = mine.post(url, my_form)

    assert response.status_code == 200  # the form again, not a redirect
    assert "This is version 1, but version 2 was saved since." in page_text(response)
    assert "Your text is kept below" in page_text(response)
    assert form_fields(response, "lettertemplate_form")["body"] == my_body
    assert list(
        LetterTemplate.objects.filter(kind="lmn")
        .order_by("version")
        .values_list("version", flat=True)
    ) == [1, 2]
    assert LetterTemplate.objects.current_for("lmn") == v2
    assert v2.body == their_body.strip()  # form fields trim surrounding whitespace


def test_a_coverage_rule_edited_from_an_old_version_is_refused_and_kept(admins, page_text):
    mine, theirs = admins
    v1 = CoveragePolicy.objects.get(key="iv-ketamine-trd-original", version=1)
    url = reverse("admin:coverage_coveragepolicy_change", args=[v1.pk])
    my_form = admin_form(mine, url, "coveragepolicy_form")
    their_form = admin_form(theirs, url, "coveragepolicy_form")
    their_form["change_note"] = "Colleague's clarification"
    their_form["title"] += " (clarified)"  # a save with no change stores no version
    my_form["change_note"] = "My clarification"
    my_form["min_failed_trials"] = "3"
    assert theirs.post(url, their_form).status_code == 302

    response = mine.post(url, my_form)

    assert response.status_code == 200
    assert "This is version 1, but version 2 was saved since." in page_text(response)
    shown = form_fields(response, "coveragepolicy_form")
    assert (shown["change_note"], shown["min_failed_trials"]) == ("My clarification", "3")
    newest = CoveragePolicy.objects.filter(key=v1.key).order_by("-version").first()
    assert (newest.version, newest.change_note) == (2, "Colleague's clarification")


def test_editing_the_newest_template_version_still_saves(admins):
    mine, _ = admins
    v1 = LetterTemplate.objects.get(kind="lmn", version=1)
    url = reverse("admin:documents_lettertemplate_change", args=[v1.pk])
    data = admin_form(mine, url, "lettertemplate_form")
    data["change_note"] = "Only edit"
    data["body"] += "\n<!-- reviewed -->"  # a save with no change stores no version

    assert mine.post(url, data).status_code == 302
    assert LetterTemplate.objects.current_for("lmn").change_note == "Only edit"


def test_an_edit_cannot_move_a_template_into_another_kinds_series(admins):
    """Found here, fixed in bbffbc4: the kind was editable on the change form, so an edit of
    the LMN with the kind switched silently became the current ABN template."""
    mine, _ = admins
    lmn = LetterTemplate.objects.get(kind="lmn", version=1)
    abn = LetterTemplate.objects.get(kind="abn", version=1)
    url = reverse("admin:documents_lettertemplate_change", args=[lmn.pk])
    data = admin_form(mine, url, "lettertemplate_form")
    data.update(kind="abn", change_note="Wording of the LMN")

    mine.post(url, data)

    assert LetterTemplate.objects.current_for("abn") == abn
    assert LetterTemplate.objects.current_for("abn").body == abn.body


def test_an_edit_cannot_move_a_coverage_rule_into_another_rules_series(admins):
    mine, _ = admins
    edited = CoveragePolicy.objects.get(key="iv-ketamine-trd-original", version=1)
    other = CoveragePolicy.objects.get(key="iv-ketamine-ptsd-original", version=1)
    url = reverse("admin:coverage_coveragepolicy_change", args=[edited.pk])
    data = admin_form(mine, url, "coveragepolicy_form")
    data.update(key=other.key, change_note="TRD wording")

    mine.post(url, data)

    newest = CoveragePolicy.objects.filter(key=other.key).order_by("-version").first()
    assert newest == other


@pytest.mark.parametrize(
    ("model", "form_id", "series"),
    [
        (LetterTemplate, "lettertemplate_form", "lmn"),
        (CoveragePolicy, "coveragepolicy_form", "iv-ketamine-trd-original"),
    ],
)
def test_adding_onto_an_existing_series_is_refused_and_points_to_editing_it(
    model, form_id, series, admins, page_text
):
    """An "add" for a kind or key that exists would replace its newest version without the
    stale check: it must be made as an edit of that version instead."""
    mine, _ = admins
    newest = model.objects.filter(**{model.series_field: series}).order_by("-version").first()
    opts = model._meta
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[newest.pk])
    data = admin_form(mine, change, form_id)
    data.update({model.series_field: series, "change_note": "Typed on the add page"})

    response = mine.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), data)

    assert response.status_code == 200
    assert "Version 1 of this already exists. Open it from the list" in page_text(response)
    assert form_fields(response, form_id)["change_note"] == "Typed on the add page"
    assert model.objects.filter(**{model.series_field: series}).count() == 1
