"""The appeal page's deadline card: the safe "file by" date where sources disagree, and the
escalation a late adjudicator opens. Expected dates are counted by hand from the rule."""

from datetime import timedelta
from decimal import Decimal

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


# --- Escalation on the page: only while a filed QIC or ALJ appeal awaits its decision ------


def _filed_appeal(patient, level, filed_days_ago, status="filed"):
    denial = DenialFactory(claim__patient=patient, notice_date=ago(filed_days_ago + 20))
    return AppealFactory(
        denial=denial,
        level=level,
        notice_date=ago(filed_days_ago + 10),
        status=status,
        filed_date=ago(filed_days_ago) if status != "draft" else None,
        filed_method="fax" if status != "draft" else "",
        amount_in_controversy=Decimal("850.00"),
    )


def test_a_filed_reconsideration_shows_when_a_late_qic_may_be_escalated(
    desk, patient_om, page_text
):
    """42 CFR 405.970(a), 405.1002(b): the QIC has 60 days from receipt; after that the
    appellant may escalate to OMHA, and the ALJ then has 180 days (405.1016(c))."""
    appeal = _filed_appeal(patient_om, "reconsideration", filed_days_ago=30)

    text = page_text(detail(desk, appeal))

    escalate_from = shown(ago(30) + timedelta(days=61))
    assert (
        f"May escalate to OMHA (an ALJ hearing) from {escalate_from}; the ALJ then has "
        "180 days (42 CFR 405.1016(c))."
    ) in text
    assert "If the QIC does not decide in time" in text


def test_a_filed_alj_request_shows_when_it_may_go_to_the_council(desk, patient_om, page_text):
    """405.1016(a): 90 days; then the Council (405.1016(e)-(f), 405.1104), which has 180
    days (405.1100(d))."""
    appeal = _filed_appeal(patient_om, "alj", filed_days_ago=100)

    text = page_text(detail(desk, appeal))

    escalate_from = shown(ago(100) + timedelta(days=91))
    assert (
        f"May escalate to the Medicare Appeals Council from {escalate_from}; the Council "
        "then has 180 days (42 CFR 405.1100(d))."
    ) in text


@pytest.mark.parametrize(
    ("level", "status"),
    [
        ("reconsideration", "draft"),  # not filed yet: nothing to escalate
        ("reconsideration", "decided"),  # decided: nothing to escalate
        ("redetermination", "filed"),  # 405.950: the MAC's time frame opens no escalation
    ],
)
def test_no_escalation_block_where_none_applies(desk, patient_om, page_text, level, status):
    appeal = _filed_appeal(patient_om, level, filed_days_ago=30, status=status)

    assert "May escalate" not in page_text(detail(desk, appeal))
