"""What a Da Vinci PAS prior-authorization request is built from: plain data, no ORM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal


class PasBuildError(ValueError):
    """The request cannot be built; `problems` says what to fix, in staff words."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


@dataclass(frozen=True, slots=True)
class PasAddress:
    line1: str
    city: str
    state: str
    zip_code: str
    line2: str = ""


@dataclass(frozen=True, slots=True)
class PasPatient:
    first_name: str
    last_name: str
    birth_date: date
    sex: Literal["F", "M", "U"]
    mbi: str
    middle_name: str = ""
    address: PasAddress | None = None


@dataclass(frozen=True, slots=True)
class PasCoverage:
    program: Literal["original", "advantage"]
    member_id: str = ""  # the plan's member ID (Medicare Advantage); Original uses the MBI
    plan_name: str = ""


@dataclass(frozen=True, slots=True)
class PasInsurer:
    name: str
    payer_id: str = ""  # the payer ID the plan publishes for electronic transactions


@dataclass(frozen=True, slots=True)
class PasRequestor:
    """The clinic asking for the authorisation (PAS Requestor organization)."""

    name: str
    npi: str
    address: PasAddress
    tin: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class PasPractitioner:
    first_name: str
    last_name: str
    npi: str
    credentials: str = ""


@dataclass(frozen=True, slots=True)
class PasDiagnosis:
    code: str  # ICD-10-CM
    primary: bool = False
    recorded_on: date | None = None


@dataclass(frozen=True, slots=True)
class PasServiceItem:
    code: str  # HCPCS Level II (G2083) or CPT (96365)
    units: Decimal
    start: date
    end: date | None = None  # a series of sessions: the last planned date
    modifiers: tuple[str, ...] = ()
    place_of_service: str = "11"  # CMS place of service code; 11 = office


@dataclass(frozen=True, slots=True)
class PasLetter:
    """The signed Letter of Medical Necessity, sent inline (PAS forbids a URL)."""

    pdf: bytes
    title: str
    created: datetime


@dataclass(frozen=True, slots=True)
class PasRequest:
    request_id: str  # the clinic's own trace number for this request; also seeds the ids
    identifier_system: str  # a URI the clinic owns, e.g. "urn:oid:…" or "https://clinic…/pa"
    created: datetime  # timezone-aware
    patient: PasPatient
    coverage: PasCoverage
    insurer: PasInsurer
    requestor: PasRequestor
    practitioner: PasPractitioner
    diagnoses: tuple[PasDiagnosis, ...]
    items: tuple[PasServiceItem, ...]
    letter: PasLetter | None = None
