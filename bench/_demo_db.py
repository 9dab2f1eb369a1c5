"""Shared by the render, memory and packet benches: Django set up on a throwaway SQLite
database holding the plain demo (`seed_demo`), with the patients whose assessment offers
each document kind. Import this module first: it sets the environment before Django loads.
"""

import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH = tempfile.mkdtemp(prefix="bench-")
os.environ.update(
    DEBUG="1",
    MFA_ENFORCED="0",
    DJANGO_SETTINGS_MODULE="config.settings",
    DATABASE_URL=f"sqlite:///{SCRATCH}/db.sqlite3",
    PRIVATE_STORAGE_ROOT=f"{SCRATCH}/private",
    LOG_LEVEL="WARNING",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
logging.disable(logging.WARNING)  # per-render notices would drown the figures


def patients_by_kind() -> dict:
    """kind -> (a patient whose assessment offers it, the clinician who generates it)."""
    from django.contrib.auth import get_user_model

    from documents.services import offered_kinds
    from intake.models import Patient

    clinician = get_user_model().objects.get(username="clinician")
    found = {}
    for patient in Patient.objects.order_by("id"):
        for kind in offered_kinds(patient):
            found.setdefault(kind, patient)
    return {kind: (patient, clinician) for kind, patient in found.items()}
