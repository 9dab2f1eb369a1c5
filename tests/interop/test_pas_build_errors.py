"""Bad input to the PAS builder is refused with every problem listed in staff words."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from interop.pas import build_pas_bundle
from interop.pas_types import PasBuildError, PasServiceItem
from tests.interop.pas_samples import REQUEST, request


def _problems(req) -> tuple[str, ...]:
    with pytest.raises(PasBuildError) as caught:
        build_pas_bundle(req)
    return caught.value.problems


def test_every_problem_is_listed_at_once():
    problems = _problems(
        request(
            patient=replace(REQUEST.patient, mbi="1SG4TE5MK73"),
            practitioner=replace(REQUEST.practitioner, npi="1234567890"),
            diagnoses=(),
            items=(),
        )
    )
    assert problems == (
        "Patient's Medicare number: MBI letters can't be S, L, O, I, B or Z (found S). "
        "Check for 0/O and 1/I.",
        "Practitioner NPI: This NPI fails its check digit; look for a mistyped digit.",
        "Add at least one diagnosis.",
        "Add at least one requested service.",
    )


def test_category_diagnosis_and_bad_service_code_are_refused():
    problems = _problems(
        request(
            diagnoses=(replace(REQUEST.diagnoses[0], code="F33"),),
            items=(PasServiceItem("KETAMINE", Decimal(1), date(2025, 3, 1)),),
        )
    )
    assert problems[0].startswith("Diagnosis F33: F33 is a category, not a billable code")
    assert problems[1].startswith("Service KETAMINE: “KETAMINE” is not a HCPCS or CPT code")


def test_units_and_dates_must_make_sense():
    item = PasServiceItem("G2083", Decimal(0), date(2025, 3, 10), date(2025, 3, 1))
    assert _problems(request(items=(item,))) == (
        "Service G2083: the number of units must be above zero.",
        "Service G2083: the last date is before the first.",
    )


def test_letter_must_be_a_pdf_and_time_must_be_aware():
    problems = _problems(
        request(
            letter=replace(REQUEST.letter, pdf=b"<html>"),
            created=datetime(2025, 3, 1, 9, 30),
        )
    )
    assert problems == (
        "The request time needs a time zone.",
        "The letter of medical necessity must be a PDF.",
    )


def test_advantage_needs_the_plan_member_id():
    problems = _problems(request(coverage=replace(REQUEST.coverage, member_id="")))
    assert problems == ("Enter the Medicare Advantage plan's member ID.",)
