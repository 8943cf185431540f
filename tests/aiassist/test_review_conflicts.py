"""Two reviewers on one text: an approval or edit sent from a page served before someone else's edit is refused (409)
and loses nothing; it never silently undoes the other reviewer's edit.

A review found the web form always sent the textarea as an edit, so the service's "another reviewer edited" guard
(for approvals sent without a body) never ran on the web: Approve on a stale page published the older text.
"""
import html
import re

import pytest

from aiassist import services
from aiassist.models import AIAnswer
from forum import policy
from forum.models import AuditEvent
from tests.factories import UserFactory, grant, make_thread

pytestmark = pytest.mark.django_db
REMOVED = "the delay doubles"


@pytest.fixture
def in_review(employee, engineering):
    reply = "Set autoretry_for and retry_backoff=True; the delay doubles."
    make_thread(UserFactory(username="erin"), engineering, title="Celery retry backoff settings",
                body="Which settings control retry backoff?", replies=[(UserFactory(username="dana"), reply)])
    question = make_thread(employee, engineering, title="How should celery retries back off?",
                           body="My tasks fail on network errors. How do retries back off?")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert answer.risk == AIAnswer.Risk.LOW and REMOVED in answer.body, answer.body
    return services.answer_submit(acting_user=employee, answer=answer)


@pytest.fixture
def rita(engineering):
    rita = UserFactory(username="rita")
    grant(policy.REVIEW, rita, engineering)
    return rita


def _form(page: str) -> dict:
    """What the review page's edit form sends as served: its text and the hash of the text it shows."""
    body = html.unescape(re.search(r'<textarea id="id_body" name="body"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    return {"body": body, "text_hash": re.search(r'name="text_hash" value="([0-9a-f]{64})"', page).group(1)}


def _rita_removes_the_sentence(answer, rita):
    current = AIAnswer.objects.get(pk=answer.pk)
    services.answer_edit(acting_user=rita, answer=current, body=current.body.replace(" " + REMOVED + ".", ""))
    assert REMOVED not in AIAnswer.objects.get(pk=answer.pk).body


@pytest.mark.parametrize("verb", ["approve", "edit"])
def test_a_stale_page_cannot_undo_another_reviewers_edit(in_review, rita, eng_moderator, client, verb):
    client.force_login(eng_moderator)
    sent = _form(client.get(f"/ai/review/{in_review.pk}/").content.decode())
    sent["body"] += "\n\nMaria's own addition."
    _rita_removes_the_sentence(in_review, rita)
    events = AuditEvent.objects.count()

    response = client.post(f"/ai/review/{in_review.pk}/{verb}/", sent)

    assert response.status_code == 409
    answer = AIAnswer.objects.get(pk=in_review.pk)
    assert answer.status == AIAnswer.Status.IN_REVIEW and REMOVED not in answer.body
    assert "Maria's own addition" not in answer.body and not answer.approvals.exists()
    assert AuditEvent.objects.count() == events  # nothing happened
    page = response.content.decode()
    assert "The text changed since you read it (rita edited it)" in page
    # Nothing typed is lost: her text is back in the editor, now against the text as it stands.
    again = _form(page)
    assert again["body"] == sent["body"] and again["text_hash"] == services.body_hash(answer.body)


def test_a_page_served_after_the_edit_approves_what_it_shows(in_review, rita, eng_moderator, client):
    _rita_removes_the_sentence(in_review, rita)
    client.force_login(eng_moderator)
    sent = _form(client.get(f"/ai/review/{in_review.pk}/").content.decode())

    response = client.post(f"/ai/review/{in_review.pk}/approve/", sent)

    assert response.status_code == 302
    answer = AIAnswer.objects.get(pk=in_review.pk)
    assert answer.status == AIAnswer.Status.PUBLISHED and REMOVED not in answer.published_post.body


def test_a_form_without_the_hash_is_judged_as_before(in_review, eng_moderator, client):
    """An older page, or a client posting the body alone: an approval with the body is an edit and an approval of
    it, as before (nobody else edited)."""
    client.force_login(eng_moderator)
    body = _form(client.get(f"/ai/review/{in_review.pk}/").content.decode())["body"]
    for bad in ("", "not-a-hash"):
        assert services.body_hash(body) != bad
    response = client.post(f"/ai/review/{in_review.pk}/approve/", {"body": body, "text_hash": "not-a-hash"})
    assert response.status_code == 302
    assert AIAnswer.objects.get(pk=in_review.pk).status == AIAnswer.Status.PUBLISHED
