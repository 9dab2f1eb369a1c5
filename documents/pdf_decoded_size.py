"""How much a PDF decodes to when it is drawn: the guard against decompression bombs.

A PDF may point every page at one shared, highly compressed stream: 500 pages sharing one
70 MB content stream fit in a 74 KB file (issue 12). Every consumer (viewer, pypdf merging
a packet) decodes it once per page that draws it, so the cost is the sum over pages of the
decoded streams each page uses, a shared stream counted once for every page that uses it.
Each distinct stream is decoded once here, with a bounded decompressor, so measuring costs
at most the limit and never the bomb.
"""

from __future__ import annotations

import zlib

import pikepdf

__all__ = ["DecodedSizeExceeded", "decoded_page_bytes"]

# Form XObjects can nest (a form drawing a form); deeper than this is not a real document.
_MAX_FORM_DEPTH = 12


class DecodedSizeExceeded(Exception):
    def __init__(self, limit: int):
        super().__init__(f"decoded content exceeds {limit} bytes")
        self.limit = limit


def decoded_page_bytes(pdf: pikepdf.Pdf, limit: int) -> int:
    """Sum over pages of the decoded bytes of the content streams and XObjects each draws.

    Raises DecodedSizeExceeded as soon as the running total passes ``limit``.
    """
    sizes: dict[tuple[int, int], int] = {}
    total = 0
    for page in pdf.pages:
        for stream in _streams_of_page(page.obj):
            total += _decoded_size(stream, sizes, limit)
            if total > limit:
                raise DecodedSizeExceeded(limit)
    return total


def _streams_of_page(page: pikepdf.Dictionary):
    """The page's content streams, then every image and form XObject it can draw, once each."""
    seen: set[tuple[int, int]] = set()
    contents = page.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        items = list(contents)
    else:
        items = [contents] if contents is not None else []
    for item in items:
        if isinstance(item, pikepdf.Stream) and _first_visit(item, seen):
            yield item
    yield from _xobjects(page.get("/Resources"), seen, depth=0)


def _xobjects(resources, seen: set, depth: int):
    if not isinstance(resources, pikepdf.Dictionary) or depth > _MAX_FORM_DEPTH:
        return
    xobjects = resources.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary):
        return
    for key in list(xobjects.keys()):
        xobject = xobjects[key]
        if not isinstance(xobject, pikepdf.Stream) or not _first_visit(xobject, seen):
            continue
        yield xobject
        if xobject.get("/Subtype") == pikepdf.Name.Form:
            yield from _xobjects(xobject.get("/Resources"), seen, depth + 1)


def _first_visit(stream: pikepdf.Stream, seen: set) -> bool:
    # A direct stream cannot be shared; id() tells two apart within one walk.
    key = stream.objgen if stream.is_indirect else ("direct", id(stream))
    if key in seen:
        return False
    seen.add(key)
    return True


def _decoded_size(stream: pikepdf.Stream, sizes: dict, limit: int) -> int:
    key = stream.objgen if stream.is_indirect else None
    if key is not None and key in sizes:
        return sizes[key]
    size = _measure(stream, limit)
    if key is not None:
        sizes[key] = size
    return size


def _measure(stream: pikepdf.Stream, limit: int) -> int:
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = list(filters)
    elif filters is not None:
        filters = [filters]
    else:
        filters = []
    if filters == [pikepdf.Name.FlateDecode]:
        # The common case, and the bomb's: inflate in bounded steps, never past the limit.
        inflater = zlib.decompressobj()
        try:
            produced = len(inflater.decompress(stream.read_raw_bytes(), limit + 1))
            while produced <= limit and inflater.unconsumed_tail:
                produced += len(inflater.decompress(inflater.unconsumed_tail, limit + 1))
        except zlib.error:
            return len(stream.read_raw_bytes())  # broken data decodes to nothing useful
        return produced
    try:
        # Generalized filters (LZW, ASCII85, RunLength...) are decoded; image codecs (DCT,
        # JPX, JBIG2, CCITT) stay encoded, as a packet merge copies them untouched.
        return len(stream.read_bytes(decode_level=pikepdf.StreamDecodeLevel.generalized))
    except pikepdf.PdfError:
        return len(stream.read_raw_bytes())
