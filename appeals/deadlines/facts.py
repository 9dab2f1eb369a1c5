"""Effective-dated facts for letters and the coverage engine: ``fact(name, on=date)``.

Pure, like the rest of the package: reads ``appeals/data/effective_facts.json`` once and
never the clock. Each answer carries its value, citation, effective range and ``verify``
flag; a date with no version on file answers None, so the caller says "none on file"
instead of guessing (next year's Part B deductible is a data change, not a code change).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from .rule_data import check_no_overlap, covers, dated
from .vocabulary import RuleDataError

FACTS_FILE = Path(__file__).resolve().parent.parent / "data" / "effective_facts.json"


@dataclass(frozen=True)
class FormVersion:
    form: str  # e.g. "CMS-R-131"
    version: str  # as printed on the form, e.g. "exp. 03/31/2029"
    omb_expiry: date
    mandatory_from: date


FactValue = Decimal | date | FormVersion


@dataclass(frozen=True)
class Fact:
    name: str
    kind: str  # money, percent, date or form_version
    value: FactValue
    effective_from: date
    effective_to: date | None  # inclusive; None = until changed
    citation: str
    note: str | None
    verify: bool
    verify_note: str | None

    def in_effect(self, on: date) -> bool:
        return covers(self.effective_from, self.effective_to, on)


class UnknownFact(LookupError):
    """No fact of that name is on file at all (a typo in the caller, not a missing year)."""


def fact(name: str, *, on: date) -> Fact | None:
    """The version of ``name`` in effect on ``on``, or None when none is on file for it."""
    for version in facts_named(name):
        if version.in_effect(on):
            return version
    return None


def facts_named(name: str) -> tuple[Fact, ...]:
    """Every version of ``name`` on file, oldest first."""
    versions = _facts().get(name)
    if versions is None:
        known = ", ".join(sorted(_facts()))
        raise UnknownFact(f"No fact named '{name}'; known facts: {known}.")
    return versions


def fact_names() -> tuple[str, ...]:
    return tuple(sorted(_facts()))


@cache
def _facts() -> dict[str, tuple[Fact, ...]]:
    raw = json.loads(FACTS_FILE.read_text(encoding="utf-8"))
    try:
        parsed = [_parse(item) for item in raw["facts"]]
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise RuleDataError(f"{FACTS_FILE.name}: malformed entry ({exc!r})") from exc
    by_name: dict[str, list[Fact]] = {}
    for item in parsed:
        by_name.setdefault(item.name, []).append(item)
    for name, versions in by_name.items():
        versions.sort(key=lambda v: v.effective_from)
        if len({v.kind for v in versions}) > 1:
            raise RuleDataError(f"fact {name}: versions disagree on kind")
        check_no_overlap(f"fact {name}", versions)
    return {name: tuple(versions) for name, versions in by_name.items()}


_PARSERS = {
    "money": lambda value: _amount(value),
    "percent": lambda value: _amount(value),
    "date": date.fromisoformat,
    "form_version": lambda value: FormVersion(
        form=value["form"],
        version=value["version"],
        omb_expiry=date.fromisoformat(value["omb_expiry"]),
        mandatory_from=date.fromisoformat(value["mandatory_from"]),
    ),
}


def _parse(item: Mapping[str, Any]) -> Fact:
    kind = item["kind"]
    if kind not in _PARSERS:
        raise ValueError(f"unknown kind '{kind}' for {item.get('name')}")
    result = Fact(**{**item, **dated(item), "value": _PARSERS[kind](item["value"])})
    if not result.citation.strip():
        raise ValueError(f"{result.name}: a fact needs its citation")
    if result.verify and not result.verify_note:
        raise ValueError(f"{result.name}: verify=true needs a verify_note")
    return result


def _amount(value: object) -> Decimal:
    if not isinstance(value, str):  # a JSON float would round; dollars are written as text
        raise ValueError(f"amounts are written as strings, not {value!r}")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not an amount: {value!r}")
    return amount
