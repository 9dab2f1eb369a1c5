"""Turn the text of an X12 file into segments with pyx12, refusing what pyx12 cannot read.

pyx12's X12Reader finds the delimiters from the fixed-width ISA, splits the segments, and
checks the envelopes (ISA/IEA, GS/GE, ST/SE control numbers and counts, missing trailers).
Before it reads, we take away what real senders add and X12 does not define: a UTF-8 byte
order mark and line breaks or indentation after segment terminators.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pyx12.errors
import pyx12.x12file

from .x12_835_types import Malformed835

ISA_LENGTH = 106  # the ISA is fixed width (X12.5 interchange control structure)
MAX_CHARS = 50 * 1024 * 1024

# pyx12 envelope error kinds -> the segment that carries the fault.
_ERROR_SEGMENT = {"isa": "IEA", "gs": "GE", "st": "SE"}
# pyx12 segment-level codes that only concern layout, which we have already tidied.
_LAYOUT_ONLY = {"SEG1"}  # trailing element separators


@dataclass(frozen=True, slots=True)
class Segment:
    seg_id: str
    position: int  # 1-based count of segments in the file
    elements: tuple[tuple[str, ...], ...]  # elements 01.. as their components

    def value(self, n: int) -> str:
        """Element n (1-based) as text; a composite's first component; "" when absent."""
        return self.elements[n - 1][0] if n <= len(self.elements) else ""

    def components(self, n: int) -> tuple[str, ...]:
        return self.elements[n - 1] if n <= len(self.elements) else ()


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Malformed835("ISA", 1, "The file is not text (not UTF-8 or ASCII).") from None
    return data.lstrip("\ufeff")


def _tidy(text: str) -> str:
    text = text.lstrip()
    if not text.startswith("ISA"):
        raise Malformed835("ISA", 1, "An X12 file starts with an ISA segment; this one does not.")
    if len(text) < ISA_LENGTH:
        raise Malformed835("ISA", 1, "The file ends inside the ISA segment.")
    terminator = text[ISA_LENGTH - 1]
    if terminator.isalnum() or terminator == " ":
        raise Malformed835(
            "ISA", 1, "The ISA is not 106 characters long, so its delimiters cannot be found."
        )
    # Whitespace after a terminator is layout (line per segment, indentation), not data.
    return re.sub(re.escape(terminator) + r"[ \t\r\n]+", terminator, text).rstrip(" \t\r\n")


def read_segments(data: str | bytes) -> tuple[list[Segment], str]:
    """All segments of the file, and the interchange version (00401 / 00501)."""
    if len(data) > MAX_CHARS:
        raise Malformed835("ISA", 1, "The file is larger than 50 MB.")
    text = _tidy(_decode(data))
    segments: list[Segment] = []
    try:
        reader = pyx12.x12file.X12Reader(io.StringIO(text))
        for position, raw in enumerate(reader, start=1):
            _raise_for_errors(reader.pop_errors(), segments, position, raw.get_seg_id() or "")
            elements = tuple(
                tuple(component.get_value() for component in composite)
                for composite in raw.elements
            )
            segments.append(Segment(raw.get_seg_id() or "", position, elements))
        reader.cleanup()
        _raise_for_errors(reader.pop_errors(), segments, len(segments), "")
    except Malformed835:
        raise
    except pyx12.errors.X12Error as exc:
        position = len(segments) + 1
        raise Malformed835("ISA" if position == 1 else "?", position, str(exc)) from None
    except (IndexError, KeyError, ValueError, TypeError, AttributeError) as exc:
        # pyx12 assumes a well-formed envelope in places (e.g. an IEA with no open ISA); a
        # file that trips it over is malformed, and saying where beats a stack trace.
        position = len(segments) + 1
        raise Malformed835("?", position, f"The X12 structure is broken here ({exc}).") from None
    if not segments:
        raise Malformed835("ISA", 1, "The file holds no segments.")
    return segments, reader.icvn


def _raise_for_errors(
    errors: list[tuple[str, str, str, str | None, int | None]],
    segments: list[Segment],
    position: int,
    seg_id: str,
) -> None:
    for kind, code, message, _value, _line in errors:
        if kind == "seg" and code in _LAYOUT_ONLY:
            continue
        name = _ERROR_SEGMENT.get(kind, seg_id)
        if not name and segments:
            name = segments[-1].seg_id
        raise Malformed835(name or "?", position, message)
