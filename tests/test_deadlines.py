"""Table-driven tests for appeals.deadlines.

Every expected date below was counted by hand from the rule it exercises (calendar days,
receipt = notice + 5 where the rule presumes receipt), never produced by the code under test.
"""

import ast
import copy
import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import appeals.deadlines as deadlines_package
from appeals.deadlines import (
    DeadlineError,
    Level,
    RuleDataError,
    Track,
    aic_required,
    aic_threshold,
    compute_deadline,
    escalation,
    expedited_decision,
    expedited_levels,
    levels_for,
    local_time,
    next_business_day,
    next_level,
    rule_for,
)

D = date.fromisoformat

# track, level, notice date, presumed receipt, regulatory deadline, next business day
DEADLINES = [
    # Original Medicare: 120 / 180 / 60 / 60 / 60 days after receipt (42 CFR 405.942, .962,
    # .1002, .1102, .1136).
    ("original", "redetermination", "2025-03-03", "2025-03-08", "2025-07-06", "2025-07-07"),
    ("original", "redetermination", "2025-01-31", "2025-02-05", "2025-06-05", "2025-06-05"),
    ("original", "redetermination", "2028-02-29", "2028-03-05", "2028-07-03", "2028-07-03"),
    ("original", "reconsideration", "2025-01-15", "2025-01-20", "2025-07-19", "2025-07-21"),
    ("original", "reconsideration", "2027-12-31", "2028-01-05", "2028-07-03", "2028-07-03"),
    ("original", "alj", "2026-10-02", "2026-10-07", "2026-12-06", "2026-12-07"),
    ("original", "council", "2027-12-31", "2028-01-05", "2028-03-05", "2028-03-06"),
    ("original", "council", "2026-12-31", "2027-01-05", "2027-03-06", "2027-03-08"),
    ("original", "court", "2028-02-29", "2028-03-05", "2028-05-04", "2028-05-04"),
    # Medicare Advantage: plan reconsideration 60 days after receipt from 2025, 60 days from
    # the notice before; IRE automatic; ALJ 60 days from the notice (422.602(b)).
    ("advantage", "plan-reconsideration", "2025-06-30", "2025-07-05", "2025-09-03", "2025-09-03"),
    ("advantage", "plan-reconsideration", "2024-10-31", "2024-10-31", "2024-12-30", "2024-12-30"),
    ("advantage", "ire", "2025-05-01", "2025-05-01", "2025-05-01", "2025-05-01"),
    ("advantage", "alj", "2025-11-26", "2025-11-26", "2026-01-25", "2026-01-26"),
    ("advantage", "council", "2025-08-29", "2025-09-03", "2025-11-02", "2025-11-03"),
    ("advantage", "court", "2026-01-30", "2026-02-04", "2026-04-05", "2026-04-06"),
    # Part D: 60 days after receipt at every party-filed level since 2019-07-08.
    ("part-d", "redetermination", "2026-05-01", "2026-05-06", "2026-07-05", "2026-07-06"),
    ("part-d", "redetermination", "2026-04-29", "2026-05-04", "2026-07-03", "2026-07-06"),
    ("part-d", "redetermination", "2019-05-01", "2019-05-01", "2019-06-30", "2019-07-01"),
    ("part-d", "ire", "2025-10-10", "2025-10-15", "2025-12-14", "2025-12-15"),
    ("part-d", "ire", "2025-10-21", "2025-10-26", "2025-12-25", "2025-12-26"),
    ("part-d", "alj", "2026-03-02", "2026-03-07", "2026-05-06", "2026-05-06"),
    ("part-d", "council", "2026-04-10", "2026-04-15", "2026-06-14", "2026-06-15"),
    ("part-d", "court", "2026-06-01", "2026-06-06", "2026-08-05", "2026-08-05"),
]

PARTY_FILED = [row for row in DEADLINES if not (row[0] == "advantage" and row[1] == "ire")]


@pytest.mark.parametrize(("track", "level", "notice", "receipt", "deadline", "business"), DEADLINES)
def test_filing_deadline_matches_hand_count(track, level, notice, receipt, deadline, business):
    result = compute_deadline(track, level, D(notice))

    assert result.receipt_date == D(receipt)
    assert result.filing_deadline == D(deadline)
    assert result.next_business_day == D(business)


@pytest.mark.parametrize(("track", "level", "notice", "receipt", "deadline", "business"), DEADLINES)
def test_every_result_cites_its_rule(track, level, notice, receipt, deadline, business):
    result = compute_deadline(track, level, D(notice))

    assert result.citations
    assert all(citation.strip() for citation in result.citations)


@pytest.mark.parametrize(
    ("track", "level", "notice", "receipt", "deadline", "business"), PARTY_FILED
)
@pytest.mark.parametrize(("offset", "late"), [(-1, False), (0, False), (1, True)])
def test_filing_on_the_deadline_is_on_time_and_the_day_after_is_late(
    track, level, notice, receipt, deadline, business, offset, late
):
    filed = D(deadline) + timedelta(days=offset)

    by_filed_date = compute_deadline(track, level, D(notice), filed_date=filed)
    by_today = compute_deadline(track, level, D(notice), today=filed)

    assert by_filed_date.late is late
    assert by_today.late is late


