"""Who may move an AI answer towards the public, as one table: every action × every role × low/high risk.

Each cell is run twice where it can be: through the web views (as the browser would, anonymous
included) and through the services (what the API and any other caller reach). After the table, the
four-eyes rules: the asker never approves their own answer (not as a reviewer, not as a superuser);
a superuser needs an explicit review grant; one approval publishes low risk; high risk needs two
different reviewers, one of them with approve_high_risk; nobody approves twice; editing the text
makes earlier approvals stale.

Decisions the table records: a submitted answer is hidden (404) from anyone who does not review its
category, superusers included (the forum's policy: superusers need explicit review grants), and
forbidden (403) to those who can see it but may not act (the asker on reviewer verbs, reviewers on
the asker's verbs). Anonymous visitors are sent to the login page.
"""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from aiassist import policy as ai_policy
from aiassist import selectors, services
from aiassist.models import AIAnswer, Approval
from common.exceptions import ApplicationError, Forbidden, InvalidTransition, NotFound
from forum import policy
from forum.models import Post

from ..factories import fresh, grant
from .test_review_services import QUOTED, approve, ask, drafted, make_reviewer, reload, submitted

pytestmark = pytest.mark.django_db

S = AIAnswer.Status

# What each cell means:
#   a status    the action is allowed and the answer is now in that status
#   regenerated a new private draft was requested in its place
#   listed / -  the answer is / is not in the role's review queue
#   act / view  the review page opens with / without the approve-reject-retract forms
#   403 / 404   refused: visible but not theirs to do / hidden from them
#   login       an anonymous visitor is sent to the login page
#
# The state each action starts from: submit, regenerate-draft: a private draft; withdraw, approve, reject,
# queue, review-page: submitted; publish: submitted, and for high risk already approved once by another
# security reviewer (stan), so this approval is the one that publishes (for low risk the first one does);
# retract: published (by rita, or rita and stan); regenerate-rejected: rejected by rita. Retracting is also
# always open to the category's moderators and administrators (the superuser here), reviewers or not.
MATRIX = """
action               risk | asker        other_employee  eng_moderator  general_moderator  security_reviewer  admin_user  anonymous
submit               low  | in_review    404             404            404                404                404         login
submit               high | in_review    404             404            404                404                404         login
withdraw             low  | draft        404             403            404                403                404         login
withdraw             high | draft        404             403            404                403                404         login
approve              low  | 403          404             published      404                published          404         login
approve              high | 403          404             in_review      404                in_review          404         login
reject               low  | 403          404             rejected       404                rejected           404         login
reject               high | 403          404             rejected       404                rejected           404         login
publish              low  | 403          404             published      404                published          404         login
publish              high | 403          404             published      404                published          404         login
retract              low  | 403          404             retracted      404                retracted          retracted   login
retract              high | 403          404             retracted      404                retracted          retracted   login
regenerate-draft     low  | regenerated  404             404            404                404                404         login
regenerate-draft     high | regenerated  404             404            404                404                404         login
regenerate-rejected  low  | regenerated  404             403            404                403                404         login
regenerate-rejected  high | regenerated  404             403            404                403                404         login
queue                low  | -            -               listed         -                  listed             -           login
queue                high | -            -               listed         -                  listed             -           login
review-page          low  | view         404             act            404                act                404         login
review-page          high | view         404             act            404                act                404         login
"""  # noqa: E501 - a table reads better on one line per row


def _cells():
    lines = [line for line in MATRIX.strip().splitlines()]
    roles = lines[0].split("|")[1].split()
    for line in lines[1:]:
        head, outcomes = line.split("|")
        action, risk = head.split()
        for role, expected in zip(roles, outcomes.split(), strict=True):
            yield action, risk, role, expected


CELLS = list(_cells())


@pytest.fixture
def rita(engineering):
    """A reviewer of Engineering outside the table, who builds the starting states."""
    return make_reviewer("rita", engineering)


@pytest.fixture
def stan(engineering):
    """A security reviewer of Engineering outside the table."""
    return make_reviewer("stan", engineering, high_risk=True)
