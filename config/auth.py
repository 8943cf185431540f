"""Sign-in plumbing: django-axes' lockout check, first in AUTHENTICATION_BACKENDS."""
from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses every sign-in (even with the right password) for a username and address that failed
    AXES_FAILURE_LIMIT times within AXES_COOLOFF_TIME; authenticates nobody itself.

    Every sign-in a client can attempt carries its request (the login page, the admin, DRF's token
    exchange), and axes counts them by it. ``authenticate()`` called without one comes from code in
    this process, not from a client (Django's test client ``login()`` is one): there is no one to count
    or lock out, so this backend abstains instead of raising as axes' own does.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
