"""A new appeal letter plus its packet (the stored LMN and 20 pages of enclosures) against
one appeal letter alone, for 5, 20 and 50 enclosure parts, interleaved.

    .venv/bin/python bench/packet.py [RUNS] [PARTS...]     (RUNS 9; PARTS 5 20 50)

Both go through the app's services on a demo patient (bench/_demo_db.py): A is
appeals.appeal_actions.generate_appeal_letter + build_packet (read and decrypt the stored
parts, index render, merge, page stamps, hash, encrypt, store); B is
generate_appeal_letter. The 20 enclosure pages are split over the parts (a part has at
least one page, so 50 parts hold 50 pages). Target (issue 16): A p50 <= 1.5x B, flat in
the number of parts.
"""

import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import _demo_db
import weasyprint
from django.core.files.base import ContentFile

from appeals.appeal_actions import build_packet, generate_appeal_letter, start_appeal
from appeals.models import Claim, Denial, Enclosure
from documents.services import generate_document

ENCLOSURE_PAGES = 20


def enclosure_pdf(pages: int) -> bytes:
    body = "".join(
        f"<section style='break-after: page'><h1>Record page {n}</h1>"
        + "<p>Progress note: PHQ-9 21, no response to an adequate trial.</p>" * 12
        + "</section>"
        for n in range(1, pages + 1)
    )
    return weasyprint.HTML(string=body).write_pdf()


def appeal_with_parts(patient, user, parts: int):
    claim = Claim.objects.create(
        patient=patient,
        provider=patient.clinic.providers.first(),
        service_from=date.today() - timedelta(days=60),
        service_to=date.today() - timedelta(days=60),
        diagnosis_codes="F33.2",
        created_by=user,
    )
    denial = Denial.objects.create(
        claim=claim,
        notice_type="msn",
        notice_date=date.today() - timedelta(days=30),
        decided_by="Bench MAC",
        group_code="CO",
        carc_codes="50",
        denied_amount=Decimal("450.00"),
        created_by=user,
    )
    appeal = start_appeal(denial, user).appeal
    per_part = max(1, ENCLOSURE_PAGES // parts)
    pdf = enclosure_pdf(per_part)
    for position in range(1, parts + 1):
        enclosure = Enclosure(
            appeal=appeal,
            title=f"Clinic record {position}",
            sha256=f"{position:064d}",
            page_count=per_part,
            position=position,
            uploaded_by=user,
        )
        enclosure.file.save(f"bench-{position}.pdf", ContentFile(pdf), save=False)
        enclosure.save()
    return appeal


def main() -> None:
    args = [int(a) for a in sys.argv[1:]]
    runs = args[0] if args else 9
    sizes = args[1:] or [5, 20, 50]
    patient, clinician = _demo_db.patients_by_kind()["lmn"]
    generate_document(patient, "lmn", clinician)  # the stored LMN the packet encloses
    from django.contrib.auth import get_user_model

    biller = get_user_model().objects.get(username="billing")
    print(f"{runs} interleaved pairs per row; ms; {ENCLOSURE_PAGES} enclosure pages")
    tail = "p95" if runs >= 20 else "max"  # p95 of fewer than 20 runs is the maximum anyway
    print(f"{'parts':>5}{'pages':>7}{'A p50':>8}{'A ' + tail:>8}", end="")
    print(f"{'B p50':>8}{'B ' + tail:>8}{'A÷B':>8}")
    for parts in sizes:
        appeal = appeal_with_parts(patient, biller, parts)
        generate_appeal_letter(appeal, biller)
        pages = build_packet(appeal, biller).page_count  # warm-up, and the packet's length
        with_packet, letter_only = [], []
        for _ in range(runs):
            start = time.perf_counter()
            generate_appeal_letter(appeal, biller)
            build_packet(appeal, biller)
            with_packet.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            generate_appeal_letter(appeal, biller)
            letter_only.append((time.perf_counter() - start) * 1000)
        a50, b50 = statistics.median(with_packet), statistics.median(letter_only)
        print(
            f"{parts:>5}{pages:>7}{a50:>8.0f}{_tail(with_packet):>8.0f}{b50:>8.0f}"
            f"{_tail(letter_only):>8.0f}{a50 / b50:>7.2f}x"
        )


def _tail(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)


if __name__ == "__main__":
    main()
