"""The shared 835 samples are read as the README describes them, quirks included."""

from datetime import date
from decimal import Decimal

from interop.x12_835 import parse_835
from interop.x12_835_types import Adjustment
from tests.interop.conftest import X12_DIR


def _read(name: str):
    return parse_835((X12_DIR / name).read_bytes())


def test_every_shared_x12_file_is_covered_here():
    assert {p.name for p in X12_DIR.glob("*.txt")} == {
        "azoner__835_mult_loops.txt",
        "azoner__835_simple.txt",
        "Inteligenz__ExampleFromNth.txt",
    }


def test_mult_loops_one_denied_claim_balanced():
    (remittance,) = _read("azoner__835_mult_loops.txt").remittances
    assert remittance.version == "005010X221A1"
    assert (remittance.payment.amount, remittance.payment.method) == (Decimal(0), "NON")
    assert remittance.trace.number == "000000000"
    assert (remittance.payer.name, remittance.payee.identifier) == ("PAYER", "444313000")
    (claim,) = remittance.claims
    assert (claim.claim_number, claim.status, claim.charge, claim.paid) == (
        "2005555A",
        "Denied",
        Decimal("915.39"),
        Decimal(0),
    )
    assert claim.payer_claim_number == "4276512332"
    assert (claim.patient.last_name, claim.patient.first_name, claim.patient.identifier) == (
        "BACH",
        "JOHANN",
        "00001612",
    )
    assert [line.adjustments for line in claim.service_lines] == [
        (Adjustment("CO", "16", Decimal("500.04"), None),),
        (Adjustment("OA", "A7", Decimal("127.8"), None),),
        (Adjustment("OA", "A7", Decimal("287.55"), None),),
    ]
    assert {r for line in claim.service_lines for r in line.remarks} == {"N14"}
    first = claim.service_lines[0]
    assert (first.procedure_code, first.units, first.service_start) == (
        "T1005",
        Decimal(68),
        date(2003, 11, 29),
    )
    assert remittance.balance_problems == ()


def test_simple_4010_reversals_cr_group_and_plb_with_its_imbalance_reported():
    (remittance,) = _read("azoner__835_simple.txt").remittances
    assert remittance.version == "004010X091A1"
    assert [c.status_code for c in remittance.claims] == ["22", "1", "22"]
    reversal = remittance.claims[0]
    assert (reversal.status, reversal.charge, reversal.paid) == (
        "Reversal of previous payment",
        Decimal(-310),
        Decimal(-210),
    )
    assert reversal.service_lines[0].adjustments == (Adjustment("CR", "45", Decimal(-100), None),)
    assert remittance.claims[2].service_lines[0].modifiers == ("TG",)
    assert [p.amount for p in remittance.provider_adjustments] == [
        Decimal("-1008.1"),
        Decimal("24.21"),
        Decimal("5.95"),
    ]
    assert remittance.provider_adjustments[0].fiscal_period_end == date(2009, 9, 30)
    # The README: "an excerpt that does not balance" — reported, not refused.
    assert remittance.balance_problems == (
        "The payment (BPR02) is 5950.21, but the claims paid minus provider adjustments "
        "come to 467.69.",
    )


def test_inteligenz_three_interchanges_bom_indentation_and_gt_component_separator():
    result = _read("Inteligenz__ExampleFromNth.txt")
    assert result.interchange_control_numbers == ("000000031", "000000032", "000000033")
    claims = [c for r in result.remittances for c in r.claims]
    assert len(claims) == 56
    assert {c.filing_indicator for c in claims} == {"MC"}
    carcs = {a.reason for c in claims for line in c.service_lines for a in line.adjustments} | {
        a.reason for c in claims for a in c.adjustments
    }
    assert {"45", "24", "23", "204", "16", "165", "29", "59"} <= carcs
    # ">" splits SVC01; the de-identification turned some HC qualifiers into XX, kept as sent.
    line = claims[0].service_lines[0]
    assert (line.procedure_qualifier, line.procedure_code) == ("XX", "99999")
    assert claims[0].service_lines[1].procedure_code == "90716"
    # Digits became 9s, so amounts cannot balance; every remittance says so.
    assert all(r.balance_problems for r in result.remittances)


def test_a_built_clean_835_balances_and_maps_every_field():
    from tests.interop.x12_samples import text

    (remittance,) = parse_835(text()).remittances
    (claim,) = remittance.claims
    (line,) = claim.service_lines
    assert (line.procedure_code, line.modifiers, line.service_date) == (
        "G2083",
        ("KX",),
        date(2025, 2, 10),
    )
    assert line.allowed_amount == Decimal(200)
    assert (claim.patient_responsibility, claim.remarks, line.remarks) == (
        Decimal(50),
        ("MA01",),
        ("N115",),
    )
    assert claim.patient.identifier == "1EG4TE5MK73"
    assert remittance.payee.additional_ids == (("TJ", "123456789"),)
    assert remittance.payment.date == date(2025, 3, 5)
    assert remittance.balance_problems == ()
