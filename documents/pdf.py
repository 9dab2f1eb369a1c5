"""HTML to PDF with WeasyPrint, locked down.

WeasyPrint fetches nothing from the network and no file outside the app's own static
assets (docs/architecture.md): every stylesheet, font and image goes through
StaticOnlyFetcher, which denies by default. Performance choices follow
/work/shared/reference/pdf-performance.md: one FontConfiguration per thread, reused;
PDF/UA-1 (tagged, accessible) costs ~6 ms; no full_fonts, no optimize_images.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import functools
import logging
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.core.files import File

if TYPE_CHECKING:
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

# WeasyPrint (with Pango, HarfBuzz and its CSS tables) is imported on the first render, not
# when the app loads: importing it costs each process ~0.9 s, and `manage.py check`, a
# migration or a page that renders nothing need none of it (docs/performance.md).

from documents.link_schemes import ALLOWED_SCHEMES, strip_disallowed_hrefs

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"
MAX_DATA_URI_BYTES = 512 * 1024  # decoded; a pre-sized logo or signature is far smaller
MAX_STATIC_FILE_BYTES = 8 * 1024 * 1024  # the largest bundled font is ~0.8 MB
# A cheap guard before layout: WeasyPrint lays out every page before we can count them
# (~190 ms per table page), so absurd input is refused up front. A 50-page letter is
# well under 1 MB of HTML.
MAX_HTML_CHARS = 2_000_000

# Static files WeasyPrint may read, by extension: what letters use, nothing executable.
_STATIC_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}
# data: URIs may only hold raster images, and must start with that format's signature:
# no SVG (it is XML that can reference other resources) and no fonts or stylesheets.
_DATA_IMAGE_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


class RenderLimitExceeded(Exception):
    """The document is larger than a letter may be."""


class FetchRefused(ValueError):
    """StaticOnlyFetcher will not fetch this URL. WeasyPrint logs it and skips the resource."""


class StaticOnlyFetcher:
    """Deny-by-default URL fetcher: files under `static_root`, and small data: images.

    Everything else (http, https, ftp, file outside static_root, unknown schemes) raises
    FetchRefused before any I/O, so no socket is ever opened. There are no redirects to
    follow because nothing remote is fetched. WeasyPrint is handed this policy wrapped in
    its own URLFetcher class (_fetcher), so the policy needs no WeasyPrint import.
    """

    def __init__(self, static_root: Path) -> None:
        self.static_root = static_root.resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower()
        try:
            if scheme == "data":
                return self._data_image(url)
            if scheme == "file":
                return self._static_file(url)
            raise FetchRefused("only the app's static files and data: images may be used")
        except FetchRefused as refusal:
            logger.warning("PDF renderer refused %s: %s", _describe(url), refusal)
            raise

    def _static_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchRefused("file URLs on other hosts are not allowed")
        try:
            # resolve() follows symlinks and collapses "..": the real location is checked.
            path = Path(url2pathname(parts.path)).resolve()
        except (OSError, ValueError, RuntimeError) as error:
            raise FetchRefused("not a usable file path") from error
        if not path.is_relative_to(self.static_root):
            raise FetchRefused("outside the app's static files")
        content_type = _STATIC_TYPES.get(path.suffix.lower())
        if content_type is None:
            raise FetchRefused(f"static files of type {path.suffix or '(none)'!r} are not used")
        if not path.is_file():
            raise FetchRefused("no such static file")
        if path.stat().st_size > MAX_STATIC_FILE_BYTES:
            raise FetchRefused("static file too large")
        return _response(url, path.read_bytes(), content_type)

    def _data_image(self, url: str) -> URLFetcherResponse:
        header, comma, payload = url[len("data:") :].partition(",")
        if not comma:
            raise FetchRefused("malformed data: URI")
        media_type, *params = (part.strip().lower() for part in header.split(";"))
        if media_type not in _DATA_IMAGE_SIGNATURES:
            raise FetchRefused("data: URIs may only hold PNG, JPEG or GIF images")
        is_base64 = "base64" in params
        # Refuse on length before decoding, so a huge URI costs no memory or time.
        encoded_limit = MAX_DATA_URI_BYTES * 4 // 3 + 4 if is_base64 else MAX_DATA_URI_BYTES * 3
        if len(payload) > encoded_limit:
            raise FetchRefused(f"data: image larger than {MAX_DATA_URI_BYTES // 1024} KB")
        data = unquote_to_bytes(payload)
        if is_base64:
            try:
                data = base64.b64decode(data)
            except (binascii.Error, ValueError) as error:
                raise FetchRefused("data: URI is not valid base64") from error
        if len(data) > MAX_DATA_URI_BYTES:
            raise FetchRefused(f"data: image larger than {MAX_DATA_URI_BYTES // 1024} KB")
        if not data.startswith(_DATA_IMAGE_SIGNATURES[media_type]):
            raise FetchRefused(f"data: URI content is not a {media_type} image")
        return _response(url, data, media_type)


def image_data_url(image: bytes | File) -> str:
    """A data: URL for an uploaded signature or logo, in the form the renderer accepts.

    Raises ValueError with a message for staff when the image is not PNG, JPEG or GIF, or
    is over the size limit; check uploads with it so letters never lose an image later.
    """
    if isinstance(image, bytes):
        data = image
    else:
        with image.open("rb") as file:
            data = file.read(MAX_DATA_URI_BYTES + 1)
    if len(data) > MAX_DATA_URI_BYTES:
        raise ValueError(
            f"The image is larger than {MAX_DATA_URI_BYTES // 1024} KB; use a smaller one."
        )
    for media_type, signatures in _DATA_IMAGE_SIGNATURES.items():
        if data.startswith(signatures):
            return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"
    raise ValueError("The image must be a PNG, JPEG or GIF file.")


def _describe(url: str) -> str:
    """A URL for the log: its scheme and length only.

    A letter's URLs are built from patient fields (a tracker's query can carry the name and
    MBI; a data: URI is someone's signature), so host, path, query and payload never reach
    the log (tests/test_pdf_fetch_logging.py).
    """
    scheme = urlsplit(url).scheme.lower() if ":" in url[:20] else ""
    return f"a {scheme or 'relative'} URL ({len(url)} characters)"


def _response(url: str, body: bytes, content_type: str) -> URLFetcherResponse:
    from weasyprint.urls import URLFetcherResponse

    return URLFetcherResponse(url, body, {"Content-Type": content_type})


@functools.lru_cache(maxsize=4)
def _fetcher(static_root: Path) -> URLFetcher:
    """StaticOnlyFetcher in the URLFetcher WeasyPrint calls (it reads the opener's flags)."""
    from weasyprint.urls import URLFetcher

    policy = StaticOnlyFetcher(static_root)

    class _StaticOnlyURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            return policy.fetch(url, headers)

    # Built once per process: URLFetcher.__init__ creates an SSL context (~17 ms) for the
    # opener we never use. The fetcher holds no per-render state, so threads can share it.
    # The inherited opener refuses every protocol anyway, so a future WeasyPrint calling it
    # directly gets nothing.
    return _StaticOnlyURLFetcher(allowed_protocols=(), allow_redirects=False, timeout=1)


_thread_local = threading.local()
# WeasyPrint is imported after this module, so at interpreter exit its modules are torn down
# first and the main thread's FontConfiguration.__del__ would fail; drop it before that.
atexit.register(lambda: vars(_thread_local).clear())


def _font_config() -> FontConfiguration:
    # One per thread, reused: a new one per render leaks ~0.27 MB and is ~8 % slower, and
    # a FontConfiguration must not be shared across threads (pdf-performance.md).
    font_config = getattr(_thread_local, "font_config", None)
    if font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        font_config = _thread_local.font_config = FontConfiguration()
    return font_config


def render_pdf(html: str, *, max_pages: int = 50) -> bytes:
    """Render `html` to a tagged PDF/UA-1 document; refuse more than `max_pages` pages."""
    return render_pdf_with_page_count(html, max_pages=max_pages)[0]


def render_pdf_with_page_count(html: str, *, max_pages: int = 50) -> tuple[bytes, int]:
    """Like render_pdf, and also return the number of pages."""
    if len(html) > MAX_HTML_CHARS:
        raise RenderLimitExceeded(
            f"The letter's HTML is {len(html):,} characters; the limit is {MAX_HTML_CHARS:,}. "
            "Move long histories or logs into an enclosure."
        )
    from weasyprint import HTML

    base_dir = Path(settings.BASE_DIR)
    with time_limit(settings.PDF_RENDER_TIMEOUT_SECONDS):
        document = HTML(
            string=strip_disallowed_hrefs(html),
            # Relative URLs such as "static/css/letter.css" resolve inside the project.
            base_url=base_dir.resolve().as_uri() + "/",
            url_fetcher=_fetcher(base_dir / "static"),
        ).render(font_config=_font_config(), pdf_variant=PDF_VARIANT)
        page_count = len(document.pages)
        if page_count > max_pages:
            raise RenderLimitExceeded(
                f"The letter has {page_count} pages; the limit is {max_pages}. "
                "Shorten it or move long tables into an enclosure."
            )
        _keep_allowed_links(document)
        return document.write_pdf(pdf_variant=PDF_VARIANT), page_count


def _keep_allowed_links(document) -> None:
    """Belt and braces after the HTML filter: only in-document, web and mail links in the PDF
    (no attachments, no other schemes, whatever markup produced them)."""
    document.metadata.attachments = []  # <link rel="attachment">: an embedded file
    for page in document.pages:
        page.links = [
            link
            for link in page.links
            if link[0] == "internal"
            or (link[0] == "external" and urlsplit(link[1]).scheme.lower() in ALLOWED_SCHEMES)
        ]


REARM_SECONDS = 0.25


@contextmanager
def time_limit(seconds: float):
    """Abort work that runs longer than `seconds` with RenderLimitExceeded.

    Uses SIGALRM, which only the main thread can arm: that is where gunicorn's sync workers
    and management commands run requests. Elsewhere (threads) the worker timeout remains
    the backstop. The alarm repeats every REARM_SECONDS, because WeasyPrint catches errors
    raised while it fetches a stylesheet or font and carries on; and if the block finishes
    after the alarm fired (the error was swallowed), it is raised again at the end.
    """
    if (
        seconds <= 0
        or threading.current_thread() is not threading.main_thread()
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0  # an outer limit is already running
    ):
        yield
        return
    fired = False

    def _expired(signum, frame):
        nonlocal fired
        fired = True
        raise RenderLimitExceeded(message)

    message = (
        f"The document took longer than {seconds:g} seconds to render and was stopped. "
        "Shorten the template or move long tables into an enclosure."
    )
    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, REARM_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:
        raise RenderLimitExceeded(message)
