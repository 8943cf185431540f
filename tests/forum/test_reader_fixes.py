"""The reader's and the asker's thread page (issue 14): the question first and the private panel after it,
folded once read; the panel yielding to the published post; a withdrawn AI post's placeholder and the
post count; a rejected draft told as such; discard confirmed and undoable; a refused reply beside its form.

Decision on counting: a withdrawn AI post stays in the thread as a placeholder every reader sees, so it
stays one of the thread's posts (Thread.post_count, the category list, the thread page and its pages all
count it), and the thread shows as many entries as it says it has.
"""
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import services
from forum.models import AuditEvent, Post, PostViewReceipt, Thread

from ..aiassist.test_review_services import approve, ask, drafted, reload, submitted
from ..api.conftest import V1, client_for
from ..factories import signed_in

pytestmark = pytest.mark.django_db
S = AIAnswer.Status
BODY_MARKER = "retry_backoff=True; the countdown doubles"  # in every drafted answer's text (QUOTED["low"])


def page(client, thread, **params) -> str:
    response = client.get(reverse("forum:thread", args=[thread.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def panel_of(html: str) -> str:
    found = re.search(r'<section id="ai-panel".*?</section>', html, re.S)
    return found.group(0) if found else ""


# (d) The question first, the panel after it, folded once read -------------------------------------------


def test_the_question_comes_first_then_the_panel_then_the_replies(employee, other_employee, engineering, general):
    thread = ask(employee, engineering, sources_in=general)
    services.post_reply(acting_user=other_employee, thread=thread, body="Try retry_jitter as well.")
    question = thread.posts.order_by("pk").first()
    html = page(signed_in(employee), thread)
    at_question, at_panel = html.index(f'id="post-{question.pk}"'), html.index('id="ai-panel"')
    at_reply = html.index("Try retry_jitter as well.")
    assert at_question < at_panel < at_reply
    assert "Ask the assistant" in panel_of(html)
    # The same for a reader whose page came from the cache (another reader with the same rights first).
    services.post_reply(acting_user=other_employee, thread=thread, body="And mind max_retries.")
    page(signed_in(other_employee), thread)
    html = page(signed_in(employee), thread)
    assert html.index(f'id="post-{question.pk}"') < html.index('id="ai-panel"') < html.index("And mind max_retries.")
    assert html.count('id="ai-panel"') == 1


def test_on_a_later_page_the_panel_comes_before_the_posts(settings, employee, other_employee, engineering, general):
    settings.FORUM_POSTS_PER_PAGE = 2
    thread = ask(employee, engineering, sources_in=general)
    for n in range(3):
        services.post_reply(acting_user=other_employee, thread=thread, body=f"Reply number {n}.")
    html = page(signed_in(employee), thread, page=2)
    assert html.count('id="ai-panel"') == 1
    assert html.index('id="ai-panel"') < html.index("Reply number 1.")


def test_the_panel_is_open_while_there_is_something_to_do_and_folded_once_read(employee, engineering, general):
    thread = ask(employee, engineering, sources_in=general)
    client = signed_in(employee)
    assert '<details class="ai-panel-fold" open>' in panel_of(page(client, thread))  # ask
    answer = drafted(employee, thread)
    assert '<details class="ai-panel-fold" open>' in panel_of(page(client, thread))  # a fresh draft
    ai_services.answer_feedback(acting_user=employee, answer=answer, rating="helpful")
    folded = panel_of(page(client, thread))
    assert '<details class="ai-panel-fold">' in folded and BODY_MARKER in folded  # read: folded, still there
    ai_services.answer_submit(acting_user=employee, answer=reload(answer))
    assert '<details class="ai-panel-fold">' in panel_of(page(client, thread))
    # After an action in the panel (htmx), the panel the asker is working in stays open.
    response = client.post(reverse("assistant:withdraw", args=[answer.pk]), HTTP_HX_REQUEST="true")
    assert '<details class="ai-panel-fold" open>' in response.content.decode()


# (a) The panel yields to the published post ------------------------------------------------------------


def test_after_publication_the_panel_links_to_the_post_instead_of_repeating_it(employee, eng_moderator,
                                                                              engineering, general):
    answer = approve(eng_moderator, submitted(employee, engineering, sources_in=general))
    html = page(signed_in(employee), answer.thread)
    panel = panel_of(html)
    assert f'href="/t/{answer.thread_id}/?post={answer.published_post_id}#post-{answer.published_post_id}"' in panel
    assert "published in this thread" in panel
    assert BODY_MARKER not in panel and "private to you" not in panel
    assert html.count(BODY_MARKER) == 1  # once: the published post


# (b) A withdrawn AI post leaves a placeholder; the count agrees ------------------------------------------


@pytest.fixture
def retracted(employee, other_employee, eng_moderator, engineering, general):
    answer = approve(eng_moderator, submitted(employee, engineering, sources_in=general))
    services.post_reply(acting_user=other_employee, thread=answer.thread, body="Thanks, that worked.")
    page(signed_in(other_employee), answer.thread)  # bob read it
    ai_services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason="It skips max_retries.",
                               code="incorrect")
    return reload(answer)


def test_a_retracted_ai_post_leaves_a_placeholder_with_the_reason(retracted, other_employee, employee):
    for reader in (other_employee, employee):
        html = page(signed_in(reader), retracted.thread)
        placeholder = re.search(rf'<article id="post-{retracted.published_post_id}" class="post card post-withdrawn".*?'
                                r"</article>", html, re.S)
        assert placeholder, reader
        assert "An AI answer was withdrawn by a reviewer: It skips max_retries." in placeholder.group(0)
        # The text itself is gone from the thread (the asker's own panel still shows them their answer, retracted).
        assert BODY_MARKER not in html.replace(panel_of(html), "")


def test_moderators_get_the_placeholder_too(retracted, eng_moderator):
    """Withdrawn text may quote what the thread's readers can no longer read (a thread moved out of a restricted
    category): nobody reads it in the thread; its reviewers read it on its review page."""
    html = page(signed_in(eng_moderator), retracted.thread)
    assert f'<article id="post-{retracted.published_post_id}" class="post card post-withdrawn"' in html
    assert "An AI answer was withdrawn by a reviewer: It skips max_retries." in html
    assert BODY_MARKER not in html


def test_the_post_count_agrees_between_list_thread_page_and_its_entries(retracted, other_employee, engineering):
    thread = Thread.objects.get(pk=retracted.thread_id)
    assert thread.post_count == 3  # question, the withdrawn AI answer, the reply
    client = signed_in(other_employee)
    html = page(client, thread)
    assert "· 3 posts" in html
    entries = re.findall(r'<article id="post-\d+"', html)
    assert len(entries) == 3
    listing = client.get(reverse("forum:category", args=[engineering.slug])).content.decode()
    assert "3 posts" in listing


def test_the_placeholder_is_never_a_live_post_and_records_no_view(retracted, other_employee, general_moderator):
    bob = signed_in(other_employee)
    PostViewReceipt.objects.filter(post_id=retracted.published_post_id).delete()
    page(bob, retracted.thread)
    page(bob, retracted.thread)  # from the cache
    assert not PostViewReceipt.objects.filter(post_id=retracted.published_post_id).exists()


def test_the_api_still_leaves_withdrawn_ai_posts_out_for_readers(retracted, other_employee):
    response = client_for(other_employee).get(f"{V1}/threads/{retracted.thread_id}/posts/")
    ids = [post["id"] for post in response.json()["results"]]
    assert retracted.published_post_id not in ids and BODY_MARKER not in response.content.decode()


def test_a_deep_link_to_the_withdrawn_post_opens_its_page(settings, retracted, other_employee):
    settings.FORUM_POSTS_PER_PAGE = 1
    html = page(signed_in(other_employee), retracted.thread, post=retracted.published_post_id)
    assert f'id="post-{retracted.published_post_id}" class="post card post-withdrawn"' in html


# (e) A rejected draft says so --------------------------------------------------------------------------


def test_a_rejected_draft_says_it_was_rejected_and_why(employee, eng_moderator, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    ai_services.answer_reject(acting_user=eng_moderator, answer=reload(answer), reason="Wrong broker.",
                              code="incorrect")
    panel = panel_of(page(signed_in(employee), answer.thread))
    assert "Rejected by a reviewer (incorrect):</strong> Wrong broker." in panel
    assert "submitted for review" not in panel.lower()
    assert "Draft a new answer" in panel
    assert '<details class="ai-panel-fold" open>' in panel


# (f) Discard: confirmed, then undoable for ten minutes ----------------------------------------------------


def test_discard_asks_for_confirmation_without_script(employee, engineering, general):
    answer = drafted(employee, ask(employee, engineering, sources_in=general))
    panel = panel_of(page(signed_in(employee), answer.thread))
    confirm = re.search(r'<details class="confirm">.*?</details>', panel, re.S).group(0)
    assert "Discard this draft?" in confirm and f'action="/ai/answers/{answer.pk}/discard/"' in confirm
    assert "<script" not in panel and "onclick" not in panel


def test_a_discarded_draft_can_be_restored_by_its_asker(employee, engineering, general):
    answer = drafted(employee, ask(employee, engineering, sources_in=general))
    client = signed_in(employee)
    assert client.post(reverse("assistant:discard", args=[answer.pk])).status_code == 302
    panel = panel_of(page(client, answer.thread))
    assert "You discarded your draft." in panel and f"/ai/answers/{answer.pk}/restore/" in panel
    assert BODY_MARKER not in panel
    response = client.post(reverse("assistant:restore", args=[answer.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and BODY_MARKER in response.content.decode()
    answer = reload(answer)
    assert answer.status == S.DRAFT and answer.discarded_at is None
    event = AuditEvent.objects.filter(verb="ai_answer.restore").latest("id")
    assert event.target_id == str(answer.pk)


def test_restoring_is_refused_after_ten_minutes_or_once_asked_again(employee, engineering, general):
    client = signed_in(employee)
    late = drafted(employee, ask(employee, engineering, sources_in=general, title="Late: celery retries back off?"))
    ai_services.answer_discard(acting_user=employee, answer=late)
    AIAnswer.objects.filter(pk=late.pk).update(discarded_at=timezone.now() - timedelta(minutes=11))
    response = client.post(reverse("assistant:restore", args=[late.pk]))
    assert response.status_code == 409 and "last 10 minutes" in response.content.decode()
    assert "You discarded your draft." not in panel_of(page(client, late.thread))  # the offer is gone too

    again = drafted(employee, ask(employee, engineering, sources_in=general, title="Again: celery retries back off?"))
    ai_services.answer_discard(acting_user=employee, answer=again)
    ai_services.answer_request(acting_user=employee, thread=again.thread)
    response = client.post(reverse("assistant:restore", args=[again.pk]))
    assert response.status_code == 409 and "asked the assistant again" in response.content.decode()
    assert reload(again).status == S.DISCARDED


def test_only_the_asker_may_restore_and_nothing_leaks(employee, other_employee, eng_moderator, engineering, general):
    answer = drafted(employee, ask(employee, engineering, sources_in=general))
    ai_services.answer_discard(acting_user=employee, answer=answer)
    for user in (other_employee, eng_moderator):
        response = signed_in(user).post(reverse("assistant:restore", args=[answer.pk]))
        assert response.status_code == 404 and BODY_MARKER not in response.content.decode()
        assert "You discarded your draft." not in page(signed_in(user), answer.thread)
    assert reload(answer).status == S.DISCARDED
    assert signed_in(employee).get(reverse("assistant:restore", args=[answer.pk])).status_code == 405


def test_a_regenerated_draft_is_replaced_not_restorable(employee, engineering, general):
    answer = drafted(employee, ask(employee, engineering, sources_in=general))
    ai_services.answer_regenerate(acting_user=employee, answer=answer)
    assert reload(answer).discarded_at is None
    response = signed_in(employee).post(reverse("assistant:restore", args=[answer.pk]))
    assert response.status_code == 409


# (g) A refused reply is said beside the form, the text kept --------------------------------------------


@pytest.mark.parametrize(("body", "message"), [
    ("", "This field is required."),
    ("   ", "This field is required."),
    ("x" * 50_001, "at most 50000 characters"),
], ids=["empty", "blank", "too-long"])
def test_a_refused_reply_shows_on_the_thread_page(employee, engineering, general, body, message):
    thread = ask(employee, engineering, sources_in=general)
    before = Post.objects.count()
    response = signed_in(employee).post(reverse("forum:reply", args=[thread.pk]), {"body": body})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"<h1>{thread.title}</h1>" in html  # the thread page itself, not an error page
    reply = re.search(r'<section id="reply".*?</section>', html, re.S).group(0)
    assert "Your reply was not posted." in reply and message in reply
    assert "body" not in re.sub(r"<[^>]+>", "", reply).replace(body, "")  # no raw field name
    if body.strip():
        assert body in reply  # nothing lost
    assert Post.objects.count() == before


def test_a_reply_the_service_refuses_is_shown_beside_the_form_too(employee, engineering, general):
    thread = ask(employee, engineering, sources_in=general)
    response = signed_in(employee).post(reverse("forum:reply", args=[thread.pk]), {"body": "bell\x07 here"})
    assert response.status_code == 400
    reply = re.search(r'<section id="reply".*?</section>', response.content.decode(), re.S).group(0)
    assert "Your reply was not posted. The post contains a control character" in reply
    assert "bell" in reply  # the text stays in the form to be corrected
