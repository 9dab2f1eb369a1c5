"""Intake forms: the parsing boundary. Each returns model instances or domain values."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.forms import inlineformset_factory
from django.urls import reverse_lazy

from . import duplicates, validators
from .choices import Program
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


def _mbi_field(help_text: str) -> forms.CharField:
    # Wider than the stored 11 characters: staff type the MBI as printed on the card,
    # with dashes (1EG4-TE5-MK73); clean_mbi() strips them.
    return forms.CharField(
        label="Medicare number (MBI)", max_length=20, required=False, help_text=help_text
    )


def _clean_mbi(typed: str) -> str:
    # Normalise before the model validator runs, so "1eg4-te5-mk73" is accepted.
    mbi = validators.normalize_mbi(typed)
    if mbi:
        validators.validate_mbi(mbi)
    return mbi


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


class NewChartForm(forms.Form):
    """Typed with a new patient's details, to find a chart the clinic already has
    (intake.duplicates): the same MBI is refused, the same name and birth date goes on only
    when the user says this is a different person. Validate `details` first."""

    # The MBI is on the card with the name and birth date, so it is typed with them; the
    # coverage step then starts with it filled in.
    mbi = _mbi_field("If the Medicare card is at hand: finds a chart the clinic already has.")
    confirm_new_chart = forms.BooleanField(
        label="This is a different person: start a new chart", required=False
    )

    def __init__(self, *args, details: PatientForm, **kwargs):
        super().__init__(*args, **kwargs)
        self.details = details
        self.possible_duplicates: list[Patient] = []

    def clean_mbi(self) -> str:
        return _clean_mbi(self.cleaned_data.get("mbi", ""))

    def clean(self) -> dict:
        data = super().clean()
        details = getattr(self.details, "cleaned_data", {})
        clinic = details.get("clinic")
        if clinic is None:
            return data
        if chart := duplicates.chart_with_mbi(clinic, data.get("mbi", "")):
            self.add_error("mbi", duplicates.mbi_taken_message(chart))
            return data
        first, last, born = (details.get(f) for f in ("first_name", "last_name", "date_of_birth"))
        if first and last and born:
            self.possible_duplicates = duplicates.charts_named(clinic, first, last, born)
        if self.possible_duplicates and not data.get("confirm_new_chart"):
            self.add_error(
                "confirm_new_chart",
                "The clinic already has a chart with this name and date of birth. Open it, "
                "or tick the box if this is a different person.",
            )
        return data


# Which coverage fields apply to which program. A field that doesn't apply is hidden and
# disabled on the page (static/js/coverage.js) and whatever is posted for it is dropped, so
# it is saved empty: an Original Medicare patient never keeps an Advantage plan's details.
MEDICARE = (Program.ORIGINAL, Program.ADVANTAGE)
ADVANTAGE_ONLY = (Program.ADVANTAGE,)
APPLIES_TO = {
    "mbi": MEDICARE,
    "part_a_effective": MEDICARE,
    "part_b_effective": MEDICARE,
    "coverage_end": MEDICARE,
    "ma_plan_name": ADVANTAGE_ONLY,
    "ma_member_id": ADVANTAGE_ONLY,
    "ma_requires_prior_auth": ADVANTAGE_ONLY,
    "medigap_plan": (Program.ORIGINAL,),  # Medigap supplements Original Medicare only
    "has_part_d": MEDICARE,
    "part_d_plan_name": MEDICARE,
    "part_d_member_id": MEDICARE,
}
PART_D_FIELDS = ("part_d_plan_name", "part_d_member_id")


def applies(name: str, program: str, has_part_d: bool) -> bool:
    """Whether a coverage field means anything for this program (and Part D choice)."""
    if name not in APPLIES_TO:
        return True
    return program in APPLIES_TO[name] and (name not in PART_D_FIELDS or has_part_d)


# Required whenever they apply (the same words as Coverage.clean, which the admin uses too).
REQUIRED_WHEN_SHOWN = {
    "mbi": "Enter the Medicare number (MBI) from the patient's Medicare card.",
    "part_b_effective": "Enter the Part B effective date from the Medicare card.",
    "ma_plan_name": "Enter the Medicare Advantage plan's name.",
    "ma_member_id": "Enter the plan member ID.",
    "part_d_plan_name": "Enter the Part D plan's name.",
}


class CoverageForm(forms.ModelForm):
    mbi = _mbi_field("11 characters, from the red-white-and-blue Medicare card; dashes are fine.")
    has_part_d = forms.BooleanField(
        label="Has Part D drug coverage",
        required=False,
        help_text="A Part D plan, or drug coverage included in the Advantage plan (MA-PD).",
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
            "medigap_plan",
            "has_part_d",
            "part_d_plan_name",
            "part_d_member_id",
            "medicaid_dual",
        ]
        widgets = _date_widgets("part_a_effective", "part_b_effective", "coverage_end")
        help_texts = {
            "ma_requires_prior_auth": "Most Advantage plans ask for it for ketamine and "
            "esketamine: check the plan's list.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["has_part_d"].initial = bool(self.instance.part_d_plan_name)
        if self.is_bound:
            program = self.data.get(self.add_prefix("program"), "")
            # The box, or a Part D value typed without it (a page without JavaScript shows
            # the Part D fields anyway; coverage.js disables them while the box is clear).
            has_part_d = forms.CheckboxInput().value_from_datadict(
                self.data, {}, self.add_prefix("has_part_d")
            ) or any(self.data.get(self.add_prefix(name), "").strip() for name in PART_D_FIELDS)
            self._has_part_d = program in MEDICARE and has_part_d
            self.data = self.data.copy()
            for name in APPLIES_TO:
                if not applies(name, program, has_part_d):
                    self.data.pop(self.add_prefix(name), None)
        for name, message in REQUIRED_WHEN_SHOWN.items():
            field = self.fields[name]
            # On a fresh page every such field is marked; the page hides those that don't
            # apply. On a posted one, only those that apply to what was chosen are required.
            field.required = not self.is_bound or applies(name, program, has_part_d)
            field.error_messages["required"] = message
            field.widget.attrs["aria-required"] = "true"

    @property
    def helper(self) -> FormHelper:
        """The layout: each group of fields says which program it applies to, for
        static/js/coverage.js to show and hide (without JavaScript all are shown)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True

        def shown_for(name: str) -> str:
            return " ".join(APPLIES_TO[name])

        helper.layout = Layout(
            "program",
            Div(
                "mbi",
                "part_a_effective",
                "part_b_effective",
                "coverage_end",
                data_applies_to=shown_for("mbi"),
            ),
            Fieldset(
                "Medicare Advantage plan",
                "ma_plan_name",
                "ma_member_id",
                "ma_requires_prior_auth",
                data_applies_to=shown_for("ma_plan_name"),
            ),
            Div("medigap_plan", data_applies_to=shown_for("medigap_plan")),
            Fieldset(
                "Part D drug coverage",
                "has_part_d",
                Div(*PART_D_FIELDS, data_shown_with=self["has_part_d"].auto_id),
                data_applies_to=shown_for("has_part_d"),
            ),
            "medicaid_dual",
        )
        return helper

    def clean_has_part_d(self) -> bool:
        # The box, or Part D details typed without it: what Coverage.has_part_d will say.
        return self._has_part_d

    def clean_mbi(self) -> str:
        mbi = _clean_mbi(self.cleaned_data.get("mbi", ""))
        patient = self.instance.patient
        if chart := duplicates.chart_with_mbi(patient.clinic, mbi, other_than=patient):
            raise forms.ValidationError(duplicates.mbi_taken_message(chart), code="mbi_taken")
        return mbi

    def _post_clean(self) -> None:
        super()._post_clean()
        # A missing required value is reported by the field and again by Coverage.clean():
        # say it once.
        for errors in self._errors.values():
            seen: set[str] = set()
            kept = []
            for error in errors.as_data():
                text = " ".join(error.messages)
                if text not in seen:
                    seen.add(text)
                    kept.append(error)
            errors.data[:] = kept


