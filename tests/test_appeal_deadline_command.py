"""The appeal_deadline management command: JSON out, one-line errors with exit status 2."""

import json
from io import StringIO

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError


def argv(**options: str) -> list[str]:
    """Command-line style arguments, so argparse sees exactly what a user would type."""
    return [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]


def run(**options: str) -> dict:
    out = StringIO()
    call_command("appeal_deadline", *argv(**options), stdout=out)
    return json.loads(out.getvalue())


def test_prints_both_deadline_dates_and_the_aic_check():
    data = run(
        track="original",
        level="alj",
        notice_date="2025-11-20",
        amount="195",
        filed_date="2026-01-02",
        today="2026-01-05",
    )

    assert data["track"] == "original"
    assert data["level"] == "alj"
    assert data["notice_date"] == "2025-11-20"
    assert data["receipt_date"] == "2025-11-25"
    assert data["filing_deadline"] == "2026-01-24"  # Saturday: not rolled forward
    assert data["next_business_day_if_weekend_or_holiday"] == "2026-01-26"
    assert data["decision_due"] == "2026-04-02"  # 90 days after 2026-01-02
    assert data["aic_threshold"] == "200.00"  # filed in 2026
    assert data["aic_met"] is False
    assert data["late"] is False
    assert data["late_measured_against"] == "filed_date"
    assert data["form"].startswith("OMHA-100")
    assert data["next_level"] == "council"
    assert "42 CFR 405.1002(a)(1), (a)(3)-(4)" in data["citations"]
    assert "90 FR 55869 (Dec. 4, 2025), CMS-4209-N" in data["citations"]
    assert data["verify"] is True
    assert any("2026-01-24" in note for note in data["verify_notes"])


def test_same_amount_meets_the_2025_threshold():
    data = run(
        track="original",
        level="alj",
        notice_date="2025-11-20",
        amount="195.00",
        filed_date="2025-12-31",
        today="2026-01-05",
    )

    assert data["aic_threshold"] == "190.00"
    assert data["aic_met"] is True


def test_without_filed_date_decision_due_is_null_and_late_uses_today():
    data = run(
        track="part-d",
        level="redetermination",
        notice_date="2026-05-01",
        today="2026-07-06",
    )

    assert data["filing_deadline"] == "2026-07-05"
    assert data["next_business_day_if_weekend_or_holiday"] == "2026-07-06"
    assert data["decision_due"] is None
    assert data["late"] is True
    assert data["late_measured_against"] == "today"
    assert data["aic_threshold"] is None
    assert data["aic_met"] is None


def test_ma_ire_reports_automatic_forwarding():
    data = run(
        track="advantage",
        level="ire",
        notice_date="2025-05-01",
        filed_date="2025-05-02",
        decision_variant="part-b-drug",
        today="2025-06-01",
    )

    assert data["filed_by_party"] is False
    assert data["late"] is None
    assert data["decision_due"] == "2025-05-09"
    assert data["decision_variant"] == "part-b-drug"


def test_keyword_options_work_through_call_command():
    out = StringIO()
    call_command(
        "appeal_deadline",
        track="advantage",
        level="plan-reconsideration",
        notice_date="2025-06-30",
        today="2025-09-03",
        stdout=out,
    )
    data = json.loads(out.getvalue())

    assert data["filing_deadline"] == "2025-09-03"
    assert data["late"] is False


def test_amount_accepts_dollar_sign_and_thousands_separator():
    data = run(
        track="original",
        level="court",
        notice_date="2025-06-02",
        amount="$1,960.00",
        filed_date="2026-01-02",
        today="2026-01-05",
    )

    assert data["amount"] == "1960.00"
    assert data["aic_threshold"] == "1960.00"
    assert data["aic_met"] is True


