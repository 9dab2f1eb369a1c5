"""The coverage engine, scenario by scenario: one realistic patient varied one fact at a time.

Pure tests: no database. `build()` makes the baseline patient (68, F33.2, PHQ-9 21, two
failed antidepressants of different classes, a failed augmentation, CBT, clean screening,
active Original Medicare, esketamine 84 mg in a REMS-certified clinic); each scenario
overrides what it is about.
"""

import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import pytest

from coverage.engine import (
    CRITERION_IDS,
    Assessment,
    CoverageFacts,
    Determination,
    Diagnosis,
    IntakeFacts,
    Policy,
    RequestFacts,
    Score,
    Screening,
    Status,
    Trial,
    assess,
    load_default_policies,
)

ON = date(2026, 12, 7)
MONOTHERAPY_FROM = date(2025, 1, 21)
POLICIES = load_default_policies()
D, S = Determination, Status


def trial(drug: str, drug_class: str = "ssri", **overrides) -> Trial:
    """An adequate failed antidepressant trial unless overridden."""
    values = {
        "kind": "antidepressant",
        "drug": drug,
        "drug_class": drug_class,
        "dose": "",
        "weeks": 8.0,
        "adherence": "good",
        "outcome": "no_response",
        "adequate_dose": True,
    }
    return Trial(**{**values, **overrides})


SERTRALINE = trial("sertraline", "ssri", dose="150 mg daily")
BUPROPION = trial("bupropion XL", "ndri", dose="300 mg daily", outcome="partial_response")
ARIPIPRAZOLE = trial("aripiprazole", "antipsychotic", kind="augmentation", weeks=6.0)
CBT = Trial(kind="psychotherapy", drug="CBT", weeks=16.0, outcome="partial_response")
HISTORY = (SERTRALINE, BUPROPION, ARIPIPRAZOLE, CBT)
CLEAR = Screening(
    psychosis_history=False,
    uncontrolled_hypertension=False,
    bp_systolic=128,
    bp_diastolic=80,
    bp_taken_on=ON - timedelta(days=7),
    pregnant=False,
    active_substance_use_disorder=False,
    cardiovascular_disease=False,
    aneurysmal_vascular_disease=False,
    intracerebral_hemorrhage=False,
    ketamine_hypersensitivity=False,
)
CODES = {"esketamine": ("G2083",), "iv_ketamine": ("J3490", "96365")}


def build(
    *,
    product: str = "esketamine",
    indication: str = "trd",
    program: str | None = "original",
    active: bool = True,
    prior_auth: bool = True,
    part_d: bool = False,
    dual: str = "none",
    age: int | None = 68,
    diagnoses: tuple[str, ...] = ("F33.2",),
    scores: tuple[tuple[str, int], ...] = (("phq9", 21),),
    trials: tuple[Trial, ...] = HISTORY,
    screening: Screening | None = CLEAR,
    on: date = ON,
    **request,
) -> IntakeFacts:
    coverage = None
    if program is not None:
        coverage = CoverageFacts(
            program=program,
            active_on_request_date=active,
            ma_requires_prior_auth=prior_auth,
            has_part_d=part_d,
            medicaid_dual=dual,
        )
    req = {
        "product": product,
        "indication": indication,
        "with_oral_antidepressant": True,
        "patient_rems_enrolled": True if product == "esketamine" else None,
        "site_rems_certified": product == "esketamine",
        "dose_mg": 84 if product == "esketamine" else 40,
        "planned_sessions": 8,
        "codes": CODES[product],
        "requested_start": on,
    }
    return IntakeFacts(
        request=RequestFacts(**{**req, **request}),
        age=age,
        diagnoses=tuple(Diagnosis(code=c, is_primary=i == 0) for i, c in enumerate(diagnoses)),
        scores=tuple(
            Score(instrument=i, score=s, administered_on=on - timedelta(days=14)) for i, s in scores
        ),
        trials=trials,
        screening=screening,
        coverage=coverage,
    )


