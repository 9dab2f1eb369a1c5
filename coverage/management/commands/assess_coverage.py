"""Assess coverage from the command line: an interchange JSON file, or a stored patient.

    python manage.py assess_coverage docs/examples/esketamine-trd-original.json
    python manage.py assess_coverage --patient 12

Prints the assessment as JSON. Invalid input: one message per problem naming the field,
exit status 2. Rules come from the database (the versions in force, as edited in the admin).
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coverage.assessments import assess_on, current_assessment
from coverage.interchange import InterchangeError, parse_intake_json
from intake.models import Patient


class Command(BaseCommand):
    help = "Print the coverage assessment for an intake JSON file or a stored patient."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="Intake in the interchange format (JSON).")
        parser.add_argument("--patient", type=int, help="Assess a stored patient by id.")

    def handle(self, *args, path=None, patient=None, **options):
        if (path is None) == (patient is None):
            raise CommandError("Give either a JSON file or --patient ID.", returncode=2)
        if patient is not None:
            record = Patient.objects.filter(pk=patient).first()
            if record is None:
                raise CommandError(f"No patient with id {patient}.", returncode=2)
            assessment = current_assessment(record)
            if assessment is None:
                raise CommandError(
                    f"Patient {patient} has no treatment request to assess.", returncode=2
                )
            self.stdout.write(json.dumps(assessment.result, indent=2))
            return
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file.", returncode=2)
        try:
            facts = parse_intake_json(file.read_bytes())
        except InterchangeError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from exc
        result = assess_on(facts, facts.request.requested_start)
        self.stdout.write(json.dumps(result.to_dict(), indent=2))
