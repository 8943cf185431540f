"""Review and promotion through the services: the audience check at submission and again at publication,
the database's own refusal to publish without approvals, the worker's inability to publish, retraction
and who hears of it, readers' reports, and the audit trail of every transition.

The helpers at the top build the review scenarios through the real services; the other review test
modules (matrix, stale sources, pages, browser) import them.
"""
import ast
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import aiassist
from aiassist import selectors, services
from aiassist.models import AIAnswer, AnswerReport, AnswerSource, Approval
from aiassist.services import review
from common.exceptions import InvalidInput, InvalidTransition, NotFound
from config.celery import app
from forum import policy
from forum import services as forum_services
from forum.audit import audit_verify, audited
from forum.models import AuditEvent, Notification, Post, PostViewReceipt

from ..factories import UserFactory, fresh, grant, make_thread
from .conftest import wait_for

pytestmark = pytest.mark.django_db

User = get_user_model()
S = AIAnswer.Status

# Scenario builders -----------------------------------------------------------------------------------

# A question and the one readable post that answers it: a colleague asked the same before (the source
# thread's title says it in the same words, so it is relevant enough to draft from) and dana answered.
# The low-risk pair says nothing the risk rules match; the high-risk source carries a destructive
# permission change and a credential, so the extractive engine quotes it and the answer is high risk
# whatever the (harmless) question says.
SCENARIOS = {
    "low": {
        "title": "How should celery retries back off?",
        "body": "My tasks fail on network errors. How do retries back off?",
        "source_title": "My celery tasks fail on network errors: how should retries back off?",
        "source_body": "Which settings control retry backoff?",
        "source_reply": "Set autoretry_for and retry_backoff=True; the countdown doubles.",
    },
    "high": {
        "title": "Nightly batch jobs cannot write to the shared data directory",
        "body": "The nightly batch jobs fail writing to the shared data directory. What fixes it?",
        "source_title": "The nightly batch jobs cannot write to the shared data directory: what fixes it?",
        "source_body": "Where do the nightly batch jobs write?",
        "source_reply": "When the nightly batch jobs cannot write to the shared data directory, "
                        "run `chmod -R 777 /srv/data` and rotate the database password.",
    },
}
QUOTED = {"low": "retry_backoff=True; the countdown doubles", "high": "chmod -R 777 /srv/data"}


def source_author():
    """The colleague who answered in the source thread; plays no other part."""
    return UserFactory(username="dana")


def ask(asker, category, *, risk="low", sources_in=None, title=None):
    """The asker's question in ``category``; the reply answering it lives in ``sources_in`` (default: same).
    The source thread's own question is not advice: the answer quotes dana's reply to erin."""
    scenario = SCENARIOS[risk]
    dana, erin = source_author(), UserFactory(username="erin")
    make_thread(erin, sources_in or category, title=scenario["source_title"], body=scenario["source_body"],
                replies=[(dana, scenario["source_reply"])])
    return make_thread(asker, category, title=title or scenario["title"], body=scenario["body"])


def drafted(asker, thread, *, audience="asker", expect_risk=None) -> AIAnswer:
    answer = services.answer_request(acting_user=asker, thread=thread, audience=audience)
    answer = services.answer_generate(answer_id=answer.pk)
    assert answer.status == S.DRAFT
    if expect_risk:
        assert answer.risk == expect_risk, answer.risk_reasons
    return reload(answer)


def submitted(asker, category, *, risk="low", sources_in=None, title=None) -> AIAnswer:
    thread = ask(asker, category, risk=risk, sources_in=sources_in, title=title)
    answer = drafted(asker, thread, expect_risk=risk)
    services.answer_submit(acting_user=asker, answer=answer)
    return reload(answer)


def approve(reviewer, answer, body=None) -> AIAnswer:
    """The reviewer reads the answer as it stands, then approves that text (or an edit of it)."""
    answer = reload(answer)
    services.answer_approve(acting_user=reviewer, answer=answer, body=body, text_hash=services.body_hash(answer.body))
    return reload(answer)


