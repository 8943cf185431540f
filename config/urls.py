"""URL wiring: the forum, the assistant, accounts, admin, health."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from aiassist.views import AskingThreadStartView
from forum import health

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("ai/", include("aiassist.urls")),
    # The assistant extends the forum's new-thread page with "Get a private AI draft"; this route
    # shadows forum:thread_start (same path), so the forum's templates keep linking to it by name.
    path("new/", AskingThreadStartView.as_view(), name="thread_start_with_assistant"),
    # Search and "similar threads" read the passage index, which the forum does not import.
    path("", include("aiassist.retrieval.urls")),
    path("", include("forum.urls")),
]
