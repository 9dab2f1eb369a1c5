"""Assemble an appeal packet from stored PDFs: enclosure index, bookmarks, page numbers.

Bytes in, bytes out (the time limit and the active-content filter come from documents/).
Stored parts are immutable PDFs and are never re-rendered; the only layout work is one small
WeasyPrint render of the enclosure index. Page numbers are a few bytes of PDF drawn with
pypdf and merged onto each page, so the cost stays about one small render plus a merge
however many parts there are.
"""

from __future__ import annotations

import atexit
import hashlib
import html
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, RectangleObject

if TYPE_CHECKING:
    # WeasyPrint is imported where a packet is assembled, not when the app loads: importing
    # it costs every process ~0.5 s at start-up (docs/performance.md).
    from weasyprint.text.fonts import FontConfiguration

from documents.pdf import RenderLimitExceeded, time_limit
from documents.pdf_active_content import strip_active_content

__all__ = [
    "AssembledPacket",
    "OutlineEntry",
    "PacketError",
    "PacketPart",
    "assemble_packet",
]


class PacketError(ValueError):
    """The packet cannot be assembled; the message says which part and why."""


@dataclass(frozen=True, slots=True)
class PacketPart:
    title: str
    pdf: bytes


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    title: str
    first_page: int  # 1-based packet page number
    page_count: int

    @property
    def last_page(self) -> int:
        return self.first_page + self.page_count - 1


@dataclass(frozen=True, slots=True)
class AssembledPacket:
    pdf: bytes
    page_count: int
    sha256: str
    # One entry per bookmark, in packet order: the enclosure index first, then every part.
    outline: tuple[OutlineEntry, ...]


def assemble_packet(
    parts: Sequence[PacketPart],
    *,
    title: str,
    index_title: str = "Enclosure index",
    time_limit_seconds: float = 0,
) -> AssembledPacket:
    """Merge ``parts`` behind a generated enclosure index and number every page.

    Raises PacketError for an empty part list, a part that is not a readable PDF, or an
    assembly that runs past ``time_limit_seconds`` (0: no limit; settings.PACKET_TIMEOUT_SECONDS
    in the app), so a pathological part costs the person a message, not a worker.
    """
    try:
        with time_limit(time_limit_seconds):
            return _assemble(parts, title=title, index_title=index_title)
    except RenderLimitExceeded as exc:
        raise PacketError(
            f"Assembling the packet took longer than {time_limit_seconds:g} seconds and was "
            "stopped. An enclosure is probably too complex: print it to a new PDF (or scan "
            "it again), replace it, and build the packet again."
        ) from exc


def _assemble(parts: Sequence[PacketPart], *, title: str, index_title: str) -> AssembledPacket:
    if not parts:
        raise PacketError("A packet needs at least one document; none were given.")
    readers = [_open_part(number, part) for number, part in enumerate(parts, start=1)]
    page_counts = [len(reader.pages) for reader in readers]

    index_pdf, index_pages = _render_index(title, index_title, parts, page_counts)
    outline = [OutlineEntry(index_title, 1, index_pages)]
    next_page = index_pages + 1
    for part, count in zip(parts, page_counts, strict=True):
        outline.append(OutlineEntry(part.title, next_page, count))
        next_page += count

    writer = PdfWriter()
    # The parts' own bookmarks are left out so the packet outline is exactly one entry per
    # enclosure, matching the index page.
    writer.append(PdfReader(io.BytesIO(index_pdf)), import_outline=False)
    for number, (part, reader) in enumerate(zip(parts, readers, strict=True), start=1):
        try:
            writer.append(reader, import_outline=False)
        except RenderLimitExceeded:
            raise  # the time limit, not a bad part (see _open_part)
        except Exception as exc:  # pypdf parses lazily; any failure here means a bad part
            raise PacketError(_unreadable(number, part)) from exc
    for entry in outline:
        writer.add_outline_item(title=entry.title, page_number=entry.first_page - 1)

    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        try:
            page.merge_page(_page_number_stamp(page, f"Packet page {number} of {total}"))
            # merge_page leaves the combined content stream uncompressed; without this the
            # packet grows several-fold.
            page.compress_content_streams()
        except RenderLimitExceeded:
            raise  # the time limit, not a bad part (see _open_part)
        except Exception as exc:  # a malformed page in a part that otherwise parsed
            owner = next(i for i, entry in enumerate(outline) if entry.last_page >= number)
            if owner == 0:
                raise  # the generated index itself: a bug here, not a bad upload
            raise PacketError(_unreadable(owner, parts[owner - 1])) from exc

    writer.add_metadata({"/Title": title})
    writer.page_mode = "/UseOutlines"  # open with the bookmarks panel showing
    buffer = io.BytesIO()
    writer.write(buffer)
    # Again on the merged file: parts stored before stripping existed, and the letters, carry
    # no scripts, launch actions or attachments out of the app either.
    data = strip_active_content(buffer.getvalue())
    return AssembledPacket(
        pdf=data,
        page_count=total,
        sha256=hashlib.sha256(data).hexdigest(),
        outline=tuple(outline),
    )


