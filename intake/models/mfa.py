"""Admin-issued one-time codes that let a user claim a second factor."""

from datetime import timedelta

from django.conf import settings
from django.db import models


class MfaEnrolment(models.Model):
    """A one-time code a clinic admin hands over in person (or by phone) to let one user
    enrol an authenticator.

    Without it, whoever first signs in with a new user's password would enrol their own
    phone (trust on first use). Only its hash is stored; it expires, allows a few wrong
    tries, and is used up the moment it is accepted. See intake/mfa.py.
    """

    VALID_FOR = timedelta(hours=72)
    MAX_WRONG_TRIES = 5

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfa_enrolment"
    )
    code_hash = models.CharField(max_length=200)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"Enrolment code for {self.user} (until {self.expires_at:%Y-%m-%d %H:%M} UTC)"
