"""The branded "not found" page, in every mode.

``not_found`` is the project's handler404 (config/urls.py). With DEBUG on, Django answers a missing page
with its technical 404 instead (the URL patterns, the settings' name) and never calls the handler: the
embedded default (`make run`) runs with DEBUG on, so people trying Vetted met Django's page.
``BrandedNotFoundMiddleware`` gives them the branded one there too; TECHNICAL_404=True brings Django's
page back for someone debugging the URL configuration.
"""
from django.conf import settings
from django.http import Http404, HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token  # the page's header carries the sign-out form
def not_found(request, exception=None):
    return HttpResponseNotFound(render_to_string("404.html", request=request))


def _branded(request) -> bool:
    return settings.DEBUG and not settings.TECHNICAL_404 and not request.path.startswith("/api/")


class BrandedNotFoundMiddleware:
    """With DEBUG on, the branded 404 for a path no URL pattern matches and for a view's Http404.

    Its place in settings.MIDDLEWARE matters: after CommonMiddleware, which redirects a path missing its
    trailing slash before this finds nothing there, and after the session and authentication middleware,
    so the page shows the header of whoever is signed in. Django resolves the path again afterwards (it
    caches the resolver); with DEBUG off this does nothing and Django calls handler404 itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _branded(request):
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as missing:
                return not_found(request, missing)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and _branded(request):
            return not_found(request, exception)
        return None
