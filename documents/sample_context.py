"""A complete demo context for letter templates: the admin's live preview and the tests.

Everyone in it is fictional: the MBI is CMS's published example, the NPIs are made up with
a valid check digit, phone numbers are 555-01xx. It fills every variable of
CONTEXT_SCHEMA (documents/context_schema.py) so a preview shows every field a template uses.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from documents import sample_clinical as clinical
from documents.rendering import DOCUMENT_KINDS

TODAY = date(2026, 6, 15)

TITLES = {
    "lmn": "Letter of Medical Necessity",
    "abn": "Advance Beneficiary Notice of Non-coverage",
    "prior_auth": "Prior Authorization Request",
    "patient_explanation": "About your treatment and Medicare",
    "appeal_letter": "Appeal letter",
}
SAMPLE_KINDS = (*DOCUMENT_KINDS, "appeal_letter")
# The usual pairing: an Original Medicare patient asking for IV ketamine gets an LMN, an
# ABN and an explanation; a Medicare Advantage plan gets a prior-authorisation request.
_DEFAULT_PRODUCT = {
    "lmn": "iv_ketamine",
    "abn": "iv_ketamine",
    "prior_auth": "esketamine",
    "patient_explanation": "iv_ketamine",
    "appeal_letter": "iv_ketamine",
}

# Small pre-sized PNGs as data: URIs, the only non-static images the PDF renderer accepts.
_LOGO = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAPAAAAA8AgMAAAAlEd/OAAAADFBMVEX///8dTl94qrQAAAADfz+8AAABHUlEQVR4"
    "2u2XMXKDMBBFn4zoKZzepY+hI1Akp8STSUXNPXwEU9DDRCkkQKX3e4bG0YyEtnjzd792C+D9lkufj0Bnh08A1AE+"
    "Rdi16yHA5ySvwSHdgwJn02gU+JzvtQJv6QY77LagscN+C7zUJOI6lck6O1zYFKxwKddINbuvVqrZp+6uBbuTsgvQ"
    "qvPshUcGPE02yuVdP5lCvGXlIE3kqx0W1s5qzOqv9vZqtD+65n/YDi/s54HKA0QAJmA42rABs2pq6ClnHPOeO6Py"
    "Ipmd4TjAjwIvACOz8NR5iGOnuR2LaLLBFTwuW9SbDdvl4sFTtVu82OGo+kVF4Vgv1Dzm+6y0ZxSzpmLPu5cGY9Sy"
    "TsrcrxC/Rfj3ceH2Nv9Vf67lN85j3WkuAAAAAElFTkSuQmCC"
)
_SIGNATURE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAMgAAAAyAQAAAAAxKqlMAAABiElEQVR42uWUMY7TUBCGPzspUoAIEqB0dsEBKOni"
    "A1BQcACOgMQB4m7L3ZJiJdotKLgB3ooGEYkTrJRIaeMsSPbuiz+K2MbA5gIw1Yz+N/9788/Mi+SIxfxPSHoM8WhO"
    "8+xXaDHwDUt7C0nvxhAGFN/zIVs9g7M2vN4O2VYbfdBSnCyHbGtg1p57NxuyTe71DzcNQ6QAXhyim2w6vCe5Nrz"
    "V5pOWlv092Mxrq/pQyspq8IImgwgIF/CBMcChKIO1Za3lShPDQgOJOiaMRsQj2D1mnxIDP7ycVGBpcBX0JCwqda4b"
    "3UbiyuDnZmFiUqqJnqp7Y9bE+QRMefMNyPEjEBMzAYqoaDJefQG23BStBgUwhZBz/wx4zm2nQaLzxPelhoW6sZU7"
    "NgVT2EGcA4GXraJNBmSwPijBdP+6ZQvq+cLlaStX3WlKpZ7r1240qk2naA0EeNJxjC+6/tyql3rVz9W8yxkfGvuw"
    "b3Lxx8TvOiT6bReewqO7t+QKJn8hkcB2escuRP/YH/ITB4o4qvZtPfEAAAAASUVORK5CYII="
)


def sample_context(kind: str, *, product: str | None = None) -> dict:
    """A fresh, complete context for `kind`; `product` ("iv_ketamine"|"esketamine")
    switches the request and its assessment (by default the usual one for the kind)."""
    if kind not in SAMPLE_KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    product = product or _DEFAULT_PRODUCT[kind]
    if product not in ("iv_ketamine", "esketamine"):
        raise ValueError(f"unknown product {product!r}")
    advantage = kind == "prior_auth"
    return {
        "today": TODAY,
        "document": {"kind": kind, "title": TITLES[kind], "version": 1},
        "clinic": {
            "name": "Riverbend Interventional Psychiatry",
            "address_lines": ["1200 Example Avenue, Suite 300", "Springfield, IL 62701"],
            "phone": "(217) 555-0142",
            "fax": "(217) 555-0143",
            "npi": "1548702368",
            "logo_url": _LOGO,
            "rems_setting_id": "HCS-0012345",
        },
        "patient": {
            "full_name": "Eleanor R. Whitfield",
            "first_name": "Eleanor",
            "last_name": "Whitfield",
            "date_of_birth": date(1957, 3, 8),
            "age": 69,
            "sex": "Female",
            "address_lines": ["48 Maple Street", "Springfield, IL 62704"],
            "phone": "(217) 555-0178",
            "chart_number": "RB-004217",
            "mbi": "1EG4TE5MK73",
            "under_care_since": date(2024, 11, 4),
        },
        "coverage": _coverage(advantage),
        "diagnoses": [
            {
                "code": "F33.2",
                "description": "Major depressive disorder, recurrent, severe without "
                "psychotic features",
                "is_primary": True,
                "onset_date": date(2024, 12, 1),
            },
            {
                "code": "F41.1",
                "description": "Generalized anxiety disorder",
                "is_primary": False,
                "onset_date": None,
            },
        ],
        "scores": [
            clinical.score("PHQ-9", 22, 27, date(2025, 1, 6)),
            clinical.score("MADRS", 36, 60, date(2025, 1, 6)),
            clinical.score("PHQ-9", 19, 27, date(2026, 5, 28)),
            clinical.score("MADRS", 34, 60, date(2026, 5, 28)),
        ],
        "trials": clinical.trials(),
        "screening": {
            "findings": [
                {"label": "Psychosis (current or history)", "value_label": "None"},
                {"label": "Substance use (AUDIT-C, DAST-10)", "value_label": "Negative"},
                {"label": "Aneurysmal vascular disease or AVM", "value_label": "None"},
                {"label": "Intracerebral hemorrhage (history)", "value_label": "None"},
                {"label": "Pregnancy", "value_label": "Not applicable"},
                {
                    "label": "PDMP check",
                    "value_label": "Checked 06/10/2026; no controlled prescriptions",
                },
            ],
            "blood_pressure": "128/82 mmHg",
            "bp_taken_on": date(2026, 6, 10),
            "screened_on": date(2026, 6, 10),
        },
        "request": clinical.request(product),
        "narrative": clinical.narrative(),
        "provider": {
            "full_name": "Daniel K. Osei",
            "credentials": "MD",
            "npi": "1987654328",
            "specialty": "Psychiatry",
        },
        "assessment": clinical.assessment(product, advantage),
        "abn": {
            "items": [
                {
                    "service": "Ketamine for IV infusion, per session (J3490)",
                    "reason": "Ketamine is not FDA-approved for depression. Medicare may "
                    "decide this use is not reasonable and necessary.",
                    "estimated_cost": Decimal("95.00"),
                },
                {
                    "service": "IV infusion, first hour, with monitoring, per session (96365)",
                    "reason": "Medicare does not pay for the infusion if it does not pay "
                    "for the drug given.",
                    "estimated_cost": Decimal("380.00"),
                },
            ],
            "omb_number": "0938-0566",
            "form_expiry": "03/31/2029",
            "additional_information": "The plan is 6 sessions; the estimates are per "
            "session.\nAsk us about a payment plan.",
        },
        "payer": _payer(advantage),
        "enclosures": [
            "Medication history and pharmacy fill records, 2025–2026",
            "Progress notes, 01/06/2025 – 06/10/2026",
            "PHQ-9 and MADRS score sheets",
            "Safety screening and PDMP report, 06/10/2026",
            "Cited literature (McIntyre et al. 2021; Anand et al. 2023)",
        ],
        "appeal": _appeal(),
        "denial": {
            "notice_label": "Medicare Summary Notice",
            "notice_date": date(2026, 9, 2),
            "group_code": "PR",
            "carc_codes": ["50"],
            "rarc_codes": ["N115"],
            "denied_amount": "2,850.00",
            "codes_text": [
                "PR-50: These are non-covered services because this is not deemed a "
                "'medical necessity' by the payer.",
                "N115: This decision was based on a Local Coverage Determination (LCD).",
            ],
        },
        "signature": {
            "signed": True,
            "name": "Daniel K. Osei",
            "credentials": "MD",
            "npi": "1987654328",
            "signed_at": datetime(2026, 6, 15, 14, 5, tzinfo=ZoneInfo("America/New_York")),
            "image_url": _SIGNATURE,
        },
    }


def _coverage(advantage: bool) -> dict:
    if advantage:
        return {
            "program": "advantage",
            "program_label": "Medicare Advantage (Part C)",
            "plan_name": "Sample Health Medicare Advantage (HMO)",
            "member_id": "SHM884120577",
            "part_d_plan": "Included in the plan (MA-PD)",
            "medigap_plan": "",
            "medicaid_dual_label": "Not dually eligible",
        }
    return {
        "program": "original",
        "program_label": "Original Medicare (Part A and Part B)",
        "plan_name": "",
        "member_id": "",
        "part_d_plan": "Example Rx Basic (PDP)",
        "medigap_plan": "Medigap Plan G",
        "medicaid_dual_label": "Not dually eligible",
    }


def _payer(advantage: bool) -> dict:
    if advantage:
        return {
            "name": "Sample Health Medicare Advantage — Utilization Management",
            "address_lines": ["PO Box 0100", "Example City, MO 63101"],
        }
    return {
        "name": "Example Medicare Administrative Contractor — Medical Review",
        "address_lines": ["PO Box 0200", "Example City, TX 75001"],
    }


def _appeal() -> dict:
    fields = [
        ("Beneficiary name", "Eleanor R. Whitfield"),
        ("Medicare number", "1EG4TE5MK73"),
        ("Item(s) or service(s)", "J3490 GA, 96365 GA"),
        ("Date(s) of service", "07/01/2026 – 07/17/2026"),
        ("Decision appealed", "Initial determination (Medicare Summary Notice)"),
        ("Date of that decision", "09/02/2026"),
    ]
    return {
        "form_name": "CMS-20027",
        "form_title": "Medicare Redetermination Request",
        "regulation": "42 CFR 405.944",
        "recipient": "Example Medicare Administrative Contractor (Part B redeterminations)",
        "recipient_lines": ["PO Box 0300", "Example City, TX 75001"],
        "ask": "We ask that the initial determination be reversed and the claim paid.",
        "level_label": "Redetermination",
        "fields": [{"label": label, "value": value} for label, value in fields],
        "reasons": [
            "The claim was denied as not medically necessary (CARC 50). The treatment was "
            "reasonable and necessary for this patient on the date of service.",
            "The enclosed records show that this off-label use is medically accepted.",
        ],
        "filing_deadline": date(2027, 1, 5),
        "decided_by": "Example Medicare Administrative Contractor",
    }