def _unreadable(number: int, part: PacketPart) -> str:
    return f'Document {number} ("{part.title}") is not a readable PDF.'


def _open_part(number: int, part: PacketPart) -> PdfReader:
    if not part.title.strip():
        raise PacketError(f"Document {number} has no title for the enclosure index.")
    try:
        # strict=False (the default): tolerate the small defects viewers accept in scans.
        reader = PdfReader(io.BytesIO(part.pdf))
        encrypted = reader.is_encrypted
        count = 0 if encrypted else len(reader.pages)
        if not encrypted:
            # Decode each page's content now, so a broken part is reported by name rather
            # than failing half-way through stamping.
            for page in reader.pages:
                page.get_contents()  # builds a ContentStream, which decodes the content
    except RenderLimitExceeded:
        # The time limit's alarm can land while a part is parsed: it is the limit speaking,
        # not a broken part (seen under load in CI), so it must reach assemble_packet.
        raise
    except Exception as exc:  # any parser failure on stored bytes means an unusable part
        raise PacketError(_unreadable(number, part)) from exc
    if encrypted:
        raise PacketError(
            f'Document {number} ("{part.title}") is password-protected; '
            "upload a copy without the password."
        )
    if count == 0:
        raise PacketError(f'Document {number} ("{part.title}") has no pages.')
    return reader


# --- Enclosure index -------------------------------------------------------------------

_INDEX_CSS = """
@page { size: Letter; margin: 0.9in 1in 1in; }
body { font-family: "DejaVu Serif", serif; font-size: 11pt; color: #000; }
h1 { font-size: 16pt; font-weight: normal; margin: 0 0 4pt; }
h2 { font-size: 12pt; font-weight: normal; margin: 0 0 16pt; }
table { width: 100%; border-collapse: collapse; }
td { padding: 5pt 0; vertical-align: top; border-bottom: 0.5pt dotted #777; }
td.number { width: 2.4em; }
td.pages { text-align: right; white-space: nowrap; padding-left: 1.5em; }
p.total { margin-top: 16pt; }
"""

_font_configs = threading.local()
# WeasyPrint is imported after this module, so at interpreter exit its modules are torn down
# first and the main thread's FontConfiguration.__del__ would fail; drop it before that.
atexit.register(lambda: vars(_font_configs).clear())


def _font_config() -> FontConfiguration:
    # One FontConfiguration per thread: a fresh one per render grows memory (~0.27 MB each,
    # measured) and is slower; WeasyPrint does not allow sharing one across threads.
    config = getattr(_font_configs, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _font_configs.config = FontConfiguration()
    return config


def _page_range(first: int, count: int) -> str:
    return f"page {first}" if count == 1 else f"pages {first}–{first + count - 1}"


def _index_html(
    title: str, index_title: str, parts: Sequence[PacketPart], counts: Sequence[int], start: int
) -> str:
    rows = []
    first = start
    for number, (part, count) in enumerate(zip(parts, counts, strict=True), start=1):
        rows.append(
            f'<tr><td class="number">{number}.</td><td>{html.escape(part.title)}</td>'
            f'<td class="pages">{_page_range(first, count)}</td></tr>'
        )
        first += count
    total = first - 1
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(index_title)}</title><style>{_INDEX_CSS}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><h2>{html.escape(index_title)}</h2>"
        f"<table>{''.join(rows)}</table>"
        f'<p class="total">Total: {total} pages, including this index.</p></body></html>'
    )