class DiagnosisForm(forms.ModelForm):
    class Meta:
        model = Diagnosis
        fields = ["code", "is_primary", "onset_date"]
        widgets = {
            **_date_widgets("onset_date"),
            # static/js/icd10.js turns it into a lookup; typed codes are accepted either way.
            "code": forms.TextInput(
                attrs={
                    "data-icd10-search": reverse_lazy("intake:icd10-search"),
                    "autocomplete": "off",
                }
            ),
        }
        help_texts = {"code": "A billable code, e.g. F33.2."}

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
            *TreatmentRequest.NARRATIVE_FIELDS,
        ]
        widgets = {
            **_date_widgets("requested_start", "episode_onset"),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in TreatmentRequest.REQUIRED_NARRATIVE
            },
        }

    def __init__(self, *args, patient, narrative_editable: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.patient = patient
        self.fields["ordering_provider"].queryset = Provider.objects.filter(
            clinic=patient.clinic, is_active=True
        )
        # The narrative is the clinician's own statement: others see it but cannot change
        # it (a disabled field keeps the stored value whatever is posted).
        for name in TreatmentRequest.NARRATIVE_FIELDS:
            self.fields[name].disabled = not narrative_editable
        if not narrative_editable:
            self.fields["episode_summary"].help_text += " Written by the clinician."

    @property
    def helper(self) -> FormHelper:
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        request_fields = [n for n in self.Meta.fields if n not in TreatmentRequest.NARRATIVE_FIELDS]
        helper.layout = Layout(
            *request_fields,
            Fieldset(
                "Clinical narrative (the clinician's; letters are built around it)",
                *TreatmentRequest.NARRATIVE_FIELDS,
            ),
        )
        return helper

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
