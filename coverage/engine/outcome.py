"""What follows from the criteria: the determination, and the documents, claim modifiers,
codes, warnings, Part D route, next steps and summary that go with it.

These functions read the criteria recorded in a `_Findings` and add warnings, missing facts
and next steps to it. Only criteria whose source can deny (`Criterion.decisive`) decide;
typical-payer-practice criteria have become advice by then (findings._Findings.add).
"""

from collections.abc import Sequence
from datetime import date

from coverage.engine.criteria import _policy_criteria, select_policy
from coverage.engine.facts import (
    ContractorFacts,
    CoverageFacts,
    IntakeFacts,
    Policy,
    RequestFacts,
)
from coverage.engine.findings import (
    _GATES,
    CITE_ABN,
    CITE_KX,
    CITE_SELF_ADMIN,
    INDICATIONS,
    KETALAR,
    LABEL,
    PRODUCTS,
    PROGRAMS,
    Criterion,
    Determination,
    MissingFact,
    Modifier,
    Status,
    _Findings,
)


def _decide(
    criteria: Sequence[Criterion], policy: Policy | None, coverage: CoverageFacts | None
) -> Determination:
    # Only a source can deny: typical payer practice never decides (reference medicare.md §G).
    # Unmet outranks unknown: a fact still to collect cannot rescue a failed criterion, and
    # this order keeps the determination monotonic as evidence is added.
    decisive = [c for c in criteria if c.decisive]
    if any(c.status is Status.UNMET and c.id.startswith(_GATES) for c in decisive):
        return Determination.NOT_ELIGIBLE
    if any(c.status is Status.UNMET for c in decisive):
        return Determination.LIKELY_DENIED
    if policy is None or coverage is None or any(c.status is Status.UNKNOWN for c in decisive):
        return Determination.INCOMPLETE
    # An MA plan may apply only its own published criteria (42 CFR 422.101(b)(6)): without
    # a hard stop above, the plan decides on its prior-authorisation request.
    if coverage.program == "advantage" and coverage.ma_requires_prior_auth:
        return Determination.PRIOR_AUTH_REQUIRED
    if policy.fda_status == "on_label":
        return Determination.COVERED  # BPM Ch.15 §50.4.1: labelled, reasonable and necessary
    return Determination.MEDICAL_NECESSITY_REVIEW  # BPM Ch.15 §50.4.2: the MAC judges the use


def _documents(
    determination: Determination, program: str | None, coverage: CoverageFacts | None
) -> tuple[str, ...]:
    d = Determination
    if determination is d.INCOMPLETE:
        return ()
    if determination is d.NOT_ELIGIBLE:
        return ("patient_explanation",)
    # The ABN exists only in Original Medicare (CMS-R-131); an MA plan is asked up front. It
    # needs a specific reason (Ch.30 §40.3.6): an unmet criterion with a source that denies,
    # or off-label use the contractor decides case by case (BPM Ch.15 §50.4.2).
    gives_abn = determination in (d.LIKELY_DENIED, d.MEDICAL_NECESSITY_REVIEW)
    if gives_abn and program == "original":
        return ("abn", "lmn", "patient_explanation")
    asks_plan = program == "advantage" and coverage is not None and coverage.ma_requires_prior_auth
    if determination is d.PRIOR_AUTH_REQUIRED or (determination is d.LIKELY_DENIED and asks_plan):
        return ("prior_auth", "lmn", "patient_explanation")
    return ("lmn", "patient_explanation")


_MODIFIER_CITATIONS = {"GA": CITE_ABN, "GZ": CITE_ABN, "GX": CITE_ABN, "GY": CITE_SELF_ADMIN}
_MODIFIER_CITATIONS["KX"] = CITE_KX


def _modifiers(
    found: _Findings,
    determination: Determination,
    program: str | None,
    req: RequestFacts,
    contractor: ContractorFacts | None,
) -> tuple[Modifier, ...]:
    if program != "original":
        return ()  # Part B claim modifiers; a Medicare Advantage plan decides before service.
    mods: list[Modifier] = []
    if determination in (Determination.LIKELY_DENIED, Determination.MEDICAL_NECESSITY_REVIEW):
        mods.append(
            Modifier("GA", "If the patient signed the ABN before treatment (patient liable).")
        )
        mods.append(Modifier("GZ", "If no ABN was signed (the clinic is liable for the denial)."))
    if req.product == "esketamine" and determination is Determination.COVERED:
        kx = contractor.articles_about("esketamine", "kx_for_rems") if contractor else ()
        if kx:
            mods.append(Modifier("KX", f"REMS enrolment on G2082/G2083: {kx[0].citation}."))
        elif contractor is None:
            why = "REMS enrolment on G2082/G2083, asked by some MACs (e.g. CGS): VERIFY with yours."
            mods.append(Modifier("KX", why))
    separate = sorted({c.upper() for c in req.codes} & {"J0013", "S0013"})
    if req.product == "esketamine" and separate:
        drug = ", ".join(separate)
        mods.append(Modifier("GY", f"{drug} bills the self-administered drug alone: excluded."))
        mods.append(Modifier("GX", "With GY only, if a voluntary ABN was given for it."))
        found.warnings.append(f"{drug}: Medicare does not pay it; G2082/G2083 include the drug.")
    return tuple(mods)


def _codes(found: _Findings, req: RequestFacts) -> tuple[str, ...]:
    asked = {c.strip().upper() for c in req.codes}
    if req.product == "iv_ketamine":
        if asked & {"G2082", "G2083"}:
            found.warnings.append("G2082/G2083 are esketamine codes; IV ketamine is J3490 + 96365.")
        for code in sorted({"J3490", "96365"} - asked if asked else set()):
            found.warnings.append(f"Codes: add {code} (J3490 the drug, 96365 the first hour).")
        return ("J3490", "96365")
    if req.product != "esketamine":
        return ()
    if "J3490" in asked:
        found.warnings.append("J3490 is for IV ketamine; G2082/G2083 already include esketamine.")
    if req.dose_mg is None:
        found.warnings.append("Dose not recorded: G2082 is up to 56 mg, G2083 above 56 mg.")
        found.missing.append(
            MissingFact("Esketamine dose per session (56 or 84 mg)", "request", "codes")
        )
        return ("G2082", "G2083")
    code = "G2082" if req.dose_mg <= 56 else "G2083"
    if req.dose_mg not in (56, 84):
        found.warnings.append(f"{req.dose_mg} mg is not a labelled dose (56 or 84 mg per session).")
    for wrong in sorted(asked & {"G2082", "G2083"} - {code}):
        found.warnings.append(f"{wrong} does not match {req.dose_mg} mg: bill {code}.")
    return (code,)


def _warnings(
    found: _Findings, facts: IntakeFacts, policy: Policy | None, determination: Determination
) -> None:
    s, req, coverage = facts.screening, facts.request, facts.coverage
    label = LABEL if req.product == "esketamine" else KETALAR
    if s is not None:
        if (s.bp_systolic or 0) > 140 or (s.bp_diastolic or 0) > 90:
            when = f" on {s.bp_taken_on}" if s.bp_taken_on else ""
            found.warnings.append(
                f"Blood pressure {s.bp_systolic or '?'}/{s.bp_diastolic or '?'} mmHg{when} is "
                f"above 140/90: "
                f"{label} warns of blood pressure rises; recheck and consider delaying."
            )
        excluded = policy.exclusions if policy else ()
        cautions = (
            (s.uncontrolled_hypertension, f"Uncontrolled hypertension: {label} warns of BP rises."),
            (s.cardiovascular_disease, "Cardiovascular disease: weigh the BP rise after dosing."),
            (s.pregnant, f"Pregnant or breast-feeding: not recommended ({label}); a caution."),
            (
                s.psychosis_history and "psychosis" not in excluded,
                f"History of psychosis: {label} advises weighing risk and benefit.",
            ),
            (
                s.active_substance_use_disorder and "substance_use_disorder" not in excluded,
                f"Active substance use disorder: {label} warns of abuse and misuse.",
            ),
        )
        found.warnings += [text for flag, text in cautions if flag]
    limit = policy.max_initial_sessions if policy else None
    if limit is not None and req.planned_sessions > limit:
        found.warnings.append(
            f"{req.planned_sessions} sessions planned; the labelled course is {limit}: "
            "expect a shorter approval."
        )
    if policy is not None and policy.verify:
        found.warnings.append(f"Rule {policy.key} is flagged VERIFY: {policy.verify_note}")
    if coverage is not None and coverage.medicaid_dual != "none":
        found.warnings.append(
            "Dual eligible: bill Medicare first; Medicaid may pay after."
            + (
                " Never bill a QMB patient Medicare cost-sharing (SSA §1902(n)(3)(B))."
                if coverage.medicaid_dual == "qmb"
                else ""
            )
            + (
                " Check state Medicaid rules before collecting under an ABN."
                if determination is Determination.LIKELY_DENIED
                else ""
            )
        )


