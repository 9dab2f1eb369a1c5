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


def narrative() -> dict:
    return {
        "episode_onset": date(2024, 12, 1),
        "episode_duration": "about 19 months",
        "episode_summary": "The current episode began in December 2024 after the death of her "
        "husband and has been continuous since, with persistent low mood, anhedonia, early "
        "waking and 7 kg weight loss.",
        "functional_impairment": "She stopped her volunteer work in March 2025, no longer "
        "drives or shops alone and needs her daughter's help with meals and medications.",
        "suicide_risk": "Passive death wishes most days, no intent or plan, no past attempts "
        "(C-SSRS screen 06/10/2026: ideation without intent). Risk judged moderate and chronic.",
        "safety_plan": "Written safety plan reviewed 06/10/2026; firearms removed from the "
        "home; daughter and crisis line 988 as contacts.",
        "why_now": "Three antidepressants of different classes, an augmentation trial and CBT "
        "have failed in this episode and her function keeps declining; waiting for another "
        "10-week oral trial would prolong a severe episode.",
        "alternatives_considered": "ECT was discussed: she declined it after a prior episode's "
        "memory loss. TMS is not available within 90 miles of her home and she cannot travel "
        "daily for six weeks.",
        "treatment_plan": "Six infusions over three weeks with her current antidepressant, "
        "weekly psychotherapy, blood pressure and sedation monitoring at every session.",
        "response_measures": "MADRS and PHQ-9 at baseline, after session 3 and after session "
        "6; response is a 50 % fall in MADRS, and treatment stops without one.",
        "complete": True,
    }


def _evidence(statement, evidence, source) -> dict:
    return {"statement": statement, "evidence": evidence, "source": source}


def assessment(product: str, advantage: bool) -> dict:
    evidence = [
        _evidence("Adult (18 or older)", "Age 69", "FDA label"),
        _evidence(
            "Major depressive disorder (F32.x/F33.x)",
            "F33.2, current episode since 12/2024",
            "ICD-10-CM",
        ),
        _evidence(
            "No response to ≥ 2 antidepressants at adequate dose and duration in the current "
            "episode",
            "Sertraline, venlafaxine XR, bupropion XL: 10+ weeks each, < 25 % better",
            "FDA description of treatment-resistant depression",
        ),
        _evidence("Severe symptoms", "MADRS 34, PHQ-9 19 on 05/28/2026", ""),
        _evidence(
            "No psychosis, active substance use disorder or label contraindication",
            "Screening 06/10/2026",
            "FDA label",
        ),
    ]
    if product == "esketamine":
        evidence.append(
            _evidence(
                "Given in a REMS-certified setting, patient enrolled",
                "Setting HCS-0012345; patient enrolled 06/12/2026",
                "SPRAVATO REMS",
            )
        )
        return {
            "determination": "prior_auth_required",
            "determination_label": "Your plan must approve it first",
            "fda_status": "on_label",
            "fda_status_label": "FDA-approved for this indication",
            "evidence": evidence,
            "citations": ["SPRAVATO (esketamine) prescribing information, NDA 211243"],
        }
    return {
        "determination": "likely_denied",
        "determination_label": "Medicare may not pay",
        "fda_status": "off_label",
        "fda_status_label": "Off-label use (not an FDA-approved indication)",
        "evidence": evidence,
        "citations": [
            "Medicare Benefit Policy Manual Ch.15 §50.4.2",
            "McIntyre RS, et al. Synthesizing the evidence for ketamine and esketamine in "
            "treatment-resistant depression. Am J Psychiatry. 2021;178(5):383-399.",
            "Anand A, et al. Ketamine versus ECT for nonpsychotic treatment-resistant major "
            "depression. N Engl J Med. 2023;388(25):2315-2325.",
        ],
    }