@dataclass(frozen=True)
class Scenario:
    name: str
    facts: IntakeFacts
    determination: Determination
    statuses: dict[str, Status] = field(default_factory=dict)
    on: date = ON
    policy_key: str | None = None
    modifiers: tuple[str, ...] | None = None
    documents: tuple[str, ...] | None = None
    warning: str | None = None
    no_warning: str | None = None
    missing: str | None = None
    next_step: str | None = None
    codes: tuple[str, ...] | None = None
    policies: tuple[Policy, ...] = POLICIES
    advice: str | None = None
    # A scenario whose outcome changed with issue 13 quotes the source that changed it.
    changed_because: str = ""


def _unreviewed(key: str) -> tuple[Policy, ...]:
    """The default rules with one off-label rule whose evidence review is still open."""
    return tuple(replace(p, medically_accepted=None) if p.key == key else p for p in POLICIES)


# The sources quoted by scenarios whose outcome changed (issue 13).
PAYER_PRACTICE = (
    'medicare.md §G: \'Everything in §A "What payers typically require" is typical payer '
    "practice: advice that strengthens a letter, not grounds for likely_denied.'"
)
NO_WEEK_COUNT = (
    "Spravato label §1 / FDA's TRD description count antidepressants 'at adequate dose and "
    "duration' with no week count; 'at therapeutic dose for >= 6 weeks' is §A payer practice. "
    + PAYER_PRACTICE
)
OFF_LABEL_ABN = (
    "medicare.md §G: 'BPM Ch.15 §50.4.2 leaves off-label use to the MAC case by case'; issue "
    "13: 'an ABN is still offered, because the clinic has a specific reason to expect denial'."
)
MA_OWN_CRITERIA = (
    "medicare.md §G: 'a Medicare Advantage plan may apply only its own published criteria "
    "(42 CFR 422.101(b)(6))'. " + PAYER_PRACTICE
)
EDGE_DAY_BEFORE = MONOTHERAPY_FROM - timedelta(days=1)
IV = {"product": "iv_ketamine"}
TWO_SSRIS = (SERTRALINE, trial("escitalopram", "ssri"), ARIPIPRAZOLE, CBT)
ESK_CONTRA = "contraindication.aneurysmal_vascular_disease"

