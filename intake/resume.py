"""Keeping what was typed when the session ended before it was saved.

After 15 idle minutes the session is gone, so a save posted then reaches the sign-in page
instead of the form. The posted fields are kept, encrypted, in the new (signed-out) session,
for the same user only: whoever the ended session belonged to. After signing in again the
page that was saved opens with them filled in, once, and nothing is saved until the user
saves again (the stale-edit check still applies, with the version the form was loaded at).
Nothing goes into a URL.
"""

import json

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.http import QueryDict

from . import crypto

STASH_KEY = "unsaved_post"
NOT_KEPT = {"csrfmiddlewaretoken"}


def _ended_session_owner(request) -> str | None:
    """The user id of the session the browser's cookie names, even though it has expired
    (Django treats an expired session as empty; its row stays until clearsessions)."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    row = Session.objects.filter(session_key=key).first() if key else None
    if row is None:
        return None
    try:
        return str(row.get_decoded().get(SESSION_KEY) or "") or None
    except Exception:  # noqa: BLE001 - a session we can't read simply keeps nothing
        return None


def keep_unsaved_post(request) -> bool:
    """Keep a signed-out POST's fields for its owner to find after signing in again."""
    owner = _ended_session_owner(request)
    if owner is None:
        return False
    fields = [(k, v) for k, values in request.POST.lists() if k not in NOT_KEPT for v in values]
    request.session[STASH_KEY] = {
        "owner": owner,
        "path": request.path,
        "fields": crypto.encrypt(json.dumps(fields)),
    }
    return True


def take_unsaved_post(request) -> QueryDict | None:
    """The fields kept for this user and this page, once (they are dropped when read, and
    dropped unread if someone else signs in)."""
    kept = request.session.get(STASH_KEY)
    if not kept:
        return None
    if kept.get("owner") != str(request.user.pk):
        del request.session[STASH_KEY]
        return None
    if request.method != "GET" or kept.get("path") != request.path:
        return None
    del request.session[STASH_KEY]
    data = QueryDict(mutable=True)
    for name, value in json.loads(crypto.decrypt(kept["fields"])):
        data.appendlist(name, value)
    return data
