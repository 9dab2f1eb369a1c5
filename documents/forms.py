"""Forms of the documents pages: generate a letter, record that it was sent."""

import uuid

from django import forms
from django.contrib.auth import authenticate
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

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


class SignForm(forms.Form):
    """Intent and attribution before a signature (ESIGN, UETA): the clinician confirms the
    attestation and proves it is them with their password or a current authenticator code.

    The password goes through authenticate(), so wrong ones count towards the same lockout
    as the sign-in page (django-axes); codes are throttled per device by django-otp.
    """

    attest = forms.BooleanField(
        error_messages={"required": "Tick the attestation to sign; nothing was signed."}
    )
    secret = forms.CharField(
        label="Your password or a current code from your authenticator app",
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password or a current code; nothing was signed."},
    )

    def __init__(self, *args, request, attestation: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["attest"].label = attestation
        self.confirmed_with = ""

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"]
        user = self.request.user
        code = secret.replace(" ", "")
        if code.isdigit() and len(code) == 6:
            for device in TOTPDevice.objects.filter(user=user, confirmed=True):
                if device.verify_is_allowed()[0] and device.verify_token(code):
                    self.confirmed_with = "authenticator"
                    return secret
        signer = authenticate(self.request, username=user.get_username(), password=secret)
        if signer is not None and signer.pk == user.pk:
            self.confirmed_with = "password"
            return secret
        raise forms.ValidationError(
            "That is not your password or a current code from your authenticator app; "
            "nothing was signed."
        )
