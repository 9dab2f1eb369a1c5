from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.csp import CSP
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from audit import AccessAction, record_access
from documents import access
from documents.forms import DeliveryForm, GenerateDocumentForm, SignForm
from documents.models import GeneratedDocument
from documents.rendering import RenderLimitExceeded, TemplateRefused
from documents.services import (
    SIGNABLE_KINDS,
    DocumentError,
    attestation_text,
    final_pdf,
    generate_document,
    record_delivery,
    sign_blockers,
    sign_refusal,
)
from documents.services import sign_document as sign
from intake import access as patient_access
from intake.decorators import permission_required


@require_POST
@permission_required("documents.add_generateddocument")
def generate(request, pk: int):
    patient = patient_access.get_patient(request, pk)
    form = GenerateDocumentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That document could not be generated: " + _errors(form))
        return redirect(patient)
    try:
        result = generate_document(
            patient,
            form.cleaned_data["kind"],
            request.user,
            request_key=form.cleaned_data["request_key"],
        )
    except (DocumentError, RenderLimitExceeded, TemplateRefused) as exc:
        messages.error(request, str(exc))
        return redirect(patient)
    doc = result.document
    if result.created:
        messages.success(request, f"{doc.get_kind_display()} version {doc.version} generated.")
    else:
        messages.info(request, "That request was already processed; here is the document.")
    return redirect(doc)


@permission_required("documents.view_generateddocument")
def detail(request, pk: int):
    return _detail_page(request, access.get_document(request, pk))


def _detail_page(request, doc: GeneratedDocument, sign_form: SignForm | None = None):
    versions = GeneratedDocument.objects.filter(patient=doc.patient, kind=doc.kind).select_related(
        "generated_by", "signature"
    )
    may_sign = (
        request.user.has_perm("documents.sign_document")
        and doc.kind in SIGNABLE_KINDS
        and not doc.is_signed
    )
    blockers = sign_blockers(doc) if doc.kind in SIGNABLE_KINDS and not doc.is_signed else []
    can_sign = may_sign and not blockers
    if can_sign and sign_form is None and sign_refusal(doc, request.user) is None:
        sign_form = _sign_form(request, doc)
    return render(
        request,
        "documents/pages/document_detail.html",
        {
            "doc": doc,
            "patient": doc.patient,
            "versions": versions,
            "deliveries": doc.deliveries.select_related("recorded_by"),
            "delivery_form": DeliveryForm(document=doc),
            "can_sign": can_sign,
            "sign_form": sign_form if can_sign else None,
            "sign_blockers": blockers,
            "staff_notes": staff_notes(doc),
        },
    )


def _sign_form(request, doc: GeneratedDocument, data=None) -> SignForm:
    return SignForm(data, request=request, attestation=attestation_text(doc, request.user.provider))


def staff_notes(doc: GeneratedDocument) -> dict | None:
    """What the letter leaves out on purpose, for the staff who review and sign it: the rule
    applied, the coverage path, warnings (VERIFY notes), advice, missing facts and next steps
    (documents/outgoing.py keeps them out of the letter context)."""
    if doc.assessment is None:
        return None
    result = doc.assessment.result
    policy = doc.assessment.policy
    return {
        "summary": result.get("summary", ""),
        "rule": f"{policy.key} v{policy.version}: {policy.title}" if policy else "",
        "coverage_path": (result.get("coverage_path") or "").replace("_", " "),
        "warnings": list(result.get("warnings", [])),
        "advice": [_text(a, "text") for a in result.get("advice", [])],
        "missing": [_text(m, "fact") for m in result.get("missing", [])],
        "next_steps": list(result.get("next_steps", [])),
    }


def _text(item, key: str) -> str:
    # The engine stores plain strings, or (issue 13) items with the text under `key`.
    return item if isinstance(item, str) else str(item.get(key, ""))


# The document page shows the PDF in an iframe of the same origin; nothing else may frame it.
PDF_CSP = {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]}


@xframe_options_sameorigin
@csp_override(PDF_CSP)
@permission_required("documents.view_generateddocument")
def pdf(request, pk: int):
    """The only way a PDF leaves the server: signed-in, permitted, scoped, and audited."""
    doc = access.get_document(request, pk)
    inline = request.GET.get("inline") == "1"
    record_access(
        request,
        AccessAction.PREVIEW if inline else AccessAction.DOWNLOAD,
        doc,
        patient=doc.patient,
    )
    response = HttpResponse(final_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(not inline, doc.filename)
    return response


@require_POST
@permission_required("documents.sign_document")
def sign_document(request, pk: int):
    """Sign after the attestation and a password or authenticator code (SignForm); a wrong
    one is an error next to its field and nothing is signed."""
    doc = access.get_document(request, pk)
    if refusal := sign_refusal(doc, request.user):
        messages.error(request, refusal)
        return redirect(doc)
    form = _sign_form(request, doc, request.POST)
    if not form.is_valid():
        return _detail_page(request, doc, sign_form=form)
    try:
        signature = sign(doc, request.user, confirmed_with=form.confirmed_with)
    except DocumentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Signed electronically by {signature.name}.")
    return redirect(doc)


@permission_required("documents.send_document")
def mark_sent(request, pk: int):
    doc = access.get_document(request, pk)
    form = DeliveryForm(request.POST or None, document=doc)
    if request.method == "POST" and form.is_valid():
        record_delivery(doc, request.user, **form.cleaned_data)
        messages.success(request, "Recorded as sent.")
        return redirect(doc)
    return render(request, "documents/pages/document_send.html", {"doc": doc, "form": form})


@permission_required("documents.view_generateddocument")
def patient_documents(request, pk: int):
    patient = patient_access.get_patient(request, pk)
    documents = patient.documents.select_related("generated_by", "signature").order_by(
        "kind", "-version"
    )
    return render(
        request,
        "documents/pages/patient_documents.html",
        {"patient": patient, "documents": documents},
    )


def _errors(form) -> str:
    return "; ".join(e for errors in form.errors.values() for e in errors)
