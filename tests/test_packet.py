import hashlib
import io
import re

import pytest
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from appeals.packet import (
    AssembledPacket,
    OutlineEntry,
    PacketError,
    PacketPart,
    assemble_packet,
)

LETTER = (612.0, 792.0)
A4 = (595.28, 841.89)


def render(size: str, marker: str, pages: int) -> bytes:
    body = "".join(
        f'<p style="break-after: page">{marker} page {n}</p>' for n in range(1, pages + 1)
    )
    return HTML(string=f"<style>@page {{ size: {size} }}</style>{body}").write_pdf()


@pytest.fixture(scope="module")
def parts() -> list[PacketPart]:
    return [
        PacketPart("Appeal letter", render("Letter", "LETTER", 2)),
        PacketPart("Medical records", render("A4", "RECORDS", 3)),
        PacketPart("Letter of medical necessity", render("Letter", "LMN", 1)),
    ]


@pytest.fixture(scope="module")
def packet(parts) -> AssembledPacket:
    return assemble_packet(parts, title="Redetermination request: Jane Doe, DOS 2026-03-02")


@pytest.fixture(scope="module")
def reader(packet) -> PdfReader:
    return PdfReader(io.BytesIO(packet.pdf))


def stamp_position(page) -> tuple[float, float]:
    """Page-space position of the "Packet page" label (text matrix times the CTM)."""
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        if "Packet page" in text:
            a, b, c, d, e, f = cm
            x, y = tm[4], tm[5]
            found.append((a * x + c * y + e, b * x + d * y + f))

    page.extract_text(visitor_text=visit)
    assert len(found) == 1
    return found[0]


def test_page_count_is_the_index_plus_every_part(packet, reader):
    assert packet.page_count == 1 + 2 + 3 + 1
    assert len(reader.pages) == packet.page_count
    assert packet.sha256 == hashlib.sha256(packet.pdf).hexdigest()


def test_outline_has_the_index_and_one_entry_per_part(packet, reader):
    assert packet.outline == (
        OutlineEntry("Enclosure index", 1, 1),
        OutlineEntry("Appeal letter", 2, 2),
        OutlineEntry("Medical records", 4, 3),
        OutlineEntry("Letter of medical necessity", 7, 1),
    )
    bookmarks = [
        (item.title, reader.get_destination_page_number(item) + 1) for item in reader.outline
    ]
    assert bookmarks == [(entry.title, entry.first_page) for entry in packet.outline]


def test_every_page_is_numbered_once(reader):
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert text.count("Packet page") == 1
        assert f"Packet page {number} of 7" in text


def test_index_page_lists_each_part_with_its_page_range(reader):
    lines = [line.strip() for line in reader.pages[0].extract_text().splitlines()]
    assert lines[0] == "Redetermination request: Jane Doe, DOS 2026-03-02"
    assert "Enclosure index" in lines
    assert "1. Appeal letter pages 2–3" in lines
    assert "2. Medical records pages 4–6" in lines
    assert "3. Letter of medical necessity page 7" in lines
    assert "Total: 7 pages, including this index." in lines


def test_part_text_is_kept_in_order(reader):
    expected = [
        "LETTER page 1",
        "LETTER page 2",
        "RECORDS page 1",
        "RECORDS page 2",
        "RECORDS page 3",
        "LMN page 1",
    ]
    for page, marker in zip(reader.pages[1:], expected, strict=True):
        assert marker in page.extract_text()


def test_letter_and_a4_pages_keep_their_size_and_get_a_number_on_the_page(reader):
    for index, size in ((1, LETTER), (3, A4), (6, LETTER)):
        page = reader.pages[index]
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (width, height) == pytest.approx(size, abs=0.01)
        x, y = stamp_position(page)
        assert width / 2 < x < width - 36  # bottom right, inside the page
        assert 0 < y < 36


def test_document_title_is_set(packet, reader):
    assert reader.metadata.title == "Redetermination request: Jane Doe, DOS 2026-03-02"


