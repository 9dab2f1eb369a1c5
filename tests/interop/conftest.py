"""Where the shared sample files are, for the interop tests (read in place, never copied).

The project's layout puts shared/ beside the repository (`<repo>/../shared`, as CI lays it
out); a git worktree under `<root>/wt/<name>` finds it two levels up instead.
"""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _fixtures_dir() -> Path | None:
    candidates = [
        Path(os.environ["INTEROP_FIXTURES"]) if os.environ.get("INTEROP_FIXTURES") else None,
        REPO / ".." / "shared" / "fixtures",
        REPO / ".." / ".." / "shared" / "fixtures",
    ]
    for candidate in candidates:
        if candidate is not None and (candidate / "README.md").is_file():
            return candidate.resolve()
    return None


FIXTURES = _fixtures_dir()
# A clone somewhere else (say /tmp) has no shared/ beside it: the modules that read the
# shared samples are then left out, said loudly in the report header, and the rest of the
# suite (hypothesis-generated inputs included) still runs.
NEEDS_SAMPLES = [
    "test_fhir_properties.py",
    "test_fhir_us_core_examples.py",
    "test_x12_835_fixtures.py",
    "test_x12_835_properties.py",
]
collect_ignore = NEEDS_SAMPLES if FIXTURES is None else []
FHIR_DIR = FIXTURES / "fhir" if FIXTURES else Path("missing-shared-fixtures")
X12_DIR = FIXTURES / "x12" if FIXTURES else Path("missing-shared-fixtures")


def pytest_report_header(config):
    if FIXTURES is None:
        return (
            "NOTE: shared/fixtures not found beside the repository (or INTEROP_FIXTURES): "
            f"skipping {', '.join(NEEDS_SAMPLES)}"
        )
    return f"interop samples: {FIXTURES}"


@pytest.fixture
def fhir_file():
    """`fhir_file("patient-example.json")`: the bytes of a shared FHIR example."""
    if FIXTURES is None:
        pytest.skip("shared/fixtures not found beside the repository")

    def read(name: str) -> bytes:
        return (FHIR_DIR / name).read_bytes()

    return read