def _part_d(found: _Findings, facts: IntakeFacts, policies: Sequence[Policy], on: date) -> None:
    found.warnings.append(
        "Part D route: if a REMS-certified pharmacy dispenses Spravato to the clinic under the "
        "patient's Part D plan, do not bill G2082/G2083 (they include the drug); bill only the "
        "visit and observation as your MAC instructs."
    )
    policy = select_policy(policies, "esketamine", facts.request.indication, "part_d", on)
    if policy is None:
        found.next_steps.append("Part D: no rule covers this indication on the date.")
        return
    shadow = _Findings()
    _policy_criteria(shadow, policy, facts, on)
    unmet = [c.id for c in shadow.criteria if c.decisive and c.status is Status.UNMET]
    unknown = [c.id for c in shadow.criteria if c.decisive and c.status is Status.UNKNOWN]
    verdict = f"not met ({', '.join(unmet)})" if unmet else "met"
    verdict = f"unclear ({', '.join(unknown)})" if unknown and not unmet else verdict
    found.next_steps.append(
        f"Part D alternative ({policy.key}): the plan's criteria appear {verdict}; ask the "
        "Part D plan for a coverage determination before the pharmacy dispenses."
    )


def _next_steps(
    found: _Findings,
    determination: Determination,
    program: str | None,
    req: RequestFacts,
    codes: tuple[str, ...],
) -> None:
    d, steps = Determination, []
    if determination is d.INCOMPLETE:
        steps.append("Complete the missing items, then assess again.")
    elif determination is d.NOT_ELIGIBLE:
        gates = [c.id for c in found.criteria if c.status is Status.UNMET and c.id in _GATE_STEPS]
        steps += [_GATE_STEPS[g] for g in gates]
    elif determination is d.LIKELY_DENIED and program == "original":
        steps += [
            "Before treating, give the patient an ABN (CMS-R-131) with the reason and the cost; "
            "only the patient chooses the option.",
            "Bill with GA if the ABN was signed, GZ if not.",
        ]
    elif determination is d.LIKELY_DENIED:
        steps.append(
            "No ABN in Medicare Advantage: ask the plan for a decision before treating; a denial "
            "comes as an Integrated Denial Notice with the patient's appeal rights."
        )
    elif determination is d.PRIOR_AUTH_REQUIRED:
        steps.append("Send the plan's prior-authorisation request and the LMN before session 1.")
        steps.append(
            "Ask the plan for its published criteria for this service: it may apply only "
            "those (42 CFR 422.101(b)(6))."
        )
    elif determination is d.MEDICAL_NECESSITY_REVIEW:
        steps.append(
            "Send a letter of medical necessity citing BPM Ch.15 §50.4.2 and the literature."
        )
        if program == "original":
            steps.append(
                "Before treating, offer the ABN (CMS-R-131): the specific reason is that the use "
                "is off-label and Medicare pays it only if the contractor finds it medically "
                "accepted (BPM Ch.15 §50.4.2); bill GA if it was signed."
            )
    if determination is d.LIKELY_DENIED:
        steps.append("If the clinician still judges it necessary, say why in the LMN.")
    if determination in (d.COVERED, d.PRIOR_AUTH_REQUIRED, d.MEDICAL_NECESSITY_REVIEW):
        if req.product == "esketamine":
            steps.append(f"Bill {' or '.join(codes)} per session; the drug is included.")
            if not req.inpatient:  # inpatient settings file no Patient Monitoring Form
                steps.append(
                    "File the REMS Patient Monitoring Form within 7 days of every session."
                )
        else:
            steps.append(
                "Bill J3490 (drug name, NDC, dose in the claim note) with 96365; add 96366 only "
                "past 90 minutes of infusion; record start and stop times."
            )
    found.next_steps[:0] = steps


