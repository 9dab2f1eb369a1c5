"""The coverage step asks only what applies to the patient's program: Medicare Advantage plan
fields for Advantage, Medigap for Original Medicare, Part D fields with Part D. The page
hides and disables the others (static/js/coverage.js) and the server drops whatever is
posted for fields the program rules out, so they are saved empty. Required fields are
marked, for the eye and for screen readers."""

import re

import pytest

from intake.models import Coverage
from tests.factories import CoverageFactory, PatientFactory, current_version
from tests.test_intake_flow import COVERAGE, step_url

ADVANTAGE = {
    **COVERAGE,
    "program": "advantage",
    "medigap_plan": "",
    "ma_plan_name": "Harbor Advantage PPO",
    "ma_member_id": "HAP00000001",
    "ma_requires_prior_auth": "on",
}
# Everything typed, as if someone had filled every box before choosing the program.
EVERYTHING = {
    **ADVANTAGE,
    "medigap_plan": "Plan G",
    "part_d_plan_name": "Example Rx Basic",
    "part_d_member_id": "RX123",
}


@pytest.fixture
def desk(client_for, front_desk):
    return client_for(front_desk)


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic)


def save(desk, patient, data):
    return desk.post(step_url(patient, "coverage"), {**data, **current_version(patient)})


def test_original_medicare_drops_the_advantage_plan_fields(desk, patient):
    response = save(desk, patient, {**EVERYTHING, "program": "original"})

    assert response.status_code == 302
    coverage = Coverage.objects.get(patient=patient)
    assert (coverage.program, coverage.mbi, coverage.medigap_plan) == (
        "original",
        "1EG4TE5MK73",
        "Plan G",
    )
    assert (coverage.ma_plan_name, coverage.ma_member_id) == ("", "")
    assert coverage.ma_requires_prior_auth is False
    # A stand-alone Part D plan goes with Original Medicare: typed, it is kept.
    assert (coverage.part_d_plan_name, coverage.part_d_member_id) == ("Example Rx Basic", "RX123")


def test_medicare_advantage_keeps_its_plan_and_drops_medigap(desk, patient):
    response = save(desk, patient, EVERYTHING)

    assert response.status_code == 302
    coverage = Coverage.objects.get(patient=patient)
    assert (coverage.ma_plan_name, coverage.ma_member_id) == ("Harbor Advantage PPO", "HAP00000001")
    assert coverage.ma_requires_prior_auth is True
    assert coverage.medigap_plan == ""


def test_clearing_the_part_d_box_clears_the_part_d_plan(desk, patient):
    # With the box cleared the page disables the Part D fields, so they are not sent.
    CoverageFactory(patient=patient, part_d_plan_name="Example Rx Basic", part_d_member_id="RX1")

    response = save(desk, patient, COVERAGE)

    assert response.status_code == 302
    coverage = Coverage.objects.get(patient=patient)
    assert (coverage.part_d_plan_name, coverage.part_d_member_id) == ("", "")


@pytest.mark.parametrize("part_d", [{"has_part_d": "on"}, {"part_d_member_id": "RX123"}])
def test_part_d_without_a_plan_name_is_refused(desk, patient, field_text, part_d):
    response = save(desk, patient, {**ADVANTAGE, **part_d, "part_d_plan_name": ""})

    assert "Enter the Part D plan's name." in field_text(response, "id_part_d_plan_name")
    assert not Coverage.objects.filter(patient=patient).exists()


def test_no_medicare_drops_the_medicare_fields_and_does_not_ask_for_them(desk, patient):
    # A junk date in a field that doesn't apply does not hold up the save either.
    response = save(
        desk, patient, {**EVERYTHING, "program": "none", "part_a_effective": "2026-02-30"}
    )

    assert response.status_code == 302
    coverage = Coverage.objects.get(patient=patient)
    assert coverage.program == "none"
    assert (coverage.mbi, coverage.mbi_index) == ("", "")
    assert coverage.part_a_effective is None and coverage.part_b_effective is None
    assert (coverage.ma_plan_name, coverage.medigap_plan, coverage.part_d_plan_name) == ("", "", "")


def test_switching_an_advantage_patient_to_original_medicare_clears_the_plan(desk, patient):
    CoverageFactory(patient=patient, advantage=True)

    save(desk, patient, {**COVERAGE, "program": "original", "ma_plan_name": "Old plan"})

    coverage = Coverage.objects.get(patient=patient)
    assert (coverage.program, coverage.ma_plan_name, coverage.ma_member_id) == ("original", "", "")
    assert coverage.ma_requires_prior_auth is False


def field_html(html: str, name: str) -> str:
    match = re.search(rf'<div id="div_id_{name}".*?</div>', html, re.S)
    assert match, name
    return match.group(0)


def test_required_fields_are_marked_with_an_asterisk_and_aria_required(desk, patient):
    html = desk.get(step_url(patient, "coverage")).content.decode()

    for name in ("mbi", "part_b_effective", "ma_plan_name", "ma_member_id", "part_d_plan_name"):
        block = field_html(html, name)
        assert '<span class="asteriskField">*</span>' in block, name
        assert 'aria-required="true"' in block, name
    for name in ("part_a_effective", "coverage_end", "medigap_plan", "part_d_member_id"):
        assert "asteriskField" not in field_html(html, name), name


def test_the_prior_authorisation_box_is_not_ticked_on_a_new_coverage(desk, patient):
    html = desk.get(step_url(patient, "coverage")).content.decode()

    box = re.search(r'<input type="checkbox" name="ma_requires_prior_auth"[^>]*>', html).group(0)
    assert "checked" not in box


def test_each_group_of_fields_says_which_program_it_is_for(desk, patient):
    html = desk.get(step_url(patient, "coverage")).content.decode()

    assert re.search(r'data-applies-to="original advantage">\s*<div id="div_id_mbi"', html)
    assert re.search(
        r'data-applies-to="advantage">\s*<legend>Medicare Advantage plan</legend>', html
    )
    assert re.search(r'data-applies-to="original">\s*<div id="div_id_medigap_plan"', html)
    assert re.search(r'data-shown-with="id_has_part_d">\s*<div id="div_id_part_d_plan_name"', html)
    assert "js/coverage.js" in html


def test_a_saved_part_d_plan_ticks_the_part_d_box(desk, patient):
    CoverageFactory(patient=patient, part_d_plan_name="Example Rx Basic")

    html = desk.get(step_url(patient, "coverage")).content.decode()

    box = re.search(r'<input type="checkbox" name="has_part_d"[^>]*>', html).group(0)
    assert "checked" in box
