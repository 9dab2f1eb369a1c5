"""What each appeal level's request must say, as data, and the draft argument.

The request contents follow the regulation for each level (medicare.md §C):
42 CFR 405.944 (CMS-20027), 405.964 (CMS-20033), 405.1014 (OMHA-100), 405.1112 (DAB-101),
422.582 (MA plan reconsideration), 423.582 / 423.600 (Part D). One letter template renders
them all: the fields below arrive in its context as `appeal.fields`.
"""

from dataclasses import dataclass
from typing import Any

from appeals import remittance_codes
from appeals.deadlines import Level, Track
from documents import outgoing
from documents.context import clinical_context


@dataclass(frozen=True)
class AppealForm:
    name: str
    title: str
    regulation: str
    recipient: str


FORMS: dict[tuple[Track, Level], AppealForm] = {
    (Track.ORIGINAL, Level.REDETERMINATION): AppealForm(
        "CMS-20027",
        "Medicare Redetermination Request",
        "42 CFR 405.944",
        "Medicare Administrative Contractor (MAC)",
    ),
    (Track.ORIGINAL, Level.RECONSIDERATION): AppealForm(
        "CMS-20033",
        "Medicare Reconsideration Request",
        "42 CFR 405.964",
        "Qualified Independent Contractor (QIC)",
    ),
    (Track.ORIGINAL, Level.ALJ): AppealForm(
        "OMHA-100",
        "Request for Administrative Law Judge (ALJ) Hearing",
        "42 CFR 405.1014",
        "Office of Medicare Hearings and Appeals (OMHA)",
    ),
    (Track.ORIGINAL, Level.COUNCIL): AppealForm(
        "DAB-101",
        "Request for Review of an ALJ Medicare Decision",
        "42 CFR 405.1112",
        "Medicare Appeals Council, Departmental Appeals Board",
    ),
    (Track.ORIGINAL, Level.COURT): AppealForm(
        "Civil action",
        "Judicial review: cover memorandum for counsel",
        "42 CFR 405.1136",
        "United States District Court",
    ),
    (Track.ADVANTAGE, Level.PLAN_RECONSIDERATION): AppealForm(
        "Plan reconsideration",
        "Request for Reconsideration of a Medicare Advantage Organization Determination",
        "42 CFR 422.582",
        "Medicare Advantage plan",
    ),
    (Track.ADVANTAGE, Level.IRE): AppealForm(
        "IRE submission",
        "Additional evidence for the Independent Review Entity",
        "42 CFR 422.590",
        "Independent Review Entity (forwarded by the plan)",
    ),
    (Track.ADVANTAGE, Level.ALJ): AppealForm(
        "OMHA-100",
        "Request for Administrative Law Judge (ALJ) Hearing",
        "42 CFR 422.602",
        "Office of Medicare Hearings and Appeals (OMHA)",
    ),
    (Track.ADVANTAGE, Level.COUNCIL): AppealForm(
        "DAB-101",
        "Request for Review of an ALJ Medicare Decision",
        "42 CFR 422.608",
        "Medicare Appeals Council, Departmental Appeals Board",
    ),
    (Track.ADVANTAGE, Level.COURT): AppealForm(
        "Civil action",
        "Judicial review: cover memorandum for counsel",
        "42 CFR 422.612",
        "United States District Court",
    ),
    (Track.PART_D, Level.REDETERMINATION): AppealForm(
        "Part D redetermination",
        "Request for Redetermination of Medicare Prescription Drug Denial",
        "42 CFR 423.582",
        "Part D plan sponsor",
    ),
    (Track.PART_D, Level.IRE): AppealForm(
        "Part D IRE reconsideration",
        "Request for Reconsideration of Medicare Prescription Drug Denial",
        "42 CFR 423.600",
        "Part D Independent Review Entity",
    ),
    (Track.PART_D, Level.ALJ): AppealForm(
        "OMHA-100",
        "Request for Administrative Law Judge (ALJ) Hearing",
        "42 CFR 423.2002",
        "Office of Medicare Hearings and Appeals (OMHA)",
    ),
    (Track.PART_D, Level.COUNCIL): AppealForm(
        "DAB-101",
        "Request for Review of an ALJ Medicare Decision",
        "42 CFR 423.2102",
        "Medicare Appeals Council, Departmental Appeals Board",
    ),
    (Track.PART_D, Level.COURT): AppealForm(
        "Civil action",
        "Judicial review: cover memorandum for counsel",
        "42 CFR 423.2136",
        "United States District Court",
    ),
}


def form_for(track: str, level: str) -> AppealForm:
    return FORMS[(Track(track), Level(level))]


