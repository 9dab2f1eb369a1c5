import re

from django import forms
from django.conf import settings
from django.utils import timezone

from appeals import remittance_codes
from appeals.models import Appeal, Claim, ClaimLine, Denial
from documents.forms import valid_request_key
from documents.pdf_uploads import validate_pdf_upload
from intake.models import Provider
from intake.validators import normalize_icd10, validate_icd10_billable, validate_procedure_code

MAX_CLAIM_DIAGNOSES = 12  # CMS-1500 (02/12) item 21, diagnoses A-L
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DenialEntryForm(forms.Form):
    """A denied claim in one form: the claim, its denied line and the denial notice."""

    provider = forms.ModelChoiceField(queryset=None, label="Rendering provider")
    claim_number = forms.CharField(label="Claim number (ICN/DCN)", max_length=30, required=False)
    service_date = forms.DateField(label="Date of service", widget=DATE_INPUT)
    code = forms.CharField(label="HCPCS/CPT code", max_length=5)
    modifiers = forms.CharField(max_length=20, required=False, help_text="e.g. GA or KX")
    units = forms.IntegerField(min_value=1, max_value=999, initial=1)
    billed_amount = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    allowed_amount = forms.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False
    )
    diagnosis_codes = forms.CharField(
        label="ICD-10-CM codes on the claim",
        max_length=200,
        help_text="Separated by commas, in pointer order.",
    )
    notice_type = forms.ChoiceField(choices=Denial.NoticeType.choices)
    notice_date = forms.DateField(widget=DATE_INPUT, help_text="The date printed on the notice.")
    decided_by = forms.CharField(
        label="Contractor or plan that decided",
        max_length=200,
        help_text="e.g. Noridian JE Part B",
    )
    adjustment = forms.CharField(
        label="Group code and CARC",
        max_length=40,
        help_text="As printed, e.g. CO-50 (several: CO-50, CO-167).",
    )
    rarc_codes = forms.CharField(
        label="RARC codes", max_length=100, required=False, help_text="e.g. N115"
    )
    denied_amount = forms.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    # A fresh key per rendered form (the view sets it): resubmitting the same form returns
    # the denial it already stored. A post without a usable key is still accepted (older
    # pages, scripts) but gets no de-duplication.
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["provider"].queryset = Provider.objects.filter(clinic=patient.clinic)
        codes = ", ".join(d.code for d in patient.diagnoses.all())
        self.fields["diagnosis_codes"].initial = codes

    def clean_request_key(self) -> str | None:
        key = self.cleaned_data["request_key"]
        return key if valid_request_key(key) else None

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        validate_procedure_code(code)
        return code

    def clean_diagnosis_codes(self) -> list[str]:
        codes = [
            normalize_icd10(c) for c in self.cleaned_data["diagnosis_codes"].split(",") if c.strip()
        ]
        if not codes:
            raise forms.ValidationError("Enter at least one ICD-10-CM code.")
        if len(set(codes)) != len(codes):
            raise forms.ValidationError("A diagnosis code is listed twice.")
        if len(codes) > MAX_CLAIM_DIAGNOSES:
            raise forms.ValidationError(
                f"A claim carries at most {MAX_CLAIM_DIAGNOSES} diagnoses (CMS-1500 items A–L)."
            )
        for code in codes:
            validate_icd10_billable(code)
        _fits(", ".join(codes), Claim, "diagnosis_codes")
        return codes

    def clean_adjustment(self) -> tuple[str, list[str]]:
        parts = [p for p in re.split(r"[,;]+", self.cleaned_data["adjustment"]) if p.strip()]
        adjustments = [remittance_codes.parse_adjustment(part) for part in parts]
        if not adjustments:
            raise forms.ValidationError("Enter the group code and CARC, e.g. CO-50.")
        groups = {a.group for a in adjustments}
        if len(groups) != 1:
            raise forms.ValidationError("Enter one group code for the denied line (e.g. CO-50).")
        for a in adjustments:
            remittance_codes.validate_group_code(a.group)
            remittance_codes.validate_carc(a.carc)
        return groups.pop(), [a.carc for a in adjustments]

    def clean_rarc_codes(self) -> list[str]:
        codes = [c.strip().upper() for c in self.cleaned_data["rarc_codes"].split(",") if c.strip()]
        for code in codes:
            remittance_codes.validate_rarc(code)
        _fits(", ".join(codes), Denial, "rarc_codes")
        return codes

    def clean_modifiers(self) -> str:
        mods = [m.upper() for m in re.split(r"[\s,]+", self.cleaned_data["modifiers"]) if m]
        if any(len(m) != 2 or not m.isalnum() for m in mods):
            raise forms.ValidationError("Modifiers are two characters each, e.g. GA or KX.")
        if {"GA", "GZ"} <= set(mods):
            raise forms.ValidationError(
                "GA and GZ can't be on the same line (GA: ABN on file; GZ: no ABN)."
            )
        return _fits(", ".join(mods), ClaimLine, "modifiers")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        service, notice = data.get("service_date"), data.get("notice_date")
        if service and service > today:
            self.add_error("service_date", "The date of service can't be in the future.")
        if service and service < self.patient.date_of_birth:
            self.add_error("service_date", "The date of service is before the patient's birth.")
        if notice and notice > today:
            self.add_error("notice_date", "The notice date can't be in the future.")
        if notice and service and notice < service:
            self.add_error("notice_date", "The notice can't be dated before the service.")
        billed, denied = data.get("billed_amount"), data.get("denied_amount")
        if billed is not None and denied is not None and denied > billed:
            self.add_error("denied_amount", "The denied amount can't exceed the billed amount.")
        return data


