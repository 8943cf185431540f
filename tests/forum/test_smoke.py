"""The forum's main path through the services and pages, on whichever database the suite runs."""
import pytest
from django.urls import reverse

from aiassist.retrieval.search import search_threads

from ..factories import make_thread


@pytest.mark.django_db
def test_start_reply_search_and_read(client, employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Celery task retries with exponential backoff",
                         body="How do I configure **retry_backoff**?",
                         replies=[(other_employee, "Use `autoretry_for` with `retry_backoff=True`.")])
    client.force_login(other_employee)
    page = client.get(reverse("forum:thread", args=[thread.pk]))
    assert page.status_code == 200
    assert b"<strong>retry_backoff</strong>" in page.content
    results = search_threads(other_employee, "backoff for retries")
    assert [r.thread.pk for r in results] == [thread.pk]
    assert employee.notifications.filter(verb="reply").count() == 1
