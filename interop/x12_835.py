"""Read an X12 835 remittance advice (005010X221A1, or 004010X091A1) into plain data.

pyx12 tokenises the file and checks its envelopes (x12_segments); this module walks the
segments of each transaction set in TR3 loop order and builds x12_835_types dataclasses. Only
what the appeals work needs is kept (see docs/interop.md); a segment out of its loop, a
missing required element or a value of the wrong shape raises Malformed835 naming the segment
and its position, so a damaged file is refused whole rather than half imported.
"""

from __future__ import annotations

from datetime import date

from .x12_835_drafts import ClaimDraft, LineDraft, PartyDraft, person
from .x12_835_types import (
    Malformed835,
    Payment,
    ProviderAdjustment,
    Remittance,
    RemittanceFile,
    Trace,
)
from .x12_balance import balance_problems
from .x12_segments import Segment, read_segments
from .x12_values import amount, read_adjustments, read_date, required

__all__ = ["Malformed835", "parse_835"]

# GS08 versions this reader follows (835 TR3s); others are refused, not guessed at.
VERSIONS = ("005010X221", "004010X091")
# Segments an 835 may carry (TR3 table 1 and 2); anything else means a damaged or wrong file.
KNOWN = frozenset(
    [
        "BPR",
        "NTE",
        "TRN",
        "CUR",
        "REF",
        "DTM",
        "N1",
        "N2",
        "N3",
        "N4",
        "PER",
        "RDM",
        "LX",
        "TS3",
        "TS2",
        "CLP",
        "CAS",
        "NM1",
        "MIA",
        "MOA",
        "AMT",
        "QTY",
        "SVC",
        "LQ",
        "PLB",
    ]
)
_ENVELOPE = ("ISA", "IEA", "GS", "GE", "TA1")


def parse_835(data: str | bytes) -> RemittanceFile:
    """Every 835 transaction set in the file. Raises Malformed835 for anything unreadable."""
    segments, _icvn = read_segments(data)
    remittances: list[Remittance] = []
    version = ""
    body: list[Segment] | None = None
    st: Segment | None = None
    for segment in segments:
        if segment.seg_id == "GS":
            version = segment.value(8)
        elif segment.seg_id == "ST":
            _check_transaction(segment, version)
            st, body = segment, []
        elif segment.seg_id == "SE":
            if st is None or body is None:  # pyx12 normally refuses this first
                raise Malformed835("SE", segment.position, "SE without an ST.")
            remittances.append(_Transaction(st, version).build(body, segment))
            st, body = None, None
        elif body is not None:
            body.append(segment)
        elif segment.seg_id not in _ENVELOPE:
            raise Malformed835(segment.seg_id, segment.position, "Outside any transaction set.")
    if not remittances:
        raise Malformed835("ST", len(segments), "The file holds no 835 transaction set.")
    isa_ids = tuple(s.value(13) for s in segments if s.seg_id == "ISA")
    return RemittanceFile(interchange_control_numbers=isa_ids, remittances=tuple(remittances))


def _check_transaction(st: Segment, version: str) -> None:
    if st.value(1) != "835":
        raise Malformed835("ST", st.position, f"Transaction set {st.value(1)} is not an 835.")
    if not version.startswith(VERSIONS):
        raise Malformed835(
            "ST", st.position, f"Version “{version}” is not an 835 version this reader follows."
        )


# MOA03-07 and MIA05, MIA20-23 carry claim payment remark codes (RARCs), per the TR3.
_MOA_REMARKS = (3, 4, 5, 6, 7)
_MIA_REMARKS = (5, 20, 21, 22, 23)


