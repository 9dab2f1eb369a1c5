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


# --- Expedited: --expedited --received-at YYYY-MM-DDTHH:MM (site-local wall clock) --------


def run_text(*args: str) -> str:
    out = StringIO()
    call_command("appeal_deadline", *args, stdout=out)
    return out.getvalue()


def run_expedited(**options: str) -> dict:
    return json.loads(run_text("--expedited", *argv(**options)))


@pytest.mark.parametrize(
    ("track", "level", "citation"),
    [
        # 42 CFR 423.590(d): no later than 72 hours after receiving the request.
        ("part-d", "redetermination", "42 CFR 423.590(d)"),
        # 42 CFR 422.590(e): expedited reconsideration, 72 hours after receipt.
        ("advantage", "plan-reconsideration", "42 CFR 422.590(e)"),
    ],
)
def test_expedited_request_prints_the_decision_due_time(track, level, citation):
    text = run_text(
        "--track", track, "--level", level, "--expedited", "--received-at", "2026-03-02T10:00"
    )
    data = json.loads(text)

    assert '"decision_due_at": "2026-03-05T10:00"' in text
    assert data["expedited"] is True
    assert data["received_at"] == "2026-03-02T10:00"
    assert data["decision_due_at_utc"] == "2026-03-05T15:00Z"  # EST, UTC-5
    assert data["decision_hours"] == 72
    assert data["time_zone"] == "America/New_York"
    assert data["decision_variant"] == "expedited"
    assert citation in data["citations"]
    assert data["filing_deadline"] is None  # no --notice-date given


def test_expedited_with_a_notice_date_also_gives_the_filing_window():
    data = run_expedited(
        track="part-d",
        level="redetermination",
        received_at="2026-03-02T10:00",
        notice_date="2026-02-27",
        today="2026-03-02",
    )

    assert data["decision_due_at"] == "2026-03-05T10:00"
    assert data["filing_deadline"] == "2026-05-03"  # 2026-02-27 + 5 + 60 (423.582(b))
    assert data["late"] is False
    assert data["late_measured_against"] == "filed_date"


def test_expedited_time_crossing_the_spring_change_shows_73_wall_clock_hours():
    """72 elapsed hours from Saturday 10:00 EST end at Tuesday 11:00 EDT (2026-03-08)."""
    data = run_expedited(track="part-d", level="redetermination", received_at="2026-03-07T10:00")

    assert data["decision_due_at"] == "2026-03-10T11:00"
    assert data["decision_due_at_utc"] == "2026-03-10T15:00Z"


def test_expedited_time_in_the_repeated_autumn_hour_is_read_as_the_first_and_says_so():
    data = run_expedited(track="part-d", level="redetermination", received_at="2026-11-01T01:30")

    assert data["decision_due_at_utc"] == "2026-11-04T05:30Z"  # 01:30 EDT = 05:30Z
    assert data["decision_due_at"] == "2026-11-04T00:30"
    assert any("happened twice" in note for note in data["verify_notes"])


def test_expedited_uses_the_site_time_zone(settings):
    """No daylight saving time in Arizona: the same wall-clock time three days later."""
    settings.TIME_ZONE = "America/Phoenix"
    data = run_expedited(track="part-d", level="redetermination", received_at="2026-03-07T10:00")

    assert data["decision_due_at"] == "2026-03-10T10:00"
    assert data["time_zone"] == "America/Phoenix"


def test_expedited_works_through_call_command_keywords():
    out = StringIO()
    call_command(
        "appeal_deadline",
        track="advantage",
        level="plan-reconsideration",
        expedited=True,
        received_at="2026-03-02T10:00",
        stdout=out,
    )

    assert json.loads(out.getvalue())["decision_due_at"] == "2026-03-05T10:00"


def test_standard_requests_report_expedited_false():
    data = run(track="original", level="redetermination", notice_date="2026-03-02")

    assert data["expedited"] is False
    assert data["decision_due_at"] is None


