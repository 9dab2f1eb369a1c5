"""Demo data: one clinic, its providers, one user per role and patients that span the real
situations a ketamine/esketamine clinic sees. Idempotent: running it twice changes nothing.
All people are fictional; Medicare numbers follow the MBI format but belong to no one.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from intake import roles
from intake.choices import IntakeStep
from intake.demo_scale import seed_scale
from intake.models import (
    Clinic,
    Coverage,
    Diagnosis,
    Patient,
    Provider,
    Screening,
    SymptomScore,
    TreatmentRequest,
    TreatmentTrial,
)
from intake.validators import npi_check_digit

DEMO_PASSWORD = "Demo-Clinic-2026!"  # noqa: S105 - printed for local demos only (DEBUG on)
DEMO_USERS = [
    ("frontdesk", "Fran", "Desk", roles.FRONT_DESK),
    ("clinician", "Dr. Celia", "Marsh", roles.CLINICIAN),
    ("billing", "Bill", "Ing", roles.BILLING),
    ("clinicadmin", "Ada", "Min", roles.CLINIC_ADMIN),
]


def npi(first_nine: str) -> str:
    return first_nine + str(npi_check_digit(first_nine))


def mbi(n: int) -> str:
    # Position rules: digit 1-9, letter, alnum, digit, letter, alnum, digit, letter x2, digits.
    letters = "ACDEFGHJKMNPQRTUVWXY"
    a, b = letters[n % 20], letters[(n * 7) % 20]
    return f"{n % 9 + 1}{a}G4{b}E5MK7{n % 10}"


AD = "antidepressant"


def trial(drug, klass, dose, weeks_ago_start, weeks, outcome, adherence="good", kind=AD, **kw):
    today = date.today()
    start = today - timedelta(weeks=weeks_ago_start)
    return dict(
        kind=kind,
        drug_name=drug,
        drug_class=klass,
        dose=dose,
        start_date=start,
        end_date=start + timedelta(weeks=weeks),
        outcome=outcome,
        adherence=adherence,
        adequate_dose=kw.pop("adequate_dose", True if kind == AD else None),
        **kw,
    )


SERTRALINE = trial("sertraline", "ssri", "150 mg daily", 60, 8, "no_response")
BUPROPION = trial("bupropion XL", "ndri", "300 mg daily", 48, 10, "partial_response")
VENLAFAXINE = trial("venlafaxine XR", "snri", "225 mg daily", 34, 12, "no_response")
ESCITALOPRAM = trial("escitalopram", "ssri", "20 mg daily", 20, 4, "no_response")
ARIPIPRAZOLE = trial(
    "aripiprazole", "antipsychotic", "5 mg daily", 20, 8, "no_response", kind="augmentation"
)
CBT = trial("CBT", "", "weekly", 70, 16, "partial_response", kind="psychotherapy", sessions=16)
CLEAN_SCREEN = dict(
    psychosis_history=False,
    uncontrolled_hypertension=False,
    bp_systolic=128,
    bp_diastolic=82,
    pregnant=False,
    active_substance_use_disorder=False,
    cardiovascular_disease=False,
    aneurysmal_vascular_disease=False,
    intracerebral_hemorrhage=False,
    ketamine_hypersensitivity=False,
)
ORIGINAL = dict(
    program="original",
    part_a_effective=date(2018, 3, 1),
    part_b_effective=date(2018, 3, 1),
    medigap_plan="Plan G",
)
ADVANTAGE = dict(
    program="advantage",
    part_a_effective=date(2019, 1, 1),
    part_b_effective=date(2019, 1, 1),
    ma_plan_name="Harbor Advantage PPO",
    ma_member_id="HAP88420017",
    ma_requires_prior_auth=True,
)
IV_TRD = dict(
    product="iv_ketamine",
    indication="trd",
    planned_sessions=6,
    dose_mg=40,
    codes="J3490, 96365, 96366",
)
ESK_TRD = dict(
    product="esketamine",
    indication="trd",
    with_oral_antidepressant=True,
    patient_rems_enrolled=True,
    planned_sessions=8,
    dose_mg=84,
    codes="G2083",
)

PATIENTS = [
    # (first, last, dob, sex, coverage, diagnoses, scores, trials, screening, request, step)
    (
        "Margaret",
        "Ellison",
        date(1952, 4, 11),
        "F",
        ORIGINAL,
        ["F33.2"],
        [("phq9", 21), ("madrs", 34)],
        [SERTRALINE, BUPROPION, ARIPIPRAZOLE, CBT],
        CLEAN_SCREEN,
        IV_TRD,
        None,
    ),
    (
        "Robert",
        "Castillo",
        date(1949, 9, 2),
        "M",
        ORIGINAL,
        ["F33.2"],
        [("phq9", 19), ("madrs", 31)],
        [SERTRALINE, VENLAFAXINE, ARIPIPRAZOLE],
        CLEAN_SCREEN,
        ESK_TRD,
        None,
    ),
    (
        "Dorothy",
        "Nguyen",
        date(1955, 1, 23),
        "F",
        ADVANTAGE,
        ["F33.2"],
        [("phq9", 18)],
        [SERTRALINE, BUPROPION],
        CLEAN_SCREEN,
        ESK_TRD,
        None,
    ),
    (
        "James",
        "Whitaker",
        date(1958, 7, 14),
        "M",
        ORIGINAL,
        ["F43.12", "F33.1"],
        [("pcl5", 58), ("phq9", 16)],
        [SERTRALINE, CBT],
        CLEAN_SCREEN,
        dict(IV_TRD, indication="ptsd"),
        None,
    ),
    (
        "Linda",
        "Okafor",
        date(1954, 11, 30),
        "F",
        ORIGINAL,
        ["G90.521"],
        [("pain_nrs", 8)],
        [],
        CLEAN_SCREEN,
        dict(IV_TRD, indication="crps", planned_sessions=5, codes="J3490, 96365, 96366"),
        None,
    ),
    (
        "Harold",
        "Brooks",
        date(1950, 2, 8),
        "M",
        ADVANTAGE,
        ["G89.4", "E11.42"],
        [("pain_nrs", 7)],
        [],
        CLEAN_SCREEN,
        dict(IV_TRD, indication="neuropathic_pain"),
        None,
    ),
    (
        "Patricia",
        "Lee",
        date(1956, 6, 19),
        "F",
        ORIGINAL,
        ["F33.2"],
        [("phq9", 22)],
        [SERTRALINE, VENLAFAXINE, ARIPIPRAZOLE, CBT],
        dict(CLEAN_SCREEN, psychosis_history=True),
        IV_TRD,
        None,
    ),
    ("Walter", "Jensen", date(1947, 12, 5), "M", ORIGINAL, ["F33.2"], [], [], None, IV_TRD, None),
    (
        "Susan",
        "Patel",
        date(1957, 3, 27),
        "F",
        ORIGINAL,
        ["F32.2", "R45.851"],
        [("phq9", 25), ("madrs", 40)],
        [ESCITALOPRAM],
        CLEAN_SCREEN,
        dict(ESK_TRD, indication="mdd_si", planned_sessions=8),
        None,
    ),
    (
        "Frank",
        "Moreno",
        date(1951, 8, 16),
        "M",
        ORIGINAL,
        ["F33.2"],
        [("phq9", 17)],
        [SERTRALINE, ESCITALOPRAM],
        CLEAN_SCREEN,
        IV_TRD,
        None,
    ),
    (
        "Evelyn",
        "Grant",
        date(1953, 5, 4),
        "F",
        dict(ORIGINAL, coverage_end=date.today() - timedelta(days=90)),
        ["F33.2"],
        [("phq9", 20)],
        [SERTRALINE, BUPROPION],
        CLEAN_SCREEN,
        IV_TRD,
        None,
    ),
    (
        "George",
        "Harris",
        date(1948, 10, 21),
        "M",
        ORIGINAL,
        ["F33.2"],
        [("phq9", 19)],
        [SERTRALINE, VENLAFAXINE],
        dict(CLEAN_SCREEN, bp_systolic=162, bp_diastolic=98, uncontrolled_hypertension=True),
        ESK_TRD,
        None,
    ),
    (
        "Helen",
        "Foster",
        date(1959, 9, 9),
        "F",
        ORIGINAL,
        [],
        [],
        [],
        None,
        None,
        IntakeStep.CLINICAL,
    ),
]


def demo_narrative(req: dict, today) -> dict:
    """The clinician's narrative for a demo request (fictional), so its letters can be signed
    on first sign-in; a real one is written by the clinician on the request step."""
    esketamine = req.get("product") == "esketamine"
    return {
        "episode_onset": today - timedelta(days=400),
        "episode_summary": "Continuous major depressive episode with anhedonia, insomnia "
        "and poor concentration despite treatment.",
        "functional_impairment": "Off work for five months; needs help with shopping and "
        "household tasks.",
        "suicide_risk": "Passive death wishes, no intent or plan (C-SSRS screen at intake).",
        "safety_plan": "Written safety plan reviewed with the patient and a family member; "
        "988 crisis line.",
        "why_now": "Adequate trials of two antidepressants in this episode failed and "
        "function is declining.",
        "alternatives_considered": "ECT discussed and declined by the patient; TMS not "
        "available within reach of the patient's home.",
        "treatment_plan": (
            "Esketamine nasal spray twice weekly for four weeks with the oral antidepressant, "
            "under the REMS with two hours' observation."
            if esketamine
            else "A course of IV ketamine infusions over three weeks with the current "
            "antidepressant."
        ),
        "response_measures": "PHQ-9 and MADRS at baseline, mid-course and at the end; stop "
        "if there is no response.",
    }


class Command(BaseCommand):
    help = "Create (or refresh) the demo clinic, staff users and patients."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            metavar="N",
            help="Also top the demo clinic up to N patients, with letters, denials, appeals "
            "and audit entries in proportion (intake/demo_scale.py), for bench/pages.py.",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        roles.sync_role_permissions()
        clinic, _ = Clinic.objects.get_or_create(
            npi=npi("123456789"),
            defaults=dict(
                name="Lakeside Ketamine & Spravato Clinic",
                address_line1="200 Harbor Street",
                address_line2="Suite 4",
                city="Rochester",
                state="NY",
                zip_code="14604",
                phone="585-555-0140",
                fax="585-555-0141",
                rems_certified=True,
                rems_setting_id="SPR-NY-00417",
            ),
        )
        users = {}
        for username, first, last, role in DEMO_USERS:
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults=dict(first_name=first, last_name=last)
            )
            if created:
                # The known demo password only on a development machine; elsewhere the
                # accounts exist but can't sign in until an admin sets a password.
                if settings.DEBUG:
                    user.set_password(DEMO_PASSWORD)
                else:
                    user.set_unusable_password()
                user.is_staff = role == roles.CLINIC_ADMIN
                user.save()
            user.groups.add(Group.objects.get(name=role))
            clinic.staff.add(user)
            users[username] = user
        marsh, _ = Provider.objects.get_or_create(
            npi=npi("198765432"),
            defaults=dict(
                clinic=clinic,
                user=users["clinician"],
                first_name="Celia",
                last_name="Marsh",
                credentials="MD",
                specialty="Psychiatry",
            ),
        )
        Provider.objects.get_or_create(
            npi=npi("112233445"),
            defaults=dict(
                clinic=clinic,
                first_name="Owen",
                last_name="Reyes",
                credentials="MD",
                specialty="Anesthesiology and pain medicine",
            ),
        )
        created = sum(
            self._patient(clinic, marsh, users["frontdesk"], n, row)
            for n, row in enumerate(PATIENTS, start=1)
        )
        if options.get("scale"):
            created += seed_scale(clinic, marsh, users, options["scale"], self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new patients)."))
        if settings.DEBUG:
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, _, _, role in DEMO_USERS:
                self.stdout.write(f"  {username:12} {role}")
        else:
            self.stdout.write("Demo passwords are shown only when DEBUG is on.")

    def _patient(self, clinic, provider, creator, n, row) -> bool:
        first, last, dob, sex, coverage, dxs, scores, trials, screen, req, step = row
        patient, created = Patient.objects.get_or_create(
            clinic=clinic,
            first_name=first,
            last_name=last,
            date_of_birth=dob,
            defaults=dict(
                sex=sex,
                phone=f"585-555-01{n:02d}",
                address_line1=f"{n * 12} Elm Road",
                city="Rochester",
                state="NY",
                zip_code="14607",
                created_by=creator,
            ),
        )
        if not created:
            return False
        today = date.today()
        Coverage.objects.create(patient=patient, mbi=mbi(n), **coverage)
        for i, code in enumerate(dxs):
            Diagnosis.objects.create(patient=patient, code=code, is_primary=i == 0)
        for instrument, score in scores:
            # A baseline a month ago and a current score: both persistently severe.
            for days_ago, value in ((30, score), (3, max(score - 1, 0))):
                SymptomScore.objects.create(
                    patient=patient,
                    instrument=instrument,
                    score=value,
                    administered_on=today - timedelta(days=days_ago),
                )
        for t in trials:
            TreatmentTrial.objects.create(patient=patient, **t)
        if screen:
            Screening.objects.create(
                patient=patient,
                screened_on=today - timedelta(days=3),
                bp_taken_on=today - timedelta(days=3),
                **screen,
            )
        if req:
            TreatmentRequest.objects.create(
                patient=patient,
                ordering_provider=provider,
                requested_start=today + timedelta(days=14),
                **demo_narrative(req, today),
                **req,
            )
        if step is None:
            patient.intake_step = IntakeStep.REVIEW
            patient.intake_completed_at = timezone.now()
        else:
            patient.intake_step = step
        patient.save()
        return True
