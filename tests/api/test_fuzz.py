"""Schemathesis against the running API: every operation of the live /api/schema/, fuzzed with valid and
invalid data, signed in as an employee and as an administrator, with all of Schemathesis' checks (no
5xx, documented status codes, content types, headers and bodies; invalid input refused, valid input
accepted). Zero failures is the bar: what it finds is fixed in the app, not excluded here.

``FUZZ_EXAMPLES`` sets the examples per operation and phase (default 30). Hypothesis is derandomized,
so a run is reproducible; it keeps no example database. Throttles are lifted for the run (the
fuzzer would otherwise trip them, and 429 would hide everything behind it).
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import policy
from forum import services as forum_services

from ..factories import UserFactory, grant, make_admin, make_category, make_thread
from .conftest import ask, drafted, reload

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))


@pytest.fixture
def fuzz_world(transactional_db, settings):
    """Something behind every kind of id the schema names, in every state the lists show."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None}}
    settings.ASSISTANT_QUOTA_PER_HOUR = 10_000
    admin = make_admin()
    general, engineering = make_category(admin, "General"), make_category(admin, "Engineering")
    secops = make_category(admin, "Security Ops", restricted=True)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    maria = UserFactory(username="maria")
    for codename in (policy.MODERATE, policy.REVIEW):
        grant(codename, maria, engineering)
    grant(policy.POST, bob, secops)
    make_thread(alice, general, title="Where is the holiday calendar?", replies=[(bob, "On the intranet, @alice.")])
    make_thread(bob, secops, title="Rotating the vault root token", replies=[(bob, "Quarterly.")])
    thread, _ = ask(alice, engineering)
    published = drafted(alice, thread)
    ai_services.answer_submit(acting_user=alice, answer=published)
    ai_services.answer_approve(acting_user=maria, answer=reload(published))
    in_review = drafted(alice, thread)
    ai_services.answer_submit(acting_user=alice, answer=in_review)
    drafted(alice, thread)
    forum_services.post_reply(acting_user=bob, thread=thread, body="Thanks, that worked.")
    assert AIAnswer.objects.filter(status__in=["draft", "in_review", "published"]).count() == 3
    return {"employee": alice, "admin": admin}


@pytest.fixture(params=["employee", "admin"])
def fuzz_token(request, fuzz_world):
    return Token.objects.get_or_create(user=fuzz_world[request.param])[0]


@pytest.fixture
def fuzz_headers(fuzz_token):
    return {"Authorization": f"Token {fuzz_token.key}"}


def keep(token):
    """``DELETE /auth/token/`` revokes the token the whole run signs in with: the same key again, as if
    the caller had signed in anew, so that every operation after it is still tried signed in."""
    if not Token.objects.filter(key=token.key).exists():
        Token.objects.filter(user=token.user).delete()
        Token.objects.create(key=token.key, user=token.user)


# Every check, on every operation. One operation gets one more expected status: the token exchange
# answers schema-valid but unknown credentials with 400, as DRF's does. Schemathesis allows exactly that
# (400/422) for operations that mint credentials when the schema names them as an OAuth2 ``tokenUrl``;
# ours is a plain ``Token`` scheme, which cannot, so the configuration says it instead.
CONFIG = {
    "operations": [{
        "include-path": "/api/v1/auth/token/",
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409",
                                                                      "429"]}},
    }],
}


@pytest.fixture
def live_schema(live_server, fuzz_headers):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/", headers=fuzz_headers,
                                         config=schemathesis.Config.from_dict(CONFIG))


schema = schemathesis.pytest.from_fixture("live_schema")


@pytest.fixture(autouse=True)
def _nodeid_for_schemathesis(request):
    """Schemathesis 4.32 names each operation's subtest by rewriting ``node._nodeid``, an attribute
    pytest 9.2 no longer has (it became ``node._id``); give it one to read and rewrite."""
    request.node._nodeid = request.node.nodeid


@hypothesis_settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(HealthCheck))
@schema.parametrize()
def test_the_api_keeps_its_schemas_promises(case, fuzz_headers, fuzz_token):
    try:
        case.call_and_validate(headers=fuzz_headers)
    finally:
        keep(fuzz_token)
