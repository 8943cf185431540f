"""URL wiring: the forum, the assistant, accounts, admin, health, the favicon and the branded 404."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from aiassist.views import AskingThreadStartView
from forum import health

handler404 = "config.errors.not_found"


@login_not_required
def favicon(request):
    """Browsers ask /favicon.ico of their own accord: the SVG mark (temporarily, as its hashed name changes)."""
    return HttpResponseRedirect(static("favicon.svg"))


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("ai/", include("aiassist.urls")),
    # The assistant extends the forum's new-thread page with "Get a private AI draft"; this route
    # shadows forum:thread_start (same path), so the forum's templates keep linking to it by name.
    path("new/", AskingThreadStartView.as_view(), name="thread_start_with_assistant"),
    # Search and "similar threads" read the passage index, which the forum does not import.
    path("", include("aiassist.retrieval.urls")),
    path("", include("forum.urls")),
]
