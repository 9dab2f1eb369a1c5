from django.utils.cache import add_never_cache_headers


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