BASE = ["--track", "original", "--level", "alj", "--today", "2026-01-05"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--track", "medicaid", "--level", "alj", "--notice-date", "2025-11-20"],
            "Unknown track 'medicaid'",
        ),
        (
            ["--track", "original", "--level", "ire", "--notice-date", "2025-11-20"],
            "There is no ire level in the original track",
        ),
        (
            ["--track", "part-d", "--level", "reconsideration", "--notice-date", "2025-11-20"],
            "There is no reconsideration level in the part-d track",
        ),
        ([*BASE, "--notice-date", "2025-13-01"], "not a real calendar date"),
        ([*BASE, "--notice-date", "2025-02-29"], "not a real calendar date"),
        ([*BASE, "--notice-date", "11/20/2025"], "must be a date written YYYY-MM-DD"),
        ([*BASE, "--notice-date", "20251120"], "must be a date written YYYY-MM-DD"),
        ([*BASE, "--notice-date", "2026-02-01"], "is in the future"),
        ([*BASE, "--notice-date", "2025-11-20", "--amount", "-5"], "cannot be negative"),
        ([*BASE, "--notice-date", "2025-11-20", "--amount", "abc"], "must be dollars"),
        ([*BASE, "--notice-date", "2025-11-20", "--amount", "1e3"], "must be dollars"),
        ([*BASE, "--notice-date", "2025-11-20", "--amount", "NaN"], "must be dollars"),
        (
            [*BASE, "--notice-date", "2025-11-20", "--filed-date", "2025-11-19"],
            "before the notice date",
        ),
        (
            [*BASE, "--notice-date", "2025-11-20", "--filed-date", "2025-11-31"],
            "not a real calendar date",
        ),
        ([*BASE, "--notice-date", "2025-11-20", "--today", "tomorrow"], "--today must be a date"),
        (
            [*BASE, "--notice-date", "2025-11-20", "--decision-variant", "urgent"],
            "Unknown decision variant 'urgent'",
        ),
        (["--level", "alj", "--notice-date", "2025-11-20"], "--track is required"),
        (["--track", "original", "--notice-date", "2025-11-20"], "--level is required"),
        (["--track", "original", "--level", "alj"], "--notice-date is required"),
    ],
)
def test_bad_arguments_raise_a_one_line_error_with_status_2(args, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("appeal_deadline", *args, stdout=StringIO())

    assert excinfo.value.returncode == 2
    assert "\n" not in str(excinfo.value)


def test_bad_keyword_option_is_validated_too():
    with pytest.raises(CommandError, match="Unknown track 'medicaid'") as excinfo:
        call_command(
            "appeal_deadline",
            track="medicaid",
            level="alj",
            notice_date="2025-11-20",
            stdout=StringIO(),
        )

    assert excinfo.value.returncode == 2


def test_command_line_prints_one_line_to_stderr_and_exits_2(capsys):
    utility = ManagementUtility(
        [
            "manage.py",
            "appeal_deadline",
            "--track",
            "original",
            "--level",
            "ire",
            "--notice-date",
            "2025-11-20",
            "--today",
            "2026-01-05",
        ]
    )

    with pytest.raises(SystemExit) as excinfo:
        utility.execute()

    assert excinfo.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().count("\n") == 0
    assert "There is no ire level in the original track" in captured.err


def test_where_sources_conflict_the_json_shows_file_by_and_legal_last_day():
    """medicare.md G: MA plan reconsideration, 60 days from the notice (CMS Part C page) or
    60 days from presumed receipt (42 CFR 422.582(b)): file by the earlier, cite both."""
    data = run(
        track="advantage",
        level="plan-reconsideration",
        notice_date="2026-03-02",
        today="2026-03-10",
    )

    assert data["file_by"] == "2026-05-01"
    assert data["legal_last_day"] == "2026-05-06"
    assert data["filing_deadline"] == "2026-05-06"
    assert "notice" in data["file_by_citation"]
    assert data["legal_last_day_citation"] == "42 CFR 422.582(b)"


def test_where_sources_agree_file_by_equals_the_deadline():
    data = run(track="original", level="redetermination", notice_date="2026-03-02")

    assert data["file_by"] == data["legal_last_day"] == data["filing_deadline"] == "2026-07-05"
    assert data["file_by_citation"] == data["legal_last_day_citation"]
