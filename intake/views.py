from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit import AccessAction, record_access
from intake import access as patient_access
from intake.decorators import permission_required

from . import panels, patient_filters, resume, search, steps
from .choices import IntakeStep
from .forms import NewChartForm, PatientForm, PatientSearchForm
from .icd10 import search_icd10
from .models import Patient

SEARCH_SESSION_KEY = "patient_search"


@login_required
def home(request):
    in_progress = (
        Patient.objects.select_related("clinic", "coverage")
        .for_user(request.user)
        .filter(intake_completed_at__isnull=True)
        .order_by("-updated_at")[:20]
        if request.user.has_perm("intake.view_patient")
        else []
    )
    return render(
        request, "home.html", {"in_progress": in_progress, **panels.home_page_panels(request.user)}
    )


@permission_required("intake.view_patient")
def patient_list(request):
    # The search text (names, MBIs, birth dates) is PHI: it travels in a POST body and
    # the session, never in the URL, so it cannot end up in access logs or history.
    if request.method == "POST":
        form = PatientSearchForm(request.POST)
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"]
        return redirect("intake:patient-list")
    query = request.session.get(SEARCH_SESSION_KEY, "")
    patients = Patient.objects.select_related("clinic", "coverage").for_user(request.user)
    patients = patient_filters.with_coverage_status(search.filter_patients(patients, query))
    # Filters and sort are codes, not PHI: they may travel in the URL, unlike the search.
    patient_filter = patient_filters.PatientFilter(request.GET, queryset=patients)
    sort = request.GET.get("sort", "name")
    if sort not in patient_filters.SORTS:
        sort = "name"
    patients = patient_filters.sorted_patients(patient_filter.qs, sort)
    page = Paginator(patients, 25).get_page(request.GET.get("page"))
    labels = patient_filters.status_labels()
    page.object_list = list(page.object_list)
    for patient in page.object_list:
        patient.coverage_status_label = labels.get(patient.coverage_status, "")
    page_query = request.GET.copy()
    page_query.pop("page", None)
    return render(
        request,
        "intake/patient_list.html",
        {
            "page": page,
            "form": PatientSearchForm(initial={"q": query}),
            "query": query,
            "filter": patient_filter,
            "filtered": any(request.GET.get(name) for name in patient_filter.filters),
            "sort": sort,
            "sort_links": patient_filters.sort_links(request.GET, sort),
            "page_query": page_query.urlencode(),
        },
    )


@permission_required("intake.view_patient")
def patient_detail(request, pk: int):
    patient = patient_access.get_patient(request, pk)
    record_access(request, AccessAction.VIEW, patient, patient=patient)
    context = {
        "patient": patient,
        "coverage": getattr(patient, "coverage", None),
        "screening": getattr(patient, "screening", None),
        "diagnoses": patient.diagnoses.all(),
        "scores": patient.scores.all(),
        "trials": patient.trials.all(),
        "treatment_request": patient.current_request(),
        "missing": steps.missing_sections(patient),
        **panels.patient_page_panels(request.user, patient),
    }
    return render(request, "intake/patient_detail.html", context)


@permission_required("intake.add_patient", keep_unsaved=True)
def intake_start(request):
    data, restored = _posted_or_restored(request)
    form = PatientForm(data, user=request.user)
    check = NewChartForm(data, details=form)
    if request.method == "POST" and form.is_valid() & check.is_valid():  # both show errors
        patient = form.save(commit=False)
        patient.created_by = request.user
        patient.intake_step = IntakeStep.COVERAGE
        patient.save()
        steps.carry_mbi(request.session, patient, check.cleaned_data["mbi"])
        messages.success(request, "Patient saved. Next: Medicare coverage.")
        return redirect("intake:intake-step", pk=patient.pk, step=IntakeStep.COVERAGE)
    return render(
        request,
        "intake/step_patient.html",
        _step_context(None, "patient", form=form, check=check, **_restored_version(restored)),
    )


