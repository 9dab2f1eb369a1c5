"""factory-boy factories for the intake models.

Every factory builds valid, coherent data: NPIs carry a correct check digit, MBIs follow
the CMS format, diagnosis codes are billable ICD-10-CM codes and dates are in the past
(except a treatment request's start, which is planned). Names are plain ASCII on purpose,
so a test that looks for a name in a page never trips over HTML escaping, and sequence
numbers are zero-padded so no generated name is a substring of another ("Reyes00001" is
not inside "Reyes00012").

    user = UserFactory(role=FRONT_DESK, clinics=[clinic])
    patient = PatientFactory(clinic=clinic, complete=True)   # a full TRD intake
    complete_intake(patient, product=Product.ESKETAMINE)     # the same, on an existing one
"""

from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from intake.choices import (
    Adherence,
    DrugClass,
    Indication,
    Instrument,
    IntakeStep,
    MedicaidDual,
    Outcome,
    Product,
    Program,
    Sex,
    TrialKind,
)
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
from intake.roles import BILLING, CLINIC_ADMIN, CLINICIAN, FRONT_DESK, ROLES
from intake.validators import npi_check_digit

__all__ = [
    "BILLING",
    "CLINICIAN",
    "CLINIC_ADMIN",
    "FRONT_DESK",
    "PASSWORD",
    "ROLES",
    "ClinicFactory",
    "CoverageFactory",
    "DiagnosisFactory",
    "PatientFactory",
    "ProviderFactory",
    "ScreeningFactory",
    "SymptomScoreFactory",
    "TreatmentRequestFactory",
    "TreatmentTrialFactory",
    "UserFactory",
    "complete_intake",
    "current_version",
    "make_mbi",
    "make_npi",
]

PASSWORD = "Correct-horse-battery-staple-42"

FIRST_NAMES = ["Margaret", "Robert", "Dorothy", "James", "Linda", "Harold", "Patricia", "Walter"]
LAST_NAMES = ["Abbott", "Baxter", "Carver", "Dalton", "Emerson", "Fletcher", "Garrison", "Hale"]

# MBI alphabet (CMS MBI format): letters never include S, L, O, I, B or Z.
MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"
_DIGITS = "0123456789"
# What each of the 11 positions may hold: 1-9, letter, alnum, digit, letter, alnum, digit,
# letter, letter, digit, digit.
_MBI_ALPHABETS = [
    "123456789",
    MBI_LETTERS,
    _DIGITS + MBI_LETTERS,
    _DIGITS,
    MBI_LETTERS,
    _DIGITS + MBI_LETTERS,
    _DIGITS,
    MBI_LETTERS,
    MBI_LETTERS,
    _DIGITS,
    _DIGITS,
]


def make_npi(first_nine: str) -> str:
    """A 10-digit NPI: the nine digits given plus the Luhn (80840-prefixed) check digit."""
    return first_nine + str(npi_check_digit(first_nine))


def make_mbi(n: int) -> str:
    """The n-th well-formed MBI; distinct n give distinct MBIs (mixed-radix counting)."""
    chars = []
    for alphabet in reversed(_MBI_ALPHABETS):
        n, index = divmod(n, len(alphabet))
        chars.append(alphabet[index])
    return "".join(reversed(chars))


def _days_ago(days: int) -> date:
    return date.today() - timedelta(days=days)


class UserFactory(DjangoModelFactory):
    """A staff user. `role=` puts them in one of the four role groups (a name from
    intake.roles.ROLES); `clinics=` makes them staff of those clinics.

    Clinic admins also get `is_staff`, as seed_demo gives them: Django only lets staff
    users into the admin site.
    """

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:05d}")
    first_name = factory.Iterator(FIRST_NAMES)
    last_name = factory.Iterator(LAST_NAMES)
    email = factory.LazyAttribute(lambda u: f"{u.username}@clinic.example")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        self.groups.add(Group.objects.get(name=extracted))
        if extracted == CLINIC_ADMIN and not self.is_staff:
            self.is_staff = True
            self.save(update_fields=["is_staff"])

    @factory.post_generation
    def clinics(self, create, extracted, **kwargs):
        if create and extracted:
            for clinic in extracted:
                clinic.staff.add(self)


