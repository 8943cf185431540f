"""Five seams in the gate between an AI draft and its readers, each closed where the rule lives.

* Reporting a published answer one cannot read answers exactly the 404 of a missing id.
* The hourly quota holds under parallel asks (a live server, PostgreSQL).
* An approval stops counting when its reviewer loses the grant it was given under.
* API tokens expire, die with a password change or a deactivation, and can be revoked by their owner.
* Text inputs refuse control characters, and the OpenAPI schema says so in terms both readers share.
"""
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

from aiassist import services as ai_services
from aiassist.models import AIAnswer, AnswerReport
from forum import policy
from forum import services as forum_services
from forum.models import CategoryUserObjectPermission

from ..api.conftest import V1, client_for, error_of, in_state, reload
from ..factories import PASSWORD, UserFactory, grant, make_thread

S = AIAnswer.Status


def _missing_answer_id() -> int:
    return (AIAnswer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def _report(client, pk):
    return client.post(f"{V1}/ai-answers/{pk}/report/", {"reason": "This looks wrong."}, format="json")


# 1. Reporting is fetching: no probing for answers one cannot read ----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("unreadable", ["restricted category", "thread moved into a restricted category"])
def test_reporting_an_answer_one_cannot_read_is_the_same_404_as_a_missing_id(
        unreadable, admin_user, employee, other_employee, engineering, eng_moderator, secops, secops_member,
        security_reviewer):
    if unreadable == "restricted category":
        answer = in_state(S.PUBLISHED, secops_member, secops, reviewers=[security_reviewer])
    else:
        answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
        forum_services.thread_move(acting_user=admin_user, thread=answer.thread, category=secops)
    client = client_for(other_employee)

    missing = _report(client, _missing_answer_id())
    hidden = _report(client, answer.pk)

    error_of(missing, 404, "not_found")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    assert not AnswerReport.objects.exists()


# 2. The hourly quota under parallel asks ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_parallel_asks_never_pass_the_hourly_quota(live_server, settings, employee, engineering):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers (BEGIN IMMEDIATE), so asks cannot race there")
    settings.ASSISTANT_QUOTA_PER_HOUR = 20
    thread = make_thread(employee, engineering, title="How do celery retries back off?", body="On network errors.")
    token = Token.objects.create(user=employee)
    url = f"{live_server.url}{V1}/threads/{thread.pk}/ai-answers/"
    asks = 25
    start = threading.Barrier(asks)

    def ask(_):
        start.wait(timeout=30)
        return requests.post(url, headers={"Authorization": f"Token {token.key}"}, timeout=60)

    with ThreadPoolExecutor(max_workers=asks) as pool:
        responses = list(pool.map(ask, range(asks)))

    assert Counter(r.status_code for r in responses) == {202: 20, 429: 5}, [r.text for r in responses]
    for refused in (r for r in responses if r.status_code == 429):
        assert refused.json()["error"]["code"] == "throttled" and int(refused.headers["Retry-After"]) > 0
    assert AIAnswer.objects.filter(asker=employee).count() == 20


# 3. Approvals count only while their reviewer still holds the grant -------------------------------


def _revoke(admin, codename, user, category):
    row = CategoryUserObjectPermission.objects.get(user=user, content_object=category,
                                                   permission__codename=codename)
    forum_services.category_grant_remove(acting_user=admin, category=category, grant=row)


def _reviewer(username, category, *, high_risk=False):
    user = UserFactory(username=username)
    grant(policy.REVIEW, user, category)
    if high_risk:
        grant(policy.APPROVE_HIGH_RISK, user, category)
    return user


# Made high-risk by its first reviewer's edit, so that the draft's wording does not matter here.
RISKY_EDIT = "\n\nIf the jobs still cannot write there, run `chmod -R 777 /srv/data`."


def _approve_as_high_risk(reviewer, answer):
    answer = ai_services.answer_approve(acting_user=reviewer, answer=reload(answer), body=answer.body + RISKY_EDIT)
    assert answer.risk == AIAnswer.Risk.HIGH and answer.status == S.IN_REVIEW, answer.risk_reasons
    return answer


@pytest.mark.django_db
def test_a_high_risk_approval_stops_counting_when_its_reviewer_loses_approve_high_risk(
        admin_user, employee, engineering):
    first = _reviewer("sec1", engineering, high_risk=True)
    second = _reviewer("rita", engineering)
    answer = _approve_as_high_risk(first, in_state(S.IN_REVIEW, employee, engineering))
    _revoke(admin_user, policy.APPROVE_HIGH_RISK, first, engineering)

    ai_services.answer_approve(acting_user=second, answer=reload(answer),
                               text_hash=ai_services.body_hash(reload(answer).body))

    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and answer.published_post is None
    # Still a reviewer: the first approval counts, as a plain one.
    assert ai_services.approvals_needed(answer) == {"have": 2, "need": 2, "needs_security_reviewer": True,
                                                   "complete": False}
    shown = client_for(second).get(f"{V1}/ai-answers/{answer.pk}/").json()
    assert shown["approvals_needed"]["complete"] is False and shown["status"] == S.IN_REVIEW

    ai_services.answer_approve(acting_user=_reviewer("sam", engineering, high_risk=True), answer=answer,
                               text_hash=ai_services.body_hash(answer.body))
    assert reload(answer).status == S.PUBLISHED


@pytest.mark.django_db
@pytest.mark.parametrize("lost", ["grant removed", "left the group", "deactivated"])
def test_an_approval_stops_counting_when_its_reviewer_loses_review_ai_answers(
        lost, admin_user, employee, engineering):
    first = UserFactory(username="rita")
    if lost == "left the group":
        reviewers = Group.objects.create(name="eng-reviewers")
        grant(policy.REVIEW, reviewers, engineering)
        first.groups.add(reviewers)
    else:
        grant(policy.REVIEW, first, engineering)
    second = _reviewer("sec1", engineering, high_risk=True)
    answer = _approve_as_high_risk(first, in_state(S.IN_REVIEW, employee, engineering))
    if lost == "grant removed":
        _revoke(admin_user, policy.REVIEW, first, engineering)
    elif lost == "left the group":
        first.groups.clear()
    else:
        first.is_active = False
        first.save()

    ai_services.answer_approve(acting_user=second, answer=reload(answer),
                               text_hash=ai_services.body_hash(reload(answer).body))

    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and answer.published_post is None
    assert ai_services.approvals_needed(answer) == {"have": 1, "need": 2, "needs_security_reviewer": False,
                                                   "complete": False}


# 4. API tokens: an expiry, and revocation ---------------------------------------------------------


def _exchange(client, user):
    return client.post(f"{V1}/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")


def _with_token(key):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db
def test_an_expired_token_is_refused_and_the_exchange_issues_a_fresh_one(settings, employee):
    settings.API_TOKEN_TTL_HOURS = 24
    old = _exchange(client_for(), employee).json()["token"]
    assert _with_token(old).get(f"{V1}/me/").status_code == 200
    Token.objects.filter(key=old).update(created=timezone.now() - timedelta(hours=25))

    response = _with_token(old).get(f"{V1}/me/")

    error = error_of(response, 401, "authentication_failed")
    assert "expired" in error["message"]
    assert response["WWW-Authenticate"] == "Token"
    # The stale header sent along does not stand in the way of the exchange.
    fresh = _with_token(old).post(f"{V1}/auth/token/", {"username": employee.username, "password": PASSWORD},
                                  format="json")
    assert fresh.status_code == 200 and fresh.json()["token"] != old
    assert _with_token(fresh.json()["token"]).get(f"{V1}/me/").status_code == 200
    assert _with_token(old).get(f"{V1}/me/").status_code == 401


@pytest.mark.django_db
def test_a_token_within_its_lifetime_is_the_same_on_every_exchange(settings, employee):
    settings.API_TOKEN_TTL_HOURS = 24
    first = _exchange(client_for(), employee).json()["token"]
    Token.objects.filter(key=first).update(created=timezone.now() - timedelta(hours=23))
    assert _exchange(client_for(), employee).json()["token"] == first


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["password set", "password changed in the admin", "deactivated"])
def test_a_password_change_or_a_deactivation_revokes_the_users_tokens(change, client, admin_user, employee):
    key = _exchange(client_for(), employee).json()["token"]
    if change == "password set":
        employee.set_password("another horse battery staple")
        employee.save()
    elif change == "password changed in the admin":
        client.force_login(admin_user)
        response = client.post(f"/admin/auth/user/{employee.pk}/password/",
                               {"password1": "another horse battery staple",
                                "password2": "another horse battery staple", "usable_password": "true"})
        assert response.status_code == 302, response.content
    else:
        employee.is_active = False
        employee.save()
        employee.is_active = True  # back again: the old token stays dead
        employee.save()

    error_of(_with_token(key).get(f"{V1}/me/"), 401, "authentication_failed")
    assert not Token.objects.filter(key=key).exists()