SCENARIOS = [
    # --- The baseline and the program it is billed to --------------------------------
    Scenario(
        "esketamine TRD, Original Medicare, every criterion met",
        build(),
        D.COVERED,
        {"coverage.rule": S.MET, "history.failed_trials": S.MET, "rems.site_certified": S.MET},
        policy_key="esketamine-trd-monotherapy-original",
        modifiers=("KX",),
        documents=("lmn", "patient_explanation"),
        codes=("G2083",),
        next_step="Patient Monitoring Form",
    ),
    Scenario(
        "same patient under Medicare Advantage needs prior authorisation",
        build(program="advantage"),
        D.PRIOR_AUTH_REQUIRED,
        policy_key="esketamine-trd-monotherapy-advantage",
        modifiers=(),
        documents=("prior_auth", "lmn", "patient_explanation"),
    ),
    Scenario(
        "Medicare Advantage plan without prior authorisation for the service",
        build(program="advantage", prior_auth=False),
        D.COVERED,
        modifiers=(),
    ),
    Scenario(
        "exactly the minimum two adequate trials",
        build(trials=(SERTRALINE, BUPROPION)),
        D.COVERED,
        {"history.failed_trials": S.MET},
    ),
    Scenario(
        "one adequate trial is one short: ABN path",
        build(trials=(SERTRALINE,)),
        D.LIKELY_DENIED,
        {"history.failed_trials": S.UNMET},
        modifiers=("GA", "GZ"),
        documents=("abn", "lmn", "patient_explanation"),
        next_step="ABN (CMS-R-131)",
    ),
    Scenario(
        "a second trial one week short of six weeks is advice, not a denial",
        build(trials=(SERTRALINE, replace(BUPROPION, weeks=5.0))),
        D.COVERED,
        {"history.failed_trials": S.MET, "history.trial_length": S.UNMET},
        advice="failed trials of at least 6 weeks each",
        changed_because=NO_WEEK_COUNT,
    ),
    Scenario(
        "trial stopped for intolerance: not counted by the label-based Original rule",
        build(trials=(SERTRALINE, trial("venlafaxine", "snri", weeks=2.0, outcome="intolerance"))),
        D.LIKELY_DENIED,
        {"history.failed_trials": S.UNMET},
    ),
    Scenario(
        "trial stopped for intolerance: counted by the Medicare Advantage rule",
        build(
            program="advantage",
            trials=(SERTRALINE, trial("venlafaxine", "snri", weeks=2.0, outcome="intolerance")),
        ),
        D.PRIOR_AUTH_REQUIRED,
        {"history.failed_trials": S.MET},
    ),
    Scenario(
        "therapeutic dose of one trial unconfirmed",
        build(trials=(SERTRALINE, replace(BUPROPION, adequate_dose=None))),
        D.INCOMPLETE,
        {"history.failed_trials": S.UNKNOWN},
        documents=(),
        missing="therapeutic dose not confirmed",
    ),
    Scenario(
        "trial from an earlier episode does not count",
        build(trials=(SERTRALINE, replace(BUPROPION, current_episode=False))),
        D.LIKELY_DENIED,
        {"history.failed_trials": S.UNMET},
    ),
    # --- Effective dates: esketamine monotherapy (VERIFY date) ---------------------------
    Scenario(
        "monotherapy the day before the monotherapy rule takes effect",
        build(on=EDGE_DAY_BEFORE, with_oral_antidepressant=False),
        D.LIKELY_DENIED,
        {"label.oral_antidepressant": S.UNMET},
        on=EDGE_DAY_BEFORE,
        policy_key="esketamine-trd-original",
    ),
    Scenario(
        "monotherapy on the day the monotherapy rule takes effect",
        build(on=MONOTHERAPY_FROM, with_oral_antidepressant=False),
        D.COVERED,
        on=MONOTHERAPY_FROM,
        policy_key="esketamine-trd-monotherapy-original",
    ),
    Scenario(
        "with an oral antidepressant the day before monotherapy",
        build(on=EDGE_DAY_BEFORE),
        D.COVERED,
        {"label.oral_antidepressant": S.MET},
        on=EDGE_DAY_BEFORE,
        policy_key="esketamine-trd-original",
    ),
    Scenario(
        "oral antidepressant not recorded, before monotherapy",
        build(on=EDGE_DAY_BEFORE, with_oral_antidepressant=None),
        D.INCOMPLETE,
        {"label.oral_antidepressant": S.UNKNOWN},
        on=EDGE_DAY_BEFORE,
    ),
    # --- Coverage on the date -----------------------------------------------------------
    Scenario(
        "no coverage on the requested date",
        build(active=False),
        D.NOT_ELIGIBLE,
        {"coverage.active": S.UNMET},
        documents=("patient_explanation",),
        modifiers=(),
        next_step="eligibility",
    ),
    Scenario(
        "no Medicare at all",
        build(program="none"),
        D.NOT_ELIGIBLE,
        {"coverage.active": S.UNMET},
    ),
    Scenario(
        "coverage not recorded yet",
        build(program=None),
        D.INCOMPLETE,
        {"coverage.active": S.UNKNOWN, "coverage.rule": S.UNKNOWN},
        missing="Medicare coverage",
    ),
    # --- REMS and label contraindications (gates) --------------------------------------
    Scenario(
        "esketamine outside a REMS-certified setting",
        build(site_rems_certified=False),
        D.NOT_ELIGIBLE,
        {"rems.site_certified": S.UNMET},
        next_step="REMS-certified setting",
    ),
    Scenario(
        "patient not enrolled in the REMS",
        build(patient_rems_enrolled=False),
        D.NOT_ELIGIBLE,
        {"rems.patient_enrolled": S.UNMET},
    ),
    Scenario(
        "REMS enrolment not recorded",
        build(patient_rems_enrolled=None),
        D.INCOMPLETE,
        {"rems.patient_enrolled": S.UNKNOWN},
    ),
    Scenario(
        "aneurysmal vascular disease contraindicates esketamine",
        build(screening=replace(CLEAR, aneurysmal_vascular_disease=True)),
        D.NOT_ELIGIBLE,
        {ESK_CONTRA: S.UNMET},
    ),
    Scenario(
        "intracerebral haemorrhage history contraindicates esketamine",
        build(screening=replace(CLEAR, intracerebral_hemorrhage=True), trials=(SERTRALINE,)),
        D.NOT_ELIGIBLE,
        {"contraindication.intracerebral_hemorrhage": S.UNMET, "history.failed_trials": S.UNMET},
    ),
    Scenario(
        "ketamine hypersensitivity contraindicates an IV infusion",
        build(**IV, screening=replace(CLEAR, ketamine_hypersensitivity=True)),
        D.NOT_ELIGIBLE,
        {"contraindication.ketamine_hypersensitivity": S.UNMET},
    ),
    Scenario(
        "no safety screening yet",
        build(screening=None),
        D.INCOMPLETE,
        {ESK_CONTRA: S.UNKNOWN, "contraindication.intracerebral_hemorrhage": S.UNKNOWN},
        missing="Screening: aneurysmal vascular disease or AVM",
    ),
    # --- Safety warnings ------------------------------------------------------------------
    Scenario(
        "blood pressure above 140/90 warns but does not decide",
        build(screening=replace(CLEAR, bp_systolic=152, bp_diastolic=88)),
        D.COVERED,
        warning="above 140/90",
    ),
    Scenario(
        "blood pressure of exactly 140/90 is not above it",
        build(screening=replace(CLEAR, bp_systolic=140, bp_diastolic=90)),
        D.COVERED,
        no_warning="above 140/90",
    ),
    Scenario(
        "pregnancy is a caution, not a coverage rule",
        build(screening=replace(CLEAR, pregnant=True)),
        D.COVERED,
        warning="Pregnant",
    ),
    # --- Payer exclusions -------------------------------------------------------------------
    Scenario(
        "psychosis history under the IV ketamine rule is advice for the letter",
        build(**IV, screening=replace(CLEAR, psychosis_history=True)),
        D.MEDICAL_NECESSITY_REVIEW,
        {"exclusion.psychosis": S.UNMET},
        modifiers=("GA", "GZ"),
        advice="benefit outweighs the risk of psychosis",
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "a psychotic-features diagnosis counts as psychosis (advice)",
        build(**IV, diagnoses=("F33.2", "F33.3")),
        D.MEDICAL_NECESSITY_REVIEW,
        {"exclusion.psychosis": S.UNMET, "diagnosis.qualifying": S.MET},
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "psychosis under the label-based esketamine rule is a caution only",
        build(screening=replace(CLEAR, psychosis_history=True)),
        D.COVERED,
        warning="History of psychosis",
    ),
    Scenario(
        "psychosis not screened",
        build(**IV, screening=replace(CLEAR, psychosis_history=None)),
        D.MEDICAL_NECESSITY_REVIEW,
        {"exclusion.psychosis": S.UNKNOWN},
        advice="Screening: history of psychosis",
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "active substance use disorder under Medicare Advantage: the plan decides",
        build(program="advantage", screening=replace(CLEAR, active_substance_use_disorder=True)),
        D.PRIOR_AUTH_REQUIRED,
        {"exclusion.substance_use_disorder": S.UNMET},
        modifiers=(),
        documents=("prior_auth", "lmn", "patient_explanation"),
        next_step="published criteria",
        advice="substance use screening",
        changed_because=MA_OWN_CRITERIA,
    ),
    Scenario(
        "substance use not screened under Medicare Advantage",
        build(program="advantage", screening=replace(CLEAR, active_substance_use_disorder=None)),
        D.PRIOR_AUTH_REQUIRED,
        {"exclusion.substance_use_disorder": S.UNKNOWN, "exclusion.psychosis": S.MET},
        changed_because=MA_OWN_CRITERIA,
    ),
    # --- IV ketamine, off-label -------------------------------------------------------------
    Scenario(
        "IV ketamine for TRD under Original Medicare: medical necessity review",
        build(**IV),
        D.MEDICAL_NECESSITY_REVIEW,
        {
            "offlabel.medically_accepted": S.MET,
            "history.distinct_classes": S.MET,
            "history.augmentation": S.MET,
            "history.psychotherapy": S.MET,
            "exclusion.substance_use_disorder": S.MET,
        },
        policy_key="iv-ketamine-trd-original",
        modifiers=("GA", "GZ"),
        documents=("abn", "lmn", "patient_explanation"),
        codes=("J3490", "96365"),
        next_step="§50.4.2",
        changed_because=OFF_LABEL_ABN,
    ),
    Scenario(
        "IV ketamine for TRD under Medicare Advantage",
        build(**IV, program="advantage"),
        D.PRIOR_AUTH_REQUIRED,
        policy_key="iv-ketamine-trd-advantage",
    ),
    Scenario(
        "IV ketamine for PTSD: no medically accepted indication",
        build(**IV, indication="ptsd", diagnoses=("F43.12",), scores=(("pcl5", 52),)),
        D.LIKELY_DENIED,
        {"offlabel.medically_accepted": S.UNMET, "diagnosis.qualifying": S.MET},
        documents=("abn", "lmn", "patient_explanation"),
    ),
    Scenario(
        "IV ketamine for CRPS",
        build(**IV, indication="crps", diagnoses=("G90.511",), scores=(), trials=()),
        D.MEDICAL_NECESSITY_REVIEW,
        policy_key="iv-ketamine-crps-original",
    ),
    Scenario(
        "IV ketamine for neuropathic pain under Medicare Advantage: no ABN",
        build(**IV, indication="neuropathic_pain", program="advantage", diagnoses=("E11.42",)),
        D.LIKELY_DENIED,
        {"offlabel.medically_accepted": S.UNMET},
        modifiers=(),
        documents=("prior_auth", "lmn", "patient_explanation"),
    ),
    Scenario(
        "IV ketamine for suicidal ideation with R45.851 recorded",
        build(**IV, indication="mdd_si", diagnoses=("F32.2", "R45.851")),
        D.MEDICAL_NECESSITY_REVIEW,
        {"diagnosis.supporting": S.MET},
    ),
    Scenario(
        "off-label rule whose evidence review is still open",
        build(**IV),
        D.INCOMPLETE,
        {"offlabel.medically_accepted": S.UNKNOWN},
        policies=_unreviewed("iv-ketamine-trd-original"),
    ),
    Scenario(
        "two SSRIs are one class where the rule asks for two",
        build(**IV, trials=TWO_SSRIS),
        D.MEDICAL_NECESSITY_REVIEW,
        {"history.distinct_classes": S.UNMET, "history.failed_trials": S.MET},
        advice="2 different antidepressant classes",
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "drug class not recorded",
        build(**IV, trials=(SERTRALINE, replace(BUPROPION, drug_class=""), ARIPIPRAZOLE, CBT)),
        D.MEDICAL_NECESSITY_REVIEW,
        {"history.distinct_classes": S.UNKNOWN},
        advice="drug class",
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "no augmentation trial where the rule asks for one",
        build(**IV, trials=(SERTRALINE, BUPROPION, CBT)),
        D.MEDICAL_NECESSITY_REVIEW,
        {"history.augmentation": S.UNMET},
        advice="document an augmentation trial",
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "augmentation outcome not recorded",
        build(**IV, trials=(SERTRALINE, BUPROPION, replace(ARIPIPRAZOLE, outcome="unknown"), CBT)),
        D.MEDICAL_NECESSITY_REVIEW,
        {"history.augmentation": S.UNKNOWN},
        advice="Outcome of aripiprazole",
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "no psychotherapy where the rule asks for it",
        build(**IV, trials=(SERTRALINE, BUPROPION, ARIPIPRAZOLE)),
        D.MEDICAL_NECESSITY_REVIEW,
        {"history.psychotherapy": S.UNMET},
        advice="psychotherapy",
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "psychotherapy outcome not recorded",
        build(**IV, trials=(SERTRALINE, BUPROPION, ARIPIPRAZOLE, replace(CBT, outcome="unknown"))),
        D.MEDICAL_NECESSITY_REVIEW,
        {"history.psychotherapy": S.UNKNOWN},
        changed_because=PAYER_PRACTICE,
    ),
    # --- Esketamine indications ------------------------------------------------------------
    Scenario(
        "esketamine for suicidal ideation without a documented code",
        build(indication="mdd_si", trials=()),
        D.INCOMPLETE,
        {"diagnosis.supporting": S.UNKNOWN},
        policy_key="esketamine-mdd-si-original",
        missing="R45.851",
    ),
    Scenario(
        "esketamine for suicidal ideation, labelled course exceeded",
        build(indication="mdd_si", diagnoses=("F33.2", "R45.851"), trials=(), planned_sessions=16),
        D.COVERED,
        warning="labelled course is 8",
        no_warning="VERIFY",
    ),
    Scenario(
        "esketamine for PTSD has no rule: labelled indications only",
        build(indication="ptsd", diagnoses=("F43.10",)),
        D.LIKELY_DENIED,
        {"coverage.rule": S.UNMET},
        modifiers=("GA", "GZ"),
    ),
    # --- Patient, diagnosis, severity -----------------------------------------------------
    Scenario("patient under 18", build(age=17), D.LIKELY_DENIED, {"patient.age": S.UNMET}),
    Scenario("age not recorded", build(age=None), D.INCOMPLETE, {"patient.age": S.UNKNOWN}),
    Scenario(
        "an unmet criterion outranks an unknown one",
        build(age=17, trials=(SERTRALINE, replace(BUPROPION, adequate_dose=None))),
        D.LIKELY_DENIED,
        {"patient.age": S.UNMET, "history.failed_trials": S.UNKNOWN},
        missing="therapeutic dose not confirmed",
    ),
    Scenario(
        "anxiety alone is not a qualifying diagnosis",
        build(diagnoses=("F41.1",)),
        D.LIKELY_DENIED,
        {"diagnosis.qualifying": S.UNMET},
    ),
    Scenario(
        "MDD in remission is excluded",
        build(diagnoses=("F33.41",)),
        D.LIKELY_DENIED,
        {"diagnosis.qualifying": S.UNMET},
    ),
    Scenario(
        "no diagnosis recorded",
        build(diagnoses=()),
        D.INCOMPLETE,
        {"diagnosis.qualifying": S.UNKNOWN},
    ),
    Scenario(
        "qualifying code not listed first",
        build(diagnoses=("F41.1", "F33.2")),
        D.COVERED,
        {"diagnosis.qualifying": S.MET},
        warning="as the primary diagnosis",
    ),
    Scenario(
        "PHQ-9 below the payer threshold is advice",
        build(scores=(("phq9", 14),)),
        D.COVERED,
        {"severity.score": S.UNMET},
        advice="PHQ-9 >= 15",
        changed_because=PAYER_PRACTICE,
    ),
    Scenario(
        "MADRS at the threshold meets it",
        build(scores=(("madrs", 28),)),
        D.COVERED,
        {"severity.score": S.MET},
    ),
    Scenario(
        "no severity score is advice, not a missing decisive fact",
        build(scores=()),
        D.COVERED,
        {"severity.score": S.UNKNOWN},
        advice="A current severity score",
        changed_because=PAYER_PRACTICE,
    ),
    # --- Billing details --------------------------------------------------------------------
    Scenario(
        "esketamine drug billed on its own with J0013",
        build(codes=("G2083", "J0013")),
        D.COVERED,
        modifiers=("KX", "GY", "GX"),
        warning="J0013",
    ),
    Scenario(
        "56 mg is G2082, and G2083 was asked",
        build(dose_mg=56),
        D.COVERED,
        codes=("G2082",),
        warning="G2083 does not match 56 mg",
    ),
    Scenario(
        "patient with Part D: the pharmacy route is explained",
        build(part_d=True),
        D.COVERED,
        warning="Part D route",
        next_step="Part D alternative (esketamine-trd-monotherapy-part-d)",
    ),
    Scenario(
        "QMB dual-eligible patient",
        build(program="original", dual="qmb", trials=(SERTRALINE,)),
        D.LIKELY_DENIED,
        warning="QMB",
    ),
]