def reload(answer) -> AIAnswer:
    return AIAnswer.objects.select_related("thread", "thread__category").get(pk=answer.pk)


def cited_post(answer) -> Post:
    """The post the answer cites first (every passage the engine was given is a source, cited or not)."""
    return AnswerSource.objects.select_related("post__thread").get(answer=answer, cited=True, number=1).post


def make_reviewer(username, category, *, high_risk=False):
    user = UserFactory(username=username)
    grant(policy.REVIEW, user, category)
    if high_risk:
        grant(policy.APPROVE_HIGH_RISK, user, category)
    return user


@pytest.fixture
def rita(engineering):
    """A second ordinary reviewer of Engineering (no approve_high_risk)."""
    return make_reviewer("rita", engineering)


@pytest.fixture
def stan(engineering):
    """A second security reviewer of Engineering."""
    return make_reviewer("stan", engineering, high_risk=True)


def events_of(answer):
    return AuditEvent.objects.filter(target_type="aiassist.aianswer", target_id=str(answer.pk)).order_by("id")


def assistant_posts():
    return Post.objects.filter(kind=Post.Kind.ASSISTANT)


# Publication -------------------------------------------------------------------------------------------


def test_publishing_creates_the_assistants_post_carrying_the_reviewers(employee, eng_moderator, engineering,
                                                                         general):
    answer = submitted(employee, engineering, sources_in=general)
    answer = approve(eng_moderator, answer)

    assert answer.status == S.PUBLISHED and answer.published_at is not None
    post = answer.published_post
    assert post.thread_id == answer.thread_id and post.kind == Post.Kind.ASSISTANT and not post.hidden
    assert post.author == services.assistant_account()
    assert not post.author.is_active and not post.author.has_usable_password()
    assert post.body == answer.body and QUOTED["low"] in post.body
    assert list(answer.approvals.values_list("reviewer__username", "high_risk_authority")) == [("maria", False)]
    notice = Notification.objects.get(verb="ai_published")
    assert notice.recipient == employee and answer.body not in notice.text
    assert notice.text.endswith("(AI-generated; verify before acting on it)")


# The audience check --------------------------------------------------------------------------------------

SECRET = "kestrelsecretmarker"  # in the Security Ops post and in the asker's private draft quoting it
SECRET_TITLE = "Tune the flux capacitor cache evicting entries under load"
FLUX_TITLE = "How do I tune the flux capacitor cache?"
FLUX_BODY = "Our flux capacitor cache keeps evicting entries under load. How do I tune it?"


@pytest.fixture
def secops_draft(secops, secops_member, other_employee, engineering):
    """A Security Ops member asks in open Engineering; their draft cites the Security Ops post (the best match)."""
    colleague = UserFactory(username="sec-colleague")
    colleague.groups.add(*secops_member.groups.all())
    secret = make_thread(colleague, secops, title=SECRET_TITLE, body="Why does the flux capacitor cache evict?",
                         replies=[(secops_member, f"Tune the flux capacitor cache: entries evicting under load mean "
                                                  f"the {SECRET} key cache is full.")])
    make_thread(other_employee, engineering, title="Tune the flux capacitor cache when it keeps evicting",
                body="Notes on sizing.",
                replies=[(UserFactory(username="sizer"), "Size the flux capacitor cache generously for heavy load.")])
    question = make_thread(secops_member, engineering, title=FLUX_TITLE, body=FLUX_BODY)
    answer = drafted(secops_member, question)
    sources = AnswerSource.objects.filter(answer=answer).select_related("category")
    assert any(s.category.slug == "security-ops" and s.post.thread == secret for s in sources)
    assert SECRET in answer.body
    # (The post is not edited to take the marker out: a draft quoting a passage its author took back is withheld
    # from its asker too, tests/security/test_taken_back.py.)
    return answer


