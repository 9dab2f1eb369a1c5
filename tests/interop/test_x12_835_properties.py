"""Any mangled 835 is parsed or refused with Malformed835, never crashes; parsing is pure."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from interop.x12_835 import parse_835
from interop.x12_835_types import Malformed835
from tests.interop.conftest import X12_DIR
from tests.interop.x12_samples import SEGMENTS, text

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # nothing written to .hypothesis/ (a shared tree)
)
SAMPLES = [text()] + [p.read_text("utf-8-sig") for p in sorted(X12_DIR.glob("*.txt"))]


def _parsed_or_refused(data) -> None:
    try:
        parse_835(data)
    except Malformed835 as exc:
        assert exc.segment_id is not None and exc.position >= 0 and exc.reason


@st.composite
def mangled(draw):
    sample = draw(st.sampled_from(SAMPLES))
    segments = sample.split("~")
    n = len(segments)
    action = draw(st.sampled_from(["drop", "duplicate", "swap", "char", "truncate", "element"]))
    i = draw(st.integers(0, n - 1))
    if action == "drop":
        del segments[i]
    elif action == "duplicate":
        segments.insert(i, segments[i])
    elif action == "swap":
        j = draw(st.integers(0, n - 1))
        segments[i], segments[j] = segments[j], segments[i]
    elif action == "char":
        seg = segments[i]
        if seg:
            k = draw(st.integers(0, len(seg) - 1))
            c = draw(st.sampled_from(list("*:~^>X9-. \n") + [chr(0), "é"]))
            segments[i] = seg[:k] + c + seg[k + 1 :]
    elif action == "truncate":
        return "~".join(segments)[: draw(st.integers(0, len(sample)))]
    else:
        elements = segments[i].split("*")
        k = draw(st.integers(0, len(elements) - 1))
        elements[k] = draw(st.text(alphabet="AZ09-.:*", max_size=12))
        segments[i] = "*".join(elements)
    return "~".join(segments)


@FUZZ
@given(mangled())
@example("")
@example("ISA")
@example(text(SEGMENTS[:3]))
@example(text([SEGMENTS[0], "IEA*1*000000101"]))
@example(text([SEGMENTS[0], SEGMENTS[1], "SE*1*0001", "GE*1*101", "IEA*1*000000101"]))
def test_mangled_files_are_parsed_or_refused_cleanly(data):
    _parsed_or_refused(data)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_cleanly(data):
    _parsed_or_refused(b"ISA" + data)


@settings(FUZZ, max_examples=20)
@given(st.sampled_from(SAMPLES))
def test_parsing_is_deterministic(sample):
    assert parse_835(sample) == parse_835(sample.encode())