class _Transaction:
    def __init__(self, st: Segment, version: str) -> None:
        self.st = st
        self.version = version
        self.payment: Payment | None = None
        self.trace: Trace | None = None
        self.production_date: date | None = None
        self.parties: dict[str, PartyDraft] = {}
        self.party: PartyDraft | None = None  # the N1 loop being read
        self.claims: list[ClaimDraft] = []
        self.plb: list[ProviderAdjustment] = []

    @property
    def claim(self) -> ClaimDraft | None:
        return self.claims[-1] if self.claims and not self.plb else None

    @property
    def line(self) -> LineDraft | None:
        claim = self.claim
        return claim.lines[-1] if claim is not None and claim.lines else None

    def build(self, body: list[Segment], se: Segment) -> Remittance:
        if not body or body[0].seg_id != "BPR":
            where = body[0] if body else se
            raise Malformed835(where.seg_id, where.position, "BPR must follow ST (TR3 table 1).")
        for segment in body:
            self._read(segment)
        for qualifier, loop in (("PR", "1000A payer"), ("PE", "1000B payee")):
            if qualifier not in self.parties:
                raise Malformed835(
                    "N1", se.position, f"The {loop} loop (N1*{qualifier}) is missing."
                )
        if self.payment is None:  # pragma: no cover - body[0] is a BPR, read above
            raise Malformed835("BPR", body[0].position, "BPR could not be read.")
        claims = tuple(claim.build() for claim in self.claims)
        return Remittance(
            control_number=self.st.value(2),
            version=self.version,
            payment=self.payment,
            trace=self.trace,
            production_date=self.production_date,
            payer=self.parties["PR"].build(),
            payee=self.parties["PE"].build(),
            claims=claims,
            provider_adjustments=tuple(self.plb),
            balance_problems=balance_problems(self.payment, claims, self.plb),
        )

    def _read(self, s: Segment) -> None:
        if s.seg_id not in KNOWN:
            raise Malformed835(
                s.seg_id, s.position, f"{s.seg_id or 'An empty segment'} does not belong in an 835."
            )
        handler = getattr(self, f"_{s.seg_id.lower()}", None)
        if handler is not None:
            handler(s)

    def _out_of_place(self, s: Segment, where: str) -> Malformed835:
        return Malformed835(s.seg_id, s.position, f"{s.seg_id} is out of place: {where}.")

    # Header (table 1)

    def _bpr(self, s: Segment) -> None:
        if self.payment is not None:
            raise self._out_of_place(s, "a transaction set has one BPR")
        self.payment = Payment(
            handling_code=required(s, 1, "transaction handling code"),
            amount=amount(s, 2, "total provider payment"),
            credit_debit=required(s, 3, "credit/debit flag"),
            method=required(s, 4, "payment method"),
            date=read_date(s, 16, "payment date"),
        )

    def _trn(self, s: Segment) -> None:
        if self.claims:
            raise self._out_of_place(s, "TRN belongs in the header, before the first claim")
        self.trace = Trace(
            number=required(s, 2, "check or EFT trace number"),
            originator=s.value(3),
            supplemental=s.value(4),
        )

    def _n1(self, s: Segment) -> None:
        if self.claims:
            raise self._out_of_place(s, "N1 belongs in the header, before the first claim")
        qualifier = s.value(1)
        self.party = PartyDraft(name=s.value(2), id_qualifier=s.value(3), identifier=s.value(4))
        if qualifier in ("PR", "PE"):
            if qualifier in self.parties:
                raise self._out_of_place(s, f"a second N1*{qualifier}")
            self.parties[qualifier] = self.party

    def _n3(self, s: Segment) -> None:
        if self.party is None or self.claims:
            raise self._out_of_place(s, "N3 belongs in an N1 loop")
        self.party.address_lines += [v for v in (s.value(1), s.value(2)) if v]

    def _n4(self, s: Segment) -> None:
        if self.party is None or self.claims:
            raise self._out_of_place(s, "N4 belongs in an N1 loop")
        self.party.city, self.party.state, self.party.zip_code = s.value(1), s.value(2), s.value(3)

    def _ref(self, s: Segment) -> None:
        if self.line is not None:
            if s.value(1) == "6R":
                self.line.control_number = s.value(2)
        elif self.claim is None and self.party is not None:
            self.party.additional_ids.append((s.value(1), s.value(2)))

    def _dtm(self, s: Segment) -> None:
        qualifier = s.value(1)
        when = read_date(s, 2, "date")
        if self.line is not None:
            self.line.dates[qualifier] = when
        elif self.claim is not None:
            self.claim.dates[qualifier] = when
        elif qualifier == "405":
            self.production_date = when

    # Detail (table 2)

    def _lx(self, s: Segment) -> None:
        if self.plb:
            raise self._out_of_place(s, "LX after PLB")
        self.party = None

    def _clp(self, s: Segment) -> None:
        if self.plb:
            raise self._out_of_place(s, "CLP after PLB (PLB closes the transaction)")
        for qualifier in ("PR", "PE"):
            if qualifier not in self.parties:
                raise self._out_of_place(s, f"a claim before the N1*{qualifier} loop")
        self.party = None
        self.claims.append(ClaimDraft(clp=s))

    def _cas(self, s: Segment) -> None:
        target = self.line or self.claim
        if target is None:
            raise self._out_of_place(s, "CAS belongs in a claim or a service line")
        target.adjustments += read_adjustments(s)

    def _nm1(self, s: Segment) -> None:
        if self.claim is None:
            raise self._out_of_place(s, "NM1 belongs in a claim (loop 2100)")
        if self.line is not None:
            raise self._out_of_place(s, "NM1 after a service line; it belongs before the first SVC")
        if s.value(1) == "QC":
            self.claim.patient = person(s)
        elif s.value(1) == "IL":
            self.claim.insured = person(s)

    def _remarks(self, s: Segment, elements: tuple[int, ...]) -> None:
        if self.claim is None or self.line is not None:
            raise self._out_of_place(s, f"{s.seg_id} belongs in a claim, before its service lines")
        self.claim.remarks += [s.value(n) for n in elements if s.value(n)]

    def _moa(self, s: Segment) -> None:
        self._remarks(s, _MOA_REMARKS)

    def _mia(self, s: Segment) -> None:
        self._remarks(s, _MIA_REMARKS)

    def _svc(self, s: Segment) -> None:
        if self.claim is None:
            raise self._out_of_place(s, "SVC belongs in a claim (loop 2100)")
        self.claim.lines.append(LineDraft(svc=s))

    def _amt(self, s: Segment) -> None:
        if self.line is not None and s.value(1) == "B6":
            self.line.allowed = amount(s, 2, "allowed amount")

    def _lq(self, s: Segment) -> None:
        if self.line is None:
            raise self._out_of_place(s, "LQ belongs in a service line (loop 2110)")
        if s.value(1) == "HE":  # HE = claim payment remark codes (RARC); RX = NCPDP codes
            self.line.remarks.append(required(s, 2, "remark code"))

    def _plb(self, s: Segment) -> None:
        provider = required(s, 1, "provider identifier")
        period_end = read_date(s, 2, "fiscal period date")
        found = []
        for start in range(3, 15, 2):  # up to six reason/amount pairs
            composite, sent_amount = s.components(start), s.value(start + 1)
            if not composite and not sent_amount:
                continue
            if not composite or not composite[0]:
                raise Malformed835(
                    "PLB", s.position, f"PLB{start:02d} (adjustment reason) is missing."
                )
            found.append(
                ProviderAdjustment(
                    provider_id=provider,
                    fiscal_period_end=period_end,
                    reason=composite[0],
                    reference=composite[1] if len(composite) > 1 else "",
                    amount=amount(s, start + 1, "provider adjustment amount"),
                )
            )
        if not found:
            raise Malformed835("PLB", s.position, "PLB03 (adjustment reason) is missing.")
        self.plb += found
