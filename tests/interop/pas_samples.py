"""A complete PAS request for an esketamine course, as the later wiring would build it."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from interop.pas_types import (
    PasAddress,
    PasCoverage,
    PasDiagnosis,
    PasInsurer,
    PasLetter,
    PasPatient,
    PasPractitioner,
    PasRequest,
    PasRequestor,
    PasServiceItem,
)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

REQUEST = PasRequest(
    request_id="PA-2025-0001",
    identifier_system="https://lakeside.example/prior-auth",
    created=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
    patient=PasPatient(
        first_name="Ana",
        last_name="Rivera",
        birth_date=date(1950, 4, 2),
        sex="F",
        mbi="1EG4-TE5-MK73",
        middle_name="L",
        address=PasAddress("1 Main St", "Albany", "NY", "12207"),
    ),
    coverage=PasCoverage("advantage", member_id="H1234-5678", plan_name="Example MA HMO"),
    insurer=PasInsurer("Example Health Plan", payer_id="12345"),
    requestor=PasRequestor(
        "Lakeside Ketamine Clinic",
        "1234567893",
        PasAddress("2 Lake Rd", "Albany", "NY", "12207"),
        tin="123456789",
    ),
    practitioner=PasPractitioner("Celia", "Marsh", "1245319599", "MD"),
    diagnoses=(
        PasDiagnosis("F32.9"),
        PasDiagnosis("F33.2", primary=True, recorded_on=date(2024, 12, 1)),
    ),
    items=(
        PasServiceItem("G2083", Decimal(8), date(2025, 3, 10), date(2025, 4, 30), ("KX",)),
        PasServiceItem("96365", Decimal(1), date(2025, 3, 10)),
    ),
    letter=PasLetter(PDF, "Letter of medical necessity", datetime(2025, 3, 1, 9, tzinfo=UTC)),
)


def request(**changes) -> PasRequest:
    return replace(REQUEST, **changes)