@permission_required("intake.change_patient", keep_unsaved=True)
def patient_edit(request, pk: int):
    patient = patient_access.get_patient(request, pk)
    data, restored = _posted_or_restored(request)
    form = PatientForm(data, instance=patient, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                steps.claim_version(patient, _loaded_version(request))
                form.save()
        except steps.StaleEdit:
            patient.refresh_from_db(fields=["lock_version"])
            messages.error(
                request,
                "Someone else saved this patient after you opened this page. Your entries are "
                "below and were NOT saved: check them and save again.",
            )
            return render(
                request,
                "intake/step_patient.html",
                _step_context(patient, "patient", form=form, stale=True),
                status=409,
            )
        messages.success(request, "Patient details saved.")
        return _after_step(request, patient, IntakeStep.COVERAGE)
    return render(
        request,
        "intake/step_patient.html",
        _step_context(patient, "patient", form=form, **_restored_version(restored)),
    )


@permission_required("intake.change_patient", keep_unsaved=True)
def intake_step(request, pk: int, step: str):
    if step not in steps.STEPS:
        raise Http404("No such intake step")
    patient = patient_access.get_patient(request, pk)
    current = steps.STEPS[step]
    initial = steps.carried_over(request.session, patient, step)
    data, restored = _posted_or_restored(request)
    bound = current.build(patient, data, initial=initial, user=request.user)
    if request.method == "POST":
        try:
            if steps.is_valid(bound) and steps.save_step(
                current, patient, bound, _loaded_version(request)
            ):
                steps.forget_carried(request.session, patient)
                messages.success(request, f"{current.title} saved.")
                return _after_step(request, patient, current.next)
            messages.error(
                request, "Some fields need attention; nothing on this page was saved yet."
            )
        except steps.StaleEdit:
            patient.refresh_from_db()
            messages.error(
                request,
                "Someone else saved this patient's intake after you opened this page. Your "
                "entries are below and were NOT saved: check them against the patient page "
                "(opens in a new tab) and save again.",
            )
            return render(
                request,
                f"intake/step_{step}.html",
                _step_context(patient, step, current=current, stale=True, **bound),
                status=409,
            )
    context = _step_context(patient, step, current=current, **bound, **_restored_version(restored))
    return render(request, f"intake/step_{step}.html", context)


@permission_required("intake.change_patient")
def intake_review(request, pk: int):
    patient = patient_access.get_patient(request, pk)
    missing = steps.missing_sections(patient)
    if request.method == "POST":
        if missing:
            messages.error(request, "The intake can't be finished yet: " + "; ".join(missing))
        else:
            steps.complete_intake(patient)
            messages.success(request, "Intake complete.")
            return redirect(patient)
    return redirect(reverse("intake:patient-detail", args=[patient.pk]) + "#review")


@require_POST
@permission_required("intake.view_patient")
def keep_alive(request):
    """ "Stay signed in" on the idle warning (static/js/idle.js). The request itself renews
    the session (SESSION_SAVE_EVERY_REQUEST); the answer says for how long."""
    return JsonResponse({"idle_seconds": request.session.get_expiry_age()})


ICD10_MIN_QUERY = 2
ICD10_MAX_QUERY = 100
ICD10_LIMIT = 20


@require_POST
@permission_required("intake.view_diagnosis")
def icd10_search(request):
    """ICD-10-CM codes for the diagnosis field's lookup, as JSON [{code, description}].

    The same for every clinic (it is the code set, not a record). POST, because what is
    typed while a patient's chart is open says something about that patient: in a POST body
    it stays out of URLs and access logs.
    """
    query = request.POST.get("q", "").strip()[:ICD10_MAX_QUERY]
    found = search_icd10(query, ICD10_LIMIT) if len(query) >= ICD10_MIN_QUERY else []
    return JsonResponse([{"code": c, "description": d} for c, d in found], safe=False)


@require_POST
@permission_required("intake.view_patient")
def clear_search(request):
    request.session.pop(SEARCH_SESSION_KEY, None)
    return redirect("intake:patient-list")


def _step_context(patient: Patient | None, step: str, **extra) -> dict:
    return {
        "patient": patient,
        "step": step,
        "step_choices": IntakeStep.choices,
        "lock_version": patient.lock_version if patient else 0,
        **extra,
    }


def _posted_or_restored(request):
    """The form data to bind: the POST, or on a GET what was typed before the session ended
    (intake.resume), with a message saying so; else None (an unbound form)."""
    if request.method == "POST":
        return request.POST, None
    restored = resume.take_unsaved_post(request)
    if restored is not None:
        messages.warning(
            request,
            "You were signed out before this was saved. What you typed is below and is NOT "
            "saved yet: check it, then save.",
        )
    return restored, restored


def _restored_version(restored) -> dict:
    """A restored form keeps the version it was loaded at, so a colleague's save made
    meanwhile is still caught as a stale edit."""
    if restored is None:
        return {}
    try:
        return {"lock_version": int(restored.get("lock_version", ""))}
    except ValueError:
        return {"lock_version": -1}


def _loaded_version(request) -> int:
    """The patient version the form was loaded at. A form that doesn't say (or says nonsense)
    is treated as stale: saving it could overwrite a colleague's edit unseen."""
    try:
        return int(request.POST.get("lock_version", ""))
    except ValueError:
        return -1


def _after_step(request, patient: Patient, next_step: str):
    """Back to the patient page when editing a finished intake, else on to the next step."""
    if request.POST.get("return") == "detail" or patient.intake_completed_at is not None:
        return redirect(patient)
    if next_step == IntakeStep.REVIEW:
        return redirect(patient)
    return redirect("intake:intake-step", pk=patient.pk, step=next_step)