def run(scenario: Scenario) -> Assessment:
    return assess(scenario.facts, scenario.policies, scenario.on)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(scenario: Scenario) -> None:
    result = run(scenario)
    statuses = {c.id: c.status for c in result.criteria}
    assert result.determination is scenario.determination, result.summary
    for criterion_id, status in scenario.statuses.items():
        assert statuses.get(criterion_id) is status, (criterion_id, result.criteria)
    if scenario.policy_key is not None:
        assert result.policy_key == scenario.policy_key
    if scenario.modifiers is not None:
        assert tuple(m.code for m in result.modifiers) == scenario.modifiers
    if scenario.documents is not None:
        assert result.documents == scenario.documents
    if scenario.codes is not None:
        assert result.codes == scenario.codes
    if scenario.warning:
        assert any(scenario.warning in w for w in result.warnings), result.warnings
    if scenario.no_warning:
        assert not any(scenario.no_warning in w for w in result.warnings), result.warnings
    if scenario.missing:
        assert any(scenario.missing in m.fact for m in result.missing), result.missing
    if scenario.next_step:
        assert any(scenario.next_step in s for s in result.next_steps), result.next_steps
    if scenario.advice:
        assert any(scenario.advice in a.text for a in result.advice), result.advice


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_assessment_explains_itself(scenario: Scenario) -> None:
    result = run(scenario)
    assert result.summary.endswith(".") and "\n" not in result.summary
    assert all(c.citation and c.statement and c.evidence for c in result.criteria)
    assert set(result.documents) <= {"lmn", "abn", "prior_auth", "patient_explanation"}
    codes = [m.code for m in result.modifiers]
    assert "GA" not in codes or "abn" in result.documents  # never GA without an ABN path
    assert "GX" not in codes or "GY" in codes
    assert (result.determination is D.INCOMPLETE) <= bool(result.missing)
    assert json.loads(json.dumps(result.to_dict()))["determination"] == result.determination