def test_content_is_compressed_so_the_packet_does_not_balloon(parts, packet, reader):
    for page in reader.pages:
        assert page["/Contents"].get_object().get("/Filter") == "/FlateDecode"
    assert len(packet.pdf) < 2 * sum(len(part.pdf) for part in parts) + 50_000


def test_a_rotated_scan_gets_its_number_at_its_visual_bottom():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(render("Letter", "SCAN", 1))))
    writer.pages[0].rotate(90)  # shown as landscape: page-space right edge is the bottom
    buffer = io.BytesIO()
    writer.write(buffer)
    packet = assemble_packet([PacketPart("Scan", buffer.getvalue())], title="Rotated")

    page = PdfReader(io.BytesIO(packet.pdf)).pages[1]
    assert page.rotation == 90
    x, y = stamp_position(page)
    assert LETTER[0] - 36 < x < LETTER[0]
    assert LETTER[1] / 2 < y < LETTER[1] - 36
    assert "Packet page 2 of 2" in page.extract_text()


def test_a_long_index_spills_over_and_the_ranges_account_for_it():
    # Titles long enough to wrap, so the index runs longer than a count of rows suggests.
    one_page = render("Letter", "ITEM", 1)
    note = "infusion session note with vital signs, dissociation and blood pressure checks"
    many = [PacketPart(f"Progress note {n}: {note}", one_page) for n in range(1, 41)]
    packet = assemble_packet(many, title="Long packet")

    index_pages = packet.outline[0].page_count
    assert index_pages >= 3  # otherwise this test proves nothing
    assert packet.page_count == index_pages + 40
    assert packet.outline[1] == OutlineEntry(many[0].title, index_pages + 1, 1)
    reader = PdfReader(io.BytesIO(packet.pdf))
    index_text = " ".join(
        " ".join(reader.pages[n].extract_text().split()) for n in range(index_pages)
    )
    assert f"1. Progress note 1: {note} page {index_pages + 1}" in index_text
    assert f"40. Progress note 40: {note} page {index_pages + 40}" in index_text
    assert f"Total: {index_pages + 40} pages" in index_text
    assert "ITEM page 1" in reader.pages[index_pages].extract_text()
    assert f"Packet page {index_pages} of {index_pages + 40}" in (
        reader.pages[index_pages - 1].extract_text()
    )


def test_titles_are_shown_literally_not_as_markup():
    packet = assemble_packet(
        [PacketPart("Labs <b>bold</b> & more", render("Letter", "LAB", 1))], title="A & B"
    )
    text = PdfReader(io.BytesIO(packet.pdf)).pages[0].extract_text()
    assert "1. Labs <b>bold</b> & more page 2" in text
    assert text.startswith("A & B")


def test_an_empty_part_list_is_refused():
    with pytest.raises(PacketError, match="at least one document"):
        assemble_packet([], title="Nothing")


def test_a_part_without_a_title_is_refused(parts):
    with pytest.raises(PacketError, match="Document 1 has no title"):
        assemble_packet([PacketPart("  ", parts[0].pdf)], title="Untitled")


def test_garbage_bytes_are_refused_naming_the_part(parts):
    bad = PacketPart("Fax cover", b"this is not a pdf at all")
    with pytest.raises(PacketError, match=re.escape('Document 2 ("Fax cover") is not a readable')):
        assemble_packet([parts[0], bad], title="Bad")


def test_a_truncated_part_is_refused(parts):
    truncated = PacketPart("Records", parts[1].pdf[: len(parts[1].pdf) // 2])
    with pytest.raises(PacketError, match="not a readable PDF"):
        assemble_packet([truncated], title="Bad")


def test_a_part_whose_page_content_cannot_be_decoded_is_refused(parts):
    damaged = parts[2].pdf.replace(b"/Filter /FlateDecode", b"/Filter /FlateDecodX", 1)
    assert damaged != parts[2].pdf
    with pytest.raises(PacketError, match=re.escape('Document 1 ("LMN") is not a readable')):
        assemble_packet([PacketPart("LMN", damaged)], title="Bad")


def test_a_password_protected_part_is_refused(parts):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(parts[0].pdf)))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(PacketError, match="password-protected"):
        assemble_packet([PacketPart("Letter", buffer.getvalue())], title="Locked")