def _render_index(
    title: str, index_title: str, parts: Sequence[PacketPart], counts: Sequence[int]
) -> tuple[bytes, int]:
    """Render the index; its page ranges depend on its own length, so iterate to a fixed point.

    A long list can spill onto a second page, which shifts every range by one; the
    document is laid out (not written) until the assumed and actual lengths agree.
    """
    # Start from a guess (about 26 one-line rows fit a page with _INDEX_CSS) so a long
    # index is usually laid out once; a wrong guess only costs another layout pass.
    from weasyprint import HTML

    assumed = 1 + len(parts) // 26
    for _ in range(5):
        markup = _index_html(title, index_title, parts, counts, start=assumed + 1)
        document = HTML(string=markup).render(font_config=_font_config())
        actual = len(document.pages)
        if actual == assumed:
            return document.write_pdf(), actual
        assumed = actual
    raise PacketError("The enclosure index could not be laid out; shorten the document titles.")


# --- Page numbers ----------------------------------------------------------------------

# Helvetica is one of the 14 standard PDF fonts: every viewer has it, nothing is embedded,
# and text extraction works. Advance widths (1/1000 em) from its AFM, for the characters
# the stamp uses, so the label can be right-aligned.
_HELVETICA_WIDTHS = {
    " ": 278,
    "P": 667,
    "a": 556,
    "c": 500,
    "e": 556,
    "f": 278,
    "g": 556,
    "k": 500,
    "o": 556,
    "p": 556,
    "t": 278,
    **dict.fromkeys("0123456789", 556),
}
_STAMP_FONT_SIZE = 8.0
_STAMP_RIGHT = 36.0  # pt from the right edge of the visible page (0.5 in)
_STAMP_BASELINE = 18.0  # pt from the bottom edge: below a letter's own footer


def _text_width(text: str, size: float) -> float:
    return sum(_HELVETICA_WIDTHS.get(char, 600) for char in text) * size / 1000


def _page_number_stamp(page: PageObject, label: str) -> PageObject:
    """A transparent page the size of ``page`` with ``label`` at its visual bottom right.

    The label is drawn in the page's *visual* frame (after /Rotate) so it reads upright at
    the bottom of a landscape scan too, and it is positioned from the visible crop box, so
    Letter, A4 and offset boxes all work. The original content is not touched: no
    rotation is baked into it and nothing of it is re-laid out.
    """
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    # Maps the visual frame (origin at the visual bottom-left) onto page space.
    offset = {0: (0.0, 0.0), 90: (width, 0.0), 180: (width, height), 270: (0.0, height)}
    rotation = page.rotation % 360
    if rotation not in offset:  # malformed /Rotate: viewers ignore it, so do we
        rotation = 0
    shift_x, shift_y = offset[rotation]
    visual_width = height if rotation in (90, 270) else width
    matrix = (
        Transformation()
        .rotate(rotation)
        .translate(shift_x + float(box.left), shift_y + float(box.bottom))
        .ctm
    )
    x = visual_width - _STAMP_RIGHT - _text_width(label, _STAMP_FONT_SIZE)
    # No background box: a white patch could hide part of a scanned record, and an appeal
    # must not obscure evidence.
    content = (
        f"q {' '.join(f'{value:.4f}' for value in matrix)} cm "
        f"BT /PacketStampFont {_STAMP_FONT_SIZE:g} Tf 0 g {x:.2f} {_STAMP_BASELINE:.2f} Td "
        f"({label}) Tj ET Q"
    )
    stream = DecodedStreamObject()
    stream.set_data(content.encode("ascii"))

    stamp = PageObject.create_blank_page(width=width, height=height)
    stamp.mediabox = RectangleObject(box)  # merge_page clips page2 to its own crop box
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    stamp[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/PacketStampFont"): font})}
    )
    stamp[NameObject("/Contents")] = stream
    return stamp