REASON = {"reason": "Not accurate for our setup."}


def _prepare(action, risk, engineering, general, rita, stan, employee):
    """The answer in the state the action starts from (built by people outside the table)."""
    if action in ("submit", "regenerate-draft"):
        return drafted(employee, ask(employee, engineering, risk=risk, sources_in=general), expect_risk=risk)
    answer = submitted(employee, engineering, risk=risk, sources_in=general)
    if action == "publish" and risk == "high":
        answer = approve(stan, answer)
    elif action == "retract":
        answer = approve(rita, answer)
        if risk == "high":
            answer = approve(stan, answer)
        assert answer.status == S.PUBLISHED
    elif action == "regenerate-rejected":
        services.answer_reject(acting_user=rita, answer=answer, reason="Off topic.")
    return reload(answer)


def _snapshot(answer):
    row = reload(answer)
    return (row.status, row.body, Approval.objects.filter(answer=answer).count(),
            Post.objects.filter(kind=Post.Kind.ASSISTANT, hidden=False).count(), AIAnswer.objects.count())


def _outcome_after_success(action, answer):
    if action.startswith("regenerate"):
        new = AIAnswer.objects.get(regenerated_from=answer)
        assert new.status == S.QUEUED and new.asker_id == answer.asker_id
        return "regenerated"
    return reload(answer).status


WEB_ACTIONS = {
    "submit": ("submit", {}),
    "withdraw": ("withdraw", {}),
    "approve": ("approve", {}),
    "publish": ("approve", {}),
    "reject": ("reject", REASON),
    "retract": ("retract", REASON),
    "regenerate-draft": ("regenerate", {"audience": "asker"}),
    "regenerate-rejected": ("regenerate", {"audience": "asker"}),
}


def _via_web(client, action, answer):
    if action == "queue":
        response = client.get(reverse("assistant:queue"))
        if response.status_code == 200:
            return "listed" if reverse("assistant:review", args=[answer.pk]) in response.content.decode() else "-"
    elif action == "review-page":
        response = client.get(reverse("assistant:review", args=[answer.pk]))
        if response.status_code == 200:
            html = response.content.decode()
            assert QUOTED[answer.risk] in html
            return "act" if 'name="reason"' in html else "view"
    else:
        verb, data = WEB_ACTIONS[action]
        response = client.post(reverse(f"assistant:{verb}", args=[answer.pk]), data)
        if response.status_code == 302 and not response["Location"].startswith(reverse("login")):
            return _outcome_after_success(action, answer)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))
        return "login"
    assert QUOTED[answer.risk] not in response.content.decode()
    return str(response.status_code)


SERVICE_ACTIONS = {
    "submit": lambda user, answer: services.answer_submit(acting_user=user, answer=answer),
    "withdraw": lambda user, answer: services.answer_withdraw(acting_user=user, answer=answer),
    "approve": lambda user, answer: services.answer_approve(acting_user=user, answer=answer),
    "publish": lambda user, answer: services.answer_approve(acting_user=user, answer=answer),
    "reject": lambda user, answer: services.answer_reject(acting_user=user, answer=answer, **REASON),
    "retract": lambda user, answer: services.answer_retract(acting_user=user, answer=answer, **REASON),
    "regenerate-draft": lambda user, answer: services.answer_regenerate(acting_user=user, answer=answer),
    "regenerate-rejected": lambda user, answer: services.answer_regenerate(acting_user=user, answer=answer),
}


def _via_services(user, action, answer):
    if action == "queue":
        return "listed" if selectors.review_queue(user).filter(pk=answer.pk).exists() else "-"
    try:
        if action == "review-page":
            found = selectors.reviewable_answer(user, answer.pk)
            return "act" if ai_policy.can_review_answer(user, found) else "view"
        SERVICE_ACTIONS[action](user, answer)
    except ApplicationError as exc:
        return str(exc.status)
    return _outcome_after_success(action, answer)


@pytest.fixture
def setting(engineering, general, rita, stan, employee):
    return lambda action, risk: _prepare(action, risk, engineering, general, rita, stan, employee)


