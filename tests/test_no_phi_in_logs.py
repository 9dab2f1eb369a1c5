"""A whole working day through the pages leaves no PHI in any log or URL.

A front-desk-to-billing flow (intake, search by name, MBI and birth date, patient page,
generate and download a letter, record a denial) runs with every logger at DEBUG; then
neither the log records nor any URL requested on the way (redirects included) may hold the
patient's name, Medicare number or date of birth.

Guards: intake.views.patient_list (search text POSTed and kept in the session, never in the
query string), ids-only URL patterns, generated file names without names, the LOGGING
config and the app's own logging (documents.pdf logs refused URLs shortened), and django-axes
/ WeasyPrint log output.
"""

import logging
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from appeals.models import Denial
from documents.models import GeneratedDocument
from intake.models import Patient
from tests.factories_documents import form_fields, generate_buttons

FIRST = "Wilhelmina"
LAST = "Zabriskiewicz"
MBI = "3FK9HU2WX47"
DOB = date(1947, 9, 23)
TODAY = date.today()

PHI = [
    FIRST,
    LAST,
    MBI,
    "3FK9-HU2-WX47",
    # Date of birth, every way it could be written.
    "1947-09-23",
    "1947-9-23",
    "09/23/1947",
    "9/23/1947",
    "09-23-1947",
    "09/23/47",
    "19470923",
    "23/09/1947",
    "23.09.1947",
    "September 23, 1947",
    "Sep 23, 1947",
    "Sept. 23, 1947",
    "23 September 1947",
    "date(1947, 9, 23)",
]