def test_filed_date_wins_over_today_for_lateness():
    result = compute_deadline(
        "original",
        "redetermination",
        D("2025-03-03"),
        filed_date=D("2025-07-06"),
        today=D("2025-09-01"),
    )

    assert result.late is False


def test_late_is_unknown_without_filed_date_or_today():
    assert compute_deadline("original", "alj", D("2026-01-05")).late is None


def test_filing_on_the_next_business_day_is_still_late_by_the_regulatory_date():
    # 2025-07-06 is a Sunday; nothing in 42 CFR 405.942 moves it to Monday.
    result = compute_deadline(
        "original", "redetermination", D("2025-03-03"), filed_date=D("2025-07-07")
    )

    assert result.late is True
    assert any("2025-07-06" in note and "2025-07-07" in note for note in result.verify_notes)


def test_ma_ire_is_automatic_so_nothing_is_filed_or_late():
    result = compute_deadline("advantage", "ire", D("2025-05-01"), today=D("2025-12-01"))

    assert result.filed_by_party is False
    assert result.late is None
    assert result.form.startswith("None")


def test_receipt_presumption_crosses_leap_day():
    assert compute_deadline("original", "alj", D("2028-02-25")).receipt_date == D("2028-03-01")
    assert compute_deadline("original", "alj", D("2027-02-25")).receipt_date == D("2027-03-02")


def test_ma_plan_reconsideration_switches_to_receipt_on_2025_01_01():
    before = compute_deadline("advantage", "plan-reconsideration", D("2024-12-31"))
    after = compute_deadline("advantage", "plan-reconsideration", D("2025-01-01"))

    assert before.filing_deadline == D("2025-03-01")  # 60 days from the notice
    assert after.filing_deadline == D("2025-03-07")  # 5 + 60 days


def test_part_d_redetermination_switches_to_receipt_on_2019_07_08():
    before = compute_deadline("part-d", "redetermination", D("2019-07-07"))
    after = compute_deadline("part-d", "redetermination", D("2019-07-08"))

    assert before.filing_deadline == D("2019-09-05")
    assert after.filing_deadline == D("2019-09-11")


# track, level, filed date, variant (None = default), decision due
DECISIONS = [
    ("original", "redetermination", "2025-03-20", "2025-04-01", None, "2025-05-31"),
    ("original", "reconsideration", "2025-03-20", "2025-04-01", "standard", "2025-05-31"),
    ("original", "alj", "2026-01-02", "2026-01-15", None, "2026-04-15"),
    ("original", "alj", "2026-01-02", "2026-01-15", "escalated", "2026-07-14"),
    ("original", "council", "2026-01-02", "2026-01-15", "standard", "2026-04-15"),
    ("original", "council", "2026-01-02", "2026-01-15", "escalated", "2026-07-14"),
    ("advantage", "plan-reconsideration", "2025-06-20", "2025-07-01", None, "2025-07-31"),
    ("advantage", "plan-reconsideration", "2025-06-20", "2025-07-01", "payment", "2025-08-30"),
    ("advantage", "plan-reconsideration", "2025-06-20", "2025-07-01", "part-b-drug", "2025-07-08"),
    ("advantage", "ire", "2025-05-01", "2025-05-02", "pre-service", "2025-06-01"),
    ("advantage", "ire", "2025-05-01", "2025-05-02", "payment", "2025-07-01"),
    ("advantage", "ire", "2025-05-01", "2025-05-02", "part-b-drug", "2025-05-09"),
    ("advantage", "alj", "2026-01-02", "2026-01-15", None, "2026-04-15"),
    ("advantage", "council", "2026-01-02", "2026-01-15", None, "2026-04-15"),
    ("part-d", "redetermination", "2026-02-10", "2026-02-20", None, "2026-02-27"),
    ("part-d", "redetermination", "2026-02-10", "2026-02-20", "payment", "2026-03-06"),
    ("part-d", "ire", "2026-02-10", "2026-02-20", "standard", "2026-02-27"),
    ("part-d", "ire", "2026-02-10", "2026-02-20", "payment", "2026-03-06"),
    ("part-d", "alj", "2026-01-02", "2026-01-15", None, "2026-04-15"),
    ("part-d", "council", "2026-01-02", "2026-01-15", None, "2026-04-15"),
]


@pytest.mark.parametrize(("track", "level", "notice", "filed", "variant", "due"), DECISIONS)
def test_decision_due_counts_from_the_filed_date(track, level, notice, filed, variant, due):
    result = compute_deadline(
        track, level, D(notice), filed_date=D(filed), decision_variant=variant
    )

    assert result.decision_due == D(due)
    assert result.decision_variant is not None