def _fits(value: str, model, field: str) -> str:
    """The stored (normalised) text must fit its column, not just the typed text."""
    limit = model._meta.get_field(field).max_length
    if len(value) > limit:
        raise forms.ValidationError(
            f"Too many codes: stored as “{value}” this is {len(value)} characters, the limit is "
            f"{limit}. Enter the codes that apply to the denied line."
        )
    return value


class FileAppealForm(forms.ModelForm):
    class Meta:
        model = Appeal
        fields = ["filed_date", "filed_method", "tracking_number", "good_cause_statement"]
        widgets = {"filed_date": DATE_INPUT}

    def clean(self):
        data = super().clean()
        filed = data.get("filed_date")
        if filed is None:
            self.add_error("filed_date", "Enter the date the appeal was sent.")
            return data
        if not data.get("filed_method"):
            self.add_error("filed_method", "Choose how the appeal was sent.")
        if filed > timezone.localdate():
            self.add_error("filed_date", "The filing date can't be in the future.")
        if filed < self.instance.notice_date:
            self.add_error("filed_date", "The filing date is before the decision being appealed.")
        if (
            filed > self.instance.filing_deadline
            and not data.get("good_cause_statement", "").strip()
        ):
            self.add_error(
                "good_cause_statement",
                f"This is after the deadline ({self.instance.filing_deadline:%m/%d/%Y}). A late "
                "appeal needs a good-cause statement: what prevented filing on time.",
            )
        return data


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Appeal
        fields = ["decision", "decision_date", "decided_by", "decision_summary"]
        widgets = {"decision_date": DATE_INPUT}

    def clean(self):
        data = super().clean()
        for name in ("decision", "decision_date"):
            if not data.get(name):
                self.add_error(name, "Required to record the decision.")
        decided = data.get("decision_date")
        if decided and decided > timezone.localdate():
            self.add_error("decision_date", "The decision date can't be in the future.")
        if decided and self.instance.filed_date and decided < self.instance.filed_date:
            self.add_error("decision_date", "The decision can't predate the filing.")
        return data


class AppealReasonsForm(forms.ModelForm):
    class Meta:
        model = Appeal
        fields = ["reasons"]
        widgets = {"reasons": forms.Textarea(attrs={"rows": 10})}


class EnclosureForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="e.g. Remittance advice dated 03/02/2026")
    file = forms.FileField(help_text="PDF only.")

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.pdf_info = validate_pdf_upload(uploaded, settings.MAX_UPLOAD_BYTES)
        return uploaded
