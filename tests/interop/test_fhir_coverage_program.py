"""Coverage: which Medicare program, and what the guess rests on."""

import pytest

from interop.fhir_intake import parse_fhir
from tests.interop.fhir_builders import coverage, one

SOPT = "https://nahdo.org/sopt"


def _typed(code: str) -> dict:
    return {"coding": [{"system": SOPT, "code": code}]}


@pytest.mark.parametrize(
    ("code", "program"),
    [
        ("111", "advantage"),
        ("11", "advantage"),
        ("121", "original"),
        ("122", "part_d"),
        ("1", "medicare_unknown"),
    ],
)
def test_payment_typology_code_decides_the_program(code, program):
    (item,) = one(coverage(type=_typed(code), subscriberId="1EG4TE5MK73")).items
    assert item.data.program == program
    assert item.data.program_basis[0].startswith(f"payment typology {code}")


def test_original_medicare_subscriber_id_is_the_mbi_and_is_checked():
    (item,) = one(coverage(type=_typed("121"), subscriberId="1EG4-TE5-MK73")).items
    assert (item.data.mbi, item.data.member_id) == ("1EG4TE5MK73", "")
    result = one(coverage(type=_typed("121"), subscriberId="123456789A"))
    assert result.errors[0].reason.startswith("Invalid Medicare number (MBI)")


def test_part_d_plan_name_is_recognised_from_words():
    cov = coverage(
        **{
            "class": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/coverage-class",
                                "code": "plan",
                            }
                        ]
                    },
                    "value": "S1234",
                    "name": "Medicare Part D PDP Basic",
                }
            ]
        }
    )
    (item,) = one(cov).items
    assert item.data.program == "part_d"
    assert item.data.program_basis == ("plan name “Medicare Part D PDP Basic”",)


def test_payer_name_comes_from_the_bundled_organization():
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "Organization",
                    "id": "payer",
                    "name": "Noridian Medicare Part B",
                }
            },
            {"resource": coverage()},
        ],
    }
    items = {i.resource_type: i for i in parse_fhir(bundle).items}
    assert items["Coverage"].data.payer_name == "Noridian Medicare Part B"
    assert items["Coverage"].data.program == "original"


def test_medicare_without_a_program_word_is_kept_but_flagged():
    (item,) = one(coverage(payor=[{"display": "Medicare"}])).items
    assert item.data.program == "medicare_unknown"
    assert "ask the patient" in item.notes[0]


def test_commercial_ppo_is_not_taken_for_medicare_advantage():
    result = one(coverage(type={"text": "PPO"}, payor=[{"display": "Acme Health Plan"}]))
    assert result.skipped[0].reason.startswith("Not Medicare coverage")


def test_cancelled_coverage_is_skipped():
    result = one(coverage(status="cancelled", type=_typed("121")))
    assert result.skipped[0].reason == "The coverage is marked cancelled."