def _role(request, role):
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue("employee" if role == "asker" else role)


def _check(action, expected, got, before, answer):
    assert got == expected
    if expected in ("403", "404", "login", "-", "listed", "act", "view"):
        assert _snapshot(answer) == before  # refused (or only read): nothing moved


@pytest.mark.parametrize(("action", "risk", "role", "expected"), CELLS, ids="-".join)
def test_web(request, setting, action, risk, role, expected):
    answer = setting(action, risk)
    user = _role(request, role)
    client = Client()
    if role != "anonymous":
        client.force_login(user)
    before = _snapshot(answer)
    _check(action, expected, _via_web(client, action, answer), before, answer)


@pytest.mark.parametrize(("action", "risk", "role", "expected"),
                         [cell for cell in CELLS if cell[2] != "anonymous"], ids="-".join)
def test_services(request, setting, action, risk, role, expected):
    answer = setting(action, risk)
    user = fresh(_role(request, role))
    before = _snapshot(answer)
    _check(action, expected, _via_services(user, action, reload(answer)), before, answer)


# The four-eyes rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("risk", ["low", "high"])
def test_the_asker_never_approves_their_own_answer_even_as_a_reviewer_and_superuser(
        client, risk, employee, engineering, general):
    employee.is_superuser = employee.is_staff = True
    employee.save()
    grant(policy.REVIEW, employee, engineering)
    grant(policy.APPROVE_HIGH_RISK, employee, engineering)
    answer = submitted(employee, engineering, risk=risk, sources_in=general)
    me = fresh(employee)
    assert policy.access_for(me, engineering).can_review and policy.access_for(me, engineering).can_approve_high_risk

    for verb in (lambda: services.answer_approve(acting_user=me, answer=reload(answer)),
                 lambda: services.answer_approve(acting_user=me, answer=reload(answer), body="Edited by me."),
                 lambda: services.answer_edit(acting_user=me, answer=reload(answer), body="Edited by me."),
                 lambda: services.answer_reject(acting_user=me, answer=reload(answer), reason="Mine.")):
        with pytest.raises(Forbidden) as caught:
            verb()
        assert caught.value.status == 403
        assert caught.value.message == "You asked this question: someone else must review the answer."

    client.force_login(employee)
    assert client.post(reverse("assistant:approve", args=[answer.pk])).status_code == 403
    page = client.get(reverse("assistant:review", args=[answer.pk])).content.decode()
    assert "someone else must review its answer" in page
    assert f'action="{reverse("assistant:approve", args=[answer.pk])}"' not in page
    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and not answer.approvals.exists() and answer.edited_by is None


