"""The PDF renderer fetches the app's static files and small data: images, nothing else."""

import base64
import io
import socket
import threading
import time
from pathlib import Path

import pytest
import weasyprint
from django.conf import settings
from pypdf import PdfReader

from documents.pdf import MAX_DATA_URI_BYTES, FetchRefused, StaticOnlyFetcher, render_pdf
from documents.rendering import image_data_url

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
)


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def embedded_files(pdf: bytes) -> list[str]:
    """Document attachments and file-attachment annotations (from <a rel=attachment>)."""
    reader = PdfReader(io.BytesIO(pdf))
    names = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/FileAttachment":
                names.append(str(annotation["/FS"].get_object().get("/F", "")))
    return names


def data_uri(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


@pytest.fixture
def static_root(tmp_path) -> Path:
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "a.css").write_text("p { color: red }")
    (root / "fonts").mkdir()
    (root / "fonts" / "f.ttf").write_bytes(b"\x00\x01\x00\x00font")
    (root / "js").mkdir()
    (root / "js" / "app.js").write_text("alert(1)")
    (tmp_path / "secret.css").write_text("p { content: 'secret' }")
    return root


@pytest.fixture
def fetcher(static_root) -> StaticOnlyFetcher:
    return StaticOnlyFetcher(static_root)


# --- The fetcher's decisions. -----------------------------------------------------------
def test_static_css_and_fonts_are_served_with_their_type(fetcher, static_root):
    css = fetcher.fetch((static_root / "css" / "a.css").as_uri())
    assert css.read() == b"p { color: red }" and css.content_type == "text/css"
    font = fetcher.fetch((static_root / "fonts" / "f.ttf").as_uri())
    assert font.read().startswith(b"\x00\x01\x00\x00") and font.content_type == "font/ttf"
    # A query string (cache busting) does not change which file is read.
    assert fetcher.fetch((static_root / "css" / "a.css").as_uri() + "?v=2").read()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://fileserver/share/static/css/a.css",
        "{root}/../secret.css",
        "{root}/css/%2e%2e/%2e%2e/secret.css",
        "{root}/js/app.js",  # inside static, but not a type letters use
        "{root}/css/missing.css",
        "{root}/css/",
        "http://127.0.0.1/static/css/a.css",
        "https://example.org/logo.png",
        "ftp://example.org/logo.png",
        "gopher://example.org/",
        "javascript:alert(1)",
        "about:blank",
        "urn:isbn:0451450523",
    ],
)
def test_everything_else_is_refused(fetcher, static_root, url):
    with pytest.raises(FetchRefused):
        fetcher.fetch(url.replace("{root}", static_root.as_uri()))


def test_symlinks_that_leave_static_are_refused(fetcher, static_root, tmp_path):
    (static_root / "css" / "link.css").symlink_to(tmp_path / "secret.css")
    (static_root / "outside").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(FetchRefused, match="outside"):
        fetcher.fetch((static_root / "css" / "link.css").as_uri())
    with pytest.raises(FetchRefused, match="outside"):
        fetcher.fetch((static_root / "outside" / "secret.css").as_uri())
    # A link that stays inside static is fine.
    (static_root / "css" / "alias.css").symlink_to(static_root / "css" / "a.css")
    assert fetcher.fetch((static_root / "css" / "alias.css").as_uri()).read()


def test_small_data_images_are_served_and_decoded(fetcher):
    response = fetcher.fetch(data_uri(PNG_1PX))
    assert response.read() == PNG_1PX and response.content_type == "image/png"
    percent_encoded = "data:image/png," + "".join(f"%{byte:02X}" for byte in PNG_1PX)
    assert fetcher.fetch(percent_encoded).read() == PNG_1PX


def test_data_images_up_to_the_limit_are_accepted_and_larger_ones_refused(fetcher):
    at_limit = PNG_1PX + b"\0" * (MAX_DATA_URI_BYTES - len(PNG_1PX))
    assert len(fetcher.fetch(data_uri(at_limit)).read()) == MAX_DATA_URI_BYTES
    with pytest.raises(FetchRefused, match="larger than 512 KB"):
        fetcher.fetch(data_uri(at_limit + b"\0"))
    with pytest.raises(FetchRefused, match="larger than"):
        fetcher.fetch(data_uri(at_limit * 4))


