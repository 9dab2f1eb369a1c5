import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from appeals import access, appeal_actions
from appeals.appeal_actions import AppealError
from appeals.forms import (
    AppealReasonsForm,
    DecisionForm,
    DenialEntryForm,
    EnclosureForm,
    FileAppealForm,
)
from appeals.letters import argument_checklists, form_for, recipient_for, staff_hints
from appeals.packet import PacketError
from appeals.remittance_codes import carc, rarc
from documents.forms import valid_request_key
from documents.rendering import RenderLimitExceeded, TemplateRefused
from documents.services import DocumentError
from intake import access as patient_access
from intake.decorators import permission_required


@permission_required("appeals.add_denial")
def record_denial(request, pk: int):
    patient = patient_access.get_patient(request, pk)
    form = DenialEntryForm(
        request.POST or None, patient=patient, initial={"request_key": uuid.uuid4().hex}
    )
    if request.method == "POST" and form.is_valid():
        try:
            recorded = appeal_actions.record_denial(patient, request.user, form.cleaned_data)
        except AppealError as exc:
            messages.error(request, str(exc))
        else:
            if recorded.created:
                messages.success(
                    request, "Denial recorded. Check the deadline and start the appeal."
                )
            else:
                messages.info(request, "That denial was already recorded; here it is.")
            return redirect(recorded.denial)
    return render(request, "appeals/denial_form.html", {"patient": patient, "form": form})


@permission_required("appeals.view_denial")
def denial_detail(request, pk: int):
    denial = access.get_denial(request, pk)
    claim = denial.claim
    first_level = appeal_actions.deadlines.levels_for(denial.track)[0]
    deadline = appeal_actions.deadlines.compute_deadline(
        denial.track,
        first_level,
        denial.notice_date,
        amount=denial.denied_amount,
        today=timezone.localdate(),
    )
    return render(
        request,
        "appeals/denial_detail.html",
        {
            "denial": denial,
            "claim": claim,
            "patient": claim.patient,
            "lines": claim.lines.all(),
            "carcs": [(code, carc(code)) for code in denial.carc_list],
            "rarcs": [(code, rarc(code)) for code in denial.rarc_list],
            "appeals": denial.appeals.order_by("created_at"),
            "first_level": first_level,
            "first_form": form_for(denial.track, first_level),
            "deadline": deadline,
        },
    )


@require_POST
@permission_required("appeals.add_appeal")
def start_appeal(request, pk: int):
    denial = access.get_denial(request, pk)
    try:
        prepared = appeal_actions.start_appeal(denial, request.user)
    except AppealError as exc:
        messages.error(request, str(exc))
        return redirect(denial)
    if prepared.created:
        messages.success(request, "Appeal prepared with a draft of the reasons. Review them.")
    return redirect(prepared.appeal)


@permission_required("appeals.view_appeal")
def appeal_detail(request, pk: int):
    appeal = access.get_appeal(request, pk)
    return render(request, "appeals/appeal_detail.html", _appeal_context(appeal))


def _appeal_context(appeal, **forms) -> dict:
    today = timezone.localdate()
    deadline = appeal.deadline(today=today)
    lmn = appeal_actions.latest_lmn(appeal.patient)
    return {
        "appeal": appeal,
        "patient": appeal.patient,
        "denial": appeal.denial,
        "deadline": deadline,
        # Only while a filed appeal awaits its decision can a late adjudicator be escalated.
        "escalation": deadline.escalation if appeal.status == appeal.Status.FILED else None,
        "days_left": (appeal.filing_deadline - today).days,
        "days_overdue": (today - appeal.filing_deadline).days,
        "form_info": form_for(appeal.track, appeal.level),
        "reasons_form": AppealReasonsForm(instance=appeal),
        "file_form": FileAppealForm(instance=appeal),
        "decision_form": DecisionForm(instance=appeal),
        "enclosure_form": EnclosureForm(),
        "letter": appeal_actions.latest_letter(appeal),
        "lmn": lmn,
        # Staff only: what the appeal must show per denial reason, and why it can't leave yet.
        "argument_hints": staff_hints(appeal.denial),
        "arguments": argument_checklists(appeal.denial),
        "recipient": recipient_for(appeal),
        "letter_problem": appeal_actions.unsigned_letter_problem(appeal, "send it"),
        "lmn_problem": appeal_actions.lmn_date_problem(appeal, lmn),
        "packets": appeal.documents.filter(kind="packet").order_by("-version"),
        "enclosures": appeal.enclosures.all(),
        "chain": _chain(appeal),
        "request_key": uuid.uuid4().hex,
        **forms,
    }


