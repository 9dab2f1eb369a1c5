"""Resident memory over many renders of a letter, after a warm-up.

    .venv/bin/python bench/memory.py [RENDERS] [WARMUP]     (500 after 50)

Renders the LMN through documents.services.generate_document (the whole path, as a worker
does it) and prints the RSS (VmRSS, /proc/self/status) after the warm-up and at every
tenth of the run, then the growth after warm-up. Target (issue 16): <= 5 MB over 500.
"""

import sys

import _demo_db

from documents.services import generate_document


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    args = [int(a) for a in sys.argv[1:]]
    renders = args[0] if args else 500
    warmup = args[1] if len(args) > 1 else 50
    patient, clinician = _demo_db.patients_by_kind()["lmn"]
    before = rss_mb()
    for _ in range(warmup):
        generate_document(patient, "lmn", clinician)
    start = rss_mb()
    print(f"RSS before: {before:.1f} MB; after {warmup} warm-up renders: {start:.1f} MB")
    step = max(1, renders // 10)
    for n in range(1, renders + 1):
        generate_document(patient, "lmn", clinician)
        if n % step == 0:
            print(f"  after {n:>4} renders: {rss_mb():.1f} MB ({rss_mb() - start:+.1f})")
    print(f"growth over {renders} renders after warm-up: {rss_mb() - start:+.1f} MB")


if __name__ == "__main__":
    main()
