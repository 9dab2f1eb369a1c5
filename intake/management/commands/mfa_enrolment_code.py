"""Print a one-time MFA enrolment code for a user: for the first superuser, who has no admin
to issue one, and for operators. The same as the admin's "Issue an enrolment code" action."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from intake.mfa import issue_enrolment_code


class Command(BaseCommand):
    help = "Issue a one-time two-step sign-in enrolment code for USERNAME (replaces devices)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        code, enrolment = issue_enrolment_code(user)
        until = f"{enrolment.expires_at:%Y-%m-%d %H:%M} UTC"
        self.stdout.write(
            f"Enrolment code for {username}: {code} (works once, until {until}). "
            "Their previous authenticator no longer works."
        )
