"""What each appeal level's request must say, as data, and the draft argument.

The request contents follow the regulation for each level (medicare.md §C):
42 CFR 405.944 (CMS-20027), 405.964 (CMS-20033), 405.1014 (OMHA-100), 405.1112 (DAB-101),
422.582 (MA plan reconsideration), 423.582 / 423.600 (Part D). One letter template renders
them all: the fields below arrive in its context as `appeal.fields`.
"""

from dataclasses import dataclass
from typing import Any

from appeals import argument_match, remittance_codes
from appeals.argument_facts import FACT_LABELS, is_on_record, record_facts, schema_for
from appeals.deadlines import Level, Track
from appeals.models import DenialArgument
from coverage import contractors
from documents.context import clinical_context
from documents.pdf import RenderLimitExceeded
from documents.rendering import TemplateRefused, render_text


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


def arguments_for(denial) -> list[DenialArgument]:
    """The current arguments (the clinic's own versions, else the shared defaults) that
    answer the denial's group code, CARCs and RARCs (appeals/argument_match.py)."""
    rows = list(DenialArgument.objects.current(denial.claim.patient.clinic))
    by_key = {row.key: row for row in rows}
    rules = [
        argument_match.Rule(row.key, row.group_code, tuple(row.carc_list), tuple(row.rarc_list))
        for row in rows
    ]
    carcs = [
        (remittance_codes.carc(c).code if remittance_codes.carc(c) else c) for c in denial.carc_list
    ]
    chosen = argument_match.matching(rules, denial.group_code, carcs, denial.rarc_list)
    return [by_key[rule.key] for rule in chosen]


def render_argument(argument: DenialArgument, facts: dict[str, Any]) -> str:
    """The argument's paragraph with the patient's facts: only the facts it names."""
    schema = schema_for(argument.fact_list)
    return render_text(argument.paragraph, {name: facts[name] for name in schema}, schema)


def draft_reasons(denial, assessment_result: dict[str, Any] | None) -> str:
    """A first draft of "why the decision is wrong": the matching arguments with the
    patient's facts as of the date of service (appeals/argument_facts.py), the reviewer's
    text only (no rule keys, VERIFY notes or staff instructions). Staff edit it before filing.
    """
    facts = record_facts(denial, assessment_result)
    paragraphs = []
    for argument in arguments_for(denial):
        try:
            paragraphs.append(render_argument(argument, facts))
        except (TemplateRefused, RenderLimitExceeded):
            # Checked when saved, so only a paragraph that outran the time limit lands here;
            # the appeal page still lists the argument and its checklist for staff.
            continue
    if not paragraphs:
        adjustments = ", ".join(f"{denial.group_code}-{code}" for code in denial.carc_list)
        paragraphs.append(
            f"The claim for the service on {denial.claim.service_from:%m/%d/%Y} was denied "
            f"with adjustment {adjustments}. The enclosed records show that the service was "
            "given as billed and was reasonable and necessary for this patient (Social "
            "Security Act §1862(a)(1)(A))."
        )
    return "\n\n".join(p for p in paragraphs if p.strip())


def argument_checklists(denial) -> list[dict[str, Any]]:
    """For the appeal page (staff only): each matching argument with the facts it drew from
    the record, what it wants enclosed, its sources and any VERIFY note."""
    from coverage.assessments import assessment_on

    arguments = arguments_for(denial)
    if not arguments:
        return []
    facts = record_facts(denial, assessment_on(denial.claim.patient, denial.claim.service_from))
    notes = facts["_notes"]
    return [
        {
            "title": argument.title,
            "version": argument.version,
            "belongs_to": argument.clinic_label,
            "facts": [
                {
                    "label": FACT_LABELS.get(name, name),
                    "on_record": is_on_record(name, facts),
                    "note": notes.get(name, ""),
                }
                for name in argument.fact_list
            ],
            "checklist": argument.checklist,
            "citations": argument.citation_list,
            "verify_note": argument.verify_note if argument.verify else "",
        }
        for argument in arguments
    ]


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


