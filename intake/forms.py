"""Intake forms: the parsing boundary. Each returns model instances or domain values."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.forms import inlineformset_factory

from . import validators
from .form_fields import StateField
from .models import (
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

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_widgets(*names: str) -> dict:
    return dict.fromkeys(names, DATE_INPUT)


class PatientForm(forms.ModelForm):
    state = StateField()

    class Meta:
        model = Patient
        fields = [
            "clinic",
            "first_name",
            "middle_name",
            "last_name",
            "date_of_birth",
            "sex",
            "phone",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "zip_code",
        ]
        widgets = _date_widgets("date_of_birth")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        clinics = Clinic.objects.all() if user.is_superuser else Clinic.objects.filter(staff=user)
        self.fields["clinic"].queryset = clinics
        if len(clinics) == 1:
            self.fields["clinic"].initial = clinics[0].pk
            self.fields["clinic"].widget = forms.HiddenInput()

    def clean_zip_code(self) -> str:
        zip_code = self.cleaned_data["zip_code"].strip()
        digits = zip_code.replace("-", "")
        if not digits.isdigit() or len(digits) not in (5, 9):
            raise forms.ValidationError("A ZIP code is 5 digits (or ZIP+4, e.g. 10001-1234).")
        return zip_code


class CoverageForm(forms.ModelForm):
    # Wider than the stored 11 characters: staff type the MBI as printed on the card,
    # with dashes (1EG4-TE5-MK73); clean_mbi() strips them.
    mbi = forms.CharField(
        label="Medicare number (MBI)",
        max_length=20,
        required=False,
        help_text="11 characters, from the red-white-and-blue Medicare card; dashes are fine.",
    )

    class Meta:
        model = Coverage
        fields = [
            "program",
            "mbi",
            "part_a_effective",
            "part_b_effective",
            "coverage_end",
            "ma_plan_name",
            "ma_member_id",
            "ma_requires_prior_auth",
            "part_d_plan_name",
            "part_d_member_id",
            "medigap_plan",
            "medicaid_dual",
        ]
        widgets = _date_widgets("part_a_effective", "part_b_effective", "coverage_end")

    def clean_mbi(self) -> str:
        # Normalise before the model validator runs, so "1eg4-te5-mk73" is accepted.
        mbi = validators.normalize_mbi(self.cleaned_data.get("mbi", ""))
        if mbi:
            validators.validate_mbi(mbi)
        return mbi


class DiagnosisForm(forms.ModelForm):
    class Meta:
        model = Diagnosis
        fields = ["code", "is_primary", "onset_date"]
        widgets = _date_widgets("onset_date")

    # Duplicates are judged across the submitted rows by the formset, so deleting a row and
    # re-entering its code in the same save works; the database constraint still guards
    # (save_step turns an IntegrityError into a message).
    def validate_unique(self) -> None:
        pass

    def validate_constraints(self) -> None:
        pass

    def clean_code(self) -> str:
        code = validators.normalize_icd10(self.cleaned_data["code"])
        validators.validate_icd10_billable(code)
        return code


class SymptomScoreForm(forms.ModelForm):
    class Meta:
        model = SymptomScore
        fields = ["instrument", "score", "administered_on"]
        widgets = _date_widgets("administered_on")


class TreatmentTrialForm(forms.ModelForm):
    class Meta:
        model = TreatmentTrial
        fields = [
            "kind",
            "drug_name",
            "drug_class",
            "dose",
            "dose_mg",
            "start_date",
            "end_date",
            "duration_weeks",
            "sessions",
            "adherence",
            "outcome",
            "adequate_dose",
            "current_episode",
            "notes",
        ]
        widgets = _date_widgets("start_date", "end_date")


class _BaseFormSet(forms.BaseInlineFormSet):
    def validate_unique(self) -> None:
        if self.model is not Diagnosis:
            super().validate_unique()

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if self.model is Diagnosis:
            seen: set[str] = set()
            for f in self.forms:
                code = f.cleaned_data.get("code") if f.cleaned_data else None
                if not code or f.cleaned_data.get("DELETE"):
                    continue
                if code in seen:
                    # Next to the repeated row, so staff see which one to remove.
                    f.add_error(
                        "code",
                        f"The same diagnosis code is listed twice. {code} already exists above.",
                    )
                seen.add(code)
            primaries = [
                f
                for f in self.forms
                if f.cleaned_data
                and not f.cleaned_data.get("DELETE")
                and f.cleaned_data.get("is_primary")
            ]
            if len(primaries) > 1:
                raise forms.ValidationError("Mark only one diagnosis as primary.")


def _formset(model, form, extra=1):
    return inlineformset_factory(
        Patient, model, form=form, formset=_BaseFormSet, extra=extra, can_delete=True
    )


DiagnosisFormSet = _formset(Diagnosis, DiagnosisForm)
SymptomScoreFormSet = _formset(SymptomScore, SymptomScoreForm)
TreatmentTrialFormSet = _formset(TreatmentTrial, TreatmentTrialForm)


class ScreeningForm(forms.ModelForm):
    class Meta:
        model = Screening
        fields = [
            "screened_on",
            "psychosis_history",
            "uncontrolled_hypertension",
            "bp_systolic",
            "bp_diastolic",
            "bp_taken_on",
            "pregnant",
            "active_substance_use_disorder",
            "cardiovascular_disease",
            "aneurysmal_vascular_disease",
            "intracerebral_hemorrhage",
            "ketamine_hypersensitivity",
            "notes",
        ]
        widgets = _date_widgets("screened_on", "bp_taken_on")


class TreatmentRequestForm(forms.ModelForm):
    class Meta:
        model = TreatmentRequest
        fields = [
            "product",
            "indication",
            "with_oral_antidepressant",
            "patient_rems_enrolled",
            "dose_mg",
            "planned_sessions",
            "codes",
            "ordering_provider",
            "requested_start",
        ]
        widgets = _date_widgets("requested_start")

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.patient = patient
        self.fields["ordering_provider"].queryset = Provider.objects.filter(
            clinic=patient.clinic, is_active=True
        )

    def clean_codes(self) -> str:
        codes = [c.strip().upper() for c in self.cleaned_data["codes"].split(",") if c.strip()]
        if not codes:
            raise forms.ValidationError("Enter at least one HCPCS or CPT code.")
        for code in codes:
            validators.validate_procedure_code(code)
        return ", ".join(codes)


class SignInForm(AuthenticationForm):
    """The stock sign-in form, with the username's length checked on the server too, so a
    junk username is refused before django-axes records the attempt."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.max_length = 150
        field.validators.append(MaxLengthValidator(150))


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Search patients",
        max_length=100,
        required=False,
        help_text="Name, date of birth (MM/DD/YYYY) or Medicare number.",
    )