# A criterion is listed here only where its fact cannot take that value.
UNREACHABLE = {
    ("rems.site_certified", S.UNKNOWN),  # Clinic.rems_certified is a plain yes/no
    ("diagnosis.supporting", S.UNMET),  # a missing code never proves there was no ideation
}


def test_scenarios_reach_every_determination_and_every_criterion_status() -> None:
    results = [run(s) for s in SCENARIOS]
    assert {r.determination for r in results} == set(Determination)
    reached = {(c.id, c.status) for r in results for c in r.criteria}
    expected = {(cid, status) for cid in CRITERION_IDS for status in Status} - UNREACHABLE
    assert expected - reached == set()
    assert {cid for cid, _ in reached} == set(CRITERION_IDS)


def test_a_missing_rule_for_the_date_is_not_covered() -> None:
    before_any_rule = date(2016, 6, 1)
    result = assess(build(**IV, on=before_any_rule), POLICIES, before_any_rule)
    assert result.determination is D.LIKELY_DENIED
    assert result.criterion("coverage.rule").status is S.UNMET
    assert result.policy_key is None


def test_a_verify_rule_adds_a_warning_naming_it() -> None:
    result = run(SCENARIOS[0])
    assert any(
        "esketamine-trd-monotherapy-original is flagged VERIFY" in w for w in result.warnings
    )