def test_decision_due_is_none_without_a_filed_date():
    assert compute_deadline("original", "alj", D("2026-01-02")).decision_due is None


@pytest.mark.parametrize("track", ["original", "advantage", "part-d"])
def test_court_has_no_decision_time_frame(track):
    result = compute_deadline(track, "court", D("2026-01-02"), filed_date=D("2026-02-01"))

    assert result.decision_due is None
    assert result.decision_variant is None


def test_unknown_decision_variant_names_the_choices():
    with pytest.raises(DeadlineError, match="pre-service, payment, part-b-drug"):
        compute_deadline(
            "advantage", "plan-reconsideration", D("2025-06-20"), decision_variant="urgent"
        )


# level, amount, filed date, threshold, met
AIC_CASES = [
    ("alj", "195", "2025-12-31", "190", True),
    ("alj", "195", "2026-01-02", "200", False),
    ("alj", "180", "2024-06-01", "180", True),
    ("alj", "179.99", "2024-06-01", "180", False),
    ("alj", "200.00", "2026-12-31", "200", True),
    ("court", "1900", "2025-07-01", "1900", True),
    ("court", "1900", "2026-01-01", "1960", False),
    ("court", "1840", "2024-12-31", "1840", True),
]


@pytest.mark.parametrize(("level", "amount", "filed", "threshold", "met"), AIC_CASES)
@pytest.mark.parametrize("track", ["original", "advantage", "part-d"])
def test_amount_in_controversy_uses_the_year_the_request_is_filed(
    track, level, amount, filed, threshold, met
):
    result = compute_deadline(
        track, level, D("2024-01-02"), filed_date=D(filed), amount=Decimal(amount)
    )

    assert result.aic_threshold == Decimal(threshold)
    assert result.aic_met is met
    assert any(" FR " in citation for citation in result.citations)


def test_aic_falls_back_to_today_when_nothing_was_filed():
    result = compute_deadline(
        "original", "alj", D("2025-11-20"), amount=Decimal("195"), today=D("2026-01-05")
    )

    assert result.aic_threshold == Decimal("200")
    assert result.aic_met is False


def test_aic_without_any_request_date_uses_the_notice_date_and_says_so():
    result = compute_deadline("original", "alj", D("2025-11-20"), amount=Decimal("195"))

    assert result.aic_threshold == Decimal("190")
    assert result.aic_met is True
    assert any("notice date" in note for note in result.verify_notes)


def test_missing_threshold_year_is_flagged_not_guessed():
    result = compute_deadline(
        "original", "alj", D("2026-11-20"), amount=Decimal("500"), filed_date=D("2027-01-04")
    )

    assert result.aic_threshold is None
    assert result.aic_met is None
    assert any("2027" in note and "appeal_rules.json" in note for note in result.verify_notes)


def test_levels_without_a_minimum_always_meet_it():
    result = compute_deadline(
        "original", "redetermination", D("2026-01-05"), amount=Decimal("0.01")
    )

    assert result.aic_threshold is None
    assert result.aic_met is True


def test_aic_met_is_none_without_an_amount():
    result = compute_deadline("original", "alj", D("2026-01-05"), filed_date=D("2026-01-06"))

    assert result.aic_threshold == Decimal("200")
    assert result.aic_met is None


@pytest.mark.parametrize(
    ("level", "on", "expected"),
    [
        ("alj", "2024-01-01", Decimal("180")),
        ("alj", "2025-01-01", Decimal("190")),
        ("alj", "2026-06-30", Decimal("200")),
        ("court", "2024-12-31", Decimal("1840")),
        ("court", "2025-12-31", Decimal("1900")),
        ("court", "2026-01-01", Decimal("1960")),
        ("alj", "2023-12-31", None),
        ("redetermination", "2026-01-01", None),
        ("council", "2026-01-01", None),
    ],
)
def test_aic_threshold_table(level, on, expected):
    assert aic_threshold(level, D(on)) == expected


def test_only_alj_and_court_carry_an_aic_requirement():
    assert [lv for lv in Level if aic_required(lv)] == [Level.ALJ, Level.COURT]


def test_levels_for_each_track_in_order():
    assert levels_for(Track.ORIGINAL) == (
        Level.REDETERMINATION,
        Level.RECONSIDERATION,
        Level.ALJ,
        Level.COUNCIL,
        Level.COURT,
    )
    assert levels_for("advantage") == (
        Level.PLAN_RECONSIDERATION,
        Level.IRE,
        Level.ALJ,
        Level.COUNCIL,
        Level.COURT,
    )
    assert levels_for("part-d") == (
        Level.REDETERMINATION,
        Level.IRE,
        Level.ALJ,
        Level.COUNCIL,
        Level.COURT,
    )


