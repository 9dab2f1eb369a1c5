"""Who is acting, and from where: set per request by the middleware, read by the signals.

A ContextVar (not a thread-local) so the value follows the request through sync and async
code alike and can never leak into the next request served by the same thread.
"""

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Actor:
    request: Any = None  # read lazily: login() replaces request.user mid-request
    user: Any = None
    ip_address: str = ""

    @property
    def current_user(self):
        user = getattr(self.request, "user", None) if self.request is not None else self.user
        return user if user is not None and user.is_authenticated else None


_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current_actor() -> Actor:
    return _actor.get() or Actor()


@contextmanager
def audit_context(*, request=None, user=None, ip_address: str = "") -> Iterator[Actor]:
    """Attribute the writes inside the block to `request`'s user (or `user`).

    The middleware wraps every request in it; management commands and background tasks
    that act for someone use it with `user=`; anything outside it is recorded with no user.
    """
    actor = Actor(
        request=request,
        user=user,
        ip_address=client_ip(request) if request is not None else _clean_ip(ip_address),
    )
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind PROXY_COUNT trusted proxies the address
    that many hops from the right of X-Forwarded-For (the left part is client-written and
    can't be trusted). Sign-in lockouts use it too (AXES_CLIENT_IP_CALLABLE)."""
    remote = _clean_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return _clean_ip(hops[-proxies]) or remote


def _clean_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return ""