def form_fields(appeal, *, mbi: str) -> list[dict[str, str]]:
    """The labelled facts the level's form asks for, in the form's order."""
    denial = appeal.denial
    claim = denial.claim
    patient = claim.patient
    previous = appeal.previous
    dates = (
        f"{claim.service_from:%m/%d/%Y}"
        if claim.service_from == claim.service_to
        else f"{claim.service_from:%m/%d/%Y} – {claim.service_to:%m/%d/%Y}"
    )
    services = ", ".join(
        f"{line.code}{(' ' + line.modifiers) if line.modifiers else ''}"
        for line in claim.lines.all()
    )
    fields = [
        ("Beneficiary name", patient.full_name),
        ("Medicare number", mbi),
        ("Item(s) or service(s)", services),
        ("Date(s) of service", dates),
        ("Decision appealed", _decision_appealed(appeal)),
        ("Date of that decision", f"{appeal.notice_date:%m/%d/%Y}"),
        ("Who is appealing", f"Provider: {claim.provider}, NPI {claim.provider.npi}"),
        ("Claim number", claim.claim_number or "—"),
        ("Amount in controversy", f"${appeal.amount_in_controversy:,.2f}"),
    ]
    level = Level(appeal.level)
    if level == Level.RECONSIDERATION:
        made_by = (previous.decided_by if previous else "") or denial.decided_by
        fields.append(("Contractor that made the redetermination", made_by))
    if level == Level.ALJ:
        fields += [
            ("Medicare part", "Part B" if appeal.track == Track.ORIGINAL else "Part C / Part D"),
            ("Reconsideration issued by", (previous.decided_by if previous else "") or "—"),
            (
                "Reconsideration appeal number",
                (previous.tracking_number if previous else "") or "—",
            ),
            ("Copies sent to other parties", "The beneficiary"),
        ]
    if level == Level.COUNCIL:
        fields.append(
            ("Parts of the ALJ decision disputed", "The unfavourable findings on coverage")
        )
    if appeal.good_cause_statement:
        fields.append(("Good cause for late filing", appeal.good_cause_statement))
    return [{"label": label, "value": value} for label, value in fields]


def _decision_appealed(appeal) -> str:
    if appeal.previous is None:
        return f"Initial determination ({appeal.denial.get_notice_type_display()})"
    return f"{appeal.previous.level_label} decision"


# The argument a reviewer reads, per denial reason (CARC), written as the clinic's statement.
# Staff edit the draft before filing; what an appeal must *show* for each reason is the staff
# hint on the appeal page (remittance_codes.appeal_argument_hint), never part of the letter.
_MEDICAL_NECESSITY = (
    "The treatment was reasonable and necessary for this patient on the date of service "
    "(SSA §1862(a)(1)(A)). The enclosed Letter of Medical Necessity and records document the "
    "diagnosis, the severity of the current episode, the treatments that failed before it and "
    "the plan for measuring response."
)
_NOT_COVERED = (
    "The service falls within the Part B benefit for drugs and biologicals given incident to "
    "a physician's service and is not excluded; where the use is off-label, the enclosed "
    "records and literature show it is medically accepted (Medicare Benefit Policy Manual "
    "Ch. 15 §50.4.2)."
)
_INFORMATION = (
    "The information the decision found missing is enclosed with this request; with it the "
    "record supports the service as billed."
)
_AUTHORISATION = (
    "Authorization was in place for this service and date, or none was required for it; the "
    "enclosed records show which."
)
_CODING = (
    "The codes billed are consistent with the service given and the diagnosis documented for "
    "that date of service, as the enclosed records show."
)
_FREQUENCY = (
    "The number and frequency of the services billed follow the documented treatment plan "
    "and the patient's measured response, as the enclosed records show."
)
ARGUMENTS = {
    **dict.fromkeys(("50", "55", "56", "150", "272"), _MEDICAL_NECESSITY),
    **dict.fromkeys(("96", "204", "114", "188", "167"), _NOT_COVERED),
    **dict.fromkeys(("16", "226", "252"), _INFORMATION),
    **dict.fromkeys(("197", "15", "284", "198"), _AUTHORISATION),
    **dict.fromkeys(("4", "11", "146", "181", "182"), _CODING),
    **dict.fromkeys(("119", "151"), _FREQUENCY),
}


def draft_reasons(denial, assessment_result: dict[str, Any] | None) -> str:
    """A first draft of "why the decision is wrong", from the denial codes and the assessment
    as of the date of service: the reviewer's text only (no rule keys, VERIFY notes or staff
    instructions). Staff edit it before filing."""
    paragraphs = []
    for code in denial.carc_list:
        info = remittance_codes.carc(code)
        what = f" ({info.letter_text.rstrip('.')})" if info else ""
        paragraphs.append(
            f"The claim was denied with adjustment {denial.group_code}-{code}{what}. "
            "We ask that this decision be reversed."
        )
        if (argument := ARGUMENTS.get(code)) and argument not in paragraphs:
            paragraphs.append(argument)
    if assessment_result:
        met = outgoing.evidence(assessment_result)
        if met:
            lines = "\n".join(
                f"- {c['statement']}: {c['evidence']}"
                + (f" ({c['source']})" if c["source"] else "")
                for c in met
            )
            paragraphs.append("On the date of service the record showed:\n" + lines)
        if assessment_result.get("fda_status") == "off_label":
            paragraphs.append(
                "Off-label use is covered where it is medically accepted, considering the major "
                "compendia, authoritative medical literature and accepted standards of practice "
                "(Medicare Benefit Policy Manual Ch. 15 §50.4.2); the enclosed Letter of "
                "Medical Necessity sets out that evidence for this patient."
            )
        elif assessment_result.get("fda_status") == "on_label":
            paragraphs.append(
                "The drug was used for an FDA-approved indication and is reasonable and "
                "necessary for this patient (SSA §1862(a)(1)(A); Medicare Benefit Policy "
                "Manual Ch. 15 §50.4.1)."
            )
    return "\n\n".join(paragraphs)


def staff_hints(denial) -> list[tuple[str, str]]:
    """For the appeal page: what an appeal of each denial reason must show (staff only)."""
    hints = []
    for code in denial.carc_list:
        if hint := remittance_codes.appeal_argument_hint(code):
            hints.append((f"{denial.group_code}-{code}", hint))
    return hints


def as_of_service(appeal) -> dict[str, Any]:
    """Scores and treatments as known on the claim's date of service, for the appeal letter:
    anything recorded later is left out (the argument is about that day)."""
    clinical = clinical_context(appeal.patient, as_of=appeal.denial.claim.service_from)
    return {"scores": clinical["scores"], "trials": clinical["trials"]}
