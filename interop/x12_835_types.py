"""What an X12 835 (Health Care Claim Payment/Advice) holds, as plain data.

Names follow the 835 TR3 (005010X221A1; 004010X091A1 reads the same way): loop 1000A payer,
1000B payee, 2100 claim payment (CLP), 2110 service payment (SVC). Amounts are Decimals, as
sent (negative for reversals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class Malformed835(ValueError):
    """The file cannot be read as an 835: names the segment (id and position) and why."""

    def __init__(self, segment_id: str, position: int, reason: str) -> None:
        self.segment_id = segment_id
        self.position = position  # 1-based count of segments from the start of the file
        self.reason = reason
        super().__init__(f"Segment {segment_id or '(none)'} at position {position}: {reason}")


@dataclass(frozen=True, slots=True)
class Party:
    """N1 loop: the payer (1000A, N1*PR) or the payee (1000B, N1*PE)."""

    name: str
    id_qualifier: str  # N103: XV CMS plan ID, XX NPI, FI TIN, PI payer ID, ...
    identifier: str
    address_lines: tuple[str, ...]
    city: str
    state: str
    zip_code: str
    additional_ids: tuple[tuple[str, str], ...]  # REF qualifier, value (REF*TJ = TIN, ...)


@dataclass(frozen=True, slots=True)
class Payment:
    """BPR: the money itself."""

    handling_code: str  # BPR01: C payment+advice, H advice only, I remittance info only, ...
    amount: Decimal  # BPR02 total actual provider payment
    credit_debit: str  # BPR03 C / D
    method: str  # BPR04: ACH, CHK, NON (no payment), BOP, FWT
    date: date | None  # BPR16 check issue or EFT effective date


@dataclass(frozen=True, slots=True)
class Trace:
    """TRN: the check or EFT trace number that reassociates the money with this advice."""

    number: str  # TRN02
    originator: str  # TRN03 payer identifier (1 + EIN)
    supplemental: str  # TRN04


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triplet: group code, CARC, amount, quantity."""

    group: str  # CO, PR, OA, PI (and CR in 4010)
    reason: str  # CARC
    amount: Decimal
    quantity: Decimal | None


@dataclass(frozen=True, slots=True)
class Person:
    """NM1*QC patient (or NM1*IL insured)."""

    last_name: str
    first_name: str
    middle_name: str
    id_qualifier: str  # NM108: MI member ID, MR medical record, 34 SSN (4010), HN, II ...
    identifier: str


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """Loop 2110 SVC with its DTM, CAS, REF, AMT and LQ segments."""

    procedure_qualifier: str  # SVC01-1: HC (HCPCS/CPT), AD, ER, IV, N4, NU, WK, ...
    procedure_code: str
    modifiers: tuple[str, ...]
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    revenue_code: str  # SVC04
    units: Decimal  # SVC05 units paid; the TR3 says an absent SVC05 means 1
    service_date: date | None  # DTM*472
    service_start: date | None  # DTM*150
    service_end: date | None  # DTM*151
    adjustments: tuple[Adjustment, ...]
    remarks: tuple[str, ...]  # RARCs from LQ*HE
    allowed_amount: Decimal | None  # AMT*B6
    line_control_number: str  # REF*6R


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """Loop 2100: one claim's payment (CLP) and what hangs off it."""

    claim_number: str  # CLP01 patient control number (the clinic's claim number)
    status_code: str  # CLP02
    status: str  # CLP02 in words
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    filing_indicator: str  # CLP06: MB Medicare Part B, MA Part A, HM HMO, MC Medicaid, ...
    payer_claim_number: str  # CLP07 payer claim control number (quote it on appeals)
    facility_code: str  # CLP08
    frequency_code: str  # CLP09
    patient: Person | None
    insured: Person | None
    adjustments: tuple[Adjustment, ...]  # claim-level CAS
    remarks: tuple[str, ...]  # RARCs from MOA (outpatient) and MIA (inpatient)
    statement_start: date | None  # DTM*232
    statement_end: date | None  # DTM*233
    received: date | None  # DTM*050
    service_lines: tuple[ServiceLine, ...]


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB reason/amount pair: money taken or given outside any claim."""

    provider_id: str  # PLB01
    fiscal_period_end: date | None  # PLB02
    reason: str  # PLB03-1 (e.g. WO overpayment recovery, L6 interest, CS adjustment)
    reference: str  # PLB03-2
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Remittance:
    """One transaction set (ST…SE): one payment and the claims it pays."""

    control_number: str  # ST02
    version: str  # GS08: 005010X221A1 / 004010X091A1
    payment: Payment
    trace: Trace | None
    production_date: date | None  # DTM*405
    payer: Party
    payee: Party
    claims: tuple[ClaimPayment, ...]
    provider_adjustments: tuple[ProviderAdjustment, ...]
    # 835 TR3 section 1.10.2 balancing, checked and reported, never enforced: an excerpt or a
    # de-identified file does not balance and is still worth reading.
    balance_problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RemittanceFile:
    interchange_control_numbers: tuple[str, ...]  # ISA13 of each interchange in the file
    remittances: tuple[Remittance, ...]
