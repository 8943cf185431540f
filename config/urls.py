"""URL wiring: the forum, the assistant, accounts, admin, health."""
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from forum import health

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("", include("forum.urls")),
]
