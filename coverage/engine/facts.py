"""Inputs of the coverage engine: intake facts and reviewed coverage policies.

Plain frozen dataclasses, no Django. The facts mirror intake.models field by field so the
ORM adapter is a straight copy; the policies mirror coverage/data/coverage_policies.json.
The only I/O here is load_default_policies(), which reads that file once.
"""

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

Product = Literal["iv_ketamine", "esketamine"]
Indication = Literal["trd", "mdd_si", "ptsd", "crps", "neuropathic_pain"]
Program = Literal["original", "advantage", "none"]
PolicyProgram = Literal["original", "advantage", "part_d"]
FdaStatus = Literal["on_label", "off_label"]
CoveragePath = Literal[
    "label_rems", "off_label_medically_accepted", "prior_auth", "part_d_pharmacy"
]
TrialKind = Literal["antidepressant", "augmentation", "psychotherapy", "ect", "tms"]
Adherence = Literal["good", "partial", "poor", "unknown"]
Outcome = Literal["no_response", "partial_response", "intolerance", "response", "unknown"]
MedicaidDual = Literal["none", "qmb", "full", "partial"]
Exclusion = Literal["psychosis", "substance_use_disorder"]

# intake.choices.Instrument values; a policy threshold on anything else is a typo.
INSTRUMENTS = ("phq9", "madrs", "gad7", "pcl5", "pain_nrs")

# Keys a policy may cite in criteria_citations, one per criterion family it can switch on.
CITATION_KEYS = (
    "age",
    "diagnosis",
    "supporting_diagnosis",
    "severity",
    "failed_trials",
    "trial_length",
    "distinct_classes",
    "augmentation",
    "psychotherapy",
    "exclusions",
    "oral_antidepressant",
    "medically_accepted",
)

# The kinds of source a criterion may rest on (findings.SourceKind; reference medicare.md §G).
SOURCE_KINDS = ("regulation", "label", "contractor", "payer_practice")

DEFAULT_POLICY_FILE = Path(__file__).resolve().parents[1] / "data" / "coverage_policies.json"


# --- Intake facts ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Diagnosis:
    code: str
    is_primary: bool = False


@dataclass(frozen=True, kw_only=True)
class Score:
    instrument: str
    score: int
    administered_on: date


@dataclass(frozen=True, kw_only=True)
class Trial:
    """One prior treatment (intake.TreatmentTrial; `drug` is its drug_name, `weeks` its .weeks)."""

    kind: TrialKind
    drug: str
    drug_class: str = ""
    dose: str = ""
    dose_mg: float | None = None
    weeks: float | None = None
    adherence: Adherence = "unknown"
    outcome: Outcome = "unknown"
    adequate_dose: bool | None = None
    current_episode: bool = True


@dataclass(frozen=True, kw_only=True)
class Screening:
    psychosis_history: bool | None = None
    uncontrolled_hypertension: bool | None = None
    bp_systolic: int | None = None
    bp_diastolic: int | None = None
    bp_taken_on: date | None = None
    pregnant: bool | None = None
    active_substance_use_disorder: bool | None = None
    cardiovascular_disease: bool | None = None
    aneurysmal_vascular_disease: bool | None = None
    intracerebral_hemorrhage: bool | None = None
    ketamine_hypersensitivity: bool | None = None


@dataclass(frozen=True, kw_only=True)
class CoverageFacts:
    """intake.Coverage reduced to what the rules need (active_on_request_date = .active_on())."""

    program: Program
    active_on_request_date: bool
    ma_requires_prior_auth: bool = True
    has_part_d: bool = False
    medicaid_dual: MedicaidDual = "none"


@dataclass(frozen=True, kw_only=True)
class ContractorArticle:
    """An LCD, billing article or billing instruction of one Medicare contractor.

    `topics` says what the engine may use it for: "labelled_indications_only" (the
    contractor pays the product only for its FDA-labelled indications) and "kx_for_rems"
    (the contractor asks for modifier KX to attest REMS enrolment).
    """

    id: str
    title: str
    citation: str
    products: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    verify: bool = False


@dataclass(frozen=True, kw_only=True)
class ContractorFacts:
    """The patient's Part A/B MAC on the date (coverage.contractors.contractor_for_state)."""

    jurisdiction: str
    name: str
    articles: tuple[ContractorArticle, ...] = ()

    def articles_about(self, product: str, topic: str) -> tuple[ContractorArticle, ...]:
        return tuple(a for a in self.articles if product in a.products and topic in a.topics)


@dataclass(frozen=True, kw_only=True)
class RequestFacts:
    """intake.TreatmentRequest plus the clinic's REMS certification (Clinic.rems_certified).

    `inpatient`: given during an inpatient stay, where the SPRAVATO REMS asks neither patient
    enrolment nor the Patient Monitoring Form (intake records outpatient clinics: False).
    """

    product: Product
    indication: Indication
    with_oral_antidepressant: bool | None = None
    patient_rems_enrolled: bool | None = None
    site_rems_certified: bool = False
    dose_mg: int | None = None
    planned_sessions: int = 1
    codes: tuple[str, ...] = ()
    requested_start: date
    inpatient: bool = False


