"""Seams found by the adversarial review of the gate after issue 12's fixes, each reproduced end to end:

- F1: an API approval without the text approved whatever another reviewer had just edited in;
- F2: risk ignored the passages the engine was given but did not cite;
- F4: hiding a cited source left the answer that quotes it published.
"""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aiassist import services
from aiassist.models import AIAnswer
from aiassist.sources import retrieve
from forum import services as forum_services
from forum.models import Post

from ..aiassist.test_engines_openai import chat_server, completion  # noqa: F401 - fixture
from ..factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def drafted_low_risk(asker, category):
    make_thread(UserFactory(username="erin"), category, title="Celery retry backoff settings",
                body="Which settings control retry backoff?",
                replies=[(UserFactory(username="dana"),
                          "Set autoretry_for and retry_backoff=True; the delay doubles.")])
    question = make_thread(asker, category, title="How should celery retries back off?",
                           body="My tasks fail on network errors. How do retries back off?")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=asker, thread=question).pk)
    assert answer.status == AIAnswer.Status.DRAFT and answer.risk == AIAnswer.Risk.LOW
    assert answer.sources.filter(cited=True).exists(), answer.body
    return answer


def test_an_api_approval_covers_only_the_text_its_reviewer_read(employee, engineering, eng_moderator,
                                                                security_reviewer):
    answer = drafted_low_risk(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    sam = api(security_reviewer)
    read = sam.get(f"{V1}/ai-answers/{answer.pk}/").json()
    # Meanwhile maria approves with an edit that makes it high risk (1 of 2 approvals).
    edited = read["body"] + "\n\nIf that fails, run `chmod -R 777 /srv/data`."
    after = api(eng_moderator).post(f"{V1}/ai-answers/{answer.pk}/approve/", {"body": edited}, format="json").json()
    assert after["status"] == "in_review" and after["risk"] == "high"
    # sam's approval of what he read is refused, with or without the hash he read.
    for payload in ({}, {"body_hash": read["body_hash"]}):
        response = sam.post(f"{V1}/ai-answers/{answer.pk}/approve/", payload, format="json")
        assert response.status_code == 409, payload
        assert response.json()["error"]["code"] == "text_changed"
    # Nor may he send the text he read back as an edit: it would silently undo maria's.
    response = sam.post(f"{V1}/ai-answers/{answer.pk}/approve/", {"body": read["body"]}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "text_changed"
    assert AIAnswer.objects.get(pk=answer.pk).status == AIAnswer.Status.IN_REVIEW
    assert not Post.objects.filter(kind=Post.Kind.ASSISTANT).exists()
    # Having read the new text, he approves it by its hash: published with both approvals.
    current = sam.get(f"{V1}/ai-answers/{answer.pk}/").json()
    assert "chmod -R 777" in current["body"]
    done = sam.post(f"{V1}/ai-answers/{answer.pk}/approve/", {"body_hash": current["body_hash"]}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "published"


def test_risk_counts_the_passages_given_but_not_cited(settings, chat_server, employee, engineering):  # noqa: F811
    settings.ASSISTANT_ENGINE = "openai"
    settings.ASSISTANT_ENGINE_CONFIG = {"openai": {"base_url": chat_server.url, "api_key": "k", "model": "m",
                                                   "timeout": 2}}
    make_thread(UserFactory(username="erin"), engineering, title="Shared data directory not writable by batch jobs",
                body="The batch jobs cannot write to the shared data directory.",
                replies=[(UserFactory(username="dana"), "Run `chmod -R 777 /srv/data` on the shared data directory."),
                         (UserFactory(username="gil"), "The batch jobs write to the shared data directory /srv/data "
                                                       "as the batch user.")])
    question = make_thread(employee, engineering, title="Batch jobs cannot write to the shared data directory",
                           body="What fixes the shared data directory for the batch jobs?")
    given = retrieve(asker=employee, thread=question, question=f"{question.title}\n\n"
                     "What fixes the shared data directory for the batch jobs?", audience="asker")
    harmless = next(r.doc.number for r in given if "chmod" not in r.doc.text)
    assert any("chmod" in r.doc.text for r in given)
    # The model paraphrases the risky passage and cites only the harmless one.
    chat_server.reply(completion(f"Relax the directory's mode bits so any account on the host can write "
                                 f"there [{harmless}]."))
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert answer.status == AIAnswer.Status.DRAFT
    assert answer.sources.filter(cited=False, text__contains="chmod").exists()
    assert answer.risk == AIAnswer.Risk.HIGH, answer.risk_reasons


def test_hiding_a_cited_source_withdraws_the_published_answer(employee, other_employee, engineering,
                                                              eng_moderator, client):
    answer = drafted_low_risk(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    answer = services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))
    assert answer.status == AIAnswer.Status.PUBLISHED
    source = answer.sources.get(cited=True).post
    forum_services.post_hide(acting_user=eng_moderator, post=source, reason="It pasted a live token.")
    answer = AIAnswer.objects.get(pk=answer.pk)
    assert answer.status == AIAnswer.Status.IN_REVIEW
    assert Post.objects.get(pk=answer.published_post_id).hidden
    client.force_login(other_employee)
    page = client.get(f"/t/{answer.thread_id}/").content.decode()
    assert "the delay doubles" not in page


def test_a_reader_who_lost_access_is_told_of_a_retraction_without_the_threads_title(
        employee, other_employee, engineering, eng_moderator, security_reviewer, secops, admin_user, client):
    """F7: the thread moved into a restricted category and was renamed; its former readers are still warned."""
    from forum.models import Notification

    answer = drafted_low_risk(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    answer = services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))
    client.force_login(other_employee)
    assert "the delay doubles" in client.get(f"/t/{answer.thread_id}/").content.decode()  # bob reads it
    thread = answer.thread
    forum_services.thread_move(acting_user=admin_user, thread=thread, category=secops)
    secret_title = "Incident ZANZIBAR-7: export bucket was public"
    opening = thread.posts.order_by("id").first()
    forum_services.post_edit(acting_user=admin_user, post=opening, body=opening.body, title=secret_title)
    # Retitled, the answer leaves the thread (it was vetted for the question as it read, round 33): its readers are
    # told then, who can no longer open the thread without its new title.
    assert AIAnswer.objects.get(pk=answer.pk).status == AIAnswer.Status.IN_REVIEW
    notices = list(Notification.objects.filter(recipient__in=[other_employee, employee], verb="ai_withdrawn"))
    assert {n.recipient_id for n in notices} == {other_employee.pk, employee.pk}
    for notice in notices:
        assert "ZANZIBAR" not in notice.text and notice.url == ""
        assert "must not be relied on" in notice.text


def test_the_post_admin_cannot_bring_back_a_retracted_ai_post(employee, engineering, eng_moderator, admin_user,
                                                              client):
    """F5: the admin's post form bypassed every service; it is read-only now."""
    answer = drafted_low_risk(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    answer = services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))
    answer = services.answer_retract(acting_user=eng_moderator, answer=answer, reason="Wrong.")
    post = Post.objects.get(pk=answer.published_post_id)
    assert post.hidden
    client.force_login(admin_user)
    url = f"/admin/forum/post/{post.pk}/change/"
    assert client.get(url).status_code == 200  # visible to read
    response = client.post(url, {"thread": post.thread_id, "author": post.author_id, "kind": "assistant",
                                 "body": post.body + " EXTRA-ADMIN-TEXT", "hidden": ""})
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.hidden and "EXTRA-ADMIN-TEXT" not in post.body
    assert client.get("/admin/forum/post/add/").status_code == 403