def _chain(appeal):
    chain = []
    node = appeal
    while node.previous_id:
        node = node.previous
        chain.insert(0, node)
    return chain


@require_POST
@permission_required("appeals.change_appeal")
def update_reasons(request, pk: int):
    appeal = access.get_appeal(request, pk)
    form = AppealReasonsForm(request.POST, instance=appeal)
    if not appeal.is_editable:
        return _final(request, appeal)
    if form.is_valid():
        form.save()
        messages.success(request, "Reasons saved. Generate the letter again to include them.")
    else:
        messages.error(request, "The reasons could not be saved.")
    return redirect(appeal)


@require_POST
@permission_required("appeals.change_appeal")
def generate_letter(request, pk: int):
    appeal = access.get_appeal(request, pk)
    if not appeal.is_editable:
        return _final(request, appeal)
    try:
        result = appeal_actions.generate_appeal_letter(
            appeal, request.user, request_key=_request_key(request)
        )
    except (DocumentError, RenderLimitExceeded, TemplateRefused) as exc:
        messages.error(request, f"The letter could not be generated: {exc}")
        return redirect(appeal)
    if appeal.status == appeal.Status.DRAFT:
        appeal.status = appeal.Status.READY
        appeal.save(update_fields=["status", "updated_at"])
    messages.success(request, f"Appeal letter version {result.document.version} generated.")
    return redirect(appeal)


@require_POST
@permission_required("appeals.change_appeal")
def upload_enclosure(request, pk: int):
    appeal = access.get_appeal(request, pk)
    if not appeal.is_editable:
        return _final(request, appeal)
    form = EnclosureForm(request.POST, request.FILES)
    if form.is_valid():
        appeal_actions.add_enclosure(
            appeal,
            request.user,
            form.cleaned_data["title"],
            form.cleaned_data["file"],
            form.pdf_info,
        )
        messages.success(request, "Enclosure added.")
        return redirect(appeal)
    return _detail_with(request, appeal, enclosure_form=form)


@require_POST
@permission_required("appeals.change_appeal")
def build_packet(request, pk: int):
    appeal = access.get_appeal(request, pk)
    if not appeal.is_editable:
        return _final(request, appeal)
    try:
        document = appeal_actions.build_packet(
            appeal, request.user, request_key=_request_key(request)
        )
    except (AppealError, PacketError) as exc:
        messages.error(request, str(exc))
        return redirect(appeal)
    messages.success(request, f"Packet built: {document.page_count} pages.")
    return redirect(appeal)


@require_POST
@permission_required("appeals.change_appeal")
def file_appeal(request, pk: int):
    appeal = access.get_appeal(request, pk)
    form = FileAppealForm(request.POST, instance=appeal)
    return _submit(
        request, appeal, form, "file_form", appeal_actions.file_appeal, "Appeal marked as filed."
    )


@require_POST
@permission_required("appeals.change_appeal")
def record_decision(request, pk: int):
    appeal = access.get_appeal(request, pk)
    form = DecisionForm(request.POST, instance=appeal)
    return _submit(
        request, appeal, form, "decision_form", appeal_actions.record_decision, "Decision recorded."
    )


def _submit(request, appeal, form, form_name: str, action, success: str):
    """Run the action with a valid form (an AppealError becomes a message), then back to the
    appeal; an invalid form re-shows the appeal page with it bound under ``form_name``."""
    if not form.is_valid():
        return _detail_with(request, appeal, **{form_name: form})
    try:
        action(appeal, form.cleaned_data)
    except AppealError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(appeal)


@require_POST
@permission_required("appeals.add_appeal")
def prepare_next(request, pk: int):
    appeal = access.get_appeal(request, pk)
    try:
        prepared = appeal_actions.prepare_next_level(appeal, request.user)
    except AppealError as exc:
        messages.error(request, str(exc))
        return redirect(appeal)
    messages.success(request, f"{prepared.appeal.level_label} prepared.")
    return redirect(prepared.appeal)


def _request_key(request) -> str | None:
    """The form's idempotency key, or None (no de-duplication) if it is missing or malformed."""
    key = request.POST.get("request_key")
    return key if valid_request_key(key) else None


def _final(request, appeal):
    messages.error(
        request, "This appeal is filed: its reasons, letter, packet and enclosures are final."
    )
    return redirect(appeal)


def _detail_with(request, appeal, **forms):
    """Re-show the appeal page with the invalid form bound, so errors sit by its fields."""
    return render(
        request, "appeals/appeal_detail.html", _appeal_context(appeal, **forms), status=400
    )
