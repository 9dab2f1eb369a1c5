from .context import audit_context


class AuditContextMiddleware:
    """Make the signed-in user and client address available to the audit signals.

    Placed after AuthenticationMiddleware. The user is read when an entry is written, not
    here, so a sign-in during the request is attributed to the person who signed in. The
    context is reset when the response is returned, even on an exception.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_context(request=request):
            return self.get_response(request)