def test_submitting_a_draft_that_cites_a_restricted_source_is_refused(secops_member, secops_draft):
    with pytest.raises(services.SourcesOutsideAudience) as caught:
        services.answer_submit(acting_user=secops_member, answer=secops_draft)
    assert f"[1] {SECRET_TITLE}" in caught.value.message
    assert "Regenerate it for the thread's audience" in caught.value.message
    assert caught.value.status == 409
    assert caught.value.details == {"sources": [1]}
    assert reload(secops_draft).status == S.DRAFT
    assert not events_of(secops_draft).filter(verb="ai_answer.submit").exists()

    client = Client()
    client.force_login(secops_member)
    response = client.post(reverse("assistant:submit", args=[secops_draft.pk]))
    assert response.status_code == 409
    assert SECRET_TITLE in response.content.decode()
    assert reload(secops_draft).status == S.DRAFT


@pytest.mark.parametrize("who", ["eng_moderator", "security_reviewer", "admin_user"])
def test_no_reviewer_sees_a_refused_draft_anywhere(request, who, secops_member, secops_draft):
    with pytest.raises(services.SourcesOutsideAudience):
        services.answer_submit(acting_user=secops_member, answer=secops_draft)
    user = request.getfixturevalue(who)
    client = Client()
    client.force_login(user)

    queue = client.get(reverse("assistant:queue"))
    assert queue.status_code == 200
    assert reverse("assistant:review", args=[secops_draft.pk]) not in queue.content.decode()
    assert SECRET not in queue.content.decode()
    review_page = client.get(reverse("assistant:review", args=[secops_draft.pk]))
    assert review_page.status_code == 404 and SECRET not in review_page.content.decode()
    thread_page = client.get(reverse("forum:thread", args=[secops_draft.thread_id]))
    assert thread_page.status_code == 200 and SECRET not in thread_page.content.decode()
    search = client.get(reverse("retrieval:search"), {"q": SECRET})
    assert search.status_code == 200
    # The Security Ops post, for those who may read it; never the draft or its thread.
    found = search.content.decode()
    assert FLUX_TITLE not in found and ("0 results" in found) == (who == "eng_moderator")
    with pytest.raises(NotFound):
        services.answer_approve(acting_user=user, answer=reload(secops_draft))


def test_a_draft_regenerated_for_the_threads_audience_is_submittable_and_publishable(
        secops_member, eng_moderator, secops_draft):
    with pytest.raises(services.SourcesOutsideAudience):
        services.answer_submit(acting_user=secops_member, answer=secops_draft)
    new = services.answer_regenerate(acting_user=secops_member, answer=reload(secops_draft), audience="thread")
    assert reload(secops_draft).status == S.DISCARDED
    new = reload(services.answer_generate(answer_id=new.pk))
    assert new.status == S.DRAFT and new.audience == AIAnswer.Audience.THREAD
    assert set(new.sources.values_list("category__slug", flat=True)) == {"engineering"}
    assert SECRET not in new.body and "Size the flux capacitor cache generously" in new.body
    assert services.sources_outside_audience(new) == []

    services.answer_submit(acting_user=secops_member, answer=new)
    new = approve(eng_moderator, new)
    assert new.status == S.PUBLISHED
    assert SECRET not in new.published_post.body


