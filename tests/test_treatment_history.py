"""The treatment history is a compact table: one numbered row group per treatment, the saved
ones plus a blank one (more are added by formset.js), each field named by its column and its
row for screen readers. The dose is typed once, as prescribed; the daily mg is read from it.
"""

import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from intake.dose import daily_dose_mg
from intake.models import TreatmentTrial
from tests.factories import PatientFactory, TreatmentTrialFactory, current_version
from tests.test_intake_flow import TRIALS, formset_data, step_url


@pytest.fixture
def desk(client_for, front_desk):
    return client_for(front_desk)


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic)


# --- The dose ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dose, mg",
    [
        ("150 mg daily", "150"),
        ("150mg", "150"),
        ("300 mg XL once daily", "300"),
        ("37.5 mg twice daily", "75"),
        ("20 mg bid", "40"),
        ("10 MG at bedtime", "10"),
        ("1 tablet (150 mg daily)", "150"),
        ("90 mg weekly", None),  # not a daily amount
        ("0.5 mg/kg", None),  # weight-based
        ("10 mg, then 20 mg", None),  # which one?
        ("12 sessions", None),
        ("", None),
        ("99999999 mg", None),  # more than the column holds
    ],
)
def test_the_daily_mg_is_read_from_the_dose_when_it_says_so_plainly(dose, mg):
    assert daily_dose_mg(dose) == (None if mg is None else Decimal(mg))


def test_the_history_page_asks_for_the_dose_once(desk, patient):
    TreatmentTrialFactory(patient=patient)

    html = desk.get(step_url(patient, "history")).content.decode()

    assert len(re.findall(r'name="trial-\d+-dose"', html)) == 2  # the saved row + a blank one
    assert "dose_mg" not in html


def test_a_saved_dose_keeps_its_daily_mg_in_step(desk, patient):
    rows = [{**TRIALS[0], "dose": "37.5 mg twice daily"}, {**TRIALS[1], "dose": "90 mg weekly"}]

    response = desk.post(
        step_url(patient, "history"), {**formset_data("trial", rows), **current_version(patient)}
    )

    assert response.status_code == 302
    saved = {t.drug_name: t for t in patient.trials.all()}
    assert (saved["sertraline"].dose, saved["sertraline"].dose_mg) == (
        "37.5 mg twice daily",
        Decimal("75"),
    )
    assert saved["bupropion XL"].dose_mg is None


def test_a_dose_typed_in_the_old_mg_field_is_ignored(desk, patient):
    rows = [{**TRIALS[0], "dose": "150 mg daily", "dose_mg": "999"}]

    desk.post(
        step_url(patient, "history"), {**formset_data("trial", rows), **current_version(patient)}
    )

    assert patient.trials.get().dose_mg == Decimal("150")


def test_the_migration_keeps_both_old_dose_fields_in_the_one_left(db, patient):
    def trial(dose: str, mg: str | None) -> int:
        row = TreatmentTrialFactory(patient=patient, dose="")
        TreatmentTrial.objects.filter(pk=row.pk).update(
            dose=dose, dose_mg=None if mg is None else Decimal(mg)
        )
        return row.pk

    only_mg = trial("", "150")
    agreeing = trial("150 mg daily", "150")
    other = trial("1 tablet", "37.5")
    only_text = trial("20 mg daily", None)
    too_long = trial("x" * 35, "10")

    importlib.import_module("intake.migrations.0006_intake_ux").merge_doses(django_apps, None)

    def stored(pk):
        row = TreatmentTrial.objects.get(pk=pk)
        return row.dose, row.dose_mg

    assert stored(only_mg) == ("150 mg daily", Decimal("150"))
    assert stored(agreeing) == ("150 mg daily", Decimal("150"))
    assert stored(other) == ("1 tablet (37.5 mg daily)", Decimal("37.5"))
    assert stored(only_text) == ("20 mg daily", None)
    assert stored(too_long) == ("x" * 35, Decimal("10"))  # untouched rather than cut


# --- The table -----------------------------------------------------------------------------


def test_the_history_is_a_table_with_a_row_group_per_treatment_and_one_blank(desk, patient):
    TreatmentTrialFactory(patient=patient, drug_name="sertraline")

    html = desk.get(step_url(patient, "history")).content.decode()

    assert re.search(r'<table class="table[^"]*trial-table', html)
    groups = re.findall(r'<tbody class="trial-row" aria-labelledby="(trial-\d+)-title"', html)
    assert groups == ["trial-0", "trial-1"]
    assert re.search(
        r'id="trial-1-title"[^>]*><span class="visually-hidden">Treatment </span>2', html
    )
    assert 'value="sertraline"' in html
    # The blank row to copy for "+ Add treatment" (formset.js), and the script itself.
    assert 'aria-labelledby="trial-__prefix__-title"' in html
    assert "+ Add treatment" in html
    assert "js/formset.js" in html


@pytest.mark.parametrize(
    "name, names_by",
    [
        ("kind", "trial-col-kind trial-0-title"),
        ("dose", "trial-col-dose trial-0-title"),
        ("DELETE", "trial-col-DELETE trial-0-title"),
        ("drug_class", "id_trial-0-drug_class-label trial-0-title"),
        ("current_episode", "id_trial-0-current_episode-label trial-0-title"),
    ],
)
def test_each_field_is_named_by_its_column_or_label_and_its_row(desk, patient, name, names_by):
    html = desk.get(step_url(patient, "history")).content.decode()

    field = re.search(rf'<(input|select)[^>]*name="trial-0-{name}"[^>]*>', html).group(0)
    assert f'aria-labelledby="{names_by}"' in field
    for element_id in names_by.split():
        assert f'id="{element_id}"' in html, element_id


def test_an_error_is_tied_to_its_field_in_the_table(desk, patient):
    rows = [{**TRIALS[0], "duration_weeks": "600"}]

    response = desk.post(
        step_url(patient, "history"), {**formset_data("trial", rows), **current_version(patient)}
    )

    html = response.content.decode()
    field = re.search(r'<input[^>]*name="trial-0-duration_weeks"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_trial-0-duration_weeks_error"' in field
    assert re.search(
        r'id="id_trial-0-duration_weeks_error"[^>]*>.*Check the number of weeks', html, re.S
    )


def test_a_new_row_ticked_for_removal_is_not_saved(desk, patient):
    rows = [TRIALS[0], {**TRIALS[1], "DELETE": "on"}]

    response = desk.post(
        step_url(patient, "history"), {**formset_data("trial", rows), **current_version(patient)}
    )

    assert response.status_code == 302
    assert list(patient.trials.values_list("drug_name", flat=True)) == ["sertraline"]


def test_a_row_ticked_for_removal_does_not_need_to_be_complete(desk, patient):
    rows = [TRIALS[0], {**TRIALS[1], "drug_name": "", "duration_weeks": "600", "DELETE": "on"}]

    response = desk.post(
        step_url(patient, "history"), {**formset_data("trial", rows), **current_version(patient)}
    )

    assert response.status_code == 302
