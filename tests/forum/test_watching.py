"""Watching threads: automatic for authors and repliers, a button that works with and without htmx, notices
of replies and of published AI answers, and nothing for a watcher who may no longer read the thread."""
import pytest
from django.urls import reverse

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import services
from forum.models import Notification, ThreadWatch

from ..factories import UserFactory, fresh, make_thread
from .conftest import MARKER
from .social_helpers import body, queries_of

pytestmark = pytest.mark.django_db


def _notices(user, verb=None):
    notices = Notification.objects.filter(recipient=user)
    return list((notices.filter(verb=verb) if verb else notices).order_by("pk").values_list("text", flat=True))


def test_authors_and_repliers_watch_and_hear_of_replies(employee, other_employee, engineering):
    carol = UserFactory(username="carol")
    thread = make_thread(employee, engineering, title="Flaky CI job", replies=[(other_employee, "Retry it.")])
    assert set(ThreadWatch.objects.filter(thread=thread, watching=True).values_list("user__username", flat=True)) \
        == {"alice", "bob"}
    services.post_reply(acting_user=carol, thread=thread, body="Pin the runner image.")
    assert _notices(employee, "reply")[-1] == "carol replied to your thread “Flaky CI job”"
    assert _notices(other_employee, "reply") == ["carol replied in “Flaky CI job”, a thread you watch"]
    assert _notices(carol) == []  # never told of their own reply


def test_unwatch_without_javascript_stops_notices_and_replying_does_not_rewatch(client, employee, other_employee,
                                                                                 engineering):
    thread = make_thread(employee, engineering, title="Flaky CI job", replies=[(other_employee, "Retry it.")])
    client.force_login(other_employee)
    response = client.post(reverse("forum:watch", args=[thread.pk]), {"watching": "0"})
    assert response.status_code == 302 and response["Location"] == reverse("forum:thread", args=[thread.pk])
    services.post_reply(acting_user=fresh(other_employee), thread=thread, body="One more thing.")
    services.post_reply(acting_user=fresh(employee), thread=thread, body="Thanks.")
    assert _notices(other_employee, "reply") == []
    assert not ThreadWatch.objects.get(user=other_employee, thread=thread).watching


def test_the_button_swaps_in_place_with_htmx(client, employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Flaky CI job")
    client.force_login(other_employee)
    page = body(client.get(reverse("forum:thread", args=[thread.pk])))
    assert 'name="watching" value="1"' in page and 'watch-button" aria-pressed="false"' in page
    response = client.post(reverse("forum:watch", args=[thread.pk]), {"watching": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in body(response) and "Watching" in body(response)
    assert "<html" not in body(response)  # the fragment only
    assert 'aria-pressed="true"' in body(client.get(reverse("forum:thread", args=[thread.pk])))


@pytest.mark.parametrize("data", [{}, {"watching": "yes"}, {"watching": "2"}, {"watching": " 1"}])
def test_bad_input_is_a_400_not_a_500(client, employee, other_employee, engineering, data):
    thread = make_thread(employee, engineering)
    client.force_login(other_employee)
    response = client.post(reverse("forum:watch", args=[thread.pk]), data)
    assert response.status_code == 400 and "Send 1 or 0." in body(response)
    assert not ThreadWatch.objects.filter(user=other_employee).exists()


def test_an_outsider_cannot_watch_a_restricted_thread(client, employee, secret_thread):
    client.force_login(employee)
    response = client.post(reverse("forum:watch", args=[secret_thread.pk]), {"watching": "1"})
    assert response.status_code == 404 and MARKER not in body(response)
    assert client.post(reverse("forum:watch", args=[999999]), {"watching": "1"}).status_code == 404
    assert not ThreadWatch.objects.filter(user=employee).exists()
    assert client.get(reverse("forum:watch", args=[secret_thread.pk])).status_code == 405


def test_a_watcher_who_lost_access_hears_nothing_and_sees_nothing(client, employee, secops_group, secops_member,
                                                                  secret_thread):
    employee.groups.add(secops_group)
    services.thread_watch(acting_user=fresh(employee), thread=secret_thread, watching=True)
    services.post_reply(acting_user=secops_member, thread=secret_thread, body="While alice was a member.")
    assert len(_notices(employee, "reply")) == 1
    employee.groups.remove(secops_group)
    services.post_reply(acting_user=fresh(secops_member), thread=secret_thread, body=f"After she left: {MARKER}")
    assert len(_notices(employee, "reply")) == 1  # nothing new
    client.force_login(employee)
    for url in (reverse("forum:notifications"), reverse("forum:watching"), reverse("forum:home")):
        response = client.get(url)
        assert response.status_code == 200 and MARKER not in body(response), url
    assert "Notifications, 0 unread" in body(client.get(reverse("forum:home")))


def test_watch_list_shows_readable_threads_in_constant_queries(client, employee, other_employee, engineering, general):
    client.force_login(employee)
    make_thread(employee, engineering, title="Mine, in Engineering")
    small, first = queries_of(client, reverse("forum:watching"))
    assert "Mine, in Engineering" in body(first)
    for i in range(12):
        thread = make_thread(other_employee, general if i % 2 else engineering, title=f"Watched {i}")
        services.thread_watch(acting_user=employee, thread=thread, watching=True)
    large, second = queries_of(client, reverse("forum:watching"))
    assert large == small and "Watched 11" in body(second)
    assert client.get(reverse("forum:watching"), {"page": "x"}).status_code == 200


def _drafted(user, thread):
    answer = ai_services.answer_request(acting_user=user, thread=thread)
    return ai_services.answer_generate(answer_id=answer.pk)


def test_watchers_hear_of_a_published_ai_answer_but_not_the_asker_twice(employee, other_employee, eng_moderator,
                                                                        engineering):
    carol = UserFactory(username="carol")
    make_thread(other_employee, engineering, title="Celery retry backoff settings",
                body="Which settings control backoff?",
                replies=[(UserFactory(username="dana"),
                          "Set autoretry_for and retry_backoff=True so the countdown doubles.")])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My celery tasks fail on network errors. How do retries back off?",
                         replies=[(carol, "Following this one.")])
    answer = ai_services.answer_submit(acting_user=employee, answer=_drafted(employee, thread))
    answer = ai_services.answer_approve(acting_user=eng_moderator, answer=answer)
    assert answer.status == AIAnswer.Status.PUBLISHED
    told = Notification.objects.filter(verb="ai_published")
    assert list(told.filter(recipient=carol).values_list("text", flat=True)) == [
        "An AI answer in “How should celery retries back off?”, a thread you watch, was reviewed and published"
        " (AI-generated; verify before acting on it)"]
    assert told.filter(recipient=employee).count() == 1  # the asker's own notice, not a second one
    assert not told.filter(recipient=eng_moderator).exists()
    assert told.get(recipient=carol).url.endswith(f"#post-{answer.published_post_id}")