def test_publishing_checks_the_audience_again_after_a_source_moved(admin_user, employee, eng_moderator,
                                                                    engineering, general, secops, secops_group):
    answer = submitted(employee, engineering, sources_in=general)
    source = cited_post(answer)
    forum_services.thread_move(acting_user=admin_user, thread=source.thread, category=secops)
    # maria may not read the source any more: the answer is out of her sight (tests/security/test_source_visibility).
    with pytest.raises(NotFound):
        selectors.reviewable_answer(eng_moderator, answer.pk)
    eng_moderator.groups.add(secops_group)  # now she reads both: the publishing gate is what refuses
    eng_moderator = fresh(eng_moderator)

    with pytest.raises(services.SourcesOutsideAudience) as caught:
        services.answer_approve(acting_user=eng_moderator, answer=reload(answer))
    assert "cannot be published" in caught.value.message
    assert SCENARIOS["low"]["source_title"] in caught.value.message
    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and answer.published_post is None
    assert not Approval.objects.filter(answer=answer).exists()  # the approval rolled back with the refusal
    assert not assistant_posts().exists()
    assert not events_of(answer).filter(verb__in=["ai_answer.approve", "ai_answer.publish"]).exists()

    client = Client()
    client.force_login(eng_moderator)
    response = client.post(reverse("assistant:approve", args=[answer.pk]))
    assert response.status_code == 409
    assert SCENARIOS["low"]["source_title"] in response.content.decode()
    assert reload(answer).status == S.IN_REVIEW and not assistant_posts().exists()


# The database refuses, whatever the code does -------------------------------------------------------------


def _post_for(answer):
    """A post the bypassing code could point the answer at."""
    return forum_services.post_reply(acting_user=answer.asker, thread=answer.thread, body="A post.")