@pytest.mark.django_db
def test_signing_in_or_saving_other_fields_keeps_the_token(client, employee):
    key = _exchange(client_for(), employee).json()["token"]
    assert client.login(username=employee.username, password=PASSWORD)  # saves last_login
    employee.first_name = "Alice"
    employee.save()
    assert _with_token(key).get(f"{V1}/me/").status_code == 200


@pytest.mark.django_db
def test_a_user_revokes_their_own_token(employee, other_employee):
    key = _exchange(client_for(), employee).json()["token"]
    other = _exchange(client_for(), other_employee).json()["token"]

    response = _with_token(key).delete(f"{V1}/auth/token/")

    assert response.status_code == 204 and response.content == b""
    error_of(_with_token(key).get(f"{V1}/me/"), 401, "authentication_failed")
    assert _with_token(other).get(f"{V1}/me/").status_code == 200  # only the caller's
    error_of(client_for().delete(f"{V1}/auth/token/"), 401, "not_authenticated")
    assert _exchange(client_for(), employee).json()["token"] != key


# 5. Control characters in text inputs --------------------------------------------------------------

# What ECMA-262 (the regex dialect of JSON Schema's ``pattern``, which Schemathesis and clients read)
# means by \s; Python's re adds U+001C-U+001F and U+0085, and leaves out U+FEFF.
ECMA_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
SAMPLES = ["\x1c", "\x1d", "\x1e", "\x1f", "a\x1fb", "\x85", "\x0b", "\x7f", "\ufeff", "\u3000", "\t\n\r ",
           "ok", "tab\tand\r\nlines", "Zürich\u00a0office"]


