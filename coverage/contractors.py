"""The patient's Medicare contractors, as data: coverage/data/contractors.json.

Original Medicare Part B claims are decided, and redetermined, by the Part A/B MAC of the
state where the service is given (the clinic's state); a reconsideration goes to that
MAC's QIC, an ALJ hearing to OMHA's central docketing, a review to the Medicare Appeals
Council (42 CFR 405 Subpart I; jurisdictions from shared/reference/medicare.md §G). Each
entry carries its citation, effective dates and a `verify` flag with a note for staff.

Use from letters and appeals::

    from coverage.contractors import contractor_for_state, omha_office, council_office

    mac = contractor_for_state(clinic.state, on=date_of_service)
    if mac is None:
        ...  # no jurisdiction on file for that state and date: ask staff for the address
    mac.name                        # "National Government Services, Inc."
    mac.redetermination.address_lines   # [] when not on file: use the notice's address
    mac.qic.name, mac.qic.address_lines # default only: the redetermination notice names the QIC
    omha_office().address_lines, council_office().address_lines
    office.verify, office.verify_note   # show the note to staff; never print it on a letter

Pure: reads the JSON file once, no Django, no clock (the date is an argument).
"""

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from coverage.engine.facts import ContractorArticle, ContractorFacts

DATA_FILE = Path(__file__).resolve().parent / "data" / "contractors.json"


class ContractorDataError(ValueError):
    """contractors.json cannot be used; the message names the entry and field."""


@dataclass(frozen=True)
class Office:
    """Where one appeal level is filed. Empty `address_lines`: not on file, take it from the
    notice the clinic received."""

    name: str
    address_lines: tuple[str, ...]
    citation: str
    verify: bool = False
    verify_note: str = ""


@dataclass(frozen=True)
class DatedArticle:
    article: ContractorArticle
    effective_from: date
    effective_to: date | None = None
    verify_note: str = ""

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


@dataclass(frozen=True)
class Contractor:
    """One Part A/B MAC jurisdiction over a date range."""

    jurisdiction: str
    name: str
    short_name: str
    states: tuple[str, ...]
    effective_from: date
    effective_to: date | None
    citation: str
    redetermination: Office
    qic: Office
    articles: tuple[DatedArticle, ...] = ()
    verify: bool = False
    verify_note: str = ""

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def articles_on(self, on: date) -> tuple[ContractorArticle, ...]:
        """This contractor's LCDs and billing articles in force on `on`."""
        return tuple(a.article for a in self.articles if a.in_force(on))

    def facts(self, on: date) -> ContractorFacts:
        """What the coverage engine needs: who the contractor is and its articles on `on`."""
        return ContractorFacts(
            jurisdiction=self.jurisdiction, name=self.name, articles=self.articles_on(on)
        )


def contractor_for_state(state: str, on: date) -> Contractor | None:
    """The Part A/B MAC for services given in `state` (two-letter code) on `on`.

    None when no jurisdiction is on file for that state and date (e.g. military mail codes,
    or a date before the assignments on file): callers then leave the contractor unnamed and
    ask staff, never guess.
    """
    code = (state or "").strip().upper()
    for contractor in _load().jurisdictions:
        if code in contractor.states and contractor.in_force(on):
            return contractor
    return None


def omha_office() -> Office:
    """OMHA central docketing: where ALJ hearing requests go unless the QIC's notice says
    otherwise (42 CFR 405.1014)."""
    return _load().omha


def council_office() -> Office:
    """The Medicare Appeals Council (42 CFR 405.1106)."""
    return _load().council


@dataclass(frozen=True)
class _Directory:
    jurisdictions: tuple[Contractor, ...]
    omha: Office
    council: Office


@cache
def _load() -> _Directory:
    return directory_from_document(json.loads(DATA_FILE.read_text(encoding="utf-8")))


def directory_from_document(document: dict[str, Any]) -> _Directory:
    """Build and check the directory: each state in at most one jurisdiction on any day."""
    try:
        jurisdictions = tuple(_contractor(item) for item in document["jurisdictions"])
        directory = _Directory(
            jurisdictions, _office(document["omha"]), _office(document["council"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ContractorDataError(f"contractors.json: {exc!r}") from exc
    for i, a in enumerate(jurisdictions):
        for b in jurisdictions[i + 1 :]:
            shared = set(a.states) & set(b.states)
            if shared and _overlap(a, b):
                raise ContractorDataError(
                    f"{b.jurisdiction}.states: {', '.join(sorted(shared))} also in "
                    f"{a.jurisdiction} on overlapping dates"
                )
    return directory


def _overlap(a: Contractor, b: Contractor) -> bool:
    a_end, b_end = a.effective_to or date.max, b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _office(item: dict[str, Any]) -> Office:
    return Office(
        name=item["name"],
        address_lines=tuple(item.get("address_lines", ())),
        citation=item["citation"],
        verify=bool(item.get("verify", False)),
        verify_note=item.get("verify_note", ""),
    )


def _contractor(item: dict[str, Any]) -> Contractor:
    articles = tuple(
        DatedArticle(
            article=ContractorArticle(
                id=a["id"],
                title=a["title"],
                citation=a["citation"],
                products=tuple(a.get("products", ())),
                topics=tuple(a.get("topics", ())),
                verify=bool(a.get("verify", False)),
            ),
            effective_from=date.fromisoformat(a["effective_from"]),
            effective_to=_date(a.get("effective_to")),
            verify_note=a.get("verify_note", ""),
        )
        for a in item.get("articles", ())
    )
    return Contractor(
        jurisdiction=item["jurisdiction"],
        name=item["name"],
        short_name=item["short_name"],
        states=tuple(s.upper() for s in item["states"]),
        effective_from=date.fromisoformat(item["effective_from"]),
        effective_to=_date(item.get("effective_to")),
        citation=item["citation"],
        redetermination=_office(item["redetermination"]),
        qic=_office(item["qic"]),
        articles=articles,
        verify=bool(item.get("verify", False)),
        verify_note=item.get("verify_note", ""),
    )
