"""Print one appeal level's filing deadline, decision due date and AIC check as JSON.

    python manage.py appeal_deadline --track original --level redetermination \\
        --notice-date 2026-03-02 [--amount 195] [--filed-date 2026-04-01] [--today 2026-04-02]
    python manage.py appeal_deadline --track part-d --level redetermination \\
        --expedited --received-at 2026-03-02T10:00 [--notice-date 2026-02-27]

Every bad argument ends with a one-line message on stderr and exit status 2. All options
are validated here rather than by argparse ``type=``/``choices=``, because ``call_command``
skips argparse conversion for keyword options and would let bad values through.

``--received-at`` is a naive local wall-clock time (what the fax stamp or portal shows), read
in the site's TIME_ZONE. The 72 hours of an expedited decision are elapsed clock hours, so
across a daylight-saving change the printed local due time moves by an hour; a time the
clocks skipped is refused and one they showed twice is read as its first occurrence (see
appeals/deadlines/expedited.py). ``decision_due_at_utc`` gives the same instant in UTC.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from appeals.deadlines import (
    DeadlineError,
    DeadlineResult,
    Escalation,
    ExpeditedDecision,
    Level,
    Track,
    compute_deadline,
    expedited_decision,
    local_time,
    rule_for,
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
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


def _parse_minute(option: str, value: object) -> datetime:
    text = str(value).strip()
    if not _ISO_MINUTE.fullmatch(text):
        raise _usage_error(
            f"{option} must be a local date and time written YYYY-MM-DDTHH:MM, not '{text}'."
        )
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise _usage_error(f"{option} '{text}' is not a real date and time.") from None


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


def _minute(value: datetime | None) -> str | None:
    """Local wall-clock time to the minute, the form --received-at takes."""
    return value.strftime("%Y-%m-%dT%H:%M") if value is not None else None


def _escalation(escalation: Escalation | None) -> dict[str, Any] | None:
    if escalation is None:
        return None
    return {
        "from_level": escalation.from_level.value,
        "missed_by": escalation.adjudicator,
        "decision_was_due": _iso(escalation.decision_due),
        "may_escalate_from": _iso(escalation.may_escalate_from),
        "escalate_to_level": escalation.to_level.value,
        "escalate_to": escalation.escalate_to,
        "how": escalation.how,
        "next_adjudicator": escalation.next_adjudicator,
        "next_decision_days": escalation.next_decision_days,
        "next_decision_citation": escalation.next_decision_citation,
        "citations": list(escalation.citations),
        "verify_notes": list(escalation.verify_notes),
    }


def _as_json(
    result: DeadlineResult | None,
    fast: ExpeditedDecision | None,
    *,
    track: str,
    level: str,
    amount: Decimal | None,
    measured_on: str | None,
    time_note: str | None,
) -> str:
    # Without --notice-date (an expedited request alone) the filing-window keys are null and
    # the form and next level come from the rule in effect on the day of receipt.
    rule = rule_for(track, level, fast.received_at.date()) if result is None and fast else None
    info = result if result is not None else rule  # both carry form, next_level, filed_by_party
    citations = list(result.citations) if result else [rule.citation] if rule else []
    notes = list(result.verify_notes) if result else []
    if fast:
        citations.append(fast.citation)
        notes += fast.verify_notes
        notes += [time_note] if time_note else []
    decision_due = result.decision_due if result else None
    variant = result.decision_variant if result else None
    if fast:
        decision_due, variant = fast.decision_due_at.date(), "expedited"
    payload: dict[str, Any] = {
        "track": track,
        "level": level,
        "notice_date": _iso(result.notice_date) if result else None,
        "receipt_date": _iso(result.receipt_date) if result else None,
        "filing_deadline": _iso(result.filing_deadline) if result else None,
        "next_business_day_if_weekend_or_holiday": (
            _iso(result.next_business_day) if result else None
        ),
        # Where sources disagree: file by the earlier date; the later is the legal last day.
        "file_by": _iso(result.file_by) if result else None,
        "file_by_citation": result.file_by_citation if result else None,
        "legal_last_day": _iso(result.legal_last_day) if result else None,
        "legal_last_day_citation": result.legal_last_day_citation if result else None,
        "decision_due": _iso(decision_due),
        "decision_variant": variant,
        "expedited": fast is not None,
        "received_at": _minute(fast.received_at) if fast else None,
        "decision_due_at": _minute(fast.decision_due_at) if fast else None,
        "decision_due_at_utc": (
            fast.decision_due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ") if fast else None
        ),
        "decision_hours": fast.hours if fast else None,
        "time_zone": str(fast.received_at.tzinfo) if fast else None,
        "expedited_notes": list(fast.notes) if fast else [],
        # Original Medicare QIC and ALJ, once filed: when a late decision lets the case move up.
        "escalation": _escalation(result.escalation) if result else None,
        "amount": _money(amount),
        "aic_threshold": _money(result.aic_threshold) if result else None,
        "aic_met": result.aic_met if result else None,
        "late": result.late if result else None,
        "late_measured_against": measured_on if result and result.late is not None else None,
        "form": info.form if info else None,
        "next_level": _level(info.next_level if info else None),
        "filed_by_party": info.filed_by_party if info else None,
        "citations": list(dict.fromkeys(citations)),
        "verify": bool(notes),
        "verify_notes": list(dict.fromkeys(notes)),
    }
    return json.dumps(payload, indent=2)


def _level(level: Level | None) -> str | None:
    return level.value if level else None


class Command(BaseCommand):
    help = (
        "Compute a Medicare appeal filing deadline (regulatory date and next business day), "
        "decision due date (or, with --expedited, due time) and amount-in-controversy check, "
        "printed as JSON."
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
        parser.add_argument(
            "--expedited",
            action="store_true",
            help="An expedited (72-hour) request: MA plan reconsideration, Part D redetermination.",
        )
        parser.add_argument(
            "--received-at",
            help="With --expedited: local date and time the plan received it, YYYY-MM-DDTHH:MM.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        expedited = bool(options.get("expedited"))
        raw_received = options.get("received_at")
        for required in ("track", "level"):
            if not options.get(required):
                raise _usage_error(f"--{required} is required.")
        if raw_received and not expedited:
            raise _usage_error(
                "--received-at is for an expedited request: add --expedited, or give "
                "--filed-date for a standard one."
            )
        if expedited and not raw_received:
            raise _usage_error(
                "--expedited needs --received-at, the local date and time the plan received "
                "the request (YYYY-MM-DDTHH:MM): the 72 hours run from that moment."
            )
        if not expedited and not options.get("notice_date"):
            raise _usage_error("--notice-date is required.")
        if expedited and options.get("decision_variant"):
            raise _usage_error("--decision-variant does not apply to an expedited request.")

        track, level = str(options["track"]), str(options["level"])
        notice = options.get("notice_date")
        notice_date = _parse_date("--notice-date", notice) if notice else None
        filed = options.get("filed_date")
        filed_date = _parse_date("--filed-date", filed) if filed else None
        given_today = options.get("today")
        today = _parse_date("--today", given_today) if given_today else timezone.localdate()
        raw_amount = options.get("amount")
        amount = _parse_amount(raw_amount) if raw_amount is not None else None

        fast, time_note = None, None
        if expedited:
            received_local = _parse_minute("--received-at", raw_received)
            try:
                received_at, time_note = local_time(received_local, timezone.get_current_timezone())
                fast = expedited_decision(track, level, received_at)
            except DeadlineError as exc:
                raise _usage_error(str(exc)) from exc
            filed_date = self._check_received(received_local.date(), notice_date, filed_date, today)

        result = None
        try:
            if notice_date is not None:
                result = compute_deadline(
                    track,
                    level,
                    notice_date,
                    filed_date=filed_date,
                    amount=amount,
                    today=today,
                    decision_variant=options.get("decision_variant"),
                )
            payload = _as_json(
                result,
                fast,
                track=track,
                level=level,
                amount=amount,
                measured_on="filed_date" if filed_date else "today",
                time_note=time_note,
            )
        except DeadlineError as exc:
            raise _usage_error(str(exc)) from exc
        self.stdout.write(payload)

    @staticmethod
    def _check_received(
        received: date, notice_date: date | None, filed_date: date | None, today: date
    ) -> date:
        """The day of receipt is the filed date (the rules treat a request as filed when the
        plan receives it, e.g. 42 CFR 423.582(b)(2)); it must agree with the other dates."""
        if received > today:
            raise _usage_error(
                f"--received-at {received.isoformat()} is in the future "
                f"(today is {today.isoformat()})."
            )
        if notice_date is not None and received < notice_date:
            raise _usage_error(
                f"--received-at {received.isoformat()} is before the notice date "
                f"{notice_date.isoformat()}."
            )
        if filed_date is not None and filed_date != received:
            raise _usage_error(
                f"--filed-date {filed_date.isoformat()} and --received-at "
                f"{received.isoformat()} disagree: give the day the plan received it once."
            )
        return received
