"""Drafts of the 835 loops while their segments are read; build() freezes each into data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .x12_835_types import Adjustment, ClaimPayment, Malformed835, Party, Person, ServiceLine
from .x12_segments import Segment
from .x12_values import amount, optional_amount, required, units

# CLP02 claim status codes (835 TR3, element 1029).
CLAIM_STATUS = {
    "1": "Processed as primary",
    "2": "Processed as secondary",
    "3": "Processed as tertiary",
    "4": "Denied",
    "19": "Processed as primary, forwarded to additional payer(s)",
    "20": "Processed as secondary, forwarded to additional payer(s)",
    "21": "Processed as tertiary, forwarded to additional payer(s)",
    "22": "Reversal of previous payment",
    "23": "Not our claim, forwarded to additional payer(s)",
    "25": "Predetermination pricing only - no payment",
}


@dataclass
class PartyDraft:
    name: str
    id_qualifier: str
    identifier: str
    address_lines: list[str] = field(default_factory=list)
    city: str = ""
    state: str = ""
    zip_code: str = ""
    additional_ids: list[tuple[str, str]] = field(default_factory=list)

    def build(self) -> Party:
        return Party(
            name=self.name,
            id_qualifier=self.id_qualifier,
            identifier=self.identifier,
            address_lines=tuple(self.address_lines),
            city=self.city,
            state=self.state,
            zip_code=self.zip_code,
            additional_ids=tuple(self.additional_ids),
        )


@dataclass
class LineDraft:
    svc: Segment
    dates: dict[str, date | None] = field(default_factory=dict)
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    allowed: Decimal | None = None
    control_number: str = ""

    def build(self) -> ServiceLine:
        svc = self.svc
        composite = svc.components(1)
        if len(composite) < 2 or not composite[0] or not composite[1]:
            raise Malformed835(
                "SVC", svc.position, "SVC01 needs a code qualifier and a procedure code."
            )
        return ServiceLine(
            procedure_qualifier=composite[0],
            procedure_code=composite[1],
            modifiers=tuple(m for m in composite[2:6] if m),
            charge=amount(svc, 2, "line charge"),
            paid=amount(svc, 3, "line payment"),
            revenue_code=svc.value(4),
            units=units(svc),
            service_date=self.dates.get("472"),
            service_start=self.dates.get("150"),
            service_end=self.dates.get("151"),
            adjustments=tuple(self.adjustments),
            remarks=tuple(self.remarks),
            allowed_amount=self.allowed,
            line_control_number=self.control_number,
        )


@dataclass
class ClaimDraft:
    clp: Segment
    patient: Person | None = None
    insured: Person | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    dates: dict[str, date | None] = field(default_factory=dict)
    lines: list[LineDraft] = field(default_factory=list)

    def build(self) -> ClaimPayment:
        clp = self.clp
        status_code = required(clp, 2, "claim status")
        return ClaimPayment(
            claim_number=required(clp, 1, "patient control number"),
            status_code=status_code,
            status=CLAIM_STATUS.get(status_code, f"Status code {status_code}"),
            charge=amount(clp, 3, "claim charge"),
            paid=amount(clp, 4, "claim payment"),
            patient_responsibility=optional_amount(clp, 5, "patient responsibility"),
            filing_indicator=clp.value(6),
            payer_claim_number=clp.value(7),
            facility_code=clp.value(8),
            frequency_code=clp.value(9),
            patient=self.patient,
            insured=self.insured,
            adjustments=tuple(self.adjustments),
            remarks=tuple(dict.fromkeys(self.remarks)),
            statement_start=self.dates.get("232"),
            statement_end=self.dates.get("233"),
            received=self.dates.get("050"),
            service_lines=tuple(line.build() for line in self.lines),
        )


def person(nm1: Segment) -> Person:
    return Person(
        last_name=nm1.value(3),
        first_name=nm1.value(4),
        middle_name=nm1.value(5),
        id_qualifier=nm1.value(8),
        identifier=nm1.value(9),
    )
