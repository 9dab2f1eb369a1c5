"""Forms of the documents pages: generate a letter, record that it was sent."""

import uuid

from django import forms
from django.utils import timezone

from .models import PATIENT_DOCUMENT_KINDS, DocumentDelivery

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def valid_request_key(key: str | None) -> bool:
    return bool(key) and len(key) <= 64 and key.isascii() and key.isalnum()


class GenerateDocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in PATIENT_DOCUMENT_KINDS])
    # A fresh key per rendered form: a double click or a retried POST reuses it and gets
    # the same document back instead of a duplicate version.
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    @classmethod
    def fresh(cls, kind: str) -> "GenerateDocumentForm":
        return cls(initial={"kind": kind, "request_key": uuid.uuid4().hex})

    def clean_request_key(self) -> str:
        key = self.cleaned_data["request_key"]
        if not valid_request_key(key):
            raise forms.ValidationError("Invalid form token; reload the page and try again.")
        return key


class DeliveryForm(forms.ModelForm):
    class Meta:
        model = DocumentDelivery
        fields = ["method", "sent_on", "recipient", "tracking"]
        widgets = {"sent_on": DATE_INPUT}

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document

    def clean_sent_on(self):
        sent_on = self.cleaned_data["sent_on"]
        if sent_on > timezone.localdate():
            raise forms.ValidationError("The date sent can't be in the future.")
        if sent_on < timezone.localdate(self.document.generated_at):
            raise forms.ValidationError("The document can't be sent before it was generated.")
        return sent_on
