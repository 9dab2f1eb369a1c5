"""A damaged 835 is refused whole, naming the segment, its position and the reason."""

import pytest

from interop.x12_835 import parse_835
from interop.x12_835_types import Malformed835
from tests.interop.x12_samples import SEGMENTS, replace, text


def _refusal(segments) -> Malformed835:
    with pytest.raises(Malformed835) as caught:
        parse_835(text(segments))
    return caught.value


def _position(prefix: str) -> int:
    return next(n for n, s in enumerate(SEGMENTS, start=1) if s.startswith(prefix))


def test_not_x12_at_all():
    with pytest.raises(Malformed835, match="starts with an ISA"):
        parse_835(b'{"resourceType": "Patient"}')


def test_short_isa_cannot_give_its_delimiters():
    error = _refusal(replace("ISA", SEGMENTS[0].replace("SENDER         ", "SENDER")))
    assert error.segment_id == "ISA"


def test_an_837_is_not_an_835():
    error = _refusal(replace("ST*", "ST*837*0001"))
    assert (error.segment_id, error.position) == ("ST", 3)
    assert "837 is not an 835" in error.reason


def test_wrong_segment_count_in_se():
    error = _refusal(replace("SE*", "SE*7*0001"))
    assert (error.segment_id, error.position) == ("SE", _position("SE*"))
    assert "SE count" in error.reason


def test_missing_trailers():
    error = _refusal(SEGMENTS[:-3])
    assert "missing" in error.reason


@pytest.mark.parametrize(
    ("prefix", "new", "segment", "reason"),
    [
        ("CAS*CO", "CAS*XX*45*100", "CAS", "Group code “XX” is not CO, PR, OA, PI or CR."),
        ("CAS*PR", "CAS*PR**50", "CAS", "CAS02 (reason code) is missing."),
        (
            "CLP*",
            "CLP*CLM001*1*3OO*150*50*MB*1",
            "CLP",
            "CLP03 (claim charge) “3OO” is not a number.",
        ),
        ("CLP*", "CLP*CLM001*1**150", "CLP", "CLP03 (claim charge) is missing."),
        ("DTM*472", "DTM*472*20250231", "DTM", "DTM02 (date) “20250231” is not a CCYYMMDD date."),
        (
            "SVC*",
            "SVC*G2083*300*150**1",
            "SVC",
            "SVC01 needs a code qualifier and a procedure code.",
        ),
        ("AMT*", "ZZZ*B6*200", "ZZZ", "ZZZ does not belong in an 835."),
        (
            "N1*PE",
            "N1*XX*SOMEONE",
            "CLP",
            "CLP is out of place: a claim before the N1*PE loop.",
        ),
    ],
)
def test_bad_segments_are_named(prefix, new, segment, reason):
    error = _refusal(replace(prefix, new))
    assert (error.segment_id, error.reason) == (segment, reason)


def test_segment_outside_its_loop():
    segments = list(SEGMENTS)
    segments.insert(_position("LX") - 1, "CAS*CO*45*10")  # before any claim
    segments = [s if not s.startswith("SE*") else "SE*21*0001" for s in segments]
    error = _refusal(segments)
    assert error.segment_id == "CAS"
    assert "belongs in a claim or a service line" in error.reason


def test_bpr_must_open_the_transaction():
    segments = [s for s in SEGMENTS if not s.startswith("BPR")]
    segments = [s if not s.startswith("SE*") else "SE*19*0001" for s in segments]
    assert _refusal(segments).reason == "BPR must follow ST (TR3 table 1)."


def test_bytes_that_are_not_text():
    with pytest.raises(Malformed835, match="not text"):
        parse_835(b"ISA\xff\xfe")