class ClinicFactory(DjangoModelFactory):
    """A clinic with a valid organisational NPI; `staff=[user, ...]` adds staff."""

    class Meta:
        model = Clinic
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Lakeview Clinic {n:05d}")
    address_line1 = factory.Sequence(lambda n: f"{n + 100} Harbor Street")
    city = "Rochester"
    state = "NY"
    zip_code = "14604"
    phone = factory.Sequence(lambda n: f"585-555-{n % 10000:04d}")
    fax = "585-555-0199"
    npi = factory.Sequence(lambda n: make_npi(f"2{n:08d}"))
    rems_certified = True
    rems_setting_id = factory.Sequence(lambda n: f"SPR-NY-{n:05d}")

    @factory.post_generation
    def staff(self, create, extracted, **kwargs):
        if create and extracted:
            self.staff.add(*extracted)


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    clinic = factory.SubFactory(ClinicFactory)
    first_name = "Celia"
    last_name = factory.Sequence(lambda n: f"Reyes{n:05d}")
    credentials = "MD"
    npi = factory.Sequence(lambda n: make_npi(f"1{n:08d}"))
    specialty = "Psychiatry"


class PatientFactory(DjangoModelFactory):
    """A patient at the start of the guided intake (next step: coverage).

    `PatientFactory(complete=True)` also fills a full, coherent TRD intake (see
    complete_intake); `complete__product=Product.ESKETAMINE` etc. pass options to it.
    """

    class Meta:
        model = Patient
        skip_postgeneration_save = True

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Iterator(FIRST_NAMES)
    last_name = factory.Iterator(LAST_NAMES)
    # Wraps every 300 patients (1950 to 1980): a long test session must never reach a
    # birth date in the future, which the forms rightly refuse.
    date_of_birth = factory.Sequence(lambda n: date(1950, 1, 1) + timedelta(days=37 * (n % 300)))
    sex = factory.Iterator([Sex.FEMALE, Sex.MALE])
    phone = factory.Sequence(lambda n: f"585-555-{n % 10000:04d}")
    address_line1 = factory.Sequence(lambda n: f"{n + 1} Elm Road")
    city = "Rochester"
    state = "NY"
    zip_code = "14607"
    intake_step = IntakeStep.COVERAGE

    @factory.post_generation
    def complete(self, create, extracted, **kwargs):
        if create and extracted:
            complete_intake(self, **kwargs)


class CoverageFactory(DjangoModelFactory):
    """Original Medicare (Part A and B since 2018) by default; traits `advantage`, `none`."""

    class Meta:
        model = Coverage

    class Params:
        advantage = factory.Trait(
            program=Program.ADVANTAGE,
            ma_plan_name="Harbor Advantage PPO",
            ma_member_id=factory.Sequence(lambda n: f"HAP{n:08d}"),
            ma_requires_prior_auth=True,
            medigap_plan="",
        )
        none = factory.Trait(
            program=Program.NONE,
            mbi="",
            part_a_effective=None,
            part_b_effective=None,
            medigap_plan="",
        )

    patient = factory.SubFactory(PatientFactory)
    program = Program.ORIGINAL
    mbi = factory.Sequence(lambda n: make_mbi(1_000_003 * (n + 1)))
    part_a_effective = date(2018, 3, 1)
    part_b_effective = date(2018, 3, 1)
    medigap_plan = "Plan G"
    medicaid_dual = MedicaidDual.NONE


class DiagnosisFactory(DjangoModelFactory):
    """Recurrent major depression, severe, without psychotic features (F33.2)."""

    class Meta:
        model = Diagnosis

    patient = factory.SubFactory(PatientFactory)
    code = "F33.2"
    is_primary = True


class SymptomScoreFactory(DjangoModelFactory):
    class Meta:
        model = SymptomScore

    patient = factory.SubFactory(PatientFactory)
    instrument = Instrument.PHQ9
    score = 21
    administered_on = factory.LazyFunction(lambda: _days_ago(7))


class TreatmentTrialFactory(DjangoModelFactory):
    """An adequate antidepressant trial (8 weeks, therapeutic dose) without response."""

    class Meta:
        model = TreatmentTrial

    patient = factory.SubFactory(PatientFactory)
    kind = TrialKind.ANTIDEPRESSANT
    drug_name = "sertraline"
    drug_class = DrugClass.SSRI
    dose = "150 mg daily"
    dose_mg = 150
    start_date = factory.LazyFunction(lambda: _days_ago(400))
    end_date = factory.LazyAttribute(lambda t: t.start_date + timedelta(weeks=8))
    adherence = Adherence.GOOD
    outcome = Outcome.NO_RESPONSE
    adequate_dose = True
    current_episode = True