class RecordingClient(Client):
    """A test client that remembers the path and query string of every request it made,
    including each redirect it followed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requested: list[str] = []
        self.responses = []

    def request(self, **request):
        response = super().request(**request)
        environ = response.request
        self.requested.append(f"{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}")
        self.responses.append(response)
        return response


@pytest.fixture
def log_level_debug(caplog):
    """What LOG_LEVEL=DEBUG does in production: the root at DEBUG, while the loggers that
    config/settings.LOGGING sets a level for keep it."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def every_log(caplog):
    """caplog at DEBUG for every logger, including those that don't propagate to the root
    (django.server) and those the settings quieten (django.request, axes, weasyprint)."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    direct = {logging.getLogger("django.request"), logging.getLogger("django.server")}
    direct |= {
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    }
    for logger in direct:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in direct:
        logger.removeHandler(caplog.handler)


def formset(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{field}": value for field, value in row.items()})
    return data


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def run_intake(client: Client, clinic, provider) -> Patient:
    response = client.post(
        reverse("intake:intake-start"),
        {
            "clinic": clinic.pk,
            "first_name": FIRST,
            "last_name": LAST,
            "date_of_birth": DOB.isoformat(),
            "sex": "F",
            "phone": "585-555-0177",
            "address_line1": "41 Cobblestone Lane",
            "city": "Rochester",
            "state": "NY",
            "zip_code": "14607",
        },
        follow=True,
    )
    assert response.status_code == 200
    patient = Patient.objects.get(last_name=LAST)

    def step(name: str, data: dict) -> None:
        url = reverse("intake:intake-step", args=[patient.pk, name])
        page = client.get(url)
        assert page.status_code == 200
        # Submitted with the lock_version the page was loaded at, as the browser does.
        loaded = form_fields(page, containing="lock_version")["lock_version"]
        response = client.post(url, {**data, "lock_version": loaded})
        assert response.status_code == 302, (name, response.content.decode()[:800])
        client.get(response["Location"])

    step(
        "coverage",
        {
            "program": "original",
            "mbi": "3fk9-hu2-wx47",
            "part_a_effective": "2012-09-01",
            "part_b_effective": "2012-09-01",
            "medigap_plan": "Plan G",
            "medicaid_dual": "none",
        },
    )
    step(
        "clinical",
        {
            **formset("dx", [{"code": "F33.2", "is_primary": "on", "onset_date": ago(900)}]),
            **formset(
                "score",
                [
                    {"instrument": "phq9", "score": "21", "administered_on": ago(30)},
                    {"instrument": "madrs", "score": "34", "administered_on": ago(3)},
                ],
            ),
        },
    )
    trial = {
        "kind": "antidepressant",
        "drug_class": "ssri",
        "adherence": "good",
        "outcome": "no_response",
        "adequate_dose": "True",
        "current_episode": "on",
    }
    step(
        "history",
        formset(
            "trial",
            [
                {
                    **trial,
                    "drug_name": "sertraline",
                    "dose": "150 mg daily",
                    "dose_mg": "150",
                    "start_date": ago(420),
                    "end_date": ago(364),
                },
                {
                    **trial,
                    "drug_name": "escitalopram",
                    "dose": "20 mg daily",
                    "dose_mg": "20",
                    "start_date": ago(300),
                    "end_date": ago(230),
                },
            ],
        ),
    )
    step(
        "screening",
        {
            "screened_on": ago(2),
            "psychosis_history": "False",
            "uncontrolled_hypertension": "False",
            "bp_systolic": "126",
            "bp_diastolic": "80",
            "bp_taken_on": ago(2),
            "pregnant": "False",
            "active_substance_use_disorder": "False",
            "cardiovascular_disease": "False",
            "aneurysmal_vascular_disease": "False",
            "intracerebral_hemorrhage": "False",
            "ketamine_hypersensitivity": "False",
        },
    )
    step(
        "request",
        {
            "product": "iv_ketamine",
            "indication": "trd",
            "dose_mg": "40",
            "planned_sessions": "6",
            "codes": "J3490, 96365, 96366",
            "ordering_provider": str(provider.pk),
            "requested_start": (TODAY + timedelta(days=14)).isoformat(),
        },
    )
    response = client.post(reverse("intake:intake-review", args=[patient.pk]), follow=True)
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.intake_completed_at is not None
    assert patient.coverage.mbi == MBI
    return patient


def search(client: Client, query: str, page_text) -> str:
    response = client.post(reverse("intake:patient-list"), {"q": query}, follow=True)
    assert response.status_code == 200
    return page_text(response)


def found_phi(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in PHI if needle.lower() in lowered]


def run_working_day(clinic, provider, clinician, billing, page_text) -> list[str]:
    """Intake, searches, patient pages, a generated and downloaded letter and a denial.
    Returns every path?query requested (redirects included) and every Location header."""
    desk = RecordingClient()
    desk.force_login(clinician)
    biller = RecordingClient()
    biller.force_login(billing)

    # 1. Intake through every step.
    patient = run_intake(desk, clinic, provider)

    # 2. Search by name, by MBI (as people type it) and by birth date: each finds them.
    for query in (LAST, "3fk9-hu2-wx47", DOB.strftime("%m/%d/%Y")):
        assert f"{LAST}, {FIRST}" in search(desk, query, page_text), query
    desk.post(reverse("intake:clear-search"), follow=True)

    # 3. The patient page and its tabs.
    for url in (
        patient.get_absolute_url(),
        reverse("documents:patient-documents", args=[patient.pk]),
        reverse("coverage:assessment-history", args=[patient.pk]),
    ):
        assert desk.get(url).status_code == 200, url

    # 4. Generate a Letter of Medical Necessity (it prints name, DOB and MBI), view it,
    #    preview and download it.
    keys = generate_buttons(desk.get(patient.get_absolute_url()))
    response = desk.post(
        reverse("documents:document-generate", args=[patient.pk]),
        {"kind": "lmn", "request_key": keys["lmn"]},
        follow=True,
    )
    assert response.status_code == 200
    document = GeneratedDocument.objects.get(patient=patient, kind="lmn")
    pdf_url = reverse("documents:document-pdf", args=[document.pk])
    download = desk.get(pdf_url)
    assert download.status_code == 200
    assert desk.get(pdf_url, {"inline": "1"}).status_code == 200
    # The saved file says whose letter it is (issue 17): the last name, nothing else.
    assert found_phi(download["Content-Disposition"]) == [LAST]

    # 5. Billing records the denial and looks at the work queue.
    denial_url = reverse("appeals:denial-new", args=[patient.pk])
    assert biller.get(denial_url).status_code == 200
    response = biller.post(
        denial_url,
        {
            "provider": str(provider.pk),
            "claim_number": "22698765432101",
            "service_date": ago(30),
            "code": "J3490",
            "modifiers": "",
            "units": "1",
            "billed_amount": "850.00",
            "allowed_amount": "",
            "diagnosis_codes": "F33.2",
            "notice_type": "msn",
            "notice_date": ago(20),
            "decided_by": "Noridian JE Part B",
            "adjustment": "CO-50",
            "rarc_codes": "N115",
            "denied_amount": "850.00",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Denial.objects.filter(claim__patient=patient).exists()
    assert biller.get(reverse("appeals:work-queue")).status_code == 200

    responses = desk.responses + biller.responses
    locations = [r["Location"] for r in responses if r.has_header("Location")]
    return desk.requested + biller.requested + locations


def phi_in_records(records, *, skip=lambda record: False) -> list[str]:
    """Records whose message, arguments, exception text or extra attributes hold PHI."""
    leaks = []
    for record in records:
        if skip(record):
            continue
        text = " ".join(
            [record.getMessage(), record.exc_text or "", repr(record.args), repr(vars(record))]
        )
        if found_phi(text):
            leaks.append(f"{record.name} {record.levelname}: {record.getMessage()[:200]}")
    return leaks


def template_variable_debug(record) -> bool:
    """Django's own DEBUG record for a template variable it could not resolve: by design its
    exception text carries the whole template context (for a letter: name, birth date, MBI).
    Keeping it out of the logs is the logging config's job (the "django" logger stays at
    INFO: see the LOG_LEVEL=DEBUG test below), so with every logger forced to DEBUG it is
    set aside here."""
    return record.name == "django.template" and record.getMessage().startswith(
        "Exception while resolving variable"
    )


def test_a_full_working_flow_leaves_no_phi_in_logs_or_urls(
    every_log, clinic, provider, clinician, billing, page_text
):
    # The capture reaches loggers that don't propagate and those the settings quieten.
    for name in ("django.server", "django.request", "weasyprint", "axes"):
        logging.getLogger(name).debug("capture check: %s", name)
    captured = {record.getMessage() for record in every_log.records}
    assert {
        f"capture check: {name}"
        for name in ("django.server", "django.request", "weasyprint", "axes")
    } <= captured

    urls = run_working_day(clinic, provider, clinician, billing, page_text)

    # No URL asked for on the way, nor any redirect target, carries PHI: ids only.
    assert len(urls) > 25
    assert [url for url in urls if found_phi(url)] == []
    assert all(re.fullmatch(r"[\w/.\-]*(\?[\w=&%.\-]*)?(#[\w-]*)?", url) for url in urls), urls

    # No log record holds PHI.
    assert len(every_log.records) > 10  # WeasyPrint alone logs every render step at DEBUG
    assert phi_in_records(every_log.records, skip=template_variable_debug) == []
    formatted = [
        every_log.handler.format(r) for r in every_log.records if not template_variable_debug(r)
    ]
    assert found_phi("\n".join(formatted)) == []


def test_with_log_level_debug_no_phi_reaches_the_logs(
    log_level_debug, clinic, provider, clinician, billing, page_text
):
    # Guards: the logger levels that stay in force when an operator sets LOG_LEVEL=DEBUG
    # (Django's "django" logger at INFO, settings.LOGGING's django.request, axes and
    # weasyprint levels): nothing is set aside here, not even template debug records.
    run_working_day(clinic, provider, clinician, billing, page_text)

    assert phi_in_records(log_level_debug.records) == []
    assert found_phi(log_level_debug.text) == []