def test_scores_after_the_date_are_ignored() -> None:
    late = replace(
        build(scores=(("phq9", 10),)),
        scores=(
            Score(instrument="phq9", score=10, administered_on=ON - timedelta(days=3)),
            Score(instrument="phq9", score=25, administered_on=ON + timedelta(days=3)),
        ),
    )
    assert assess(late, POLICIES, ON).criterion("severity.score").status is S.UNMET


def test_the_latest_score_counts_not_the_worst() -> None:
    improving = replace(
        build(),
        scores=(
            Score(instrument="phq9", score=24, administered_on=ON - timedelta(days=90)),
            Score(instrument="phq9", score=9, administered_on=ON - timedelta(days=5)),
        ),
    )
    assert assess(improving, POLICIES, ON).criterion("severity.score").status is S.UNMET


def test_default_policies_cover_every_product_indication_and_program() -> None:
    cases = {(p.product, p.indication, p.program) for p in POLICIES}
    indications = ("trd", "mdd_si", "ptsd", "crps", "neuropathic_pain")
    assert {("iv_ketamine", i, g) for i in indications for g in ("original", "advantage")} <= cases
    for program in ("original", "advantage", "part_d"):
        assert {("esketamine", i, program) for i in ("trd", "mdd_si")} <= cases
    assert all(p.citations for p in POLICIES)
    assert all(p.verify_note for p in POLICIES if p.verify)
