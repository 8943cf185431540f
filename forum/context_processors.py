"""Header data for every page; lazy, so pages that do not show the header run no query."""
from django.utils.functional import SimpleLazyObject

from . import selectors


def header(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_notification_count(user))}
