"""The one web error path: service exceptions become pages with the right status."""
import logging

from django.shortcuts import render

from common.exceptions import ApplicationError, Forbidden, NotFound

logger = logging.getLogger("vetted.access")


class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, (Forbidden, NotFound)):
            logger.info("denied %s %s user=%s status=%s", request.method, request.path,
                        getattr(request.user, "pk", None), exception.status)
        template = "404.html" if isinstance(exception, NotFound) else "error.html"
        context = {"message": exception.message, "details": exception.details, "status": exception.status}
        return render(request, template, context,
                      status=exception.status)
