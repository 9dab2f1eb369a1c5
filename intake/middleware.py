import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django_otp import user_has_device


class NoStoreMiddleware:
    """Pages and files with patient data must not be kept in browser or proxy caches.

    Every dynamic response gets `Cache-Control: no-store`; static assets are served by
    whitenoise before this middleware runs and keep their long cache lifetimes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class SessionLifetimeMiddleware:
    """End a session SESSION_ABSOLUTE_HOURS after sign-in, however active it has been.

    The idle timeout (SESSION_COOKIE_AGE, refreshed each request) alone would let a busy
    session live forever (ASVS 3.3.2 asks for both).
    """

    KEY = "signed_in_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(self.KEY, now)
            if now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class RequireMFAMiddleware:
    """Staff whose role needs a second factor must pass it before any other page.

    django-otp's OTPMiddleware marks the user verified once they enter a TOTP or backup
    code; until then only the MFA pages, sign-out and static files are reachable. The admin
    site is covered too, since it is just another path here, and it asks every staff
    account (is_staff is what opens it) whatever MFA_REQUIRED_ROLES says.
    """

    ALLOWED_URL_NAMES = {"mfa-verify", "mfa-setup", "logout", "login"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and (mfa_required(user) or _staff_in_admin(user, request))
            and not self._allowed(request)
        ):
            has_device = user_has_device(user, confirmed=True)
            target = "mfa-verify" if has_device else "mfa-setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _allowed(self, request) -> bool:
        match = request.resolver_match or _resolve(request.path_info)
        return match is not None and match.url_name in self.ALLOWED_URL_NAMES


def _resolve(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


def _staff_in_admin(user, request) -> bool:
    """A staff account on an admin page: a front-desk user given is_staff must not reach the
    admin with a password alone, even though their role isn't asked on the app's pages."""
    if not (settings.MFA_ENFORCED and user.is_staff):
        return False
    match = _resolve(request.path_info)
    # Every AdminSite's URLs (its catch-all included) carry the "admin" application name.
    return match is not None and "admin" in match.app_names


def mfa_required(user) -> bool:
    if not settings.MFA_ENFORCED:
        return False
    if settings.MFA_REQUIRED_FOR_ALL or user.is_superuser:
        return True
    return user.groups.filter(name__in=settings.MFA_REQUIRED_ROLES).exists()