_CONTRAINDICATED = "The label contraindicates it: do not schedule; discuss alternatives."
_GATE_STEPS = {
    "coverage.active": "Check eligibility for the date of service; uncovered, the patient pays.",
    "rems.site_certified": "Give esketamine only in a REMS-certified setting: certify or refer.",
    "rems.patient_enrolled": "Enrol the patient in the SPRAVATO REMS, then assess again.",
    "contraindication.aneurysmal_vascular_disease": _CONTRAINDICATED,
    "contraindication.intracerebral_hemorrhage": _CONTRAINDICATED,
    "contraindication.ketamine_hypersensitivity": _CONTRAINDICATED,
}


def _summary(
    determination: Determination,
    req: RequestFacts,
    program: str | None,
    policy: Policy | None,
    criteria: Sequence[Criterion],
) -> str:
    what = f"{PRODUCTS.get(req.product, req.product)} for {INDICATIONS.get(req.indication, '?')}"
    payer = PROGRAMS.get(program or "", "Medicare")
    unmet = [c for c in criteria if c.decisive and c.status is Status.UNMET]
    unknown = sum(c.decisive and c.status is Status.UNKNOWN for c in criteria)
    d = Determination
    advice = sum(not c.decisive and c.status is not Status.MET for c in criteria)
    tip = f" {advice} typical payer point(s) would strengthen the letter." if advice else ""
    if determination is d.COVERED:
        key = policy.key if policy else "the rule"
        return f"{what} is likely covered by {payer}: every sourced criterion of {key} is met.{tip}"
    if determination is d.PRIOR_AUTH_REQUIRED:
        return (
            f"{what} meets the sourced criteria, but {payer} must approve it first "
            f"(prior authorisation).{tip}"
        )
    if determination is d.MEDICAL_NECESSITY_REVIEW:
        return (
            f"{what} is off-label; the sourced criteria are met and {payer} may pay if it "
            f"accepts the use.{tip}"
        )
    if determination is d.NOT_ELIGIBLE:
        gate = next(c for c in unmet if c.id.startswith(_GATES))
        return f"{what} cannot be covered: {gate.evidence[:1].lower()}{gate.evidence[1:]}"
    if determination is d.LIKELY_DENIED:
        more = f" and {len(unmet) - 1} more" if len(unmet) > 1 else ""
        return f"{what} is likely to be denied by {payer}: unmet '{unmet[0].statement}'{more}."
    return f"{what} cannot be assessed yet: {unknown or 'some'} criteria are still unknown."


def _abn_reason(
    determination: Determination,
    req: RequestFacts,
    program: str | None,
    criteria: Sequence[Criterion],
) -> str:
    """The specific reason to expect denial for ABN blank E, or "" when no ABN is due.

    Ch.30 §40.3.6: never a routine ABN. The reason names the rule with a source that fails,
    or the off-label status the contractor judges (BPM Ch.15 §50.4.2); payer practice never.
    """
    if program != "original":
        return ""
    what = f"{PRODUCTS.get(req.product, req.product)} for {INDICATIONS.get(req.indication, '?')}"
    if determination is Determination.MEDICAL_NECESSITY_REVIEW:
        return (
            f"The FDA has not approved {what}. Medicare pays for an unapproved use only if its "
            "contractor finds the use medically accepted, which it decides case by case."
        )
    if determination is Determination.LIKELY_DENIED:
        unmet = [c for c in criteria if c.decisive and c.status is Status.UNMET]
        rules = "; ".join(f"{c.statement[:1].lower()}{c.statement[1:]}" for c in unmet)
        return f"Medicare pays for {what} only when {rules}, and our records show this is not so."
    return ""