class ScreeningFactory(DjangoModelFactory):
    """A clean safety screening with a normal, dated blood pressure."""

    class Meta:
        model = Screening

    patient = factory.SubFactory(PatientFactory)
    screened_on = factory.LazyFunction(lambda: _days_ago(3))
    psychosis_history = False
    uncontrolled_hypertension = False
    bp_systolic = 128
    bp_diastolic = 82
    bp_taken_on = factory.LazyFunction(lambda: _days_ago(3))
    pregnant = False
    active_substance_use_disorder = False
    cardiovascular_disease = False
    aneurysmal_vascular_disease = False
    intracerebral_hemorrhage = False
    ketamine_hypersensitivity = False


class TreatmentRequestFactory(DjangoModelFactory):
    """IV ketamine for TRD, ordered by a provider of the patient's own clinic."""

    class Meta:
        model = TreatmentRequest

    class Params:
        esketamine = factory.Trait(
            product=Product.ESKETAMINE,
            with_oral_antidepressant=True,
            patient_rems_enrolled=True,
            dose_mg=84,
            planned_sessions=8,
            codes="G2083",
        )

    patient = factory.SubFactory(PatientFactory)
    product = Product.IV_KETAMINE
    indication = Indication.TRD
    dose_mg = 40
    planned_sessions = 6
    codes = "J3490, 96365, 96366"
    ordering_provider = factory.SubFactory(
        ProviderFactory, clinic=factory.SelfAttribute("..patient.clinic")
    )
    requested_start = factory.LazyFunction(lambda: date.today() + timedelta(days=14))
    # The clinician's narrative, complete: an LMN or PA request can then be signed.
    episode_onset = factory.LazyFunction(lambda: date.today() - timedelta(days=420))
    episode_summary = "Continuous severe depressive episode with anhedonia and insomnia."
    functional_impairment = "Unable to work or manage the household without help."
    suicide_risk = "Passive ideation, no intent or plan (C-SSRS screen)."
    safety_plan = "Written safety plan; crisis line 988; family contact."
    why_now = "Two adequate antidepressant trials failed in this episode; function declining."
    alternatives_considered = "ECT declined by the patient; TMS not available locally."
    treatment_plan = "Six infusions over three weeks with the current antidepressant."
    response_measures = "PHQ-9 at baseline, session 3 and session 6; stop without response."


def complete_intake(
    patient: Patient,
    *,
    product: str = Product.IV_KETAMINE,
    program: str = Program.ORIGINAL,
    provider: Provider | None = None,
    finished: bool = True,
) -> Patient:
    """Fill every section of a coherent treatment-resistant-depression intake.

    Original Medicare (or `program=Program.ADVANTAGE`), primary F33.2, PHQ-9 and MADRS,
    two failed adequate antidepressant trials, a clean screening and a request for
    `product` by a provider of the patient's clinic. With `finished` (the default) the
    intake is also marked complete, as the "Finish intake" button does.
    """
    CoverageFactory(patient=patient, advantage=program == Program.ADVANTAGE)
    DiagnosisFactory(patient=patient, code="F33.2", is_primary=True)
    SymptomScoreFactory(patient=patient, instrument=Instrument.PHQ9, score=21)
    SymptomScoreFactory(patient=patient, instrument=Instrument.MADRS, score=34)
    TreatmentTrialFactory(patient=patient, drug_name="sertraline", drug_class=DrugClass.SSRI)
    TreatmentTrialFactory(
        patient=patient,
        drug_name="bupropion XL",
        drug_class=DrugClass.NDRI,
        dose="300 mg daily",
        dose_mg=300,
        start_date=_days_ago(300),
        outcome=Outcome.PARTIAL_RESPONSE,
    )
    ScreeningFactory(patient=patient)
    provider = provider or ProviderFactory(clinic=patient.clinic)
    TreatmentRequestFactory(
        patient=patient,
        ordering_provider=provider,
        esketamine=product == Product.ESKETAMINE,
    )
    patient.intake_step = IntakeStep.REVIEW
    if finished:
        patient.intake_completed_at = timezone.now()
    patient.save()
    return patient


def current_version(patient: Patient) -> dict[str, int]:
    """The hidden `lock_version` field of an intake page opened now, as the browser submits it.

    Every intake step and the patient edit page refuse (409) a POST whose lock_version is
    missing or not the patient's current one, so a test posts `{**DATA, **current_version(p)}`.
    Read it right before each POST: every save bumps the version.
    """
    patient.refresh_from_db(fields=["lock_version"])
    return {"lock_version": patient.lock_version}
