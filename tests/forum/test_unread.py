"""Unread markers: a thread with posts newer than the reader's last visit says so in words, on category pages
and the home page's recent threads, in a number of queries that does not grow with the threads."""
import html
import re

import pytest
from django.urls import reverse

from forum import services
from forum.models import ThreadRead

from ..factories import fresh, make_thread
from .social_helpers import body, queries_of

pytestmark = pytest.mark.django_db


def _label(response, title) -> str:
    """The unread label shown after ``title``'s link ('' when there is none)."""
    label = r'</a>\s*(?:<span class="badge badge-new">([^<]+)</span>)?'
    match = re.search(re.escape(html.escape(title)) + label, body(response))
    assert match, title
    return match[1] or ""


def test_new_then_read_then_unread_replies(client, employee, other_employee, engineering):
    thread = make_thread(other_employee, engineering, title="Flaky CI job")
    client.force_login(employee)
    category = reverse("forum:category", args=["engineering"])
    assert _label(client.get(category), "Flaky CI job") == "New"
    assert _label(client.get(reverse("forum:home")), "Flaky CI job") == "New"
    client.get(reverse("forum:thread", args=[thread.pk]))
    assert _label(client.get(category), "Flaky CI job") == ""
    services.post_reply(acting_user=fresh(other_employee), thread=thread, body="Still flaky.")
    assert _label(client.get(category), "Flaky CI job") == "Unread replies"
    assert _label(client.get(reverse("forum:home")), "Flaky CI job") == "Unread replies"
    client.get(reverse("forum:thread", args=[thread.pk]) + "?page=1")
    assert _label(client.get(category), "Flaky CI job") == ""


def test_your_own_threads_and_replies_are_read(client, employee, other_employee, engineering):
    mine = make_thread(employee, engineering, title="Alice's question")
    theirs = make_thread(other_employee, engineering, title="Bob's question")
    services.post_reply(acting_user=employee, thread=theirs, body="Alice answers.")
    client.force_login(employee)
    page = client.get(reverse("forum:category", args=["engineering"]))
    assert _label(page, "Alice's question") == "" and _label(page, "Bob's question") == ""
    assert ThreadRead.objects.filter(user=employee, thread__in=[mine, theirs]).count() == 2


def test_reading_an_unreadable_thread_records_nothing(client, employee, secret_thread):
    client.force_login(employee)
    assert client.get(reverse("forum:thread", args=[secret_thread.pk])).status_code == 404
    assert not ThreadRead.objects.filter(user=employee).exists()


def test_category_and_home_queries_do_not_grow_with_threads(client, employee, other_employee, engineering):
    client.force_login(employee)
    urls = [reverse("forum:category", args=["engineering"]), reverse("forum:home")]
    make_thread(other_employee, engineering, title="Thread 0")
    small = [queries_of(client, url)[0] for url in urls]
    for i in range(1, 15):
        thread = make_thread(other_employee, engineering, title=f"Thread {i}")
        if i % 3 == 0:
            client.get(reverse("forum:thread", args=[thread.pk]))
    large = [queries_of(client, url)[0] for url in urls]
    assert large == small
    page = client.get(urls[0])
    assert _label(page, "Thread 3") == "" and _label(page, "Thread 4") == "New"
