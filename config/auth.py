"""Sign-in plumbing: django-axes' lockout check, first in AUTHENTICATION_BACKENDS, and the API's
expiring tokens."""
import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


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


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused (401) once ``forum.policy.api_token_expired`` says so: its bearer exchanges
    their username and password for a fresh one. Revocation deletes the row, which DRF refuses as it is."""

    def authenticate_credentials(self, key):
        from forum import policy  # DRF imports this class while its views load, before the models may

        user, token = super().authenticate_credentials(key)
        if policy.api_token_expired(token):
            raise AuthenticationFailed("Token expired. Exchange your username and password for a new one "
                                       "at POST /api/v1/auth/token/.")
        return user, token


def client_ip(request) -> str | None:
    """The address django-axes counts failed sign-ins by (``AXES_CLIENT_IP_CALLABLE``), found the way
    DRF's throttles find it (``REST_FRAMEWORK["NUM_PROXIES"]``, set by ``API_NUM_PROXIES``).

    Behind N trusted proxies, the N-th address from the right of X-Forwarded-For: the one the
    outermost proxy saw, since each proxy appends the address it received from. Entries further left
    came from the client and could be anything, so they are never read. With no proxies configured
    the header is ignored and REMOTE_ADDR counts, as before; without this, every sign-in behind a
    proxy would come from the proxy's address and the lockout would be per username only.
    """
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies > 0 and forwarded.strip():
        addresses = [address.strip() for address in forwarded.split(",")]
        found = _ip_address(addresses[-min(num_proxies, len(addresses))])
        if found:
            return found
    return request.META.get("REMOTE_ADDR")


def _ip_address(value: str) -> str | None:
    """``value`` as a plain IP address, or None. Some proxies append a port (``1.2.3.4:567``,
    ``[::1]:567``) or ``unknown``; axes stores the address in an inet column, so anything else
    would fail the sign-in with a database error instead of being counted."""
    if value.startswith("[") and "]" in value:
        value = value[1:value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