@pytest.mark.parametrize(
    ("track", "level", "expected"),
    [
        ("original", "redetermination", Level.RECONSIDERATION),
        ("original", "reconsideration", Level.ALJ),
        ("original", "court", None),
        ("advantage", "plan-reconsideration", Level.IRE),
        ("advantage", "ire", Level.ALJ),
        ("part-d", "redetermination", Level.IRE),
        ("part-d", "council", Level.COURT),
    ],
)
def test_next_level(track, level, expected):
    assert next_level(track, level) is expected
    result = compute_deadline(track, level, D("2026-01-05"))
    assert result.next_level is expected


@pytest.mark.parametrize(
    ("track", "level", "form"),
    [
        ("original", "redetermination", "CMS-20027"),
        ("original", "reconsideration", "CMS-20033"),
        ("original", "alj", "OMHA-100"),
        ("original", "council", "DAB-101"),
        ("advantage", "alj", "OMHA-100"),
        ("part-d", "council", "DAB-101"),
    ],
)
def test_forms(track, level, form):
    assert compute_deadline(track, level, D("2026-01-05")).form.startswith(form)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-07-07", "2025-07-07"),  # Monday
        ("2025-07-05", "2025-07-07"),  # Saturday
        ("2025-01-20", "2025-01-21"),  # Martin Luther King Jr. Day
        ("2025-11-27", "2025-11-28"),  # Thanksgiving; the Friday after is a workday
        ("2026-07-03", "2026-07-06"),  # Independence Day observed on Friday
        ("2027-12-24", "2027-12-27"),  # Christmas observed on Friday
        ("2027-12-31", "2028-01-03"),  # New Year's Day 2028 observed on Friday 2027-12-31
        ("2028-06-19", "2028-06-20"),  # Juneteenth
    ],
)
def test_next_business_day(day, expected):
    assert next_business_day(D(day)) == D(expected)


def test_verify_flags_reach_the_result():
    assert compute_deadline("advantage", "alj", D("2026-01-05")).needs_verification
    assert compute_deadline("advantage", "plan-reconsideration", D("2026-01-05")).verify_notes
    quiet = compute_deadline("original", "alj", D("2026-03-02"), today=D("2026-03-10"))
    assert quiet.verify_notes == ()


def test_rule_for_reports_how_the_window_counts():
    assert rule_for("advantage", "alj", D("2026-01-05")).counts_from == "notice"
    assert rule_for("original", "alj", D("2026-01-05")).counts_from == "receipt"
    assert rule_for("advantage", "ire", D("2026-01-05")).counts_from is None


@pytest.mark.parametrize(
    ("track", "level", "message"),
    [
        ("medicaid", "alj", "Unknown track 'medicaid'"),
        ("original", "appeal", "Unknown level 'appeal'"),
        ("original", "ire", "no ire level in the original track"),
        ("original", "plan-reconsideration", "no plan-reconsideration level in the original"),
        ("advantage", "redetermination", "no redetermination level in the advantage track"),
        ("advantage", "reconsideration", "no reconsideration level in the advantage track"),
        ("part-d", "reconsideration", "no reconsideration level in the part-d track"),
        ("part-d", "plan-reconsideration", "no plan-reconsideration level in the part-d"),
    ],
)
def test_impossible_track_level_combinations_are_refused(track, level, message):
    with pytest.raises(DeadlineError, match=message):
        compute_deadline(track, level, D("2026-01-05"))


def test_future_notice_date_is_refused():
    with pytest.raises(DeadlineError, match="in the future"):
        compute_deadline("original", "alj", D("2026-02-01"), today=D("2026-01-31"))


def test_notice_dated_today_is_accepted():
    result = compute_deadline("original", "alj", D("2026-01-31"), today=D("2026-01-31"))

    assert result.late is False


def test_filed_before_notice_is_refused():
    with pytest.raises(DeadlineError, match="before the notice date"):
        compute_deadline("original", "alj", D("2026-01-05"), filed_date=D("2026-01-04"))


def test_filed_after_today_is_refused():
    with pytest.raises(DeadlineError, match="filed date 2026-02-02 is in the future"):
        compute_deadline(
            "original", "alj", D("2026-01-05"), filed_date=D("2026-02-02"), today=D("2026-02-01")
        )


@pytest.mark.parametrize("amount", [Decimal("-0.01"), Decimal("-195")])
def test_negative_amount_is_refused(amount):
    with pytest.raises(DeadlineError, match="cannot be negative"):
        compute_deadline("original", "alj", D("2026-01-05"), amount=amount)


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_amount_is_refused(amount):
    with pytest.raises(DeadlineError, match="number of dollars"):
        compute_deadline("original", "alj", D("2026-01-05"), amount=amount)


def test_notice_before_the_first_modelled_rule_is_refused():
    with pytest.raises(DeadlineError, match="No advantage plan-reconsideration rule"):
        compute_deadline("advantage", "plan-reconsideration", D("2019-12-31"))


def test_deadline_error_is_a_value_error():
    assert issubclass(DeadlineError, ValueError)


