"""The assistant's web layer: the new-thread option, the private panel in each state, the htmx actions, and
the thread page's query count."""
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from aiassist import disclaimers, services
from aiassist.models import AIAnswer, AnswerSource
from forum.models import Thread

from ..factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db

S = AIAnswer.Status
HX = {"HX-Request": "true"}
POLLING = 'hx-trigger="every 2s"'


def thread_url(thread):
    return reverse("forum:thread", args=[thread.pk])


def panel_url(answer):
    return reverse("assistant:panel", args=[answer.pk])


def panel_of(page: str) -> str:
    """The private panel's HTML on a page."""
    match = re.search(r'<section id="ai-panel".*?</section>', page, re.S)
    assert match, "no AI panel on the page"
    return match.group(0)


@pytest.fixture
def question(employee, other_employee, engineering):
    """Alice's question; Bob asked the same before and Carol answered him (only answers are quoted)."""
    make_thread(other_employee, engineering,
                title="My celery tasks fail on network errors: how should retries back off?",
                body="Which settings control retry backoff?",
                replies=[(UserFactory(username="carol"), "Set autoretry_for and retry_backoff=True; the countdown "
                                                         "doubles.")])
    return make_thread(employee, engineering, title="How should celery retries back off?",
                       body="My tasks fail on network errors. How do retries back off?")


@pytest.fixture
def asker(client, employee):
    client.force_login(employee)
    return client


def drafted(user, thread):
    answer = services.answer_request(acting_user=user, thread=thread)
    return services.answer_generate(answer_id=answer.pk)


# The new-thread page ------------------------------------------------------------------------------


def test_new_thread_page_offers_the_private_draft_checked(asker, engineering):
    page = asker.get(reverse("forum:thread_start")).content.decode()
    assert "Get a private AI draft" in page
    checkbox = re.search(r'<input[^>]*name="ask_assistant"[^>]*>', page).group(0)
    assert 'type="checkbox"' in checkbox
    assert "checked" in checkbox


def start(client, category, *, ask):
    data = {"category": category.pk, "title": "How do I pin a celery worker to a queue?",
            "body": "Our ai queue workers also take default tasks."}
    if ask:
        data["ask_assistant"] = "on"
    return client.post(reverse("forum:thread_start"), data)


def test_posting_with_the_option_creates_the_thread_and_a_queued_answer(asker, employee, engineering):
    response = start(asker, engineering, ask=True)
    thread = Thread.objects.get(title="How do I pin a celery worker to a queue?")
    assert response.status_code == 302
    assert response["Location"] == thread_url(thread)
    answer = AIAnswer.objects.get(thread=thread)
    assert (answer.asker, answer.status) == (employee, S.QUEUED)


def test_posting_without_the_option_asks_nothing(asker, engineering):
    response = start(asker, engineering, ask=False)
    assert response.status_code == 302
    assert Thread.objects.filter(title="How do I pin a celery worker to a queue?").exists()
    assert not AIAnswer.objects.exists()


def test_posting_while_paused_still_creates_the_thread_and_warns(asker, admin_user, engineering):
    services.assistant_configure(acting_user=admin_user, enabled=False)
    response = start(asker, engineering, ask=True)
    thread = Thread.objects.get(title="How do I pin a celery worker to a queue?")
    assert response["Location"] == thread_url(thread)
    assert not AIAnswer.objects.exists()
    page = asker.get(response["Location"]).content.decode()
    assert "The assistant is paused by the administrators." in page
    assert "Your question was posted." in page
    assert "Ask the assistant" not in panel_of(page).split("</h2>", 1)[1]  # no button while paused


def test_posting_over_quota_still_creates_the_thread_and_warns(asker, settings, employee, question):
    settings.ASSISTANT_QUOTA_PER_HOUR = 1
    services.answer_request(acting_user=employee, thread=question)
    response = start(asker, question.category, ask=True)
    thread = Thread.objects.get(title="How do I pin a celery worker to a queue?")
    assert response["Location"] == thread_url(thread)
    page = asker.get(response["Location"]).content.decode()
    assert "You have asked the assistant 1 times in the last hour." in page
    assert "Your question was posted." in page
    assert not AIAnswer.objects.filter(thread=thread).exists()


