"""The notifications page: grouped by thread, unread and read told apart in words, real links to the exact post
(new tab), mark-all-read by POST with CSRF, no stale notice of a discarded draft, nothing about a thread the
reader may no longer read, and a fresh demo account that starts caught up."""
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from aiassist import services as ai_services
from forum import services
from forum.models import Notification

from ..factories import UserFactory, fresh, make_thread
from .conftest import MARKER
from .social_helpers import body, queries_of

pytestmark = pytest.mark.django_db
URL = reverse("forum:notifications")


def _groups(page) -> list[str]:
    return re.findall(r'<h2 class="group-title" id="group-\d+">\s*(?:<a href="[^"]+">([^<]+)</a>|(Other notices))',
                      page)


def test_notices_are_grouped_by_thread_with_real_links(client, employee, other_employee, engineering, general):
    carol = UserFactory(username="carol")
    first = make_thread(employee, engineering, title="First thread")
    second = make_thread(employee, general, title="Second thread")
    services.post_reply(acting_user=other_employee, thread=first, body="One")
    services.post_reply(acting_user=carol, thread=second, body="Two")
    last = services.post_reply(acting_user=carol, thread=first, body="Three")
    client.force_login(employee)
    page = body(client.get(URL))
    assert [title or other for title, other in _groups(page)] == ["First thread", "Second thread"]
    first_group = page.split('id="group-1"')[1].split('id="group-2"')[0]
    assert first_group.count('class="notification is-unread"') == 2
    link = f'href="/t/{first.pk}/?post={last.pk}#post-{last.pk}" target="_blank" rel="noopener"'
    assert link in first_group and "(opens in a new tab)" in first_group


def test_unread_and_read_differ_in_words_not_only_colour(client, employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Flaky CI job")
    services.post_reply(acting_user=other_employee, thread=thread, body="One")
    services.post_reply(acting_user=fresh(other_employee), thread=thread, body="Two")
    older = Notification.objects.filter(recipient=employee).earliest("pk")
    client.force_login(employee)
    assert client.post(reverse("forum:notification_read", args=[older.pk])).status_code == 302
    page = body(client.get(URL))
    assert page.count('<span class="badge badge-new">New</span>') == 1
    assert page.count('<span class="visually-hidden">Read</span>') == 1
    assert "1 unread" in page and page.count("Mark read</button>") == 1


def test_mark_all_read_is_a_post_with_csrf(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Flaky CI job")
    for i in range(3):
        services.post_reply(acting_user=fresh(other_employee), thread=thread, body=f"Reply {i}")
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    all_read = reverse("forum:notifications_read_all")
    assert client.get(all_read).status_code == 405
    assert client.post(all_read).status_code == 403  # no token
    assert Notification.objects.filter(recipient=employee, read_at__isnull=True).count() == 3
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body(client.get(URL)))[1]
    response = client.post(all_read, {"csrfmiddlewaretoken": token}, follow=True)
    assert "3 notices marked read." in body(response) and "Nothing unread" in body(response)
    assert not Notification.objects.filter(recipient=employee, read_at__isnull=True).exists()


def test_opening_a_notice_from_htmx_marks_it_read_without_a_page(client, employee, other_employee, engineering):
    thread = make_thread(employee, engineering)
    services.post_reply(acting_user=other_employee, thread=thread, body="One")
    notice = Notification.objects.get(recipient=employee)
    client.force_login(employee)
    response = client.post(reverse("forum:notification_read", args=[notice.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    notice.refresh_from_db()
    assert notice.read_at is not None
    client.force_login(other_employee)  # someone else's notice: 404
    assert client.post(reverse("forum:notification_read", args=[notice.pk])).status_code == 404


def test_a_discarded_drafts_notice_is_gone(client, employee, engineering):
    thread = make_thread(employee, engineering, title="How do celery retries back off?",
                         body="Which celery retry backoff settings double the countdown?")
    def drafted():
        return ai_services.answer_generate(answer_id=ai_services.answer_request(acting_user=employee, thread=thread).pk)

    kept, discarded = drafted(), drafted()
    ready = Notification.objects.filter(recipient=employee, verb="ai_draft_ready", thread=thread)
    assert ready.count() == 2
    ai_services.answer_discard(acting_user=employee, answer=discarded)
    assert list(ready.values_list("subject", flat=True)) == [f"ai_answer:{kept.pk}"]  # the other draft's stays
    client.force_login(employee)
    assert body(client.get(URL)).count("is ready") == 1


def test_notices_about_a_thread_you_can_no_longer_read_are_not_shown(client, employee, secops_group, secops_member,
                                                                    secret_thread):
    employee.groups.add(secops_group)
    services.thread_watch(acting_user=fresh(employee), thread=secret_thread, watching=True)
    services.post_reply(acting_user=secops_member, thread=secret_thread, body="While alice was a member.")
    client.force_login(employee)
    assert MARKER in body(client.get(URL))
    employee.groups.remove(secops_group)
    page = body(client.get(URL))
    assert MARKER not in page and "You're all caught up." in page and "Notifications, 0 unread" in page
    notice = Notification.objects.get(recipient=employee)
    assert client.post(reverse("forum:notification_read", args=[notice.pk])).status_code == 404


def test_notifications_page_queries_do_not_grow(client, employee, other_employee, engineering, general):
    thread = make_thread(employee, engineering)
    services.post_reply(acting_user=other_employee, thread=thread, body="One")
    client.force_login(employee)
    small, _ = queries_of(client, URL)
    for i in range(40):
        other = make_thread(employee, general if i % 2 else engineering, title=f"Thread {i}")
        services.post_reply(acting_user=fresh(other_employee), thread=other, body="Reply")
    large, response = queries_of(client, URL)
    assert large == small and 'class="pagination"' in body(response)
    assert client.get(URL, {"page": "x"}).status_code == 200


def test_a_new_demo_account_starts_caught_up(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--quiet")
    assert Notification.objects.exists()  # the seeded replies did tell their authors
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_mark_all_read_neither_touches_nor_counts_notices_about_threads_you_lost(
        client, employee, secops_group, secops_member, secret_thread, other_employee, engineering):
    """Found in review: the count in "N notices marked read" told how busy a lost thread had been."""
    employee.groups.add(secops_group)
    services.thread_watch(acting_user=fresh(employee), thread=secret_thread, watching=True)
    for n in range(3):
        services.post_reply(acting_user=secops_member, thread=secret_thread, body=f"Reply {n} while alice was in.")
    employee.groups.remove(secops_group)
    visible = make_thread(other_employee, engineering, title="An open thread")
    services.thread_watch(acting_user=fresh(employee), thread=visible, watching=True)
    services.post_reply(acting_user=other_employee, thread=visible, body="A reply alice may read.")

    assert services.notification_mark_read(acting_user=fresh(employee)) == 1
    lost = Notification.objects.filter(recipient=employee, thread=secret_thread)
    assert lost.count() == 3 and not lost.filter(read_at__isnull=False).exists()
    client.force_login(employee)
    response = client.post(reverse("forum:notifications_read_all"), follow=True)
    assert "3 notices" not in body(response) and MARKER not in body(response)
