"""The coverage engine's vocabulary and the accumulator its rules write to.

Determinations and their order, criterion statuses and ids, the Criterion and Modifier an
Assessment is made of, the citations for what the engine itself encodes, and `_Findings`,
what assess() collects on the way. Shared by appeals/coverage.py (the entry point),
coverage_criteria.py and coverage_outcome.py, and imports none of them. Names with a leading
underscore are internal to these engine modules.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Determination(StrEnum):
    COVERED = "covered"
    PRIOR_AUTH_REQUIRED = "prior_auth_required"
    MEDICAL_NECESSITY_REVIEW = "medical_necessity_review"
    LIKELY_DENIED = "likely_denied"
    NOT_ELIGIBLE = "not_eligible"
    INCOMPLETE = "incomplete"


# Best first. INCOMPLETE ranks above LIKELY_DENIED: an unknown fact may still turn out met,
# an unmet criterion will not. The monotonicity property test relies on this order.
DETERMINATION_ORDER: tuple[Determination, ...] = (
    Determination.COVERED,
    Determination.PRIOR_AUTH_REQUIRED,
    Determination.MEDICAL_NECESSITY_REVIEW,
    Determination.INCOMPLETE,
    Determination.LIKELY_DENIED,
    Determination.NOT_ELIGIBLE,
)


def determination_rank(determination: Determination) -> int:
    """0 for the outcome best for the patient; larger is worse."""
    return DETERMINATION_ORDER.index(determination)


class Status(StrEnum):
    MET = "met"
    UNMET = "unmet"
    UNKNOWN = "unknown"


CRITERION_IDS: tuple[str, ...] = (
    "coverage.active",
    "coverage.rule",
    "rems.site_certified",
    "rems.patient_enrolled",
    "contraindication.aneurysmal_vascular_disease",
    "contraindication.intracerebral_hemorrhage",
    "contraindication.ketamine_hypersensitivity",
    "patient.age",
    "diagnosis.qualifying",
    "diagnosis.supporting",
    "severity.score",
    "history.failed_trials",
    "history.distinct_classes",
    "history.augmentation",
    "history.psychotherapy",
    "exclusion.psychosis",
    "exclusion.substance_use_disorder",
    "label.oral_antidepressant",
    "offlabel.medically_accepted",
)

# An unmet gate means the treatment cannot be given or paid at all, not just "likely denied".
_GATES = ("coverage.active", "rems.", "contraindication.")


@dataclass(frozen=True)
class Criterion:
    id: str
    statement: str
    status: Status
    evidence: str
    citation: str


@dataclass(frozen=True)
class Modifier:
    code: str
    reason: str


# Citations for what the engine itself encodes (label facts, claim rules); payer thresholds
# and their citations live in the policy data.
LABEL = "Spravato label (NDA 211243)"
KETALAR = "Ketalar label (NDA 016812)"
CITE_ENROLMENT = "SSA §1838 (Part B coverage period): Medicare pays only while enrolled"
CITE_REMS = f"{LABEL} §5 SPRAVATO REMS: certified setting, patient enrolled before treatment"
CITE_ABN = "ABN form CMS-R-131; Medicare Claims Processing Manual Ch.30"
CITE_KX = "CGS MAC SPRAVATO billing instructions (2023): KX for REMS enrolment (VERIFY per MAC)"
CITE_SELF_ADMIN = "BPM Ch.15 §50.2: Part B does not cover drugs usually self-administered"
CITE_PSYCHOSIS_CODES = "ICD-10-CM F20-F29, F30.2, F31.2, F31.5, F32.3, F33.3 (psychotic)"

# (screening field, statement, citation): label contraindications outrank any payer
# criteria, so each one is a gate.
CONTRAINDICATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "esketamine": (
        ("aneurysmal_vascular_disease", "No aneurysmal vascular disease or AVM", f"{LABEL} §4"),
        ("intracerebral_hemorrhage", "No history of intracerebral haemorrhage", f"{LABEL} §4"),
        ("ketamine_hypersensitivity", "No hypersensitivity to (es)ketamine", f"{LABEL} §4"),
    ),
    "iv_ketamine": (
        ("ketamine_hypersensitivity", "No hypersensitivity to ketamine", f"{KETALAR} §4"),
    ),
}
PSYCHOTIC_PREFIXES: tuple[str, ...] = ("F20", "F21", "F22", "F23", "F24", "F25", "F28", "F29")
PSYCHOTIC_PREFIXES += ("F30.2", "F31.2", "F31.5", "F32.3", "F33.3")  # "with psychotic features"

PRODUCTS = {"esketamine": "Esketamine nasal spray", "iv_ketamine": "IV ketamine"}
INDICATIONS = {
    "trd": "treatment-resistant depression",
    "mdd_si": "major depression with acute suicidal ideation",
    "ptsd": "PTSD",
    "crps": "complex regional pain syndrome",
    "neuropathic_pain": "chronic neuropathic pain",
}
PROGRAMS = {"original": "Original Medicare", "advantage": "Medicare Advantage"}
INSTRUMENTS = {"phq9": "PHQ-9", "madrs": "MADRS", "pcl5": "PCL-5", "pain_nrs": "pain NRS"}
FAILED = ("no_response", "partial_response")


class _Findings:
    """What assess() collects on the way to a determination."""

    def __init__(self) -> None:
        self.criteria: list[Criterion] = []
        self.missing: list[str] = []
        self.warnings: list[str] = []
        self.next_steps: list[str] = []

    def add(
        self,
        cid: str,
        statement: str,
        status: Status,
        evidence: str,
        citation: str,
        missing: Iterable[str] = (),
    ) -> None:
        self.criteria.append(Criterion(cid, statement, status, evidence, citation))
        if status is Status.UNKNOWN:
            self.missing.extend(missing)

    def add_bool(
        self,
        cid: str,
        statement: str,
        value: bool | None,
        good: bool,
        evidence: tuple[str, str, str],
        citation: str,
        missing: str,
    ) -> Status:
        """A criterion read off one yes/no/unknown fact; evidence is (met, unmet, unknown)."""
        status = Status.UNKNOWN if value is None else Status.MET if value is good else Status.UNMET
        met, unmet, unknown = evidence
        text = {Status.MET: met, Status.UNMET: unmet, Status.UNKNOWN: unknown}[status]
        self.add(cid, statement, status, text, citation, [missing])
        return status
