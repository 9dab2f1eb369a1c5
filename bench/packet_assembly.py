"""Time assemble_packet on N stored parts, to check the "one small render + merge" claim.

Each part is a 2-page letter-like PDF rendered once, before any timing, as a stored upload
would be. Reported: the median of 5 assemblies per N, next to one WeasyPrint render of a
2-page letter for scale.

    .venv/bin/python bench/packet_assembly.py
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere

SIZES = (5, 20, 50)
RUNS = 5

LETTER_CSS = """
@page { size: Letter; margin: 1in; @bottom-center { content: "Page " counter(page) " of "
  counter(pages); font-size: 9pt; } }
body { font-family: "DejaVu Serif", serif; font-size: 11pt; line-height: 1.4; }
"""
PARAGRAPH = (
    "The patient has major depressive disorder, recurrent, severe without psychotic "
    "features, and has not responded to adequate trials of four antidepressants from two "
    "classes and to augmentation, documented in the enclosed records with dates and doses. "
)


def letter_html(number: int) -> str:
    paragraphs = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(6))
    return (
        f"<style>{LETTER_CSS}</style><h1>Enclosure {number}</h1>{paragraphs}"
        "<p style='break-before: page'>Signature page.</p>"
    )


def median_seconds(action) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from pypdf import PdfReader
    from weasyprint import HTML

    from appeals.packet import PacketPart, assemble_packet

    print(f"Rendering {max(SIZES)} two-page parts once (not timed)...", flush=True)
    stored = [
        PacketPart(f"Enclosure {n}", HTML(string=letter_html(n)).write_pdf())
        for n in range(1, max(SIZES) + 1)
    ]
    pages = {len(PdfReader(io.BytesIO(part.pdf)).pages) for part in stored}
    assert pages == {2}, f"expected 2-page parts, got {pages}"

    # Warm up: the first render in a process pays fontconfig and HarfBuzz set-up.
    assemble_packet(stored[:1], title="warm-up")

    render = median_seconds(lambda: HTML(string=letter_html(0)).write_pdf())
    print(f"One 2-page letter render (WeasyPrint), median of {RUNS}: {render * 1000:7.1f} ms")
    for size in SIZES:
        parts = stored[:size]
        elapsed = median_seconds(lambda parts=parts: assemble_packet(parts, title="Bench"))
        packet = assemble_packet(parts, title="Bench")
        print(
            f"assemble_packet, {size:2d} parts ({packet.page_count:3d} pages), median of {RUNS}:"
            f" {elapsed * 1000:7.1f} ms  ({elapsed / render:4.1f}x one letter render,"
            f" {len(packet.pdf) / 1024:6.0f} KiB)"
        )


if __name__ == "__main__":
    main()
