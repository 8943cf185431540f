"""One lock order for every transaction that writes the audit log: the chain's lock first (``forum.audit.audited``).

A review found (2026-12-05) that a reply or a hide in a thread, at the very moment an answer was published into it,
deadlocked on PostgreSQL: the forum took the thread's row and then the audit chain's lock, publishing the chain's
and then the thread's row. PostgreSQL cancelled one of the two and its user got an error.
"""
import threading
import time

import pytest
from django.db import connection, connections, transaction

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import services
from forum.audit import audit_record, audited
from forum.models import AuditEvent, Post, Thread

from ..aiassist.test_review_services import approve, ask, drafted, reload
from ..factories import make_thread

S = AIAnswer.Status
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="two connections at once: SQLite runs one writing transaction at a time")


def at_once(*works) -> dict:
    """Run each of ``works`` in a thread of its own (named after it), each on its own connection; their errors."""
    errors = {}

    def run(work):
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - returned
            errors[threading.current_thread().name] = exc
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(work,), name=work.__name__) for work in works]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return errors


def test_an_audit_event_is_written_only_inside_an_audited_transaction(employee, general):
    thread = make_thread(employee, general, title="Where is the VPN guide?", body="Looking for it.")
    with pytest.raises(RuntimeError, match="audited"), transaction.atomic():
        audit_record(actor=employee, verb="thread.lock", target=thread, category=general)
    with audited():
        audit_record(actor=employee, verb="thread.lock", target=thread, category=general)
    assert AuditEvent.objects.filter(verb="thread.lock").count() == 1


def test_an_audited_transaction_refuses_to_start_after_other_locks(employee, general, eng_moderator):
    """The chain's lock taken after a row is what deadlocked: a service called inside a plain transaction is refused
    before it writes anything (nested in ``audited``, it is a savepoint as usual)."""
    thread = make_thread(employee, general, title="Where is the VPN guide?", body="Looking for it.")
    with pytest.raises(RuntimeError, match="first lock"), transaction.atomic():
        Thread.objects.select_for_update().get(pk=thread.pk)
        services.post_reply(acting_user=eng_moderator, thread=thread, body="In the wiki.")
    assert thread.posts.count() == 1
    with audited():
        Thread.objects.select_for_update().get(pk=thread.pk)
        services.post_reply(acting_user=eng_moderator, thread=thread, body="In the wiki.")
    assert thread.posts.count() == 2


@pytest.mark.django_db(transaction=True)
@postgres_only
@pytest.mark.parametrize("change", ["reply", "hide"])
def test_a_reply_or_a_hide_and_a_publication_in_one_thread_at_once_both_succeed(
        monkeypatch, change, employee, other_employee, engineering, eng_moderator):
    thread = ask(employee, engineering)
    answer = drafted(employee, thread, expect_risk="low")
    ai_services.answer_submit(acting_user=employee, answer=answer)
    hidden = services.post_reply(acting_user=other_employee, thread=thread, body="Same problem here.")
    # The reply (or hide) under way holds the thread's row and pauses there; the approval publishing into the same
    # thread starts meanwhile. Before: the approval held the chain's lock and waited for the thread's row, the reply
    # held the row and waited for the chain's lock.
    locked_thread, holding = services.locked_thread, threading.Event()

    def pause_holding_the_row(pk):
        row = locked_thread(pk)
        if threading.current_thread().name == "forum":
            holding.set()
            time.sleep(1.5)  # PostgreSQL's deadlock_timeout is 1 s
        return row

    monkeypatch.setattr(services, "locked_thread", pause_holding_the_row)

    def forum():
        if change == "reply":
            services.post_reply(acting_user=other_employee, thread=Thread.objects.get(pk=thread.pk), body="Same here.")
        else:
            services.post_hide(acting_user=eng_moderator, post=Post.objects.select_related("thread").get(pk=hidden.pk),
                               reason="Off topic.")

    def publish():
        holding.wait(10)
        approve(eng_moderator, answer)

    assert not at_once(forum, publish)
    assert reload(answer).status == S.PUBLISHED
    if change == "reply":
        assert Post.objects.filter(thread=thread, body="Same here.").exists()
    else:
        assert Post.objects.get(pk=hidden.pk).hidden


@pytest.mark.django_db(transaction=True)
@postgres_only
@pytest.mark.parametrize("personal", ["watch", "read"])
def test_a_reply_and_its_authors_watch_or_read_marker_at_once_both_succeed(monkeypatch, personal, employee,
                                                                           other_employee, general):
    """A reply writes its author's watch and read marker under the thread's row lock; the same person's watch (or
    their first opening of the thread) written meanwhile checked its reference to the thread only after its own row
    was in, and waited for the reply's thread row while the reply waited for that row (round 35's review)."""
    thread = make_thread(other_employee, general, title="Where is the VPN guide?", body="Looking for it.")
    locked_thread, holding = services.locked_thread, threading.Event()

    def pause_holding_the_row(pk):
        row = locked_thread(pk)
        if threading.current_thread().name == "reply":
            holding.set()
            time.sleep(1.5)
        return row

    monkeypatch.setattr(services, "locked_thread", pause_holding_the_row)

    def reply():
        services.post_reply(acting_user=employee, thread=Thread.objects.get(pk=thread.pk), body="Same here.")

    def mark():
        holding.wait(10)
        if personal == "watch":
            services.thread_watch(acting_user=employee, thread=Thread.objects.get(pk=thread.pk), watching=False)
        else:
            services.thread_mark_read(acting_user=employee, thread=Thread.objects.get(pk=thread.pk))

    assert not at_once(reply, mark)
    assert Post.objects.filter(thread=thread, body="Same here.").exists()


def test_the_admin_adds_a_user(client, admin_user):
    """Django's user admin opens a transaction of its own before the form's (``AuditedForms.add_view``)."""
    from django.contrib.auth.models import User

    client.force_login(admin_user)
    client.raise_request_exception = True
    password = "correct horse battery staple 9"
    response = client.post("/admin/auth/user/add/", {"username": "newhire", "password1": password,
                                                    "password2": password, "usable_password": "true"})
    assert response.status_code == 302
    assert User.objects.filter(username="newhire").exists()
