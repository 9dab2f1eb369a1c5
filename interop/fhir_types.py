"""What a FHIR intake import yields: plain data for the intake models, and what was left out.

Each parsed resource lands in exactly one of FhirImport.items, .skipped or .errors. Messages in
`reason` and `notes` are written for front-desk and clinical staff, not for FHIR experts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

Sex = Literal["F", "M", "U"]  # intake.choices.Sex values
# intake.choices.Program plus Part D (which intake keeps as plan fields on Coverage) and a
# Medicare coverage whose program the file does not say.
MedicareProgram = Literal["original", "advantage", "part_d", "medicare_unknown"]
Instrument = Literal["phq9", "madrs", "gad7"]  # intake.choices.Instrument values we read
TrialKind = Literal["antidepressant", "augmentation"]
OrganizationKind = Literal["provider", "payer", "other"]


class NotFhir(ValueError):
    """The file is not FHIR JSON at all (not JSON, or JSON without a FHIR resource)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class AddressData:
    line1: str
    line2: str
    city: str
    state: str
    zip_code: str


@dataclass(frozen=True, slots=True)
class PatientData:
    first_name: str
    middle_name: str
    last_name: str
    birth_date: date
    sex: Sex
    address: AddressData | None
    phone: str
    mbi: str  # normalised (intake.validators.normalize_mbi); "" when the file has none
    preferred_language: str  # BCP-47 code as sent ("es"), "" when not stated
    preferred_language_display: str
    interpreter_needed: bool | None


@dataclass(frozen=True, slots=True)
class CoverageData:
    program: MedicareProgram
    program_basis: tuple[str, ...]  # what in the file the program guess rests on
    status: str
    mbi: str
    member_id: str  # the plan's member ID (Medicare Advantage, Part D); "" for Original
    plan_name: str
    payer_name: str
    start: date | None
    end: date | None
    beneficiary: str  # the reference as sent ("Patient/example"), to link in the wiring


@dataclass(frozen=True, slots=True)
class DiagnosisData:
    code: str  # normalised ICD-10-CM, billable
    description: str  # the sender's display text, else the bundled ICD-10-CM description
    onset_date: date | None
    clinical_status: str  # active / recurrence / relapse / inactive / remission / resolved / ""
    category: str  # problem-list-item / encounter-diagnosis / health-concern / ""


@dataclass(frozen=True, slots=True)
class TrialData:
    """A prior medication trial (intake.models.TreatmentTrial)."""

    kind: TrialKind
    drug_name: str
    drug_class: str  # intake.choices.DrugClass value
    dose: str  # as the sender wrote it ("150 mg daily"), or built from the dose quantity
    dose_mg: Decimal | None  # per day, only when the file says mg and how often
    start_date: date | None
    end_date: date | None
    status: str  # the FHIR status (active / completed / stopped / ...)
    rxnorm: str


@dataclass(frozen=True, slots=True)
class ScoreData:
    instrument: Instrument
    score: int
    administered_on: date
    loinc: str


@dataclass(frozen=True, slots=True)
class BloodPressureData:
    systolic: int
    diastolic: int
    taken_on: date


@dataclass(frozen=True, slots=True)
class PractitionerData:
    first_name: str
    last_name: str
    credentials: str
    npi: str
    address: AddressData | None
    phone: str


@dataclass(frozen=True, slots=True)
class OrganizationData:
    name: str
    kind: OrganizationKind
    npi: str  # "" when none
    naic: str  # payer's NAIC company code, "" when none
    tin: str
    address: AddressData | None
    phone: str


IntakeData = (
    PatientData
    | CoverageData
    | DiagnosisData
    | TrialData
    | ScoreData
    | BloodPressureData
    | PractitionerData
    | OrganizationData
)


@dataclass(frozen=True, slots=True)
class ParsedResource:
    resource_type: str
    resource_id: str
    data: IntakeData
    notes: tuple[str, ...] = ()  # what staff should check (e.g. a value sent as text)


@dataclass(frozen=True, slots=True)
class SkippedResource:
    resource_type: str
    resource_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RejectedResource:
    resource_type: str
    resource_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class FhirImport:
    items: tuple[ParsedResource, ...]
    skipped: tuple[SkippedResource, ...]
    errors: tuple[RejectedResource, ...]