# What each level asks for, in the reviewer's words (42 CFR 405.940, 405.960, 405.1000,
# 405.1100; 422.580, 422.592; 423.580, 423.600).
ASKS = {
    Level.REDETERMINATION: "We ask that the initial determination be reversed and the claim paid.",
    Level.RECONSIDERATION: "We ask the Qualified Independent Contractor to reverse the "
    "redetermination and direct payment of the claim.",
    Level.PLAN_RECONSIDERATION: "We ask the plan to reverse its organization determination "
    "and pay for the service.",
    Level.IRE: "We ask the Independent Review Entity to reverse the decision and direct "
    "payment for the service.",
    Level.ALJ: "We request a hearing before an Administrative Law Judge and a decision "
    "reversing the reconsideration and directing payment of the claim.",
    Level.COUNCIL: "We ask the Medicare Appeals Council to review the Administrative Law "
    "Judge's decision, reverse its unfavourable findings and direct payment of the claim.",
    Level.COURT: "This memorandum asks counsel to seek judicial review of the final decision.",
}


def ask_for(appeal) -> str:
    return ASKS.get(Level(appeal.level), "We ask that the decision be reversed.")


@dataclass(frozen=True)
class Recipient:
    """Whom the letter is addressed to. `warnings` are for staff (the appeal page) only."""

    name: str
    address_lines: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def recipient_for(appeal) -> Recipient:
    """The patient's contractor for this level (coverage/data/contractors.json), by the
    clinic's state on the date of service: the MAC's redetermination office, its QIC, OMHA
    central docketing, the Council; for Medicare Advantage and Part D the plan.

    Where no address is on file the letter prints the name only and staff are warned, rather
    than refusing the letter: the notice the clinic received names the address for the next
    level (reference medicare.md §G), staff write it on the envelope or fax cover,
    and refusing would block every appeal in a jurisdiction whose address is not yet on file.
    A placeholder is never printed.
    """
    form = form_for(appeal.track, appeal.level)
    level, track = Level(appeal.level), Track(appeal.track)
    patient = appeal.patient
    service = appeal.denial.claim.service_from
    coverage = getattr(patient, "coverage", None)
    office = None
    warnings: list[str] = []
    if level == Level.ALJ:
        office = contractors.omha_office()
    elif level == Level.COUNCIL:
        office = contractors.council_office()
    elif track == Track.ORIGINAL and level in (Level.REDETERMINATION, Level.RECONSIDERATION):
        mac = contractors.contractor_for_state(patient.clinic.state, service)
        if mac is None:
            warnings.append(
                f"No Medicare contractor is on file for {patient.clinic.state} on "
                f"{service:%m/%d/%Y}: the letter is addressed to \u201c{form.recipient}\u201d. "
                "Take the contractor and address from the notice."
            )
            return Recipient(form.recipient, (), tuple(warnings))
        office = mac.redetermination if level == Level.REDETERMINATION else mac.qic
    if office is None:
        name = form.recipient
        if track == Track.ADVANTAGE and level == Level.PLAN_RECONSIDERATION and coverage:
            name = coverage.ma_plan_name or name
        elif track == Track.PART_D and coverage and coverage.part_d_plan_name:
            name = coverage.part_d_plan_name
        if level != Level.IRE or track == Track.PART_D:
            warnings.append(
                f"No address is on file for {name}: the letter prints the name only. Write "
                "the address from the decision notice on the envelope or fax cover."
            )
        return Recipient(name, (), tuple(warnings))
    if not office.address_lines:
        warnings.append(
            f"No address is on file for {office.name}: the letter prints the name only. "
            "Write the address from the decision notice on the envelope or fax cover."
        )
    if office.verify and office.verify_note:
        warnings.append(f"VERIFY: {office.verify_note}")
    return Recipient(office.name, tuple(office.address_lines), tuple(warnings))


def codes_text(denial) -> list[str]:
    """Each adjustment and remark code with its meaning, in the words a letter may quote."""
    texts = []
    for code in denial.carc_list:
        info = remittance_codes.carc(code)
        texts.append(f"{denial.group_code}-{code}" + (f": {info.letter_text}" if info else ""))
    for code in denial.rarc_list:
        info = remittance_codes.rarc(code)
        texts.append(code + (f": {info.letter_text}" if info else ""))
    return texts