@dataclass(frozen=True, kw_only=True)
class IntakeFacts:
    request: RequestFacts
    age: int | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    scores: tuple[Score, ...] = ()
    trials: tuple[Trial, ...] = ()
    screening: Screening | None = None
    coverage: CoverageFacts | None = None
    contractor: ContractorFacts | None = None


# --- Policies -------------------------------------------------------------------------


class PolicyError(ValueError):
    """A policy record that cannot be used; the message names the policy and field."""


@dataclass(frozen=True, kw_only=True)
class Policy:
    """One reviewed coverage rule: who pays for which product and indication, on what terms."""

    key: str
    version: int
    title: str
    product: Product
    indication: Indication
    program: PolicyProgram
    fda_status: FdaStatus
    coverage_path: CoveragePath
    effective_from: date
    effective_to: date | None = None
    min_age: int | None = 18
    min_failed_trials: int = 0
    min_weeks_per_trial: float = 0
    min_distinct_classes: int = 0
    count_intolerance_as_failure: bool = False
    require_psychotherapy: bool = False
    require_augmentation: bool = False
    severity: tuple[tuple[str, int], ...] = ()
    diagnosis_prefixes: tuple[str, ...] = ()
    excluded_diagnosis_prefixes: tuple[str, ...] = ()
    supporting_diagnosis_prefixes: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    requires_oral_antidepressant: bool = False
    max_initial_sessions: int | None = None
    medically_accepted: bool | None = True
    medically_accepted_basis: str = ""
    codes: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    criteria_citations: tuple[tuple[str, str], ...] = ()
    # Criterion family -> SOURCE_KINDS; a family not listed rests on typical payer practice.
    criteria_sources: tuple[tuple[str, str], ...] = ()
    verify: bool = False
    verify_note: str = ""

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def citation_for(self, criterion: str) -> str:
        for key, text in self.criteria_citations:
            if key == criterion and text:
                return text
        return next((c for c in self.citations if c), f"Coverage rule {self.key or '(unnamed)'}")

    def source_for(self, criterion: str) -> str:
        """The kind of source behind one criterion family; undeclared means payer practice,
        so a rule can only deny where its data names a source that can."""
        for key, kind in self.criteria_sources:
            if key == criterion and kind in SOURCE_KINDS:
                return kind
        return "payer_practice"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form policy_from_dict() reads back."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif f.name in ("severity", "criteria_citations", "criteria_sources"):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


_LITERALS: dict[str, tuple[str, ...]] = {
    "product": get_args(Product),
    "indication": get_args(Indication),
    "program": get_args(PolicyProgram),
    "fda_status": get_args(FdaStatus),
    "coverage_path": get_args(CoveragePath),
}
_BOOLS = (
    "count_intolerance_as_failure",
    "require_psychotherapy",
    "require_augmentation",
    "requires_oral_antidepressant",
    "verify",
)
_STR_LISTS = (
    "diagnosis_prefixes",
    "excluded_diagnosis_prefixes",
    "supporting_diagnosis_prefixes",
    "codes",
    "citations",
)
_REQUIRED = ("key", "version", "title", *_LITERALS, "effective_from", "citations")
_Fail = Callable[[str, str], PolicyError]


