from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def permission_required(perm: str, *, keep_unsaved: bool = False):
    """Signed-out users go to the sign-in page (with ?next=); signed-in users without the
    permission get 403. Django's own decorator with raise_exception=True gives both a 403,
    which after an idle timeout would tell staff they lack a role instead of asking them to
    sign in again.

    With `keep_unsaved`, a form posted after the session ended is kept for its owner and
    shown again once they have signed in (intake.resume).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        protected = login_required(wrapper)
        if not keep_unsaved:
            return protected

        @wraps(view)
        def keeping(request, *args, **kwargs):
            if request.method == "POST" and not request.user.is_authenticated:
                from .resume import keep_unsaved_post  # models are loaded by now

                keep_unsaved_post(request)
            return protected(request, *args, **kwargs)

        return keeping

    return decorator
