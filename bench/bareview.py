"""The baseline: the smallest Django view, served by the same gunicorn through the same middleware."""
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET


@login_not_required
@require_GET
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")
