"""The letter context schema: every field a letter template may print, and its type.

The contract between the code that builds contexts (documents/context.py, the sample in
documents/sample_context.py) and the templates staff edit; the restricted engine
(documents/template_engine.py) refuses any other name. docs/templates.md documents every
path; tests check that docs, sample and schema agree.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

# A dict is a group of fields, a one-element list is "a list of this", anything else is a
# leaf type.

CONTEXT_SCHEMA: dict[str, Any] = {
    "today": date,
    "document": {"kind": str, "title": str, "version": int},
    "clinic": {
        "name": str,
        "address_lines": [str],
        "phone": str,
        "fax": str,
        "npi": str,
        "logo_url": str | None,
        "rems_setting_id": str,
    },
    "patient": {
        "full_name": str,
        "first_name": str,
        "last_name": str,
        "date_of_birth": date,
        "age": int,
        "sex": str,
        "address_lines": [str],
        "phone": str,
        "chart_number": str,
        "mbi": str,
        "under_care_since": date | None,
    },
    "coverage": {
        "program": str,
        "program_label": str,
        "plan_name": str,
        "member_id": str,
        "part_d_plan": str,
        "medigap_plan": str,
        "medicaid_dual_label": str,
    },
    "diagnoses": [{"code": str, "description": str, "is_primary": bool, "onset_date": date | None}],
    "scores": [{"instrument_label": str, "score": int, "max_score": int, "administered_on": date}],
    "trials": [
        {
            "kind_label": str,
            "drug": str,
            "drug_class_label": str,
            "dose": str,
            "start_date": date | None,
            "end_date": date | None,
            "weeks": float | int | None,
            "adherence_label": str,
            "outcome_label": str,
            "current_episode": bool,
        }
    ],
    "screening": {
        "findings": [{"label": str, "value_label": str}],
        "blood_pressure": str,
        "bp_taken_on": date | None,
        "screened_on": date | None,
    },
    "request": {
        "product": str,
        "product_label": str,
        "indication_label": str,
        "with_oral_antidepressant_label": str,
        "dose_mg": int | None,
        "frequency_label": str,
        "planned_sessions": int,
        "codes": [str],
        "requested_start": date,
    },
    "provider": {"full_name": str, "credentials": str, "npi": str, "specialty": str},
    # The clinician's narrative on the treatment request (issue 14).
    "narrative": {
        "episode_onset": date | None,
        "episode_duration": str,
        "episode_summary": str,
        "functional_impairment": str,
        "suicide_risk": str,
        "safety_plan": str,
        "why_now": str,
        "alternatives_considered": str,
        "treatment_plan": str,
        "response_measures": str,
        "complete": bool,
    },
    # Only what a recipient may read (documents/outgoing.py): no rule keys, engine summary,
    # VERIFY notes, warnings, advice or next steps.
    "assessment": {
        "determination": str,
        "determination_label": str,
        "fda_status": str,
        "fda_status_label": str,
        "evidence": [{"statement": str, "evidence": str, "source": str}],
        "citations": [str],
    },
    "abn": {
        "items": [{"service": str, "reason": str, "estimated_cost": Decimal | str}],
        "omb_number": str,
        "form_expiry": str,
        "additional_information": str,
    },
    "payer": {"name": str, "address_lines": [str]},
    # Appeal letters only (appeals/appeal_actions.py letter_context); absent elsewhere.
    "appeal": {
        "form_name": str,
        "form_title": str,
        "regulation": str,
        "recipient": str,
        "recipient_lines": [str],
        "ask": str,
        "level_label": str,
        "fields": [{"label": str, "value": str}],
        "reasons": [str],
        "filing_deadline": date | None,
        "decided_by": str,
    },
    "denial": {
        "notice_label": str,
        "notice_date": date,
        "group_code": str,
        "carc_codes": [str],
        "rarc_codes": [str],
        "denied_amount": str,
        "codes_text": [str],
    },
    "enclosures": [str],
    "signature": {
        "signed": bool,
        "name": str,
        "credentials": str,
        "npi": str,
        "signed_at": datetime | None,
        "image_url": str | None,
    },
}
