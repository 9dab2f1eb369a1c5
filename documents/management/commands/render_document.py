"""Generate a patient document from the command line, exactly as the app does.

    python manage.py render_document --patient 12 --kind lmn --out lmn.pdf --user clinician

The document is stored as a new immutable version (like the "Generate" button) and the PDF
is also written to --out.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from documents.models import PATIENT_DOCUMENT_KINDS
from documents.rendering import RenderLimitExceeded
from documents.services import DocumentError, final_pdf, generate_document
from intake.models import Patient


class Command(BaseCommand):
    help = "Generate a document (lmn, abn, prior_auth, patient_explanation) for a patient."

    def add_arguments(self, parser):
        parser.add_argument("--patient", type=int, required=True)
        parser.add_argument(
            "--kind", required=True, choices=[k.value for k in PATIENT_DOCUMENT_KINDS]
        )
        parser.add_argument("--out", required=True, help="Where to write the PDF.")
        parser.add_argument(
            "--user", help="Username recorded as the generator (default: the first superuser)."
        )

    def handle(self, *args, **options):
        patient = Patient.objects.filter(pk=options["patient"]).first()
        if patient is None:
            raise CommandError(f"No patient with id {options['patient']}.", returncode=2)
        users = get_user_model().objects
        user = (
            users.filter(username=options["user"]).first()
            if options["user"]
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError("Name an existing user with --user.", returncode=2)
        try:
            result = generate_document(patient, options["kind"], user)
        except (DocumentError, RenderLimitExceeded) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        out = Path(options["out"])
        out.write_bytes(final_pdf(result.document))
        doc = result.document
        self.stdout.write(
            f"{doc.get_kind_display()} v{doc.version}: {doc.page_count} page(s), "
            f"SHA-256 {doc.sha256}, written to {out}"
        )
