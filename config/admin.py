"""The Django admin as Vetted runs it: administrators only, and nothing in it that grants without an audit.

Django's stock site lets in any active staff user and shows each model to whoever holds its model-wide
permissions, which Vetted's policy says grant nothing. Through the stock user, group and token admins a staff
user holding ``auth.change_user`` joined a group holding ``approve_high_risk`` (a security reviewer, with no grant
and no audit event), and one holding the ``authtoken`` permissions minted a security reviewer's API token, read it
in the change list and gave the second approval of a high-risk answer as them (the adversarial review, round 29).
So the site itself asks the policy (``forum.policy.can_use_admin``); API tokens have no admin (each person issues
and revokes their own through the API, ``forum.services.api_token_issue``); and a change to who belongs to which
group, or who is staff, superuser or active, is written to the audit log (``forum.admin.UserAdmin``).
"""
from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied


class VettedAdminSite(admin.AdminSite):
    site_header = "Vetted administration"
    site_title = "Vetted administration"
    index_title = "Vetted administration"

    def has_permission(self, request):
        from forum import policy

        return super().has_permission(request) and policy.can_use_admin(request.user)

    def admin_view(self, view, cacheable=False):
        """Someone signed in who is not an administrator gets 403 on every admin page (the stock site sends
        them to its sign-in form); a visitor not signed in is still sent there."""
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, view)


class VettedAdminConfig(AdminConfig):
    default_site = "config.admin.VettedAdminSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin.py
        from rest_framework.authtoken.models import TokenProxy

        if admin.site.is_registered(TokenProxy):
            admin.site.unregister(TokenProxy)
