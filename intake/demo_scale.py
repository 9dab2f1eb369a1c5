"""`seed_demo --scale N`: a clinic-sized demo, for the list-page benchmarks (bench/pages.py).

Tops the demo clinic up to N patients, each with coverage, a diagnosis, scores, a trial and
a treatment request; and in proportion (every `DOCUMENT_EVERY`-th patient a letter, every
`DENIAL_EVERY`-th a claim with a denial and a redetermination, every patient a "created"
and a "viewed" audit entry). Rows go in with bulk_create, which skips Model.save(): what
save() would compute is computed here (the MBI's blind index; the MBI itself is encrypted
by its field on the way in, as on every write). Audit entries are appended one at a time
through AuditEntry.save(), which keeps the hash chain (audit/models.py); the tracking
signals don't fire for bulk inserts, so these entries are what the trail shows for them.

Documents, claims and appeals belong to apps above intake, so their models are read from
the app registry (as audit/scope.py does) rather than imported.
"""

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from audit.choices import Action, Kind
from audit.models import AuditEntry

from .choices import IntakeStep
from .crypto import blind_index
from .models import (
    Clinic,
    Coverage,
    Diagnosis,
    Patient,
    Provider,
    SymptomScore,
    TreatmentRequest,
    TreatmentTrial,
)

BATCH = 1000
DOCUMENT_EVERY = 2  # half the patients have a letter on file
DENIAL_EVERY = 5  # a fifth have a denied claim under appeal
FIRST_NAMES = [
    "Alice",
    "Arthur",
    "Beatrice",
    "Bernard",
    "Carol",
    "Charles",
    "Diane",
    "Donald",
    "Edith",
    "Edward",
    "Flora",
    "Francis",
    "Grace",
    "Gordon",
    "Hazel",
    "Henry",
    "Irene",
    "Isaac",
    "Joan",
    "Joseph",
    "Karen",
    "Kenneth",
    "Laura",
    "Leonard",
    "Mabel",
    "Martin",
    "Nora",
    "Norman",
    "Olive",
    "Oscar",
    "Pearl",
    "Peter",
    "Ruth",
    "Ralph",
    "Sylvia",
    "Stanley",
    "Thelma",
    "Thomas",
    "Vera",
    "Victor",
    "Wanda",
    "Wallace",
]
LAST_NAMES = [
    "Abbott",
    "Barnes",
    "Carver",
    "Dalton",
    "Easton",
    "Fairley",
    "Garner",
    "Holt",
    "Ingram",
    "Jarvis",
    "Keller",
    "Lawson",
    "Mercer",
    "Norris",
    "Osborne",
    "Prescott",
    "Quinlan",
    "Rhodes",
    "Sutton",
    "Tanner",
    "Underwood",
    "Vaughn",
    "Walsh",
    "Yates",
    "Zimmer",
    "Bishop",
    "Coleman",
    "Drake",
    "Ellis",
    "Fowler",
]
_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # the 20 letters an MBI may use (CMS MBI format)
_MBI_ALNUM = "0123456789" + _MBI_LETTERS


def scale_mbi(n: int) -> str:
    """A well-formed MBI that is unique per n (up to ~10^9), belonging to no one."""
    positions = ("123456789", _MBI_LETTERS, _MBI_ALNUM, "0123456789", _MBI_LETTERS)
    positions += (_MBI_ALNUM, "0123456789", _MBI_LETTERS, _MBI_LETTERS, "0123456789")
    positions += ("0123456789",)
    chars = []
    for alphabet in reversed(positions):
        n, digit = divmod(n, len(alphabet))
        chars.append(alphabet[digit])
    return "".join(reversed(chars))


