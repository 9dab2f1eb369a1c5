"""The demo patient's clinical record for the sample context: scores, trials, request,
and the assessment the engine would give (documents/sample_context.py assembles them).
"""

from datetime import date


def score(label: str, score: int, max_score: int, on: date) -> dict:
    return {
        "instrument_label": label,
        "score": score,
        "max_score": max_score,
        "administered_on": on,
    }


def _trial(kind, drug, drug_class, dose, start, end, weeks, outcome, *, current=True) -> dict:
    return {
        "kind_label": kind,
        "drug": drug,
        "drug_class_label": drug_class,
        "dose": dose,
        "start_date": start,
        "end_date": end,
        "weeks": weeks,
        "adherence_label": "Taken as prescribed" if current else "Not documented",
        "outcome_label": outcome,
        "current_episode": current,
    }


def trials() -> list[dict]:
    no_response = "No response (< 25 % improvement)"
    return [
        _trial(
            "Antidepressant",
            "Escitalopram",
            "SSRI",
            "20 mg daily",
            None,
            None,
            None,
            "Remission (2019 episode)",
            current=False,
        ),
        _trial(
            "Antidepressant",
            "Sertraline",
            "SSRI",
            "200 mg daily",
            date(2025, 1, 6),
            date(2025, 3, 17),
            10.0,
            no_response,
        ),
        _trial(
            "Antidepressant",
            "Venlafaxine XR",
            "SNRI",
            "225 mg daily",
            date(2025, 3, 24),
            date(2025, 6, 2),
            10.0,
            no_response,
        ),
        _trial(
            "Augmentation",
            "Aripiprazole",
            "Atypical antipsychotic",
            "5 mg daily",
            date(2025, 6, 9),
            date(2025, 8, 4),
            8.0,
            "Stopped: akathisia",
        ),
        _trial(
            "Antidepressant",
            "Bupropion XL",
            "NDRI",
            "300 mg daily",
            date(2025, 8, 11),
            None,
            43.5,
            no_response,
        ),
        _trial(
            "Psychotherapy",
            "Cognitive behavioural therapy",
            "",
            "16 weekly sessions",
            date(2025, 2, 3),
            date(2025, 5, 26),
            16.0,
            "Minimal improvement",
        ),
    ]


def request(product: str) -> dict:
    if product == "esketamine":
        return {
            "product": "esketamine",
            "product_label": "Esketamine nasal spray (Spravato)",
            "indication_label": "Treatment-resistant depression",
            "with_oral_antidepressant_label": "Yes",
            "dose_mg": 84,
            "frequency_label": "Twice weekly, weeks 1–4; weekly, weeks 5–8",
            "planned_sessions": 12,
            "codes": ["G2083"],
            "requested_start": date(2026, 7, 1),
        }
    return {
        "product": "iv_ketamine",
        "product_label": "IV ketamine infusion",
        "indication_label": "Treatment-resistant depression",
        "with_oral_antidepressant_label": "Yes",
        "dose_mg": 40,
        "frequency_label": "Twice weekly for 3 weeks",
        "planned_sessions": 6,
        "codes": ["J3490", "96365"],
        "requested_start": date(2026, 7, 1),
    }


def _criterion(id_, statement, status, evidence, citation) -> dict:
    labels = {"met": "Met", "unmet": "Not met", "unknown": "Not yet known"}
    return {
        "id": id_,
        "statement": statement,
        "status": status,
        "status_label": labels[status],
        "evidence": evidence,
        "citation": citation,
    }


def assessment(product: str, advantage: bool) -> dict:
    criteria = [
        _criterion("age", "Adult (18 or older)", "met", "Age 69", "FDA label; plan criteria"),
        _criterion(
            "diagnosis",
            "Major depressive disorder (F32.x/F33.x)",
            "met",
            "F33.2, current episode since 12/2024",
            "ICD-10-CM; plan criteria",
        ),
        _criterion(
            "failed_trials",
            "No response to ≥ 2 antidepressants at adequate dose for "
            "≥ 6 weeks in the current episode",
            "met",
            "Sertraline, venlafaxine XR, bupropion XL: 10+ weeks each, < 25 % better",
            "FDA TRD description; plan criteria",
        ),
        _criterion(
            "severity",
            "Severe symptoms (MADRS ≥ 28 or PHQ-9 ≥ 15)",
            "met",
            "MADRS 34, PHQ-9 19 on 05/28/2026",
            "Plan criteria",
        ),
        _criterion(
            "exclusions",
            "No psychosis, active substance use disorder or label contraindication",
            "met",
            "Screening 06/10/2026",
            "FDA label; plan criteria",
        ),
    ]
    if product == "esketamine":
        criteria.append(
            _criterion(
                "rems",
                "Given in a REMS-certified setting, patient enrolled",
                "met",
                "Setting HCS-0012345; patient enrolled 06/12/2026",
                "SPRAVATO REMS",
            )
        )
        return {
            "determination": "likely_covered",
            "determination_label": "Likely covered once the plan approves it",
            "summary": "Ms. Whitfield has recurrent major depression, severe in the current "
            "episode, that has not responded to three antidepressants of different classes "
            "at adequate dose and duration, an augmentation trial and a course of CBT.",
            "fda_status_label": "FDA-approved for TRD with an oral antidepressant (2019)",
            "coverage_path_label": "Medicare Advantage, prior authorisation; G2083 includes "
            "the drug",
            "policy_label": "Sample Health esketamine policy",
            "policy_version": 2,
            "criteria": criteria,
            "modifiers": [{"code": "KX", "reason": "REMS enrolment documented (MAC-specific)"}],
            "missing": [],
            "warnings": [],
            "next_steps": ["Send the prior-authorisation request with the enclosures"],
            "citations": ["SPRAVATO (esketamine) prescribing information, NDA 211243"],
        }
    criteria.append(
        _criterion(
            "medically_accepted",
            "Off-label use is medically accepted (compendia, literature, standards of practice)",
            "unknown",
            "No NCD or LCD; supporting literature enclosed",
            "BPM Ch.15 §50.4.2",
        )
    )
    return {
        "determination": "likely_denied" if not advantage else "uncertain",
        "determination_label": "Medicare may not pay",
        "summary": "Ms. Whitfield has recurrent major depression, severe in the current "
        "episode, that has not responded to three antidepressants of different classes at "
        "adequate dose and duration, an augmentation trial and a course of CBT. Her MADRS "
        "is 34 and her PHQ-9 is 19 despite treatment.",
        "fda_status_label": "off-label; ketamine is FDA-approved only as an anesthetic",
        "coverage_path_label": "Original Medicare Part B, drug given incident to a physician's "
        "service; off-label use",
        "policy_label": "Clinic TRD criteria for Original Medicare",
        "policy_version": 3,
        "criteria": criteria,
        "modifiers": [{"code": "GA", "reason": "Denial expected; signed ABN on file"}],
        "missing": ["Signed ABN before the first session"],
        "warnings": ["No NCD or LCD covers ketamine infusion for depression"],
        "next_steps": ["Have the patient sign the ABN before the first infusion"],
        "citations": [
            "McIntyre RS, et al. Synthesizing the evidence for ketamine and esketamine in "
            "treatment-resistant depression. Am J Psychiatry. 2021;178(5):383-399.",
            "Anand A, et al. Ketamine versus ECT for nonpsychotic treatment-resistant major "
            "depression. N Engl J Med. 2023;388(25):2315-2325.",
        ],
    }