def _ecma_fullmatch(pattern: str, text: str) -> bool:
    ecma = pattern.replace(r"\S", f"[^{ECMA_SPACE}]").replace(r"\s", f"[{ECMA_SPACE}]")
    return re.fullmatch(ecma, text) is not None


@pytest.fixture(scope="module")
def openapi():
    return SchemaGenerator().get_schema(request=None, public=True)


def _pattern(openapi, component, field):
    return openapi["components"]["schemas"][component]["properties"][field]["pattern"]


@pytest.fixture
def reportable(employee, engineering, eng_moderator):
    return in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])


FIELDS = {
    # kind: (schema component, field, how to send a value of it through the API)
    "title": ("AskingThreadStartRequest", "title", lambda client, text, world: client.post(
        f"{V1}/threads/", {"category": "engineering", "title": text, "body": "A question."}, format="json")),
    "body": ("ReplyRequest", "body", lambda client, text, world: client.post(
        f"{V1}/threads/{world.thread_id}/posts/", {"body": text}, format="json")),
    "reason": ("ReasonRequest", "reason", lambda client, text, world: client.post(
        f"{V1}/ai-answers/{world.pk}/report/", {"reason": text}, format="json")),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", FIELDS)
def test_the_schema_and_the_api_agree_on_control_characters(kind, openapi, other_employee, reportable):
    component, field, send = FIELDS[kind]
    pattern = _pattern(openapi, component, field)
    client = client_for(other_employee)
    for text in SAMPLES:
        response = send(client, text, reportable)
        accepted = response.status_code in (201, 204)
        if accepted and kind == "reason":
            AnswerReport.objects.all().delete()  # room for the next report
        assert accepted == _ecma_fullmatch(pattern, text), (text, response.status_code, response.content)
        if not accepted:
            assert list(error_of(response, 400, "invalid")["details"]) == [field], text
    assert not re.search(r"\\[sSdDwWbB]", pattern), f"{pattern}: ECMA-262 and Python read that class differently"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", FIELDS)
@pytest.mark.parametrize("text", ["\x1c", "before\x1fafter", "nul\x00"])
def test_a_control_character_is_refused_naming_the_field(kind, text, other_employee, reportable):
    _, field, send = FIELDS[kind]

    error = error_of(send(client_for(other_employee), text, reportable), 400, "invalid")

    assert list(error["details"]) == [field]
    assert "control character" in error["message"].lower()
    assert not AnswerReport.objects.exists()