def test_missing_threshold_year_without_an_amount_raises_no_note():
    """The "no threshold on file" warning asks for data only when an amount needs judging.

    42 CFR 405.1006(b): the ALJ hearing needs the year's amount in controversy. With no
    amount entered there is nothing to judge, so aic_met stays None and no note is added.
    """
    result = compute_deadline(
        "original", "alj", D("2026-11-20"), filed_date=D("2027-01-04"), today=D("2027-01-05")
    )

    assert result.aic_threshold is None
    assert result.aic_met is None
    assert not any("amount-in-controversy threshold" in note for note in result.verify_notes)


# --- Where sources conflict: file_by (earliest reading) and legal_last_day (latest) ------

# track, level, notice date, file by, legal last day, words in the file-by citation
CONFLICTS = [
    # 42 CFR 422.582(b) (current eCFR text): "60 calendar days from the date of receipt of
    # the organization determination notice", receipt presumed 5 days after the notice;
    # CMS's Part C page: "60 days from the date of the notice". 2026-03-02 + 60 = 05-01,
    # + 65 = 05-06.
    ("advantage", "plan-reconsideration", "2026-03-02", "2026-05-01", "2026-05-06", "notice"),
    # 2025-12-31 + 60 = 2026-03-01; + 65 = 2026-03-06.
    ("advantage", "plan-reconsideration", "2025-12-31", "2026-03-01", "2026-03-06", "notice"),
    # 42 CFR 423.2102(a)(1): "within 60 calendar days after receipt of the ALJ's ... written
    # decision"; no 5-day presumption seen, so the earliest receipt is the notice date.
    # 2026-04-10 + 60 = 06-09, + 65 = 06-14.
    ("part-d", "council", "2026-04-10", "2026-06-09", "2026-06-14", "423.2102"),
    # 42 CFR 423.2130: 60 days after receipt of the Council's notice; 423.2136 shows no
    # presumption. 2026-06-01 + 60 = 07-31, + 65 = 08-05.
    ("part-d", "court", "2026-06-01", "2026-07-31", "2026-08-05", "423.2130"),
    # medicare.gov: "60 days from the date of the IRE's decision" vs 423.2002 read with the
    # receipt presumption. 2026-03-02 + 60 = 05-01, + 65 = 05-06.
    ("part-d", "alj", "2026-03-02", "2026-05-01", "2026-05-06", "medicare.gov"),
]


@pytest.mark.parametrize(("track", "level", "notice", "file_by", "last_day", "cited"), CONFLICTS)
def test_where_sources_conflict_the_earlier_date_is_file_by(
    track, level, notice, file_by, last_day, cited
):
    """medicare.md G, "Where sources conflict": show the earlier date as "file by", cite both.

    The later date stays the regulatory ``filing_deadline`` that ``late`` is measured
    against; the earlier one is what staff are told to file by.
    """
    result = compute_deadline(track, level, D(notice))

    assert result.file_by == D(file_by)
    assert result.legal_last_day == D(last_day)
    assert result.filing_deadline == D(last_day)
    assert cited in result.file_by_citation
    assert result.legal_last_day_citation
    assert result.file_by_citation != result.legal_last_day_citation
    assert result.sources_disagree
    assert result.file_by_citation in result.citations
    assert any(f"file by {file_by}" in note for note in result.verify_notes)


@pytest.mark.parametrize(
    ("track", "level", "notice"),
    [
        ("original", "redetermination", "2026-03-02"),
        ("original", "alj", "2026-03-02"),
        ("advantage", "alj", "2026-03-02"),
        ("advantage", "plan-reconsideration", "2024-10-31"),  # notice-based text already
        ("part-d", "redetermination", "2026-03-02"),
        ("part-d", "ire", "2026-03-02"),
    ],
)
def test_where_sources_agree_file_by_is_the_regulatory_deadline(track, level, notice):
    """One reading only: 42 CFR 405.942(a), 405.1002(a), 422.602(b), 423.582(b), 423.600(a)."""
    result = compute_deadline(track, level, D(notice))

    assert result.file_by == result.legal_last_day == result.filing_deadline
    assert result.file_by_citation == result.legal_last_day_citation
    assert not result.sources_disagree
    assert not any("Sources disagree" in note for note in result.verify_notes)


def test_ma_ire_has_no_file_by_because_nothing_is_filed():
    """42 CFR 422.592(a): the plan forwards the case; the party files nothing."""
    result = compute_deadline("advantage", "ire", D("2026-03-02"))

    assert result.file_by is None
    assert result.legal_last_day is None


def test_filing_between_the_two_dates_is_timely_but_flagged():
    """422.582(b) as now worded makes 2026-05-03 timely; the older reading would not."""
    result = compute_deadline(
        "advantage", "plan-reconsideration", D("2026-03-02"), filed_date=D("2026-05-03")
    )

    assert result.late is False
    assert any("after the safe date" in note for note in result.verify_notes)


def test_a_passed_safe_date_tells_staff_to_file_today():
    result = compute_deadline(
        "advantage", "plan-reconsideration", D("2026-03-02"), today=D("2026-05-04")
    )

    assert result.late is False
    assert any("file today" in note for note in result.verify_notes)


# --- Expedited tracks: 72 clock hours from receipt ---------------------------------------

NEW_YORK = ZoneInfo("America/New_York")


def at(text: str, zone=NEW_YORK) -> datetime:
    """A local wall-clock time in ``zone`` (aware)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# track, level, received (New York wall clock), due (New York wall clock), citation
EXPEDITED = [
    # 42 CFR 423.590(d)(1): "... as expeditiously as the enrollee's health condition requires
    # but no later than 72 hours after receiving the request."
    ("part-d", "redetermination", "2026-03-02T10:00", "2026-03-05T10:00", "42 CFR 423.590(d)"),
    # 42 CFR 422.590(e): expedited reconsideration, no later than 72 hours after receipt.
    (
        "advantage",
        "plan-reconsideration",
        "2026-03-02T10:00",
        "2026-03-05T10:00",
        "42 CFR 422.590(e)",
    ),
    # Month and year ends: 2026-12-30 18:45 + 72 h = 2027-01-02 18:45 (no DST in between).
    ("part-d", "redetermination", "2026-12-30T18:45", "2027-01-02T18:45", "42 CFR 423.590(d)"),
    # Leap day: 2028-02-27 09:00 + 72 h = 2028-03-01 09:00.
    ("part-d", "redetermination", "2028-02-27T09:00", "2028-03-01T09:00", "42 CFR 423.590(d)"),
    # DST starts 2026-03-08 02:00 (clocks forward): 72 elapsed hours show as 11:00.
    ("part-d", "redetermination", "2026-03-07T10:00", "2026-03-10T11:00", "42 CFR 423.590(d)"),
    # DST ends 2026-11-01 02:00 (clocks back): 72 elapsed hours show as 09:00.
    (
        "advantage",
        "plan-reconsideration",
        "2026-10-31T10:00",
        "2026-11-03T09:00",
        "42 CFR 422.590(e)",
    ),
]


@pytest.mark.parametrize(("track", "level", "received", "due", "citation"), EXPEDITED)
def test_expedited_decision_is_due_72_clock_hours_after_receipt(
    track, level, received, due, citation
):
    """72 hours is elapsed time: counted in UTC, shown in the request's own zone."""
    decision = expedited_decision(track, level, at(received))

    assert decision.decision_due_at.replace(tzinfo=None) == datetime.fromisoformat(due)
    # In UTC: Python subtracts two datetimes that share a tzinfo by wall clock.
    elapsed = decision.decision_due_at.astimezone(UTC) - decision.received_at.astimezone(UTC)
    assert elapsed == timedelta(hours=72)
    assert decision.hours == 72
    assert decision.citation == citation


def test_ma_expedited_carries_its_extension_and_conditions_part_d_has_no_extension():
    """422.590: the plan may extend by up to 14 calendar days; 423.590(d) has no extension.
    Neither fast track covers payment for what was already received (422.584, 423.584)."""
    ma = expedited_decision("advantage", "plan-reconsideration", at("2026-03-02T10:00"))
    part_d = expedited_decision("part-d", "redetermination", at("2026-03-02T10:00"))

    assert any("14 calendar days" in note for note in ma.notes)
    assert not any("14 calendar days" in note for note in part_d.notes)
    assert all(any("payment" in note for note in d.notes) for d in (ma, part_d))
    assert ma.verify_notes  # 422.590(e) text not retrieved: flagged
    assert part_d.verify_notes == ()


def test_part_d_standard_and_payment_time_frames_are_unchanged():
    """423.590(a): 7 days standard; 423.590(b): 14 days for payment."""
    standard = compute_deadline(
        "part-d", "redetermination", D("2026-02-10"), filed_date=D("2026-02-20")
    )
    payment = compute_deadline(
        "part-d",
        "redetermination",
        D("2026-02-10"),
        filed_date=D("2026-02-20"),
        decision_variant="payment",
    )

    assert standard.decision_due == D("2026-02-27")
    assert payment.decision_due == D("2026-03-06")


@pytest.mark.parametrize(
    ("track", "level"),
    [
        ("original", "redetermination"),
        ("original", "reconsideration"),
        ("advantage", "ire"),
        ("part-d", "ire"),
        ("part-d", "alj"),
    ],
)
def test_levels_without_a_modelled_fast_track_are_refused(track, level):
    with pytest.raises(DeadlineError, match=f"No expedited time frame is modelled for {track}"):
        expedited_decision(track, level, at("2026-03-02T10:00"))


def test_expedited_levels_on_file():
    assert expedited_levels() == (
        (Track.ADVANTAGE, Level.PLAN_RECONSIDERATION),
        (Track.PART_D, Level.REDETERMINATION),
    )


def test_expedited_needs_an_aware_time():
    with pytest.raises(DeadlineError, match="time zone"):
        expedited_decision("part-d", "redetermination", datetime(2026, 3, 2, 10, 0))


def test_expedited_impossible_level_is_refused_like_the_standard_one():
    with pytest.raises(DeadlineError, match="no ire level in the original track"):
        expedited_decision("original", "ire", at("2026-03-02T10:00"))


def test_local_time_refuses_a_time_the_clocks_skipped():
    with pytest.raises(DeadlineError, match="did not happen in America/New_York"):
        local_time(datetime(2026, 3, 8, 2, 30), NEW_YORK)


def test_local_time_reads_a_repeated_time_as_its_first_occurrence():
    aware, note = local_time(datetime(2026, 11, 1, 1, 30), NEW_YORK)

    assert aware.utcoffset() == timedelta(hours=-4)  # EDT, the first 01:30
    assert "happened twice" in note


def test_local_time_of_an_ordinary_time_needs_no_note():
    aware, note = local_time(datetime(2026, 3, 2, 10, 0), NEW_YORK)

    assert aware == at("2026-03-02T10:00")
    assert note is None


# --- The loader refuses a bad edit instead of producing a wrong date ----------------------


@pytest.fixture
def edited_rules(tmp_path, monkeypatch):
    """``edited_rules(change)``: load a copy of appeal_rules.json after ``change(data)``."""
    from appeals.deadlines import rule_data

    original = json.loads(rule_data.RULES_FILE.read_text(encoding="utf-8"))

    def load(change):
        data = copy.deepcopy(original)
        change(data)
        path = tmp_path / "appeal_rules.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        monkeypatch.setattr(rule_data, "RULES_FILE", path)
        rule_data.rule_book.cache_clear()
        return rule_data.rule_book()

    yield load
    rule_data.rule_book.cache_clear()


def _rule(data, track, level):
    return next(r for r in data["rules"] if (r["track"], r["level"]) == (track, level))


def _expedited(data, track):
    return next(e for e in data["expedited_timeframes"] if e["track"] == track)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: _rule(d, "advantage", "ire").update(
                alternative_readings=[
                    {
                        "counts_from": "notice",
                        "filing_window_days": 60,
                        "citation": "x",
                        "note": "y",
                    }
                ]
            ),
            "nothing is filed",
        ),
        (
            lambda d: _rule(d, "part-d", "council")["alternative_readings"][0].update(
                filing_window_days=-1
            ),
            "reading days must be whole",
        ),
        (
            lambda d: _rule(d, "part-d", "council")["alternative_readings"][0].update(note=" "),
            "needs citation and note",
        ),
        (lambda d: _expedited(d, "part-d").update(hours=0), "positive whole number"),
        (lambda d: _expedited(d, "part-d").update(level="reconsideration"), "no such level"),
        (
            lambda d: _expedited(d, "part-d").update(verify=True, verify_note=None),
            "verify=true needs a verify_note",
        ),
        (
            lambda d: d["expedited_timeframes"].append(dict(_expedited(d, "part-d"))),
            "overlap",
        ),
        (lambda d: _expedited(d, "part-d").update(minutes=5), "malformed entry"),
        (lambda d: d["escalations"][0].update(missed_variant="urgent"), "no 'urgent' time"),
        (lambda d: d["escalations"][0].update(next_variant="urgent"), "no 'urgent' one"),
        (lambda d: d["escalations"][0].update(from_level="court"), "nowhere to escalate"),
        (lambda d: d["escalations"][0].update(grace_days=-5), "grace_days"),
        (lambda d: d["escalations"].append(dict(d["escalations"][0])), "overlap"),
    ],
)
def test_a_bad_edit_to_the_rule_data_fails_loudly(edited_rules, change, message):
    with pytest.raises(RuleDataError, match=message):
        edited_rules(change)


def test_the_rule_data_on_file_loads(edited_rules):
    assert edited_rules(lambda data: None).expedited


# --- Escalation when the QIC or the ALJ is late (Original Medicare) -----------------------

# level, filed (received by the adjudicator), decision was due, may escalate from, to level
ESCALATIONS = [
    # 42 CFR 405.970(a): the QIC decides within 60 days of receiving the request;
    # 405.1002(b)(1): the party may escalate "after the period described in § 405.970(a)
    # and (b) has expired". 2026-02-02 + 60 = 2026-04-03, so from 2026-04-04.
    ("reconsideration", "2026-02-02", "2026-04-03", "2026-04-04", Level.ALJ),
    # Across a year end: 2025-12-31 + 60 = 2026-03-01 (28-day February).
    ("reconsideration", "2025-12-31", "2026-03-01", "2026-03-02", Level.ALJ),
    # Leap year: 2028-01-01 + 60 = 2028-03-01.
    ("reconsideration", "2028-01-01", "2028-03-01", "2028-03-02", Level.ALJ),
    # 42 CFR 405.1016(a): the ALJ decides "no later than the end of the 90 calendar day
    # period beginning on the date the request for hearing is received"; escalation to the
    # Council after it expires (405.1016(e)-(f), 405.1104). 2026-01-15 + 90 = 2026-04-15.
    ("alj", "2026-01-15", "2026-04-15", "2026-04-16", Level.COUNCIL),
]