def _refused(write):
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_the_database_refuses_publishing_without_approvals(employee, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    post = _post_for(answer)
    now = timezone.now()

    _refused(lambda: AIAnswer.objects.filter(pk=answer.pk).update(
        status=S.PUBLISHED, published_post=post, published_at=now))

    def save():
        row = reload(answer)
        row.status, row.published_post, row.published_at = S.PUBLISHED, post, now
        row.save()

    _refused(save)
    assert reload(answer).status == S.IN_REVIEW


def test_the_database_refuses_published_without_its_post(employee, eng_moderator, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    # The row answer_approve writes just before it publishes: the trigger is satisfied, the post is not there.
    Approval.objects.create(answer=answer, reviewer=eng_moderator, body_hash=services.body_hash(answer.body))
    _refused(lambda: AIAnswer.objects.filter(pk=answer.pk).update(status=S.PUBLISHED, published_at=timezone.now()))
    assert reload(answer).status == S.IN_REVIEW
    # The control: with its post too, the same write goes through.
    post = _post_for(answer)
    AIAnswer.objects.filter(pk=answer.pk).update(status=S.PUBLISHED, published_post=post, published_at=timezone.now())
    assert reload(answer).status == S.PUBLISHED


def test_the_database_refuses_high_risk_with_one_approval(employee, security_reviewer, eng_moderator, engineering,
                                                          general):
    answer = submitted(employee, engineering, risk="high", sources_in=general)
    answer = approve(security_reviewer, answer)
    assert answer.status == S.IN_REVIEW and answer.approvals.get().high_risk_authority
    post = _post_for(answer)
    _refused(lambda: AIAnswer.objects.filter(pk=answer.pk).update(
        status=S.PUBLISHED, published_post=post, published_at=timezone.now()))
    assert reload(answer).status == S.IN_REVIEW
    # Two different reviewers, one with authority: the service publishes through the same trigger.
    assert approve(eng_moderator, answer).status == S.PUBLISHED


def test_the_database_refuses_approvals_by_the_asker(employee, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    Approval.objects.create(answer=answer, reviewer=employee, body_hash=services.body_hash(answer.body))
    post = _post_for(answer)
    _refused(lambda: AIAnswer.objects.filter(pk=answer.pk).update(
        status=S.PUBLISHED, published_post=post, published_at=timezone.now()))


def test_postgresql_refuses_approvals_of_another_text(employee, eng_moderator, engineering, general):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no sha256() for the trigger; the text check runs on PostgreSQL")
    answer = submitted(employee, engineering, sources_in=general)
    Approval.objects.create(answer=answer, reviewer=eng_moderator, body_hash=services.body_hash(answer.body))
    post = _post_for(answer)
    _refused(lambda: AIAnswer.objects.filter(pk=answer.pk).update(
        body="Something nobody approved.", status=S.PUBLISHED, published_post=post, published_at=timezone.now()))


# The worker can never publish -------------------------------------------------------------------------------

FORBIDDEN_IN_WORKER = {"answer_publish", "answer_approve"}
PACKAGE = Path(aiassist.__file__).parent


def _names(path: Path) -> set[str]:
    """Every identifier and string a module mentions: names, attributes, imports, definitions, literals."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.alias):
            found.update({node.name.split(".")[-1], node.asname or ""})
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[-1])
    return found


def test_answer_publish_is_not_exported():
    assert "answer_publish" not in services.__all__
    assert not hasattr(services, "answer_publish")
    assert callable(review.answer_publish)  # it exists, reachable only from answer_approve


@pytest.mark.parametrize("module", ["tasks.py", "services/drafting.py"])
def test_the_workers_code_never_names_publishing(module):
    names = _names(PACKAGE / module)
    assert not names & FORBIDDEN_IN_WORKER
    assert "review" not in names  # nor the module that holds it


def test_every_service_a_task_calls_is_a_drafting_service():
    called = set()
    for node in ast.walk(ast.parse((PACKAGE / "tasks.py").read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "services":
            called.add(node.attr)
    assert called >= {"answer_generate", "answer_fail", "answers_sweep"}
    assert {getattr(services, name).__module__ for name in called} == {"aiassist.services.drafting"}


WORKER_RESULTS: dict[int, tuple[str, str]] = {}


@app.task(name="tests.try_publish")
def try_publish_task(answer_id: int, reviewer_id: int) -> None:
    """Test-only: a task that tries to publish, and records what happened for the test thread."""
    answer = AIAnswer.objects.select_related("thread", "thread__category").get(pk=answer_id)
    try:
        with audited():
            review.answer_publish(acting_user=User.objects.get(pk=reviewer_id), answer=answer)
    except Exception as exc:  # noqa: BLE001 - recorded for the assertion
        WORKER_RESULTS[answer_id] = (type(exc).__name__, str(exc))
    else:
        WORKER_RESULTS[answer_id] = ("published", "")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_publishing_from_inside_a_celery_task_raises(celery_worker, employee, eng_moderator, engineering, general):
    thread = ask(employee, engineering, sources_in=general)
    answer = services.answer_request(acting_user=employee, thread=thread)  # the worker drafts it
    answer = wait_for(answer.pk, {S.DRAFT, S.FAILED})
    assert answer.status == S.DRAFT
    services.answer_submit(acting_user=employee, answer=answer)
    # Exactly what answer_approve has written when it calls answer_publish: the approvals are complete.
    Approval.objects.create(answer=answer, reviewer=eng_moderator, body_hash=services.body_hash(answer.body))
    try_publish_task.delay(answer.pk, eng_moderator.pk)
    deadline = time.monotonic() + 20
    while answer.pk not in WORKER_RESULTS and time.monotonic() < deadline:
        time.sleep(0.05)
    assert WORKER_RESULTS.pop(answer.pk, None) == ("RuntimeError", "AI answers are never published from a worker")
    assert reload(answer).status == S.IN_REVIEW and not assistant_posts().exists()

    # The control: the same call outside a worker publishes, so the worker guard alone refused it.
    with audited():
        review.answer_publish(acting_user=eng_moderator, answer=reload(answer))
    assert reload(answer).status == S.PUBLISHED


# Retraction -------------------------------------------------------------------------------------------------


def viewed(user, thread):
    client = Client()
    client.force_login(user)
    response = client.get(reverse("forum:thread", args=[thread.pk]))
    assert response.status_code == 200
    return response


def test_retracting_notifies_the_asker_and_every_viewer_only(employee, other_employee, general_moderator,
                                                             eng_moderator, engineering, general):
    carol = UserFactory(username="carol")
    answer = submitted(employee, engineering, sources_in=general)
    viewed(carol, answer.thread)  # before publication: nothing AI to have seen
    answer = approve(eng_moderator, answer)
    for reader in (other_employee, general_moderator, eng_moderator):
        page = viewed(reader, answer.thread).content.decode()
        assert QUOTED["low"] in page
    assert set(PostViewReceipt.objects.values_list("user__username", flat=True)) == {"bob", "gus", "maria"}
    body = answer.body

    services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason="Out of date since v5.")

    notices = Notification.objects.filter(verb="ai_retracted")
    assert sorted(notices.values_list("recipient__username", flat=True)) == ["alice", "bob", "gus"]
    for notice in notices:
        assert "Out of date since v5." in notice.text and "must not be relied on" in notice.text
        assert QUOTED["low"] not in notice.text and body not in notice.text
        assert notice.url.endswith(f"#post-{answer.published_post_id}")

    answer = reload(answer)
    assert answer.status == S.RETRACTED and answer.retract_reason == "Out of date since v5."
    assert answer.published_post.hidden
    for reader in (other_employee, general_moderator, carol, employee):
        assert QUOTED["low"] not in viewed(reader, answer.thread).content.decode().split('id="ai-panel"')[0]
        assert QUOTED["low"] not in _posts_section(viewed(reader, answer.thread))
    # Moderators too get the placeholder with the reason, never the text: its reviewers read it on its review page.
    moderator_page = _posts_section(viewed(eng_moderator, answer.thread))
    assert "An AI answer was withdrawn by a reviewer: Out of date since v5." in moderator_page
    assert QUOTED["low"] not in moderator_page


def _posts_section(response) -> str:
    html = response.content.decode()
    return html[html.index('<section class="posts"'):]


def test_retracting_needs_a_reason_and_a_published_answer(employee, eng_moderator, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    with pytest.raises(InvalidTransition):
        services.answer_retract(acting_user=eng_moderator, answer=answer, reason="Wrong.")
    answer = approve(eng_moderator, answer)
    for reason in ("", "   \n "):
        with pytest.raises(InvalidInput) as caught:
            services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason=reason)
        assert caught.value.message == "A reason is required to retract an answer."
    assert reload(answer).status == S.PUBLISHED and not reload(answer).published_post.hidden


# Reports -------------------------------------------------------------------------------------------------------


@pytest.fixture
def published(employee, eng_moderator, engineering, general):
    return approve(eng_moderator, submitted(employee, engineering, sources_in=general))


def report(user, post, reason="It says to double the countdown; our broker config differs."):
    client = Client()
    client.force_login(user)
    return client.post(reverse("assistant:report", args=[post.pk]), {"reason": reason})


def test_a_reader_reports_a_published_ai_post_and_it_returns_to_the_queue(other_employee, eng_moderator,
                                                                          published):
    response = report(other_employee, published.published_post)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#post-{published.published_post_id}")
    answer = reload(published)
    assert answer.attention_reason == ("Reported by a reader: It says to double the countdown; "
                                       "our broker config differs.")
    assert answer.status == S.PUBLISHED
    assert AnswerReport.objects.get(answer=answer).reporter == other_employee

    client = Client()
    client.force_login(eng_moderator)
    queue = client.get(reverse("assistant:queue")).content.decode()
    assert reverse("assistant:review", args=[answer.pk]) in queue
    assert "⚑ Reported by a reader: It says to double the countdown" in queue

    again = report(other_employee, published.published_post, "Still wrong.")
    assert again.status_code == 409
    assert "already reported" in again.content.decode()
    assert AnswerReport.objects.count() == 1


def test_reports_need_a_reason_and_an_ai_post_the_reader_can_see(employee, other_employee, secops_member,
                                                                  published):
    assert report(other_employee, published.published_post, "  ").status_code == 400
    human_post = Post.objects.filter(thread=published.thread, kind=Post.Kind.HUMAN).first()
    assert report(other_employee, human_post).status_code == 404
    assert not AnswerReport.objects.exists() and reload(published).attention_reason == ""


def test_a_reviewer_confirms_a_reported_answer(other_employee, secops_member, eng_moderator, published):
    report(other_employee, published.published_post)
    report(secops_member, published.published_post, "Needs a source for the doubling.")
    assert AnswerReport.objects.filter(resolved_at__isnull=True).count() == 2

    services.answer_confirm(acting_user=eng_moderator, answer=reload(published))
    answer = reload(published)
    assert answer.attention_reason == "" and answer.status == S.PUBLISHED
    assert not AnswerReport.objects.filter(resolved_at__isnull=True).exists()
    with pytest.raises(InvalidTransition):
        services.answer_confirm(acting_user=eng_moderator, answer=answer)  # nothing left to confirm
    # The reader may report it again later: their first report is resolved.
    assert report(other_employee, published.published_post, "Wrong again.").status_code == 302


def test_a_reviewer_retracts_a_reported_answer(other_employee, eng_moderator, published):
    report(other_employee, published.published_post)
    services.answer_retract(acting_user=eng_moderator, answer=reload(published), reason="Reader was right.")
    answer = reload(published)
    assert answer.status == S.RETRACTED
    assert answer.attention_reason == "" and answer.attention_at is None  # settled: no "checked again" banner
    assert not AnswerReport.objects.filter(resolved_at__isnull=True).exists()
    assert report(other_employee, published.published_post).status_code == 404  # hidden now


# The audit trail -----------------------------------------------------------------------------------------------


def test_every_transition_is_audited_and_the_chain_holds(employee, other_employee, eng_moderator, security_reviewer,
                                                         engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    services.answer_withdraw(acting_user=employee, answer=reload(answer))
    services.answer_submit(acting_user=employee, answer=reload(answer))
    services.answer_edit(acting_user=eng_moderator, answer=reload(answer),
                         body=reload(answer).body + "\n\nCheck the broker's visibility timeout too.")
    answer = approve(security_reviewer, answer)
    assert answer.status == S.PUBLISHED
    viewed(other_employee, answer.thread)
    report(other_employee, answer.published_post)
    services.answer_confirm(acting_user=eng_moderator, answer=reload(answer))
    source = cited_post(answer)
    forum_services.post_edit(acting_user=source.author, post=source, body=source.body + " Cap it with max_retries.")
    services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason="Superseded.")

    rows = list(events_of(answer).values_list("verb", "actor__username"))
    assert rows == [
        ("ai_answer.request", "alice"), ("ai_answer.claim", None), ("ai_answer.draft", None),
        ("ai_answer.submit", "alice"), ("ai_answer.withdraw", "alice"), ("ai_answer.submit", "alice"),
        ("ai_answer.edit", "maria"), ("ai_answer.approve", "sam"), ("ai_answer.publish", "sam"),
        ("ai_answer.report", "bob"), ("ai_answer.confirm", "maria"), ("ai_answer.flag", None),
        ("ai_answer.retract", "maria"),
    ]
    publish = events_of(answer).get(verb="ai_answer.publish")
    assert publish.data == {"post": answer.published_post_id, "reviewers": ["sam"]}
    # The asker, the reader, and sam, whose approval published it (maria, who retracts, is not told).
    assert events_of(answer).get(verb="ai_answer.retract").data["notified"] == sorted(
        [employee.pk, other_employee.pk, security_reviewer.pk])

    rejected = submitted(employee, engineering, sources_in=general, title="How do celery retries back off, again?")
    services.answer_reject(acting_user=eng_moderator, answer=rejected, reason="Duplicate question.")
    assert list(events_of(rejected).values_list("verb", flat=True))[-1] == "ai_answer.reject"
    assert events_of(rejected).get(verb="ai_answer.reject").data == {"reason": "Duplicate question.",
                                                                     "code": "other"}

    chain = audit_verify()
    assert chain.ok, chain.problem
    assert chain.checked == AuditEvent.objects.count()


def test_a_refused_transition_writes_no_audit_event(employee, eng_moderator, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput):
        services.answer_reject(acting_user=eng_moderator, answer=answer, reason="")
    with pytest.raises(InvalidTransition):
        services.answer_submit(acting_user=employee, answer=reload(answer))
    assert AuditEvent.objects.count() == before
    assert audit_verify().ok


def test_submitting_tells_the_categorys_reviewers_and_nobody_else(employee, other_employee, eng_moderator,
                                                                   general_moderator, engineering, security_reviewer,
                                                                   admin_user):
    group_reviewer = UserFactory(username="grace")
    reviewers = Group.objects.create(name="eng-reviewers")
    grant(policy.REVIEW, reviewers, engineering)
    group_reviewer.groups.add(reviewers)
    retired = make_reviewer("retired", engineering)
    retired.is_active = False
    retired.save()

    answer = submitted(employee, engineering)
    told = Notification.objects.filter(verb="ai_review_requested")
    # Maria and Sam review Engineering directly, Grace through her group; Gus reviews General only;
    # the admin holds no review grant; the retired reviewer is inactive; the asker is never told.
    assert sorted(told.values_list("recipient__username", flat=True)) == ["grace", "maria", "sam"]
    notice = told.get(recipient=eng_moderator)
    assert notice.url == reverse("assistant:review", args=[answer.pk])
    assert answer.thread.title in notice.text and QUOTED["low"] not in notice.text  # the title, never the text


def test_a_reviewer_who_asked_is_not_told_about_their_own_answer(eng_moderator, engineering, security_reviewer):
    submitted(eng_moderator, engineering)
    assert list(Notification.objects.filter(verb="ai_review_requested").values_list(
        "recipient__username", flat=True)) == ["sam"]


def test_only_those_who_can_open_the_review_page_are_told(employee, eng_moderator, engineering):
    approver_only = UserFactory(username="hal")  # approve_high_risk without review_ai_answers
    grant(policy.APPROVE_HIGH_RISK, approver_only, engineering)
    answer = submitted(employee, engineering, risk="high",
                       title="Nightly batch jobs cannot write to the shared data directory")
    assert not Notification.objects.filter(recipient=approver_only).exists()
    hal = Client()
    hal.force_login(approver_only)
    assert hal.get(reverse("assistant:review", args=[answer.pk])).status_code == 404
    assert Notification.objects.filter(recipient=eng_moderator, verb="ai_review_requested").count() == 1


def test_holders_of_refuses_permissions_that_are_also_held_implicitly(engineering):
    for codename in (policy.VIEW, policy.POST, policy.MODERATE):
        with pytest.raises(ValueError):
            policy.holders_of(codename, engineering)


@pytest.mark.parametrize("used", ["signed_in", "posted"])
def test_a_persons_account_of_the_assistants_name_is_never_taken_over(used, employee, eng_moderator, engineering,
                                                                       general, settings):
    """A colleague whose account is named like the assistant keeps it: publishing stops with the remedy, and no AI
    post goes out under their name (a review of round 45)."""
    settings.ASSISTANT_USERNAME = "robin"
    person = UserFactory(username="robin")
    if used == "signed_in":
        person.last_login = timezone.now()
        person.save(update_fields=["last_login"])
    else:
        make_thread(person, general, title="Robin asks about something else")
    answer = submitted(employee, engineering, sources_in=general)

    with pytest.raises(InvalidTransition, match="belongs to a person's account"):
        approve(eng_moderator, answer)

    person.refresh_from_db()
    assert person.is_active and person.has_usable_password()
    assert not assistant_posts().exists()
    answer.refresh_from_db()
    assert answer.status == S.IN_REVIEW


def test_the_assistants_own_account_is_locked_again_when_someone_gave_it_a_password(employee, eng_moderator,
                                                                                    engineering, general):
    account = services.assistant_account()
    account.set_password("guessable")  # noqa: S106
    account.is_active = True
    account.save()

    post = approve(eng_moderator, submitted(employee, engineering, sources_in=general)).published_post

    account.refresh_from_db()
    assert post.author == account and not account.is_active and not account.has_usable_password()
