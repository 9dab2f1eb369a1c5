"""Coverage rules engine: intake facts + reviewed policies in, an explained Assessment out.

Pure: no ORM, no I/O, no clock; the date of service is an argument. How each determination
and criterion is decided, and where each rule comes from: docs/coverage.md.

The rules are split by stage: findings.py holds the vocabulary (Determination, Status,
Criterion, Modifier, the engine's own citations) and the `_Findings` accumulator;
criteria.py the gates and policy criteria; outcome.py the determination and what follows
from it. This module runs the steps; the package (`coverage.engine`) exports the public names.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from coverage.engine.criteria import _coverage_rule, _gates, _policy_criteria, select_policy
from coverage.engine.facts import (
    IntakeFacts,
    Policy,
    RequestFacts,
)
from coverage.engine.findings import (
    CITE_ABN_SPECIFIC,
    CITE_ENROLMENT,
    CITE_MA_CRITERIA,
    CRITERION_IDS,
    PROGRAMS,
    Advice,
    Criterion,
    Determination,
    MissingFact,
    Modifier,
    SourceKind,
    Status,
    _Findings,
)
from coverage.engine.outcome import (
    _MODIFIER_CITATIONS,
    _abn_reason,
    _codes,
    _decide,
    _documents,
    _modifiers,
    _next_steps,
    _part_d,
    _summary,
    _warnings,
)

# assess() lists the criteria in CRITERION_IDS order.
_ORDER = {cid: i for i, cid in enumerate(CRITERION_IDS)}


@dataclass(frozen=True)
class Assessment:
    determination: Determination
    summary: str
    policy_key: str | None
    policy_version: int | None
    coverage_path: str | None
    fda_status: str | None
    criteria: tuple[Criterion, ...]
    documents: tuple[str, ...]
    modifiers: tuple[Modifier, ...]
    # Facts never recorded that a decisive criterion needs, each with its intake step key.
    missing: tuple[MissingFact, ...]
    warnings: tuple[str, ...]
    next_steps: tuple[str, ...]
    citations: tuple[str, ...]
    codes: tuple[str, ...] = ()
    # Typical-payer-practice criteria not shown met: staff advice for the letter, never a
    # denial (reference medicare.md §G).
    advice: tuple[Advice, ...] = ()
    # The specific reason for ABN blank E when an ABN is among the documents, else "".
    abn_reason: str = ""
    # The patient's Medicare contractor whose articles were applied, e.g. "JK NGS".
    contractor: str | None = None

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Criterion | Modifier | MissingFact | Advice):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    return value


def assess(facts: IntakeFacts, policies: Sequence[Policy], on: date) -> Assessment:
    """Assess one treatment request as of `on`, the planned date of service."""
    req, coverage = facts.request, facts.coverage
    program = coverage.program if coverage else None
    found = _Findings()
    _gates(found, facts, on)
    policy = None
    if program in PROGRAMS:
        policy = select_policy(policies, req.product, req.indication, program, on)
        _coverage_rule(found, facts, program, policy, on)
    elif program is None:
        found.add(
            "coverage.rule",
            "A reviewed coverage rule applies to this request on the date",
            Status.UNKNOWN,
            "The rule depends on the Medicare program, which is not recorded.",
            CITE_ENROLMENT,
            ["Medicare program (Original Medicare or Medicare Advantage)"],
            kind=SourceKind.REGULATION,
            step="coverage",
        )
    if policy is not None:
        _policy_criteria(found, policy, facts, on)

    determination = _decide(found.criteria, policy, coverage)
    _warnings(found, facts, policy, determination)
    codes = _codes(found, req)
    if req.product == "esketamine" and coverage is not None and coverage.has_part_d:
        _part_d(found, facts, policies, on)
    modifiers = _modifiers(found, determination, program, req, facts.contractor)
    _next_steps(found, determination, program, req, codes)
    documents = _documents(determination, program, coverage)
    abn_reason = (
        _abn_reason(determination, req, program, found.criteria) if "abn" in documents else ""
    )
    citations = [*(policy.citations if policy else ()), *(c.citation for c in found.criteria)]
    citations += [_MODIFIER_CITATIONS[m.code] for m in modifiers]
    if abn_reason:
        citations.append(CITE_ABN_SPECIFIC)
    if program == "advantage":
        citations.append(CITE_MA_CRITERIA)
    contractor = facts.contractor
    # Only the patient's own contractor's LCDs and articles are cited (reference §G).
    if contractor is not None:
        citations += [a.citation for a in contractor.articles if req.product in a.products]
    return Assessment(
        determination=determination,
        summary=_summary(determination, req, program, policy, found.criteria),
        policy_key=policy.key if policy else None,
        policy_version=policy.version if policy else None,
        coverage_path=policy.coverage_path if policy else None,
        fda_status=policy.fda_status if policy else _fda_status(req),
        criteria=tuple(sorted(found.criteria, key=lambda c: _ORDER.get(c.id, len(_ORDER)))),
        documents=documents,
        modifiers=modifiers,
        missing=tuple(dict.fromkeys(found.missing)),
        warnings=_unique(found.warnings),
        next_steps=_unique(found.next_steps),
        citations=_unique(citations),
        codes=codes,
        advice=tuple(dict.fromkeys(found.advice)),
        abn_reason=abn_reason,
        contractor=f"{contractor.jurisdiction} {contractor.name}" if contractor else None,
    )


# --- Helpers --------------------------------------------------------------------------


def _fda_status(req: RequestFacts) -> str | None:
    if req.product == "iv_ketamine":
        return "off_label"  # FDA: racemic ketamine is approved only as an anaesthetic
    if req.product == "esketamine":
        return "on_label" if req.indication in ("trd", "mdd_si") else "off_label"
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))
