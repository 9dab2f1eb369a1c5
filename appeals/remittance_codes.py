"""Look up and validate the remittance codes on a denial (group code, CARC, RARC).

The codes live in ``appeals/data/remittance_codes.json``: a hand-checked subset of the X12
lists for ketamine/esketamine claims, with its source and "as of" date in its header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from django.core.exceptions import ValidationError

__all__ = [
    "GROUP_CODES",
    "Adjustment",
    "CodeInfo",
    "appeal_argument_hint",
    "carc",
    "code_list_about",
    "group_code",
    "parse_adjustment",
    "rarc",
    "validate_carc",
    "validate_group_code",
    "validate_rarc",
]

GROUP_CODES = ("CO", "PR", "OA", "PI")


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    description: str
    # True when the wording kept is the shorter well-known one or the note raises a
    # question: check against x12.org before quoting it to a payer.
    verify: bool = False
    note: str = ""

    @property
    def summary(self) -> str:
        """The description without X12's payer-facing "Usage:" guidance, for letters."""
        return self.description.split(" Usage:", 1)[0]

    @property
    def letter_text(self) -> str:
        """What a letter may quote: the description without any of the code list's notes
        to payers (the "Usage:" guidance, "At least one Remark Code must be provided ...",
        "(Use only with Group Code ...)"); the staff pages show the full text."""
        text = _PAYER_NOTES.sub("", self.summary)
        return " ".join(text.split()).rstrip(" .") + "."


# Notes in the X12 descriptions addressed to the payer filling in the remittance.
_PAYER_NOTES = re.compile(
    r"At least one Remark Code must be provided \(.*?\)\.?\)?|\(Use only with Group Codes? [^)]*\)"
)


@dataclass(frozen=True, slots=True)
class Adjustment:
    group: str
    carc: str

    def __str__(self) -> str:
        return f"{self.group}-{self.carc}"


@dataclass(frozen=True, slots=True)
class _CodeList:
    about: Mapping[str, str]
    groups: Mapping[str, CodeInfo]
    carcs: Mapping[str, CodeInfo]
    rarcs: Mapping[str, CodeInfo]


def _table(entries: Mapping[str, Mapping[str, object]]) -> Mapping[str, CodeInfo]:
    return MappingProxyType(
        {
            code: CodeInfo(
                code=code,
                description=str(entry["description"]),
                verify=bool(entry.get("verify", False)),
                note=str(entry.get("note", "")),
            )
            for code, entry in entries.items()
        }
    )


@cache
def _codes() -> _CodeList:
    raw = json.loads(
        resources.files("appeals").joinpath("data/remittance_codes.json").read_text("utf-8")
    )
    return _CodeList(
        about=MappingProxyType(raw["_about"]),
        groups=_table(raw["group_codes"]),
        carcs=_table(raw["carc"]),
        rarcs=_table(raw["rarc"]),
    )


def code_list_about() -> Mapping[str, str]:
    """The data file's header: title, source, as-of date, how it was checked."""
    return _codes().about


def _clean(code: object) -> str:
    return str(code).strip().upper()


def _clean_carc(code: object) -> str:
    cleaned = _clean(code)
    if cleaned.isdigit():
        # Remittances and spreadsheets often zero-pad numeric CARCs ("050").
        return cleaned.lstrip("0") or cleaned
    return cleaned


def group_code(code: str) -> CodeInfo | None:
    return _codes().groups.get(_clean(code))


def carc(code: str) -> CodeInfo | None:
    return _codes().carcs.get(_clean_carc(code))


def rarc(code: str) -> CodeInfo | None:
    return _codes().rarcs.get(_clean(code))


def validate_group_code(code: str) -> CodeInfo:
    info = group_code(code)
    if info is None:
        raise ValidationError(
            "Group code %(code)s is not one of CO, PR, OA or PI.",
            code="unknown_group_code",
            params={"code": _clean(code) or "(blank)"},
        )
    return info


def validate_carc(code: str) -> CodeInfo:
    info = carc(code)
    if info is None:
        raise ValidationError(
            "CARC %(code)s is not in the bundled code list.",
            code="unknown_carc",
            params={"code": _clean_carc(code) or "(blank)"},
        )
    return info


def validate_rarc(code: str) -> CodeInfo:
    info = rarc(code)
    if info is None:
        raise ValidationError(
            "RARC %(code)s is not in the bundled code list.",
            code="unknown_rarc",
            params={"code": _clean(code) or "(blank)"},
        )
    return info


# Two letters, an optional separator, then a CARC: digits or one letter and digits (B7).
_ADJUSTMENT = re.compile(r"([A-Z]{2})\s*[-–—:/]?\s*([A-Z]?\d{1,3})")


def parse_adjustment(text: str) -> Adjustment:
    """Parse "CO-50", "co 50", "CO50" or "PR-B7" into an Adjustment.

    The group code must be one of CO, PR, OA, PI. The CARC is only checked for shape: a
    remittance can carry a code outside the bundled subset; use validate_carc to insist.
    """
    match = _ADJUSTMENT.fullmatch(_clean(text))
    if match is None:
        raise ValidationError(
            "Enter the adjustment as a group code and a reason code, e.g. CO-50.",
            code="invalid_adjustment",
        )
    group, reason = match.groups()
    validate_group_code(group)
    return Adjustment(group=group, carc=_clean_carc(reason))


# What an appeal has to show, per common denial reason: instructions to staff, shown on the
# appeal page beside the reasons they draft; never part of a letter.
_APPEAL_HINTS = {
    "50": (
        "Show that the coverage criteria (the LCD or plan policy) were met on the date of "
        "service, with the evidence from the record for each criterion."
    ),
    "167": (
        "Show that the diagnosis is documented in the record and is a covered indication "
        "that supports the service billed."
    ),
    "197": (
        "Show the authorization that was in place for this service and date, or why none "
        "was required."
    ),
    "16": (
        "Supply the missing or corrected information that the remark codes name; with "
        "MA130 the claim is unprocessable and is corrected and resubmitted, not appealed."
    ),
    "96": (
        "Show that the service falls within a covered benefit category and is not "
        "excluded, citing the coverage policy that applies."
    ),
    "29": (
        "Show that the claim was filed within the time limit, with the submission record, "
        "or show good cause for filing late."
    ),
    "55": (
        "Show that the treatment is accepted as safe and effective for the patient's "
        "condition, citing FDA approval or peer-reviewed evidence and the coverage policy."
    ),
    "11": (
        "Show that the diagnosis on the claim is consistent with the procedure and is "
        "documented in the record for that date of service."
    ),
    "151": (
        "Show that the number and frequency of services billed were medically necessary, "
        "with the documented treatment plan and the patient's response."
    ),
}
_APPEAL_HINTS["15"] = _APPEAL_HINTS["197"]
_APPEAL_HINTS["284"] = _APPEAL_HINTS["197"]
_APPEAL_HINTS["204"] = _APPEAL_HINTS["96"]
_APPEAL_HINTS["56"] = _APPEAL_HINTS["55"]


def appeal_argument_hint(carc: str) -> str | None:
    """One plain sentence on what an appeal of this denial reason must show, if known."""
    return _APPEAL_HINTS.get(_clean_carc(carc))
