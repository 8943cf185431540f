"""The forum's receivers of Django's own signals: API tokens end with the credentials they stood for."""
from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver

from . import services


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="forum.revoke_api_tokens")
def revoke_api_tokens_on_new_password_or_deactivation(sender, instance, raw=False, update_fields=None, **kwargs):
    """A new password or a deactivation revokes the user's API tokens.

    Compared here, against the stored row, because every way of changing a password ends in this save:
    the admin's forms, ``changepassword``, a password reset, the shell. Django has no password-changed
    signal (only its views call ``update_session_auth_hash``), and ``user_logged_in`` fires for sessions,
    never for a token. Only ``QuerySet.update()`` bypasses it, and nothing in Vetted sets passwords so.
    A save naming other fields (``last_login`` at every sign-in) costs no query."""
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["password"] != instance.password:
        reason = "password_changed"
    elif stored["is_active"] and not instance.is_active:
        reason = "deactivated"
    else:
        return
    services.api_tokens_revoke(acting_user=None, user=instance, reason=reason)
