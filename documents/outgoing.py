"""What of the coverage assessment a letter's reader may see (issue 14).

The engine's output is written for staff: its summary names the rule key, its citations carry
VERIFY notes and pointers to the internal reference ("typical payer criteria (reference
medicare.md §A)"), its warnings, missing facts, advice and next steps are instructions. A
letter, PA request, ABN or appeal goes to a reviewer or the patient, so the letter context is
built from the recipient-facing part only; the rest stays on the staff pages (the coverage
panel, the document page). Pure functions over the stored result dict.
"""

import re
from typing import Any

# The determination in the patient's words (patient explanation). Staff labels such as
# "Incomplete: facts missing" describe the clinic's paperwork, not what Medicare will do.
PATIENT_DETERMINATION_LABELS = {
    "covered": "Medicare is likely to pay",
    "prior_auth_required": "Your plan must approve it first",
    "medical_necessity_review": "Medicare will decide case by case",
    "likely_denied": "Medicare may not pay",
    "not_eligible": "Medicare cannot pay for this treatment",
    "incomplete": "We do not know yet",
}

FDA_STATUS_LABELS = {
    "on_label": "FDA-approved for this indication",
    "off_label": "Off-label use (not an FDA-approved indication)",
}

# A citation segment that points to the clinic's own reference or to typical payer practice
# is not something a reviewer can look up (reference medicare.md §G: only a source can deny).
_INTERNAL_SEGMENT = re.compile(
    r"VERIFY|medicare\.md|typical payer|payer criteria|\breference\b|some payers|not a denial",
    re.IGNORECASE,
)
# "(VERIFY per MAC)", "(reference medicare.md §G Codes; VERIFY against ...)".
_INTERNAL_PARENTHESIS = re.compile(
    r"\s*\((?:[^()]*?)(?:VERIFY|medicare\.md|\breference\b)[^()]*\)", re.IGNORECASE
)


def public_citation(citation: str) -> str:
    """The part of a rule's citation a reviewer can look up; "" when nothing is left.

    Citations are "source: what it says; source: what it says". Internal parentheticals are
    removed first, then every segment that still points inside the clinic.
    """
    text = _INTERNAL_PARENTHESIS.sub("", citation or "")
    kept = [
        segment.strip()
        for segment in text.split("; ")
        if segment.strip() and not _INTERNAL_SEGMENT.search(segment)
    ]
    return "; ".join(kept).strip(" ;:")


def public_citations(citations: list[str]) -> list[str]:
    """The reviewer-facing citations, each once, in order."""
    cleaned = (public_citation(c) for c in citations)
    return list(dict.fromkeys(c for c in cleaned if c))


def evidence(result: dict[str, Any]) -> list[dict[str, str]]:
    """The criteria the record meets, as evidence for the clinician's argument.

    Unmet and unknown criteria are the staff's to-do list, not something to tell a reviewer;
    a criterion's id is the engine's, and its citation is reduced to the public part.
    """
    return [
        {
            "statement": str(c.get("statement", "")),
            "evidence": str(c.get("evidence", "")),
            "source": public_citation(str(c.get("citation", ""))),
        }
        for c in result.get("criteria", [])
        if c.get("status") == "met"
    ]


def abn_reason(result: dict[str, Any]) -> str:
    """ABN blank E: a specific reason the beneficiary understands (Claims Processing Manual
    Ch.30 §40.3.6 forbids routine reasons). The engine's own reason when it gives one."""
    if result.get("abn_reason"):
        return str(result["abn_reason"])
    if result.get("fda_status") == "off_label":
        return (
            "The FDA has not approved this drug for your condition. Medicare decides such use "
            "case by case and may decide it is not reasonable and necessary for you."
        )
    return (
        "Medicare may decide this treatment is not reasonable and necessary for you, based "
        "on the records it asks for."
    )