@pytest.mark.parametrize(("level", "filed", "due", "from_", "to_level"), ESCALATIONS)
def test_a_late_qic_or_alj_lets_the_appellant_escalate_from_the_day_after(
    level, filed, due, from_, to_level
):
    """The next level then has 180 days: 405.1016(c) (ALJ, escalated from the QIC) and
    405.1100(d) (Council, escalated from OMHA)."""
    opened = escalation("original", level, D(filed))

    assert opened.decision_due == D(due)
    assert opened.may_escalate_from == D(from_)
    assert opened.to_level is to_level
    assert opened.next_decision_days == 180
    expected = "42 CFR 405.1016(c)" if to_level is Level.ALJ else "42 CFR 405.1100(d)"
    assert opened.next_decision_citation == expected
    assert expected in opened.citations
    assert opened.grace_days == 5
    assert opened.verify_notes  # paragraph texts not all retrieved: flagged


def test_qic_escalation_names_omha_and_the_rules_behind_it():
    opened = escalation("original", "reconsideration", D("2026-02-02"))

    assert opened.adjudicator == "the QIC"
    assert opened.escalate_to.startswith("OMHA")
    assert opened.next_adjudicator == "the ALJ"
    assert any("405.1002(b)" in citation for citation in opened.citations)
    assert "amount in controversy" in opened.how


def test_alj_escalation_goes_to_the_council_and_cites_405_1104():
    opened = escalation("original", "alj", D("2026-01-15"))

    assert opened.escalate_to == "the Medicare Appeals Council"
    assert opened.next_adjudicator == "the Council"
    assert any("405.1104" in citation for citation in opened.citations)


@pytest.mark.parametrize(
    ("level", "filed", "received", "next_due"),
    [
        # 405.1016(c): 180 days from OMHA's receipt. 2026-04-10 + 180 = 2026-10-07.
        ("reconsideration", "2026-02-02", "2026-04-10", "2026-10-07"),
        # 405.1100(d): 180 days of receipt of the request. 2026-04-20 + 180 = 2026-10-17.
        ("alj", "2026-01-15", "2026-04-20", "2026-10-17"),
    ],
)
def test_the_next_level_decides_180_days_after_the_escalation_arrives(
    level, filed, received, next_due
):
    opened = escalation("original", level, D(filed), escalation_received_on=D(received))

    assert opened.next_decision_due == D(next_due)


def test_an_escalation_before_the_time_frame_ran_out_is_premature():
    with pytest.raises(DeadlineError, match="premature"):
        escalation(
            "original", "reconsideration", D("2026-02-02"), escalation_received_on=D("2026-04-03")
        )


@pytest.mark.parametrize(
    ("track", "level", "variant"),
    [
        ("original", "redetermination", None),  # 405.950: the MAC's 60 days open no escalation
        ("original", "council", None),  # 405.1132 (to court) is not modelled
        ("original", "alj", "escalated"),  # already escalated from the QIC: not modelled
        ("original", "court", None),
        ("advantage", "plan-reconsideration", None),
        ("advantage", "alj", None),
        ("part-d", "redetermination", None),
        ("part-d", "alj", None),
    ],
)
def test_levels_without_a_modelled_escalation_open_none(track, level, variant):
    assert escalation(track, level, D("2026-02-02"), variant=variant) is None


def test_compute_deadline_reports_the_escalation_once_the_request_is_filed():
    filed = compute_deadline(
        "original", "reconsideration", D("2026-01-05"), filed_date=D("2026-02-02")
    )
    unfiled = compute_deadline("original", "reconsideration", D("2026-01-05"))

    assert filed.escalation == escalation("original", "reconsideration", D("2026-02-02"))
    assert filed.escalation.decision_due == filed.decision_due
    assert unfiled.escalation is None


def test_escalation_refuses_an_impossible_level():
    with pytest.raises(DeadlineError, match="no ire level in the original track"):
        escalation("original", "ire", D("2026-02-02"))


# --- The core stays pure ------------------------------------------------------------------


def test_the_deadlines_package_imports_nothing_from_django():
    """DESIGN.md: pure cores take plain data and return plain data, testable without a
    database; so no module of appeals.deadlines may import Django, directly or through
    another module, and importing the package must not load it."""
    package = Path(deadlines_package.__file__).parent
    for source in sorted(package.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not any(n.split(".")[0] in {"django", "appeals"} for n in names), source.name

    loaded = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [
            sys.executable,
            "-c",
            "import sys, appeals.deadlines; print(sorted(m for m in sys.modules"
            " if m.split('.')[0] == 'django'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=package.parent.parent,
    )
    assert loaded.stdout.strip() == "[]"
