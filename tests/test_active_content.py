"""Active content never leaves the app: open actions, scripts, launch actions and embedded
files are stripped from an enclosure when it is stored and again when it is merged into a
packet; URI links stay (issue 12, "Resource limits")."""

import hashlib
import io

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appeals.models import Appeal, Enclosure
from appeals.packet import PacketPart, assemble_packet
from documents.pdf_active_content import strip_active_content
from tests.factories import PatientFactory
from tests.factories_appeals import AppealFactory, AppealLetterFactory, EnclosureFactory, blank_pdf

N = pikepdf.Name


def active_pdf() -> bytes:
    """Two pages carrying every kind of active content the issue lists, plus a web link."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    pdf.add_blank_page(page_size=(612, 792))

    def js(code: str) -> pikepdf.Dictionary:
        return pdf.make_indirect(pikepdf.Dictionary(S=N.JavaScript, JS=pikepdf.String(code)))

    launch = pdf.make_indirect(
        pikepdf.Dictionary(S=N.Launch, F=pikepdf.String("C:\\Windows\\System32\\cmd.exe"))
    )
    attachment = pikepdf.Stream(pdf, b"MZ payload")
    attachment[N.Type] = N.EmbeddedFile
    filespec = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=N.Filespec, F=pikepdf.String("run.exe"), EF=pikepdf.Dictionary(F=attachment)
        )
    )
    pdf.Root[N.OpenAction] = js("app.alert('open')")
    pdf.Root[N.AA] = pikepdf.Dictionary(WC=js("app.alert('close')"))
    pdf.Root[N.Names] = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js("x()")])),
        EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("f"), filespec])),
    )
    first, second = pdf.pages[0].obj, pdf.pages[1].obj
    first[N.AA] = pikepdf.Dictionary(O=js("app.alert('page')"))
    rect = pikepdf.Array([72, 72, 144, 144])
    first[N.Annots] = pikepdf.Array(
        [
            pdf.make_indirect(
                pikepdf.Dictionary(Type=N.Annot, Subtype=N.Link, Rect=rect, A=launch)
            ),
            pikepdf.Dictionary(
                Type=N.Annot,
                Subtype=N.Link,
                Rect=rect,
                A=pikepdf.Dictionary(S=N.URI, URI=pikepdf.String("https://www.cms.gov/")),
            ),
            pdf.make_indirect(
                pikepdf.Dictionary(Type=N.Annot, Subtype=N.FileAttachment, Rect=rect, FS=filespec)
            ),
        ]
    )
    second[N.Annots] = pikepdf.Array(
        [
            pikepdf.Dictionary(
                Type=N.Annot,
                Subtype=N.Link,
                Rect=rect,
                A=pikepdf.Dictionary(
                    S=N.URI, URI=pikepdf.String("https://a.example/"), Next=js("y()")
                ),
                AA=pikepdf.Dictionary(E=js("z()")),
            )
        ]
    )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


ACTIVE_MARKERS = [
    b"/JavaScript",
    b"/JS",
    b"/Launch",
    b"/OpenAction",
    b"/AA",
    b"/EmbeddedFile",
    b"/FileAttachment",
    b"cmd.exe",
    b"MZ payload",
    b"app.alert",
]


def active_parts(data: bytes) -> list[str]:
    """What is left of the active content, read back object by object (uncompressed)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(
            out,
            compress_streams=False,
            stream_decode_level=pikepdf.StreamDecodeLevel.generalized,
            object_stream_mode=pikepdf.ObjectStreamMode.disable,
        )
    raw = out.getvalue()
    return [marker.decode() for marker in ACTIVE_MARKERS if marker in raw]


def links(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            str(annot.A.URI)
            for page in pdf.pages
            for annot in page.obj.get("/Annots", [])
            if "/A" in annot and annot.A.get("/S") == N.URI
        ]


def test_the_test_file_really_is_active():
    assert active_parts(active_pdf()) == [m.decode() for m in ACTIVE_MARKERS]


def test_stripping_removes_every_kind_and_keeps_the_pages_and_web_links():
    cleaned = strip_active_content(active_pdf())
    assert active_parts(cleaned) == []
    assert len(pikepdf.open(io.BytesIO(cleaned)).pages) == 2
    assert links(cleaned) == ["https://www.cms.gov/", "https://a.example/"]


def test_a_pdf_without_active_content_is_kept_byte_for_byte():
    plain = blank_pdf(2)
    assert strip_active_content(plain) == plain


@pytest.fixture
def appeal(clinic):
    appeal = AppealFactory(
        denial__claim__patient=PatientFactory(clinic=clinic), status=Appeal.Status.READY
    )
    AppealLetterFactory(appeal=appeal, signed=True)  # a packet needs a signed letter
    return appeal


@pytest.mark.django_db
def test_an_uploaded_enclosure_is_stored_without_active_content(client_for, billing, appeal):
    response = client_for(billing).post(
        reverse("appeals:appeal-enclosure", args=[appeal.pk]),
        {"title": "Portal download", "file": SimpleUploadedFile("portal.pdf", active_pdf())},
    )
    assert response.status_code == 302
    enclosure = Enclosure.objects.get(appeal=appeal)
    stored = enclosure.file.read()
    assert active_parts(stored) == []
    assert enclosure.page_count == 2
    # The recorded hash is the stored file's, so backups and packets verify it.
    assert enclosure.sha256 == hashlib.sha256(stored).hexdigest()


def test_a_packet_merging_an_active_part_carries_none_of_it():
    packet = assemble_packet(
        [PacketPart("Letter", blank_pdf(1)), PacketPart("Old upload", active_pdf())],
        title="Redetermination appeal packet",
    )
    assert active_parts(packet.pdf) == []


@pytest.mark.django_db
def test_an_enclosure_stored_before_stripping_is_cleaned_in_the_packet(client_for, billing, appeal):
    EnclosureFactory(appeal=appeal, title="Stored long ago", pdf=active_pdf(), position=1)
    client_for(billing).post(
        reverse("appeals:appeal-packet", args=[appeal.pk]), {"request_key": "k1"}
    )
    packet = appeal.documents.get(kind="packet")
    assert active_parts(packet.pdf.read()) == []