def policy_from_dict(d: Mapping[str, Any]) -> Policy:
    """Build a Policy from its JSON form, refusing anything an admin could mistype."""
    key = str(d.get("key") or "(policy without a key)")

    def fail(field: str, message: str) -> PolicyError:
        return PolicyError(f"{key}.{field}: {message}")

    unknown = sorted(set(d) - {f.name for f in fields(Policy)})
    if unknown:
        raise fail(unknown[0], "is not a policy field")
    for name in _REQUIRED:
        if d.get(name) in (None, "", []):
            raise fail(name, "is required")
    values: dict[str, Any] = {}
    for name, allowed in _LITERALS.items():
        if d[name] not in allowed:
            raise fail(name, f"must be one of {', '.join(allowed)}")
        values[name] = d[name]
    for name in ("key", "title", "medically_accepted_basis", "verify_note"):
        if not isinstance(d.get(name, ""), str):
            raise fail(name, "must be text")
        values[name] = d.get(name, "")
    for name in _BOOLS:
        if name in d and not isinstance(d[name], bool):
            raise fail(name, "must be true or false")
    values.update({name: d[name] for name in _BOOLS if name in d})
    if "medically_accepted" in d and d["medically_accepted"] not in (True, False, None):
        raise fail("medically_accepted", "must be true, false or null")
    if "medically_accepted" in d:
        values["medically_accepted"] = d["medically_accepted"]
    for name in ("version", "min_age", "min_failed_trials", "min_distinct_classes"):
        if name in d:
            values[name] = _int(d[name], fail, name, nullable=name == "min_age")
    if "max_initial_sessions" in d:
        values["max_initial_sessions"] = _int(
            d["max_initial_sessions"], fail, "max_initial_sessions", nullable=True
        )
    if values["version"] < 1:
        raise fail("version", "must be >= 1")
    weeks = d.get("min_weeks_per_trial", 0)
    if isinstance(weeks, bool) or not isinstance(weeks, int | float) or weeks < 0:
        raise fail("min_weeks_per_trial", "must be a number >= 0")
    values["min_weeks_per_trial"] = float(weeks)
    for name in _STR_LISTS:
        items = d.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise fail(name, "must be a list of non-empty strings")
        values[name] = tuple(i.upper() if name != "citations" else i for i in items)
    exclusions = d.get("exclusions", [])
    allowed_exclusions = get_args(Exclusion)
    if not isinstance(exclusions, list) or any(e not in allowed_exclusions for e in exclusions):
        raise fail("exclusions", f"must list only {', '.join(allowed_exclusions)}")
    values["exclusions"] = tuple(exclusions)
    values["severity"] = _severity(d.get("severity", {}), fail)
    values["criteria_citations"] = _criteria_citations(d.get("criteria_citations", {}), fail)
    values["criteria_sources"] = _criteria_sources(d.get("criteria_sources", {}), fail)
    values["effective_from"] = _date(d["effective_from"], fail, "effective_from")
    values["effective_to"] = (
        _date(d["effective_to"], fail, "effective_to") if d.get("effective_to") else None
    )
    if values["effective_to"] and values["effective_to"] < values["effective_from"]:
        raise fail("effective_to", "is before effective_from")
    return Policy(**values)


def _int(value: Any, fail: _Fail, name: str, *, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail(name, "must be a whole number >= 0")
    return value


def _date(value: Any, fail: _Fail, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise fail(name, "must be a date (YYYY-MM-DD)") from None


def _severity(value: Any, fail: _Fail) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, dict):
        raise fail("severity", "must map an instrument to a minimum score")
    for instrument, threshold in value.items():
        if instrument not in INSTRUMENTS:
            raise fail(
                f"severity.{instrument}", f"instrument must be one of {', '.join(INSTRUMENTS)}"
            )
        _int(threshold, fail, f"severity.{instrument}")
    return tuple(sorted(value.items()))


def _criteria_citations(value: Any, fail: _Fail) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise fail("criteria_citations", "must map a criterion to its citation")
    for name, text in value.items():
        if name not in CITATION_KEYS:
            raise fail(f"criteria_citations.{name}", f"must be one of {', '.join(CITATION_KEYS)}")
        if not isinstance(text, str) or not text:
            raise fail(f"criteria_citations.{name}", "must be a non-empty citation")
    return tuple(sorted(value.items()))


def _criteria_sources(value: Any, fail: _Fail) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise fail("criteria_sources", "must map a criterion to the kind of source behind it")
    for name, kind in value.items():
        if name not in CITATION_KEYS:
            raise fail(f"criteria_sources.{name}", f"must be one of {', '.join(CITATION_KEYS)}")
        if kind not in SOURCE_KINDS:
            raise fail(f"criteria_sources.{name}", f"must be one of {', '.join(SOURCE_KINDS)}")
    return tuple(sorted(value.items()))


def check_policies(policies: Iterable[Policy]) -> None:
    """Refuse two versions of one rule, or two rules in force for the same case on one day."""
    seen: dict[tuple[str, int], Policy] = {}
    by_case: dict[tuple[str, str, str], list[Policy]] = {}
    for policy in policies:
        if (policy.key, policy.version) in seen:
            raise PolicyError(f"{policy.key}.version: version {policy.version} appears twice")
        seen[policy.key, policy.version] = policy
        by_case.setdefault((policy.product, policy.indication, policy.program), []).append(policy)
    for group in by_case.values():
        group.sort(key=lambda p: p.effective_from)
        for earlier, later in zip(group, group[1:], strict=False):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise PolicyError(
                    f"{later.key}.effective_from: overlaps {earlier.key} v{earlier.version} "
                    f"for {later.product}/{later.indication}/{later.program}"
                )


def policies_from_document(document: Mapping[str, Any]) -> tuple[Policy, ...]:
    raw = document.get("policies")
    if not isinstance(raw, list):
        raise PolicyError("policies: the file must hold a list of policies")
    policies = tuple(policy_from_dict(item) for item in raw)
    check_policies(policies)
    return policies


@cache
def load_default_policies() -> tuple[Policy, ...]:
    """The reviewed rules shipped with the app, read and checked once per process."""
    with DEFAULT_POLICY_FILE.open(encoding="utf-8") as fh:
        return policies_from_document(json.load(fh))