# Asking from the thread page ----------------------------------------------------------------------


def test_thread_page_offers_ask_to_a_reader_without_an_answer(client, other_employee, question):
    client.force_login(other_employee)
    panel = panel_of(client.get(thread_url(question)).content.decode())
    assert "Ask the assistant" in panel
    assert reverse("assistant:ask", args=[question.pk]) in panel
    assert POLLING not in panel


def test_ask_creates_an_answer_and_returns_to_the_panel(client, other_employee, question):
    client.force_login(other_employee)
    response = client.post(reverse("assistant:ask", args=[question.pk]))
    assert response.status_code == 302
    assert response["Location"] == thread_url(question) + "#ai-panel"
    answer = AIAnswer.objects.get()
    assert (answer.asker, answer.thread, answer.status) == (other_employee, question, S.QUEUED)


def test_ask_by_htmx_returns_the_queued_panel(asker, question):
    response = asker.post(reverse("assistant:ask", args=[question.pk]), headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="ai-panel"' in html and POLLING in html
    assert "Queued: waiting for the assistant" in html


def test_ask_on_a_hidden_thread_is_not_found(asker, secops_member, secops):
    secret = make_thread(secops_member, secops, title="Incident review", body="Internal.")
    assert asker.post(reverse("assistant:ask", args=[secret.pk])).status_code == 404
    assert not AIAnswer.objects.exists()


def test_ask_while_paused_shows_the_message(asker, admin_user, question):
    services.assistant_configure(acting_user=admin_user, enabled=False)
    response = asker.post(reverse("assistant:ask", args=[question.pk]))
    assert response.status_code == 409
    assert "The assistant is paused by the administrators." in response.content.decode()


# The panel in each state --------------------------------------------------------------------------


def test_queued_panel_polls(asker, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    on_page = panel_of(asker.get(thread_url(question)).content.decode())
    for html in (asker.get(panel_url(answer)).content.decode(), on_page):
        assert "Queued: waiting for the assistant" in html
        assert POLLING in html
        assert f'hx-get="{panel_url(answer)}"' in html
        assert "Only you can see it." in html


def test_generating_panel_polls(asker, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_claim(answer_id=answer.pk)
    html = asker.get(panel_url(answer)).content.decode()
    assert "Drafting your private answer from the posts you can read" in html
    assert POLLING in html


def test_a_requeued_panel_says_why(asker, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    claimed = services.answer_claim(answer_id=answer.pk)
    services.answer_release(answer_id=answer.pk, claim=claimed.claims, message="The model was slow.")
    html = asker.get(panel_url(answer)).content.decode()
    assert "retrying after a problem: The model was slow." in html
    assert POLLING in html


def test_draft_panel_shows_disclaimer_body_and_linked_sources(asker, employee, question):
    answer = drafted(employee, question)
    html = asker.get(panel_url(answer)).content.decode()
    assert POLLING not in html
    assert escape(disclaimers.PRIVATE_DRAFT) in html
    assert "AI-generated · private to you." in html
    assert 'class="prose ai-body claims-draft"' in html  # the body, each claim marked (test_grounding_pages.py)
    assert all(link in html for link in re.findall(r"<a [^>]+>[^<]*</a>", answer.body_html))
    sources = list(AnswerSource.objects.filter(answer=answer))
    assert sources
    for source in sources:
        link = f'href="{thread_url(source.thread)}?post={source.post_id}#post-{source.post_id}"'
        assert link in html
        assert escape(source.title) in html
    assert "risk-banner" not in html
    assert reverse("assistant:discard", args=[answer.pk]) in html
    assert reverse("assistant:feedback", args=[answer.pk]) in html
    assert reverse("assistant:regenerate", args=[answer.pk]) in html


def test_a_draft_that_found_no_answer_offers_no_review(asker, employee, engineering, question):
    submit = reverse("assistant:submit", args=[drafted(employee, question).pk])
    assert submit in asker.get(thread_url(question)).content.decode()  # an answer: offered for review
    services.answer_discard(acting_user=employee, answer=AIAnswer.objects.get(thread=question))
    thread = make_thread(employee, engineering, title="How do we keep gRPC streams alive through Envoy?",
                         body="Envoy's idle timeout cuts our long-lived gRPC streams.")
    answer = drafted(employee, thread)
    html = panel_of(asker.get(thread_url(thread)).content.decode())
    assert "Nothing in the posts you can read answers this question" in html
    assert "data-declined" in html and "No post you can read was relevant." in html
    assert "Checked against its sources" not in html and "claims-legend" not in html  # no claim, nothing checked
    assert reverse("assistant:submit", args=[answer.pk]) not in html and "Submit for review" not in html
    assert reverse("assistant:regenerate", args=[answer.pk]) in html  # asking again stays possible
    response = asker.post(reverse("assistant:submit", args=[answer.pk]), headers=HX)
    assert response.status_code == 409 and "nothing to review" in response.content.decode()
    assert AIAnswer.objects.get(pk=answer.pk).status == S.DRAFT


def test_high_risk_draft_panel_shows_the_banner(asker, employee, other_employee, engineering):
    make_thread(other_employee, engineering, title="The staging database password leaked: how do I rotate it?",
                body="How is it done?", replies=[(UserFactory(username="carol"), "Rotate the staging database "
                                                                                 "password with ALTER ROLE, then "
                                                                                 "restart.")])
    thread = make_thread(employee, engineering, title="How do I rotate the staging database password?",
                         body="It leaked. How do I rotate the staging database password?")
    answer = drafted(employee, thread)
    assert answer.risk == AIAnswer.Risk.HIGH
    html = asker.get(panel_url(answer)).content.decode()
    assert 'class="risk-banner"' in html
    assert "⚠ High risk." in html
    assert escape(disclaimers.high_risk_banner(answer.risk_reasons)) in html
    assert "credentials and secrets" in html


def test_failed_panel_shows_the_error_and_try_again(asker, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_fail(answer_id=answer.pk, message="The model endpoint kept timing out.")
    html = panel_of(asker.get(thread_url(question)).content.decode())
    assert "The model endpoint kept timing out." in html
    assert "Try again" in html
    assert reverse("assistant:retry", args=[answer.pk]) in html
    assert POLLING not in html


def test_failed_panel_while_paused_offers_no_retry(asker, admin_user, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_fail(answer_id=answer.pk, message="The model endpoint kept timing out.")
    services.assistant_configure(acting_user=admin_user, enabled=False)
    html = asker.get(panel_url(answer)).content.decode()
    assert "Try again" not in html
    assert "The assistant is paused by the administrators." in html


# The htmx actions ---------------------------------------------------------------------------------


def assert_is_panel(response):
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('id="ai-panel"') == 1
    assert "<html" not in html and "<body" not in html
    return html


def test_discard_by_htmx_returns_an_empty_panel(asker, employee, question):
    answer = drafted(employee, question)
    html = assert_is_panel(asker.post(reverse("assistant:discard", args=[answer.pk]), headers=HX))
    assert "Ask the assistant" in html
    assert answer.body_html not in html
    assert AIAnswer.objects.get(pk=answer.pk).status == S.DISCARDED


def test_feedback_by_htmx_marks_the_rating(asker, employee, question):
    answer = drafted(employee, question)
    html = assert_is_panel(asker.post(reverse("assistant:feedback", args=[answer.pk]), {"rating": "helpful"},
                                      headers=HX))
    assert re.search(r'value="helpful"[^>]*aria-pressed="true"', html)
    assert AIAnswer.objects.get(pk=answer.pk).rating == "helpful"


def test_feedback_with_a_bad_rating_is_refused(asker, employee, question):
    answer = drafted(employee, question)
    assert asker.post(reverse("assistant:feedback", args=[answer.pk]), {"rating": "meh"}).status_code == 400
    assert AIAnswer.objects.get(pk=answer.pk).rating == ""


def test_regenerate_by_htmx_returns_the_new_queued_panel(asker, employee, question):
    answer = drafted(employee, question)
    html = assert_is_panel(asker.post(reverse("assistant:regenerate", args=[answer.pk]), {"audience": "thread"},
                                      headers=HX))
    new = AIAnswer.objects.exclude(pk=answer.pk).get()
    assert (new.status, new.audience) == (S.QUEUED, "thread")
    assert panel_url(new) in html and POLLING in html


def test_retry_by_htmx_returns_the_queued_panel(asker, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_fail(answer_id=answer.pk, message="Boom.")
    html = assert_is_panel(asker.post(reverse("assistant:retry", args=[answer.pk]), headers=HX))
    assert "Queued: waiting for the assistant" in html
    assert AIAnswer.objects.get(pk=answer.pk).status == S.QUEUED


def test_actions_without_htmx_go_back_to_the_thread(asker, employee, question):
    answer = drafted(employee, question)
    response = asker.post(reverse("assistant:feedback", args=[answer.pk]), {"rating": "not_helpful"})
    assert response.status_code == 302
    assert response["Location"] == thread_url(question) + "#ai-panel"


def test_an_illegal_action_is_a_conflict(asker, employee, question):
    answer = drafted(employee, question)
    response = asker.post(reverse("assistant:retry", args=[answer.pk]), headers=HX)
    assert response.status_code == 409
    assert "Only a failed answer can be retried." in response.content.decode()


def test_actions_need_post(asker, employee, question):
    answer = drafted(employee, question)
    assert asker.get(reverse("assistant:discard", args=[answer.pk])).status_code == 405
    assert asker.get(reverse("assistant:ask", args=[question.pk])).status_code == 405


# Query count ----------------------------------------------------------------------------------------


def add_related(author, category, count):
    """Threads asking the same question, each answered by someone else (a thread's asker is not quoted)."""
    return [make_thread(author, category, title=f"Celery retries hammer the broker {n}: how do retries back off?",
                        body=f"Background {n}.",
                        replies=[(UserFactory(username=f"helper{n}"),
                                  f"Celery retries back off with retry_backoff in setup {n}.")])
            for n in range(count)]


# Three paragraphs too long to merge: three passages, each a source of its own.
LONG_ANSWER = "\n\n".join(f"Paragraph {p}: celery retries back off with retry_backoff; "
                           + "the countdown doubles after every failed attempt. " * 10 for p in range(3))


# session, user, thread (+ access), posts (+ total), unread count, answer, sources; the posts come
# from the cache (forum.fragments) when nothing in the thread changed since someone with the same
# rights last read the page. The header's review desk (reviews anything, answers awaiting) and the
# thread's read marker are one query each.
THREAD_PAGE_QUERIES = 9
THREAD_PAGE_QUERIES_CACHED = 8


def test_thread_page_query_count_does_not_grow_with_sources_or_posts(
        settings, asker, django_assert_num_queries, employee, other_employee, engineering):
    settings.ASSISTANT_MAX_SOURCES = 30
    settings.ASSISTANT_ENGINE_CONFIG = {"extractive": {"max_passages": 30, "max_chars": 100_000}}
    thread = make_thread(employee, engineering, title="How do celery retries back off?",
                         body="Our celery retries hammer the broker. How do retries back off?")
    related = add_related(other_employee, engineering, 3)
    answer = drafted(employee, thread)
    assert answer.sources.count() == 3
    with django_assert_num_queries(THREAD_PAGE_QUERIES):
        page = asker.get(thread_url(thread))
    assert page.status_code == 200
    with django_assert_num_queries(THREAD_PAGE_QUERIES_CACHED):
        page = asker.get(thread_url(thread))
    assert page.status_code == 200 and all(link in page.content.decode()
                                           for link in re.findall(r"<a [^>]+>[^<]*</a>", answer.body_html))

    for n, source in enumerate(related):  # a second answer of three passages in each related thread
        services_reply(UserFactory(username=f"expert{n}"), source, LONG_ANSWER)
    for n in range(10):
        services_reply(other_employee, thread, f"Reply {n}: me too.")
    answer = services.answer_regenerate(acting_user=employee, answer=answer)
    answer = services.answer_generate(answer_id=answer.pk)
    assert answer.sources.count() == 12
    with django_assert_num_queries(THREAD_PAGE_QUERIES):  # new replies: the thread's revision moved on
        page = asker.get(thread_url(thread))
    html = page.content.decode()
    assert all(link in html for link in re.findall(r"<a [^>]+>[^<]*</a>", answer.body_html))
    assert html.count('<li value="') == 12
    assert "Reply 9: me too." in html


def services_reply(author, thread, body):
    from forum import services as forum_services

    forum_services.post_reply(acting_user=author, thread=thread, body=body)
