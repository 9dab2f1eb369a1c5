from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def permission_required(perm: str):
    """Signed-out users go to the sign-in page (with ?next=); signed-in users without the
    permission get 403. Django's own decorator with raise_exception=True gives both a 403,
    which after an idle timeout would tell staff they lack a role instead of asking them to
    sign in again.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator
