"""Billing's queue at clinic size: sortable columns, pages, totals, the open-only box, labels."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appeals.models import Appeal
from tests.test_work_queue import appeal_for, queue_names, table_rows

QUEUE = reverse("appeals:work-queue")
DASHBOARD = reverse("appeals:dashboard")

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(billing, client_for):
    return client_for(billing)


@pytest.fixture
def three(clinic):
    return [
        appeal_for(clinic, "Ann", "Early", due_in=3, amount_in_controversy=Decimal("900.00")),
        appeal_for(
            clinic,
            "Bea",
            "Middle",
            due_in=10,
            amount_in_controversy=Decimal("150.00"),
            level="reconsideration",
        ),
        appeal_for(clinic, "Cal", "Late", due_in=30, amount_in_controversy=Decimal("400.00")),
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("deadline", ["Ann Early", "Bea Middle", "Cal Late"]),
        ("-deadline", ["Cal Late", "Bea Middle", "Ann Early"]),
        ("amount", ["Bea Middle", "Cal Late", "Ann Early"]),
        ("-amount", ["Ann Early", "Cal Late", "Bea Middle"]),
        ("-level", ["Bea Middle", "Ann Early", "Cal Late"]),
        ("nonsense", ["Ann Early", "Bea Middle", "Cal Late"]),
    ],
)
def test_the_queue_sorts_by_deadline_amount_and_level(desk, three, sort, expected):
    assert queue_names(desk.get(f"{QUEUE}?sort={sort}")) == expected


def test_the_sorted_column_says_so_and_links_to_the_other_direction(desk, three):
    html = desk.get(f"{QUEUE}?sort=amount").content.decode()

    assert 'aria-sort="ascending"><a href="?sort=-amount">Amount</a>' in html
    assert 'aria-sort="none"><a href="?sort=deadline">Deadline</a>' in html


def test_a_long_queue_comes_in_pages_of_fifty_with_the_filters_kept(desk, clinic):
    for i in range(55):
        appeal_for(clinic, f"P{i:02d}", "Many", due_in=i + 1)

    first = desk.get(f"{QUEUE}?track=original")
    second = desk.get(f"{QUEUE}?track=original&page=2")

    assert len(table_rows(first)) == 50
    assert len(table_rows(second)) == 5
    assert 'href="?track=original&amp;page=2"' in first.content.decode()
    assert "55 appeals" in first.content.decode()


def test_the_queue_costs_the_same_queries_at_five_and_at_fifty(desk, clinic):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert desk.get(QUEUE).status_code == 200
        return len(ctx.captured_queries)

    for i in range(5):
        appeal_for(clinic, f"A{i}", "Few", due_in=i + 1)
    few = queries()
    for i in range(45):
        appeal_for(clinic, f"B{i}", "More", due_in=i + 1)

    assert queries() == few


def test_an_unticked_open_only_box_shows_decided_appeals_too(desk, clinic, three):
    appeal_for(clinic, "Dee", "Decided", due_in=-40, status=Appeal.Status.DECIDED)

    default = queue_names(desk.get(QUEUE))
    unticked = queue_names(desk.get(f"{QUEUE}?filtered=1&level=&track="))
    ticked = queue_names(desk.get(f"{QUEUE}?filtered=1&open_only=on"))

    assert "Dee Decided" not in default
    assert "Dee Decided" in unticked
    assert "Dee Decided" not in ticked


def test_the_queue_shows_the_total_in_controversy_and_human_level_names(desk, clinic, three):
    appeal_for(
        clinic, "Eve", "Judge", due_in=50, level="alj", amount_in_controversy=Decimal("50.00")
    )
    html = desk.get(QUEUE).content.decode()

    assert "4 appeals, $1,500.00 in controversy" in html
    assert "ALJ hearing" in html
    assert "Alj" not in html
    assert '<option value="ire">IRE review</option>' in html


def test_the_dashboard_shows_dollar_totals(desk, clinic, three, page_text):
    appeal_for(
        clinic,
        "Wyn",
        "Won",
        due_in=-60,
        status=Appeal.Status.DECIDED,
        decision=Appeal.Decision.FAVORABLE,
        amount_in_controversy=Decimal("1234.50"),
    )

    text = page_text(desk.get(DASHBOARD))

    assert "$1,450.00 in open appeals" in text
    assert "$1,234.50 won on appeal" in text
