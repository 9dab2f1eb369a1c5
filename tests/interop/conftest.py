"""Where the shared sample files are, for the interop tests (read in place, never copied).

The project's layout puts shared/ beside the repository (`<repo>/../shared`, as CI lays it
out); a git worktree under `<root>/wt/<name>` finds it two levels up instead.
"""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _fixtures_dir() -> Path:
    candidates = [
        Path(os.environ["INTEROP_FIXTURES"]) if os.environ.get("INTEROP_FIXTURES") else None,
        REPO / ".." / "shared" / "fixtures",
        REPO / ".." / ".." / "shared" / "fixtures",
    ]
    for candidate in candidates:
        if candidate is not None and (candidate / "README.md").is_file():
            return candidate.resolve()
    raise RuntimeError(
        "shared/fixtures not found beside the repository; set INTEROP_FIXTURES to its path"
    )


FIXTURES = _fixtures_dir()
FHIR_DIR = FIXTURES / "fhir"
X12_DIR = FIXTURES / "x12"


@pytest.fixture
def fhir_file():
    """`fhir_file("patient-example.json")`: the bytes of a shared FHIR example."""

    def read(name: str) -> bytes:
        return (FHIR_DIR / name).read_bytes()

    return read