@pytest.mark.parametrize(
    "url",
    [
        data_uri(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        data_uri(b"p { color: red }", "text/css"),
        data_uri(b"\x00\x01\x00\x00font", "font/ttf"),
        data_uri(b"GIF89a...", "image/png"),  # claims PNG, is not
        data_uri(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png"),
        "data:image/png;base64,%%%not base64",
        "data:image/png;base64",  # no comma, no data
        "data:,plain text",
    ],
)
def test_data_uris_must_hold_a_real_raster_image(fetcher, url):
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)


def test_image_data_url_makes_uploads_renderable_and_refuses_others(fetcher):
    url = image_data_url(PNG_1PX)
    assert url.startswith("data:image/png;base64,") and fetcher.fetch(url).read() == PNG_1PX
    with pytest.raises(ValueError, match="PNG, JPEG or GIF"):
        image_data_url(b"<svg/>")
    with pytest.raises(ValueError, match="larger than"):
        image_data_url(PNG_1PX + b"\0" * MAX_DATA_URI_BYTES)


# --- Through a real render. ---------------------------------------------------------------
def test_file_urls_outside_static_get_nothing_into_the_pdf():
    passwd = Path("/etc/passwd").read_text()
    assert "root:" in passwd  # the secret this test guards
    settings_py = Path(settings.BASE_DIR, "config", "settings.py").read_text()
    html = """<html><head>
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="attachment" href="file:///etc/passwd">
      <style>@import url("file:///etc/passwd");
        p::after { content: url(file:///etc/passwd) }</style>
      </head><body>
      <p>visible text</p>
      <img src="file:///etc/passwd" alt="">
      <img src="static/../../../../../../etc/passwd" alt="">
      <object data="file:///etc/passwd" type="text/plain">fallback</object>
      <a rel="attachment" href="file:///etc/passwd">attachment</a>
      <a rel="attachment" href="static/../config/settings.py">settings</a>
      </body></html>"""
    pdf = render_pdf(html)
    text = pdf_text(pdf)
    assert "visible text" in text
    assert "root:" not in text and "root:x:" not in pdf.decode("latin-1")
    assert "SECRET_KEY" not in text
    assert "SECRET_KEY" in settings_py and embedded_files(pdf) == []


def test_attachments_from_static_are_not_embedded_either_though_the_check_can_see_them():
    # Letters carry no embedded files at all (issue 12, docs/security.md); WeasyPrint itself,
    # given the same markup, embeds both, which proves embedded_files() can fail.
    markup = (
        '<link rel="attachment" href="static/css/letter.css">'
        '<a rel="attachment" href="static/css/letter.css?annotation">css</a>'
    )
    base = Path(settings.BASE_DIR).resolve().as_uri() + "/"
    plain = weasyprint.HTML(string=markup, base_url=base).write_pdf()
    assert embedded_files(plain) == ["letter.css", "letter.css"]
    assert embedded_files(render_pdf(markup)) == []


@pytest.fixture
def listener():
    """A real TCP listener on 127.0.0.1 that records every connection it accepts."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(32)
    server.settimeout(0.05)
    connections: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    connections.append(conn.recv(1024).decode("latin-1").split("\r\n")[0])
                    # Answer like a web server, so a fetch that got through would succeed.
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/css\r\n\r\np{}")
                except OSError:
                    connections.append("(no request)")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


def remote_html(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""<html><head>
      <link rel="stylesheet" href="{base}/style.css">
      <link rel="attachment" href="{base}/attachment.txt">
      <style>
        @import url("{base}/import.css");
        @font-face {{ font-family: Remote; src: url("{base}/font.ttf"); }}
        body {{ font-family: Remote; background: url("{base}/background.png"); }}
        li {{ list-style-image: url("{base}/bullet.png"); }}
      </style></head><body>
      <p>hello</p><ul><li>item</li></ul>
      <img src="{base}/image.png" alt=""><img src="https://127.0.0.1:{port}/tls.png" alt="">
      <object data="{base}/object.svg" type="image/svg+xml"></object>
      <embed src="{base}/embed.svg" type="image/svg+xml">
      <svg width="10" height="10"><image href="{base}/svg-image.png" width="10" height="10"/></svg>
      <a rel="attachment" href="{base}/a-attachment.txt">file</a>
      </body></html>"""


def wait_for(connections: list, count: int, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while len(connections) < count and time.monotonic() < deadline:
        time.sleep(0.02)


def test_remote_urls_never_open_a_connection(listener):
    port, connections = listener
    pdf = render_pdf(remote_html(port))
    assert "hello" in pdf_text(pdf)
    # A <base> pointing at the network turns relative URLs remote: still nothing.
    render_pdf(f'<base href="http://127.0.0.1:{port}/"><img src="relative.png" alt="">x')
    time.sleep(0.2)
    assert connections == []

    # The listener does count connections: this is what the render must never do.
    socket.create_connection(("127.0.0.1", port), timeout=1).close()
    wait_for(connections, 1)
    assert len(connections) == 1


def test_weasyprints_default_fetcher_would_have_connected(listener):
    # The same HTML through bare WeasyPrint reaches the listener: the test above can fail.
    port, connections = listener
    weasyprint.HTML(string=remote_html(port)).write_pdf()
    wait_for(connections, 1)
    assert any(line.startswith("GET /") for line in connections)


def test_oversized_data_image_is_left_out_and_a_small_one_is_drawn():
    big = PNG_1PX + b"\0" * MAX_DATA_URI_BYTES
    assert image_count(render_pdf(f'<img src="{data_uri(big)}" alt="">x')) == 0
    assert image_count(render_pdf(f'<img src="{data_uri(PNG_1PX)}" alt="">x')) == 1


def test_bundled_fonts_and_letter_css_are_loaded_from_static():
    html = (
        '<html><head><link rel="stylesheet" href="static/css/letter.css"></head>'
        "<body><p>Serif body</p><h1>Sans heading</h1></body></html>"
    )
    reader = PdfReader(io.BytesIO(render_pdf(html)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[key].get_object()["/BaseFont"]).split("+")[-1] for key in fonts}
    # "Letter Serif"/"Letter Sans" exist only as @font-face names over static/fonts/*.ttf.
    assert names == {"Letter-Serif", "Letter-Sans-Bold", "Letter-Sans"}
    assert "Page 1 of 1" in pdf_text(render_pdf(html))  # letter.css's page footer applied
