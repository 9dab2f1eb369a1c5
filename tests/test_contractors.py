"""The patient's Medicare contractor is data: the MAC of the clinic's state, and its offices.

coverage/data/contractors.json maps each state to its Part A/B MAC jurisdiction
(shared/reference/medicare.md §G), with the redetermination office, the QIC default, OMHA
central docketing and the Council; the engine cites only that contractor's articles, so a
New York clinic's letters no longer cite First Coast's article A59250 (JN only).
"""

import json
from dataclasses import replace
from datetime import date

import pytest

from coverage.contractors import (
    DATA_FILE,
    ContractorDataError,
    contractor_for_state,
    council_office,
    directory_from_document,
    omha_office,
)
from coverage.engine import SourceKind, Status, assess
from intake.choices import Product
from tests.factories import ClinicFactory, PatientFactory, complete_intake
from tests.test_coverage_scenarios import ON, POLICIES, build

STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "PR",
    "VI",
    "GU",
    "AS",
    "MP",
]


@pytest.mark.parametrize(
    ("state", "jurisdiction", "name"),
    [
        ("NY", "JK", "National Government Services, Inc."),
        ("FL", "JN", "First Coast Service Options, Inc."),
        ("oh", "J15", "CGS Administrators, LLC"),
        ("TX", "JH", "Novitas Solutions, Inc."),
        ("CA", "JE", "Noridian Healthcare Solutions"),
    ],
)
def test_the_clinic_state_picks_its_mac(state, jurisdiction, name) -> None:
    mac = contractor_for_state(state, ON)
    assert (mac.jurisdiction, mac.name) == (jurisdiction, name)


def test_every_state_and_territory_has_exactly_one_mac() -> None:
    for state in STATES:
        mac = contractor_for_state(state, ON)
        assert mac is not None, state
    assert contractor_for_state("AE", ON) is None  # military mail: no jurisdiction
    assert contractor_for_state("", ON) is None


def test_dates_before_the_assignments_on_file_have_no_contractor() -> None:
    assert contractor_for_state("NY", date(2023, 12, 31)) is None
    assert contractor_for_state("NY", date(2024, 1, 1)).jurisdiction == "JK"


def test_offices_carry_addresses_citations_and_verify_notes() -> None:
    jk = contractor_for_state("NY", ON)
    assert jk.redetermination.address_lines == ("P.O. Box 7111", "Indianapolis, IN 46207-7111")
    assert "405.960" in jk.qic.citation
    assert jk.qic.verify and "redetermination decision letter" in jk.qic.verify_note
    assert omha_office().address_lines[-1] == "Cleveland, OH 44114-1158"
    assert "405.1014" in omha_office().citation
    assert council_office().address_lines[-1] == "Washington, DC 20201"
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    offices = [document["omha"], document["council"]]
    for entry in document["jurisdictions"]:
        assert entry["citation"] and entry["effective_from"]
        offices += [entry["redetermination"], entry["qic"]]
        for article in entry["articles"]:
            assert article["citation"] and (article["verify_note"] or not article["verify"])
    assert all(o["citation"] and (o["verify_note"] or not o["verify"]) for o in offices)


def test_only_first_coast_has_the_esketamine_article_and_only_on_its_dates() -> None:
    jn = contractor_for_state("FL", ON)
    assert [a.id for a in jn.articles_on(ON)] == ["A59250"]
    assert jn.articles_on(date(2019, 3, 4)) == ()
    assert contractor_for_state("NY", ON).articles_on(ON) == ()


def test_a_state_in_two_jurisdictions_at_once_is_refused() -> None:
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    document["jurisdictions"][0]["states"].append("NY")
    with pytest.raises(ContractorDataError, match="NY also in"):
        directory_from_document(document)


# --- The engine cites only the patient's own contractor -----------------------------------


def facts_in(state: str, **overrides):
    return replace(build(**overrides), contractor=contractor_for_state(state, ON).facts(ON))


def test_esketamine_for_ptsd_in_florida_is_denied_on_first_coasts_article() -> None:
    result = assess(facts_in("FL", indication="ptsd", diagnoses=("F43.10",)), POLICIES, ON)
    rule = result.criterion("coverage.rule")
    assert (rule.status, rule.source_kind) == (Status.UNMET, SourceKind.CONTRACTOR)
    assert "A59250" in rule.citation
    assert result.contractor == "JN First Coast Service Options, Inc."


def test_esketamine_for_ptsd_in_new_york_is_denied_on_the_statute_not_first_coast() -> None:
    result = assess(facts_in("NY", indication="ptsd", diagnoses=("F43.10",)), POLICIES, ON)
    rule = result.criterion("coverage.rule")
    assert (rule.status, rule.source_kind) == (Status.UNMET, SourceKind.REGULATION)
    assert "1862(a)(1)(A)" in rule.citation
    assert not any("First Coast" in c or "A59250" in c for c in result.citations)


def test_kx_is_suggested_only_where_the_contractor_asks_for_it() -> None:
    ohio = assess(facts_in("OH"), POLICIES, ON)
    new_york = assess(facts_in("NY"), POLICIES, ON)
    unknown = assess(build(), POLICIES, ON)

    (kx,) = [m for m in ohio.modifiers if m.code == "KX"]
    assert "CGS" in kx.reason
    assert "KX" not in [m.code for m in new_york.modifiers]
    assert "VERIFY" in next(m.reason for m in unknown.modifiers if m.code == "KX")


@pytest.mark.django_db
def test_a_new_york_clinics_assessment_never_cites_first_coast(client_for, billing) -> None:
    from coverage.assessments import current_assessment

    new_york = ClinicFactory(state="NY", staff=[billing])
    florida = ClinicFactory(state="FL", city="Tampa", zip_code="33602", staff=[billing])
    ny_patient = complete_intake(PatientFactory(clinic=new_york), product=Product.ESKETAMINE)
    fl_patient = complete_intake(PatientFactory(clinic=florida), product=Product.ESKETAMINE)

    ny, fl = current_assessment(ny_patient).result, current_assessment(fl_patient).result

    assert ny["contractor"] == "JK National Government Services, Inc."
    assert not any("First Coast" in c for c in ny["citations"])
    assert fl["contractor"] == "JN First Coast Service Options, Inc."
    assert any("A59250" in c for c in fl["citations"])
