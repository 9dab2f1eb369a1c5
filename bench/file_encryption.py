"""Cost of encrypting stored files: save and read back through EncryptedFileSystemStorage
versus the plain FileSystemStorage, for PDF-sized payloads (a letter, a packet, the
largest upload). Prints the median of RUNS per size, in milliseconds.

    .venv/bin/python bench/file_encryption.py
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402

from intake.storage import EncryptedFileSystemStorage  # noqa: E402

SIZES = {"letter (60 KB)": 60_000, "packet (2 MB)": 2_000_000, "upload cap (10 MB)": 10_000_000}
RUNS = 15


def median_ms(work) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        plain = FileSystemStorage(location=f"{root}/plain")
        encrypted = EncryptedFileSystemStorage(location=f"{root}/encrypted")
        print(
            f"{'payload':<20}{'plain save':>12}{'enc. save':>12}{'plain read':>12}{'enc. read':>12}"
        )
        for label, size in SIZES.items():
            payload = os.urandom(size)
            row = []
            for storage in (plain, encrypted):
                name = storage.save("f.pdf", ContentFile(payload))
                row.append(median_ms(lambda s=storage, p=payload: s.save("g.pdf", ContentFile(p))))
                row.append(median_ms(lambda s=storage, n=name: s.open(n).read()))
            print(f"{label:<20}" + "".join(f"{row[i]:>10.1f}ms" for i in (0, 2, 1, 3)))


if __name__ == "__main__":
    main()
