"""Packet assembly has a time limit (settings.PACKET_TIMEOUT_SECONDS): past it, the person sees
a clear message on the appeal page, not a hung worker or a 500 (issue 12, "Resource limits")."""

import pytest
from django.urls import reverse

from appeals.models import Appeal
from appeals.packet import PacketError, PacketPart, assemble_packet
from tests.factories import PatientFactory
from tests.factories_appeals import AppealFactory, AppealLetterFactory, EnclosureFactory, blank_pdf

STOPPED = "Assembling the packet took longer than"


def test_assembly_past_the_limit_is_stopped_with_a_message():
    parts = [PacketPart(f"Record {n}", blank_pdf(40)) for n in range(5)]
    with pytest.raises(PacketError, match=STOPPED):
        assemble_packet(parts, title="Packet", time_limit_seconds=0.05)


def test_assembly_within_the_limit_is_unchanged():
    packet = assemble_packet([PacketPart("Letter", blank_pdf(1))], title="P", time_limit_seconds=60)
    assert packet.page_count == 2


@pytest.mark.django_db
def test_the_appeal_page_says_the_packet_was_stopped(client_for, billing, clinic, settings):
    settings.PACKET_TIMEOUT_SECONDS = 0.05
    appeal = AppealFactory(
        denial__claim__patient=PatientFactory(clinic=clinic), status=Appeal.Status.READY
    )
    AppealLetterFactory(appeal=appeal, signed=True)  # a packet needs a signed letter
    for n in range(5):
        EnclosureFactory(appeal=appeal, pdf=blank_pdf(40), position=n + 1)

    response = client_for(billing).post(
        reverse("appeals:appeal-packet", args=[appeal.pk]), {"request_key": "k1"}, follow=True
    )

    assert response.status_code == 200
    assert STOPPED in response.text
    assert not appeal.documents.filter(kind="packet").exists()


def test_the_limit_landing_while_a_part_is_parsed_is_not_called_a_bad_part(monkeypatch):
    """Under load the alarm can fire inside pypdf's parsing, whose errors the packet reports
    as "not a readable PDF"; the person must see the time limit instead (seen in CI)."""
    from appeals import packet as packet_module
    from documents.pdf import RenderLimitExceeded

    def slow_parse(*args, **kwargs):
        raise RenderLimitExceeded("limit")

    monkeypatch.setattr(packet_module, "PdfReader", slow_parse)
    with pytest.raises(PacketError, match=STOPPED):
        assemble_packet([PacketPart("Record", blank_pdf(1))], title="P", time_limit_seconds=60)
