"""Print one appeal level's filing deadline, decision due date and AIC check as JSON.

    python manage.py appeal_deadline --track original --level redetermination \\
        --notice-date 2026-03-02 [--amount 195] [--filed-date 2026-04-01] [--today 2026-04-02]

Every bad argument ends with a one-line message on stderr and exit status 2. All options
are validated here rather than by argparse ``type=``/``choices=``, because ``call_command``
skips argparse conversion for keyword options and would let bad values through.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from appeals.deadlines import DeadlineError, DeadlineResult, Level, Track, compute_deadline

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Plain dollars: "195", "195.5", "1900.00", optionally "$1,900.00"; a minus sign is caught
# separately so the message can say "negative" rather than "not a number".
_DOLLARS = re.compile(r"\$?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?")


def _usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _parse_date(option: str, value: object) -> date:
    text = str(value).strip()
    # fromisoformat alone also accepts "20260302" and week dates; staff type YYYY-MM-DD.
    if not _ISO_DATE.fullmatch(text):
        raise _usage_error(f"{option} must be a date written YYYY-MM-DD, not '{text}'.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _usage_error(f"{option} '{text}' is not a real calendar date.") from None


def _parse_amount(value: object) -> Decimal:
    text = str(value).strip()
    if text.startswith("-"):
        raise _usage_error(f"--amount cannot be negative ('{text}').")
    if not _DOLLARS.fullmatch(text):
        raise _usage_error(f"--amount must be dollars, such as 195 or 1900.00, not '{text}'.")
    return Decimal(text.lstrip("$").replace(",", ""))


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _as_json(result: DeadlineResult, amount: Decimal | None, measured_on: str | None) -> str:
    payload: dict[str, Any] = {
        "track": result.track.value,
        "level": result.level.value,
        "notice_date": _iso(result.notice_date),
        "receipt_date": _iso(result.receipt_date),
        "filing_deadline": _iso(result.filing_deadline),
        "next_business_day_if_weekend_or_holiday": _iso(result.next_business_day),
        # Where sources disagree: file by the earlier date; the later is the legal last day.
        "file_by": _iso(result.file_by),
        "file_by_citation": result.file_by_citation,
        "legal_last_day": _iso(result.legal_last_day),
        "legal_last_day_citation": result.legal_last_day_citation,
        "decision_due": _iso(result.decision_due),
        "decision_variant": result.decision_variant,
        "amount": _money(amount),
        "aic_threshold": _money(result.aic_threshold),
        "aic_met": result.aic_met,
        "late": result.late,
        "late_measured_against": measured_on if result.late is not None else None,
        "form": result.form,
        "next_level": result.next_level.value if result.next_level else None,
        "filed_by_party": result.filed_by_party,
        "citations": list(result.citations),
        "verify": result.needs_verification,
        "verify_notes": list(result.verify_notes),
    }
    return json.dumps(payload, indent=2)


class Command(BaseCommand):
    help = (
        "Compute a Medicare appeal filing deadline (regulatory date and next business day), "
        "decision due date and amount-in-controversy check, printed as JSON."
    )
    # Pure date arithmetic: no models, so no system checks or database needed.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        tracks = ", ".join(t.value for t in Track)
        parser.add_argument("--track", help=f"One of: {tracks}.")
        parser.add_argument("--level", help=f"One of: {', '.join(lv.value for lv in Level)}.")
        parser.add_argument("--notice-date", help="Date printed on the notice, YYYY-MM-DD.")
        parser.add_argument("--amount", help="Amount in controversy in dollars, e.g. 195.00.")
        parser.add_argument(
            "--filed-date", help="Date the request was received (treated as filed), YYYY-MM-DD."
        )
        parser.add_argument("--today", help="Override today's date, YYYY-MM-DD.")
        parser.add_argument(
            "--decision-variant",
            help="Decision time frame to use, e.g. pre-service, payment, part-b-drug, escalated.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for required in ("track", "level", "notice_date"):
            if not options.get(required):
                flag = "--" + required.replace("_", "-")
                raise _usage_error(f"{flag} is required.")

        notice_date = _parse_date("--notice-date", options["notice_date"])
        filed = options.get("filed_date")
        filed_date = _parse_date("--filed-date", filed) if filed else None
        given_today = options.get("today")
        today = _parse_date("--today", given_today) if given_today else timezone.localdate()
        raw_amount = options.get("amount")
        amount = _parse_amount(raw_amount) if raw_amount is not None else None

        try:
            result = compute_deadline(
                str(options["track"]),
                str(options["level"]),
                notice_date,
                filed_date=filed_date,
                amount=amount,
                today=today,
                decision_variant=options.get("decision_variant"),
            )
        except DeadlineError as exc:
            raise _usage_error(str(exc)) from exc

        measured_on = "filed_date" if filed_date else "today"
        self.stdout.write(_as_json(result, amount, measured_on))
