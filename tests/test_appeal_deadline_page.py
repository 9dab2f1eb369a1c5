"""The appeal page's deadline card: the safe "file by" date where sources disagree, and the
escalation a late adjudicator opens. Expected dates are counted by hand from the rule."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.choices import Program
from tests.factories import PatientFactory
from tests.factories_appeals import AppealFactory, DenialFactory


def ago(days: int):
    return timezone.localdate() - timedelta(days=days)


def shown(day) -> str:
    return day.strftime("%A %m/%d/%Y")


@pytest.fixture
def desk(billing, client_for):
    return client_for(billing)


def detail(client, appeal):
    return client.get(reverse("appeals:appeal-detail", args=[appeal.pk]))


def test_an_ma_plan_reconsideration_shows_file_by_and_the_legal_last_day(desk, clinic, page_text):
    """medicare.md G: 42 CFR 422.582(b) now counts 60 days from presumed receipt (notice
    + 5); CMS's Part C page says 60 days from the notice. The page says to file by the
    earlier date and shows the later one as the legal last day, each with its source."""
    patient = PatientFactory(clinic=clinic, complete=True, complete__program=Program.ADVANTAGE)
    denial = DenialFactory(
        claim__patient=patient,
        claim__service_from=ago(30),
        notice_type="ma_od",
        notice_date=ago(20),
    )
    appeal = AppealFactory(denial=denial)

    text = page_text(detail(desk, appeal))

    assert f"File by {shown(ago(20) + timedelta(days=60))}" in text
    last_day = shown(ago(20) + timedelta(days=65))
    assert f"the legal last day is {last_day} (42 CFR 422.582(b))" in text
    assert "60 days from the date of the notice" in text


def test_an_original_medicare_appeal_has_one_date_and_no_file_by_block(desk, patient_om, page_text):
    """42 CFR 405.942(a): one reading only, so no "sources disagree" block."""
    appeal = AppealFactory(denial=DenialFactory(claim__patient=patient_om, notice_date=ago(60)))

    text = page_text(detail(desk, appeal))

    assert "Filing deadline (regulation)" in text
    assert "Sources disagree on this window" not in text


@pytest.fixture
def patient_om(clinic):
    return PatientFactory(clinic=clinic, complete=True)