def _pdf(text: str) -> bytes:
    """A one-page PDF with `text` in Helvetica: a stand-in file for a seeded letter, far
    cheaper than a render, so 5,000 of them take seconds. Cross-reference offsets are
    computed, so viewers and pypdf open it without repair."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def seed_scale(
    clinic: Clinic, provider: Provider, users: dict, target: int, say: Callable[[str], None]
) -> int:
    """Add patients until `clinic` has `target`; return how many were added."""
    have = clinic.patients.count()
    if have >= target:
        return 0
    creator = users["frontdesk"]
    today = date.today()
    now = timezone.now()
    added = 0
    for first in range(have, target, BATCH):
        numbers = range(first, min(first + BATCH, target))
        patients = Patient.objects.bulk_create([_patient(clinic, creator, n, now) for n in numbers])
        _clinical(patients, provider, today)
        _documents(patients, users["clinician"])
        _claims(patients, provider, users["billing"], today)
        _audit(patients, clinic, users)
        added += len(patients)
        say(f"  {have + added} of {target} patients")
    return added


def _patient(clinic, creator, n, now) -> Patient:
    return Patient(
        clinic=clinic,
        first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
        middle_name="",
        last_name=f"{LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]}",
        date_of_birth=date(1940, 1, 1) + timedelta(days=(n * 37) % 9000),
        sex="F" if n % 2 else "M",
        phone=f"585-555-{n % 10000:04d}",
        address_line1=f"{n % 900 + 1} Maple Avenue",
        city="Rochester",
        state="NY",
        zip_code="14607",
        created_by=creator,
        intake_step=IntakeStep.REVIEW,
        intake_completed_at=now,
    )


def _clinical(patients: Sequence[Patient], provider, today) -> None:
    coverages, diagnoses, scores, trials, requests = [], [], [], [], []
    for patient in patients:
        mbi = scale_mbi(patient.pk + 10_000_000)
        coverages.append(
            Coverage(
                patient=patient,
                program="original" if patient.pk % 3 else "advantage",
                mbi=mbi,
                # What Coverage.save() sets; bulk_create doesn't call it.
                mbi_index=blind_index(mbi),
                part_a_effective=date(2018, 3, 1),
                part_b_effective=date(2018, 3, 1),
                ma_plan_name="" if patient.pk % 3 else "Harbor Advantage PPO",
            )
        )
        diagnoses.append(Diagnosis(patient=patient, code="F33.2", is_primary=True))
        scores.append(
            SymptomScore(
                patient=patient,
                instrument="phq9",
                score=15 + patient.pk % 12,
                administered_on=today - timedelta(days=7),
            )
        )
        trials.append(
            TreatmentTrial(
                patient=patient,
                kind="antidepressant",
                drug_name="sertraline",
                drug_class="ssri",
                dose="150 mg daily",
                start_date=today - timedelta(weeks=40),
                end_date=today - timedelta(weeks=32),
                outcome="no_response",
                adherence="good",
                adequate_dose=True,
            )
        )
        requests.append(
            TreatmentRequest(
                patient=patient,
                ordering_provider=provider,
                requested_start=today + timedelta(days=14),
                product="iv_ketamine",
                indication="trd",
                planned_sessions=6,
                dose_mg=40,
                codes="J3490, 96365, 96366",
            )
        )
    for model, rows in (
        (Coverage, coverages),
        (Diagnosis, diagnoses),
        (SymptomScore, scores),
        (TreatmentTrial, trials),
        (TreatmentRequest, requests),
    ):
        model.objects.bulk_create(rows, batch_size=BATCH)


def _documents(patients: Sequence[Patient], clinician) -> None:
    document_model = apps.get_model("documents", "GeneratedDocument")
    documents = []
    for patient in patients[::DOCUMENT_EVERY]:
        document = document_model(
            patient=patient,
            kind="lmn",
            version=1,
            html=f"<p>Letter of medical necessity for demo patient {patient.pk}.</p>",
            page_count=1,
            generated_by=clinician,
        )
        # attach_pdf hashes and stores the file (encrypted, like every stored PDF).
        document.attach_pdf(_pdf(f"Letter of medical necessity, demo patient {patient.pk}"))
        documents.append(document)
    document_model.objects.bulk_create(documents, batch_size=BATCH)


def _claims(patients: Sequence[Patient], provider, biller, today) -> None:
    claim_model = apps.get_model("appeals", "Claim")
    line_model = apps.get_model("appeals", "ClaimLine")
    denial_model = apps.get_model("appeals", "Denial")
    appeal_model = apps.get_model("appeals", "Appeal")
    chosen = list(patients[::DENIAL_EVERY])
    claims = claim_model.objects.bulk_create(
        [
            claim_model(
                patient=patient,
                provider=provider,
                claim_number=f"DEMO{patient.pk:010d}",
                service_from=today - timedelta(days=40 + patient.pk % 30),
                service_to=today - timedelta(days=40 + patient.pk % 30),
                diagnosis_codes="F33.2",
                created_by=biller,
            )
            for patient in chosen
        ]
    )
    line_model.objects.bulk_create(
        [
            line_model(
                claim=claim,
                service_date=claim.service_from,
                code="96365",
                billed_amount=Decimal("450.00"),
            )
            for claim in claims
        ]
    )
    denials = denial_model.objects.bulk_create(
        [
            denial_model(
                claim=claim,
                notice_type="msn",
                notice_date=claim.service_from + timedelta(days=20),
                decided_by="Demo MAC Part B",
                group_code="CO",
                carc_codes="50",
                denied_amount=Decimal("450.00"),
                created_by=biller,
            )
            for claim in claims
        ]
    )
    appeal_model.objects.bulk_create(
        [
            appeal_model(
                denial=denial,
                track="original",
                level="redetermination",
                notice_date=denial.notice_date,
                # Redetermination: 120 days from receipt of the notice, presumed 5 days
                # after its date (42 CFR 405.942(a), 405.902), in force since 2005.
                filing_deadline=denial.notice_date + timedelta(days=125),
                amount_in_controversy=denial.denied_amount,
                created_by=biller,
            )
            for denial in denials
        ]
    )


def _audit(patients: Sequence[Patient], clinic, users) -> None:
    for patient, action, user in (
        (patient, action, users["frontdesk" if action == Action.CREATE else "clinician"])
        for patient in patients
        for action in (Action.CREATE, Action.VIEW)
    ):
        AuditEntry(
            kind=Kind.WRITE if action == Action.CREATE else Kind.ACCESS,
            action=action,
            user=user,
            username=user.get_username(),
            model_label="intake.patient",
            object_id=str(patient.pk),
            patient_id=patient.pk,
            clinic_id=clinic.pk,
            changes={"last_name": patient.last_name} if action == Action.CREATE else {},
        ).save()
