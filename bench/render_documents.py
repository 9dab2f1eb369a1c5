"""Render each default letter N times and print median and p95 timings.

    .venv/bin/python bench/render_documents.py [N]     (N defaults to 30)

For each document kind it times, with the sample context:
  - render_html: the restricted template engine alone (validate + render);
  - app: documents.rendering.render_document (HTML + locked-down PDF/UA-1, one reused
    FontConfiguration per thread);
  - bare: the same HTML through bare weasyprint.HTML(string=..., base_url=...).write_pdf()
    (default fetcher, a new FontConfiguration each time, untagged PDF). base_url is given so
    the stylesheet and fonts load in both, otherwise the comparison would be meaningless.
The first render in the process is timed separately: it pays for fontconfig, HarfBuzz and
loading the bundled fonts (see /work/shared/reference/pdf-performance.md).
"""

import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

import weasyprint  # noqa: E402

from documents.rendering import (  # noqa: E402
    DOCUMENT_KINDS,
    default_template_source,
    render_document,
    render_html,
)
from documents.sample_context import sample_context  # noqa: E402


def timings(function: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]  # nearest rank
    return statistics.median(ordered), p95


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    # Per-render log lines (progress, font subsetting notices) would dominate the output.
    logging.disable(logging.WARNING)
    base_url = ROOT.as_uri() + "/"

    cases = {kind: (default_template_source(kind), sample_context(kind)) for kind in DOCUMENT_KINDS}
    source, context = cases["lmn"]
    start = time.perf_counter()
    render_document(source, context)
    first = (time.perf_counter() - start) * 1000
    print(f"WeasyPrint {weasyprint.__version__}; {runs} renders per row; times in ms")
    print(f"first render in this process (lmn, app): {first:.0f} ms\n")

    header = f"{'kind':<20} {'pages':>5} {'html p50':>9} {'app p50':>8} {'app p95':>8}"
    print(header + f" {'bare p50':>9} {'bare p95':>9} {'app/bare':>9}")
    for kind, (source, context) in cases.items():
        document = render_document(source, context)  # warm this kind's images and fonts
        html_ms = p50_p95(timings(lambda s=source, c=context: render_html(s, c), runs))
        app_ms = p50_p95(timings(lambda s=source, c=context: render_document(s, c), runs))
        bare_ms = p50_p95(
            timings(
                lambda h=document.html: weasyprint.HTML(string=h, base_url=base_url).write_pdf(),
                runs,
            )
        )
        print(
            f"{kind:<20} {document.page_count:>5} {html_ms[0]:>9.1f} {app_ms[0]:>8.0f} "
            f"{app_ms[1]:>8.0f} {bare_ms[0]:>9.0f} {bare_ms[1]:>9.0f} "
            f"{app_ms[0] / bare_ms[0]:>9.2f}"
        )


if __name__ == "__main__":
    main()