def test_a_superuser_without_a_review_grant_cannot_approve(client, admin_user, employee, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    with pytest.raises(NotFound):
        services.answer_approve(acting_user=admin_user, answer=answer)
    client.force_login(admin_user)
    assert client.post(reverse("assistant:approve", args=[answer.pk])).status_code == 404
    assert reload(answer).status == S.IN_REVIEW

    grant(policy.REVIEW, admin_user, engineering)  # the explicit, audited grant is what counts
    assert approve(fresh(admin_user), answer).status == S.PUBLISHED


def test_low_risk_publishes_on_one_approval(employee, eng_moderator, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    assert services.approvals_needed(answer) == {"have": 0, "need": 1, "needs_security_reviewer": False,
                                                 "complete": False}
    assert approve(eng_moderator, answer).status == S.PUBLISHED


def test_high_risk_needs_two_reviewers_one_of_them_a_security_reviewer(employee, eng_moderator, rita,
                                                                        security_reviewer, engineering, general):
    answer = submitted(employee, engineering, risk="high", sources_in=general)
    assert answer.risk == "high"
    assert approve(eng_moderator, answer).status == S.IN_REVIEW
    answer = approve(rita, answer)
    assert answer.status == S.IN_REVIEW  # two reviewers, neither holds approve_high_risk
    assert services.approvals_needed(answer) == {"have": 2, "need": 2, "needs_security_reviewer": True,
                                                 "complete": False}
    answer = approve(security_reviewer, answer)
    assert answer.status == S.PUBLISHED
    assert sorted(answer.approvals.values_list("reviewer__username", flat=True)) == ["maria", "rita", "sam"]


def test_one_security_reviewer_alone_is_not_enough(employee, security_reviewer, eng_moderator, engineering, general):
    answer = approve(security_reviewer, submitted(employee, engineering, risk="high", sources_in=general))
    assert answer.status == S.IN_REVIEW
    assert services.approvals_needed(answer)["have"] == 1
    assert approve(eng_moderator, answer).status == S.PUBLISHED


def test_a_reviewer_approving_twice_is_a_conflict(client, employee, security_reviewer, engineering, general):
    answer = approve(security_reviewer, submitted(employee, engineering, risk="high", sources_in=general))
    with pytest.raises(InvalidTransition) as caught:
        services.answer_approve(acting_user=security_reviewer, answer=reload(answer))
    assert caught.value.status == 409
    client.force_login(security_reviewer)
    response = client.post(reverse("assistant:approve", args=[answer.pk]))
    assert response.status_code == 409
    assert "already approved this text" in response.content.decode()
    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and answer.approvals.count() == 1


def test_an_edit_and_approval_by_a_second_reviewer_publishes_low_risk_on_their_approval(
        employee, eng_moderator, security_reviewer, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    original = answer.body
    services.answer_edit(acting_user=eng_moderator, answer=answer, body=original + "\n\nAlso cap retry_backoff_max.")
    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and answer.edited_by == eng_moderator and answer.original_body == original
    edited = answer.body + "\n\nKeep max_retries bounded."
    answer = approve(security_reviewer, answer, body=edited)
    assert answer.status == S.PUBLISHED
    assert answer.published_post.body == edited and answer.original_body == original
    assert list(answer.approvals.values_list("reviewer__username", flat=True)) == ["sam"]


def test_editing_high_risk_text_makes_earlier_approvals_stale(employee, eng_moderator, security_reviewer, engineering,
                                                               general):
    answer = approve(security_reviewer, submitted(employee, engineering, risk="high", sources_in=general))
    edited = answer.body.replace("and rotate the database password", "and ask the data team first")
    answer = approve(eng_moderator, answer, body=edited)
    # sam approved the old text: it no longer counts, so maria's approval does not publish.
    assert answer.status == S.IN_REVIEW and answer.body == edited and answer.risk == "high"
    assert services.approvals_needed(answer) == {"have": 1, "need": 2, "needs_security_reviewer": True,
                                                 "complete": False}
    answer = approve(security_reviewer, answer)  # sam approves the new text
    assert answer.status == S.PUBLISHED and answer.published_post.body == edited


def test_an_edit_that_adds_risk_needs_the_high_risk_approvals(employee, eng_moderator, security_reviewer,
                                                              engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    answer = approve(eng_moderator, answer, body=answer.body + "\n\nIf it still fails, run `rm -rf /var/lib/celery`.")
    assert answer.risk == "high" and answer.status == S.IN_REVIEW
    assert any(r.startswith("Destructive") for r in answer.risk_reasons)
    assert approve(security_reviewer, answer).status == S.PUBLISHED


def test_an_unchanged_text_from_the_browser_is_not_an_edit(client, employee, security_reviewer, eng_moderator,
                                                          engineering, general):
    """Browsers send a textarea's line breaks as CRLF: the same text must not count as an edit."""
    answer = submitted(employee, engineering, risk="high", sources_in=general)
    client.force_login(security_reviewer)
    response = client.post(reverse("assistant:approve", args=[answer.pk]),
                           {"body": answer.body.replace("\n", "\r\n") + "\r\n"})
    assert response.status_code == 302
    answer = reload(answer)
    assert answer.edited_by is None and answer.original_body == "" and "\r" not in answer.body
    client.force_login(eng_moderator)
    client.post(reverse("assistant:approve", args=[answer.pk]), {"body": answer.body.replace("\n", "\r\n")})
    assert reload(answer).status == S.PUBLISHED  # sam's approval still covers the text