EXPEDITED = ["--expedited", "--today", "2026-03-10"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--track", "part-d", "--level", "redetermination", "--expedited"],
            "--expedited needs --received-at",
        ),
        (
            ["--track", "advantage", "--level", "plan-reconsideration", "--expedited"],
            "--expedited needs --received-at",
        ),
        (
            [*EXPEDITED, "--track", "original", "--level", "redetermination"]
            + ["--received-at", "2026-03-02T10:00"],
            "No expedited time frame is modelled for original redetermination",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "ire"]
            + ["--received-at", "2026-03-02T10:00"],
            "No expedited time frame is modelled for part-d ire",
        ),
        (
            [*EXPEDITED, "--track", "advantage", "--level", "alj"]
            + ["--received-at", "2026-03-02T10:00"],
            "No expedited time frame is modelled for advantage alj",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "reconsideration"]
            + ["--received-at", "2026-03-02T10:00"],
            "There is no reconsideration level in the part-d track",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "redetermination"]
            + ["--received-at", "2026-03-02 10:00"],
            "must be a local date and time written YYYY-MM-DDTHH:MM",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "redetermination"]
            + ["--received-at", "2026-02-30T10:00"],
            "is not a real date and time",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "redetermination"]
            + ["--received-at", "2026-03-02T24:00"],
            "is not a real date and time",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "redetermination"]
            + ["--received-at", "2026-03-08T02:30"],
            "did not happen in America/New_York",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "redetermination"]
            + ["--received-at", "2026-03-11T10:00"],
            "is in the future",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "redetermination"]
            + ["--received-at", "2026-03-02T10:00", "--notice-date", "2026-03-03"],
            "is before the notice date",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "redetermination"]
            + ["--received-at", "2026-03-02T10:00", "--filed-date", "2026-03-03"],
            "disagree",
        ),
        (
            [*EXPEDITED, "--track", "part-d", "--level", "redetermination"]
            + ["--received-at", "2026-03-02T10:00", "--decision-variant", "payment"],
            "does not apply to an expedited request",
        ),
        (
            ["--track", "part-d", "--level", "redetermination", "--notice-date", "2026-03-01"]
            + ["--received-at", "2026-03-02T10:00"],
            "--received-at is for an expedited request",
        ),
    ],
)
def test_bad_expedited_arguments_exit_with_status_2(args, message):
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("appeal_deadline", *args, stdout=StringIO())

    assert excinfo.value.returncode == 2
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize(
    "args",
    [
        ["--track", "part-d", "--level", "redetermination", "--expedited"],
        ["--track", "original", "--level", "redetermination", "--expedited"]
        + ["--received-at", "2026-03-02T10:00"],
    ],
)
def test_expedited_errors_exit_2_from_the_command_line(capsys, args):
    utility = ManagementUtility(["manage.py", "appeal_deadline", *args])

    with pytest.raises(SystemExit) as excinfo:
        utility.execute()

    assert excinfo.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().count("\n") == 0


def test_a_filed_reconsideration_shows_when_a_late_qic_may_be_escalated():
    """42 CFR 405.970(a): the QIC has 60 days from receipt; 405.1002(b): escalation to OMHA
    after they expire; 405.1016(c): the ALJ then has 180 days."""
    data = run(
        track="original",
        level="reconsideration",
        notice_date="2026-01-05",
        filed_date="2026-02-02",
        today="2026-04-10",
    )

    escalation = data["escalation"]
    assert escalation["decision_was_due"] == "2026-04-03"
    assert escalation["may_escalate_from"] == "2026-04-04"
    assert escalation["escalate_to_level"] == "alj"
    assert escalation["escalate_to"].startswith("OMHA")
    assert escalation["next_decision_days"] == 180
    assert escalation["next_decision_citation"] == "42 CFR 405.1016(c)"
    assert escalation["verify_notes"]


def test_a_filed_alj_request_shows_the_escalation_to_the_council():
    data = run(
        track="original",
        level="alj",
        notice_date="2026-01-02",
        filed_date="2026-01-15",
        amount="500",
        today="2026-04-20",
    )

    assert data["escalation"]["may_escalate_from"] == "2026-04-16"
    assert data["escalation"]["escalate_to_level"] == "council"
    assert data["escalation"]["next_decision_citation"] == "42 CFR 405.1100(d)"


@pytest.mark.parametrize(
    "options",
    [
        {"track": "original", "level": "reconsideration", "notice_date": "2026-01-05"},
        {"track": "original", "level": "redetermination", "notice_date": "2026-01-05"}
        | {"filed_date": "2026-02-02"},
        {"track": "part-d", "level": "redetermination", "notice_date": "2026-01-05"}
        | {"filed_date": "2026-02-02"},
    ],
)
def test_no_escalation_where_none_applies(options):
    assert run(today="2026-04-10", **options)["escalation"] is None
