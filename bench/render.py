"""Each document kind through the app's whole path against bare WeasyPrint on the very same
HTML, interleaved: p50, p95 and their ratios.

    .venv/bin/python bench/render.py [RUNS]      (RUNS defaults to 30)

  - app:  documents.services.generate_document for a demo patient whose assessment offers
          the kind: assessment, context, restricted template, locked-down PDF/UA-1, SHA-256,
          encryption and storage, the row saved (each run makes a new version);
  - bare: weasyprint.HTML(string=<that document's HTML>, base_url=<project>).write_pdf()
          with default settings (default fetcher, a new FontConfiguration, untagged PDF).
One app run and one bare run alternate, so drift on a shared machine lands on both. The
issue's targets (issue 16): app p50 <= 0.9x and p95 <= 0.85x bare.
"""

import statistics
import sys
import time

import _demo_db
import weasyprint

from documents.services import generate_document


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    base_url = _demo_db.ROOT.as_uri() + "/"
    cases = _demo_db.patients_by_kind()
    print(f"WeasyPrint {weasyprint.__version__}; {runs} interleaved pairs per kind; ms")
    print(f"{'kind':<20}{'app p50':>9}{'app p95':>9}{'bare p50':>10}{'bare p95':>10}", end="")
    print(f"{'p50 ratio':>11}{'p95 ratio':>11}")
    for kind, (patient, user) in sorted(cases.items()):
        html = generate_document(patient, kind, user).document.html  # warm this kind
        app, bare = [], []
        for _ in range(runs):
            start = time.perf_counter()
            generate_document(patient, kind, user)
            app.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            weasyprint.HTML(string=html, base_url=base_url).write_pdf()
            bare.append((time.perf_counter() - start) * 1000)
        a50, a95, b50, b95 = statistics.median(app), p95(app), statistics.median(bare), p95(bare)
        print(
            f"{kind:<20}{a50:>9.0f}{a95:>9.0f}{b50:>10.0f}{b95:>10.0f}"
            f"{a50 / b50:>10.2f}x{a95 / b95:>10.2f}x"
        )
    missing = {"lmn", "abn", "prior_auth", "patient_explanation"} - set(cases)
    if missing:
        print(f"(no demo patient is offered: {', '.join(sorted(missing))})")


if __name__ == "__main__":
    main()
