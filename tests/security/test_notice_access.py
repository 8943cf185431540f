"""A notice, and its e-mail copy, go only to a recipient who may read what it is about at the time it is made.

A security review (2026-12-04) found the worker's "your draft is ready" e-mail carrying the title of a thread moved into
a restricted category (and retitled there) while the draft was being written: the in-app notice was filtered when
listed, the e-mail was sent at once.
"""
import pytest
from django.core import mail

from aiassist import services as ai_services
from aiassist.services import drafting
from forum import selectors
from forum import services as forum_services
from forum.models import Notification, Thread

from ..api.conftest import ask

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Incident zq7731: payroll export leaked"


@pytest.fixture
def emails(settings):
    settings.EMAIL_NOTIFICATIONS = True
    mail.outbox.clear()
    return mail.outbox


def test_a_draft_finished_after_its_thread_left_the_askers_reach_tells_them_nothing(
        employee, engineering, secops, admin_user, monkeypatch, emails, django_capture_on_commit_callbacks):
    thread, _ = ask(employee, engineering)
    answer = ai_services.answer_request(acting_user=employee, thread=thread)
    retrieve = drafting.retrieve

    def retrieve_while_moved(**kwargs):
        # Meanwhile, on the web: a moderator moves the thread into Security Ops and retitles it there.
        moving = Thread.objects.select_related("category").get(pk=thread.pk)
        forum_services.thread_move(acting_user=admin_user, thread=moving, category=secops)
        opening = moving.posts.order_by("id").first()
        forum_services.post_edit(acting_user=admin_user, post=opening, body=opening.body, title=SECRET_TITLE)
        return retrieve(**kwargs)

    monkeypatch.setattr(drafting, "retrieve", retrieve_while_moved)
    with django_capture_on_commit_callbacks(execute=True):
        ai_services.answer_generate(answer_id=answer.pk)
    assert not [m for m in emails if employee.email in m.to]
    assert not Notification.objects.filter(recipient=employee, verb__startswith="ai_draft").exists()
    assert not any(SECRET_TITLE in n.text for n in selectors.notifications_of(employee))


def test_a_draft_finished_in_reach_is_announced_by_e_mail_too(employee, engineering, emails,
                                                             django_capture_on_commit_callbacks):
    thread, _ = ask(employee, engineering)
    answer = ai_services.answer_request(acting_user=employee, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        ai_services.answer_generate(answer_id=answer.pk)
    assert [m for m in emails if employee.email in m.to and thread.title in m.subject]
    assert Notification.objects.filter(recipient=employee, verb="ai_draft_ready").exists()
