"""Second factor: TOTP enrolment and verification, with one-time backup codes (django-otp).

Enrolment can require a one-time code from a clinic admin (MFA_ENROLMENT_CODE_REQUIRED, on
in production): then a password alone is not enough to attach an authenticator to an
account, so a leaked or guessed password can't claim a new user's second factor (ASVS
2.7.x; the admin issues the code with the "Issue an enrolment code" action, or
`manage.py mfa_enrolment_code USERNAME`).
"""

import base64
import math
import secrets
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.models import ThrottlingMixin, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import MfaEnrolment

BACKUP_CODE_COUNT = 10
ENROLMENT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread (0/O, 1/I)
ENROLMENT_CODE_LENGTH = 10  # 50 bits, and only MfaEnrolment.MAX_WRONG_TRIES guesses
SESSION_ENROLMENT_KEY = "mfa_enrolment_accepted_for"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].replace(" ", "").strip()


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label="Enrolment code",
        max_length=20,
        help_text="The code your clinic admin gave you, e.g. ABCDE-FGH23.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def clean_code(self) -> str:
        return normalise_code(self.cleaned_data["code"])


def normalise_code(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum())


@transaction.atomic
def issue_enrolment_code(user, issued_by=None) -> tuple[str, MfaEnrolment]:
    """A new one-time code for `user`, replacing any earlier code and their authenticator
    and backup codes (issuing one is how a lost phone is dealt with, too)."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    MfaEnrolment.objects.filter(user=user).delete()
    raw = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(ENROLMENT_CODE_LENGTH))
    enrolment = MfaEnrolment.objects.create(
        user=user,
        code_hash=make_password(raw),
        issued_by=issued_by,
        expires_at=timezone.now() + MfaEnrolment.VALID_FOR,
    )
    half = ENROLMENT_CODE_LENGTH // 2
    return f"{raw[:half]}-{raw[half:]}", enrolment


@transaction.atomic
def redeem_enrolment_code(user, typed: str) -> str | None:
    """Use up the user's code if `typed` is it; otherwise the reason, in words for them."""
    enrolment = MfaEnrolment.objects.select_for_update().filter(user=user).first()
    ask = "Ask your clinic admin for a new enrolment code."
    if enrolment is None:
        return f"You have no enrolment code. {ask}"
    if enrolment.expires_at <= timezone.now():
        enrolment.delete()
        return f"Your enrolment code has expired. {ask}"
    if not check_password(normalise_code(typed), enrolment.code_hash):
        enrolment.wrong_tries += 1
        if enrolment.wrong_tries >= MfaEnrolment.MAX_WRONG_TRIES:
            enrolment.delete()
            return f"That code was wrong too many times, so it no longer works. {ask}"
        enrolment.save(update_fields=["wrong_tries"])
        return "That is not your enrolment code. Check it and try again."
    enrolment.delete()
    return None


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _device_for(user, token: str):
    """The device a code is meant for: the app's codes are digits of the app's length (6),
    backup codes are not. Trying only that one keeps a mistyped app code from counting
    against the backup codes too (django-otp throttles each device on its own failures)."""
    for device in devices_for_user(user, confirmed=True):
        is_app = isinstance(device, TOTPDevice)
        if is_app == (token.isdigit() and len(token) == getattr(device, "digits", 6)):
            return device
    return None


def _wait_seconds(device) -> int:
    """How long django-otp makes the user wait before this device checks a code again
    (1, 2, 4, 8 ... seconds after each failure in a row); 0 when it checks now."""
    allowed, why = device.verify_is_allowed()
    if allowed or not why or why.get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return 0
    return max(1, math.ceil((why["locked_until"] - timezone.now()).total_seconds()))


def too_many_tries(seconds: int) -> str:
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many tries; wait {seconds} {unit}, then enter the code again."


def _reset_throttling(user) -> None:
    """After a good code, a wrong one typed earlier on another device no longer counts."""
    for device in devices_for_user(user, confirmed=True):
        if isinstance(device, ThrottlingMixin) and device.throttling_failure_count:
            device.throttle_reset()


@login_required
def verify(request):
    if not user_has_device(request.user, confirmed=True):
        return redirect("mfa-setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        device = _device_for(request.user, token)
        # A throttled device refuses even the right code, unchecked: say so, rather than
        # "didn't match", or the right code typed again at once looks wrong too.
        if device is not None and (wait := _wait_seconds(device)):
            form.add_error("token", too_many_tries(wait))
        elif device is not None and device.verify_token(token):
            _reset_throttling(request.user)
            _verified(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, f"Backup code used; {left} left.")
            return HttpResponseRedirect(_next_url(request))
        else:
            form.add_error(
                "token", "That code didn't match. Check the time on your phone and try again."
            )
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required
def setup(request):
    """Enrol an authenticator app: scan, confirm with a code, then keep the backup codes."""
    if user_has_device(request.user, confirmed=True):
        return redirect("mfa-verify")
    if settings.MFA_ENROLMENT_CODE_REQUIRED and not _enrolment_accepted(request):
        return _enrolment_code_step(request)
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if wait := _wait_seconds(device):
            form.add_error("token", too_many_tries(wait))
        elif device.verify_token(form.cleaned_data["token"]):
            codes = _confirm(request.user, device)
            request.session.pop(SESSION_ENROLMENT_KEY, None)
            _verified(request, device)
            return render(
                request,
                "registration/mfa_backup_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        else:
            form.add_error("token", "That code didn't match. Scan the code again and retry.")
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "qr_data_url": qr.svg_data_uri(scale=5, dark="#000", light="#fff"),
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": _next_url(request),
        },
    )


def _verified(request, device) -> None:
    """Mark the session verified under a new session key: a key someone planted or saw
    before the second factor (session fixation, ASVS 3.2.1) never becomes a verified one."""
    otp_login(request, device)
    request.session.cycle_key()


def _enrolment_accepted(request) -> bool:
    return request.session.get(SESSION_ENROLMENT_KEY) == request.user.pk


def _enrolment_code_step(request):
    """Before any secret is shown: the one-time code from the admin, for this session."""
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused = redeem_enrolment_code(request.user, form.cleaned_data["code"])
        if refused is None:
            # A secret someone may have seen before the code was given is never reused.
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            request.session[SESSION_ENROLMENT_KEY] = request.user.pk
            return HttpResponseRedirect(f"{request.path}?{urlencode({'next': _next_url(request)})}")
        form.add_error("code", refused)
    return render(
        request, "registration/mfa_enrolment_code.html", {"form": form, "next": _next_url(request)}
    )


@transaction.atomic
def _confirm(user, device: TOTPDevice) -> list[str]:
    device.confirmed = True
    device.save()
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
    static.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes
