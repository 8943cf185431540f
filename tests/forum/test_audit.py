"""The audit log: one event per service write, append-only at every layer, tampering detected."""
import contextlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from common.exceptions import InvalidInput
from forum import services
from forum.audit import GENESIS, audit_record, audit_verify
from forum.models import AuditEvent, AuditLogIsAppendOnly, Category, Post

from ..factories import make_thread

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists on PostgreSQL only; SQLite relies on the model layer and the hash chain",
)
TRIGGER = "forum_auditevent_no_update_delete"


def _last_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@contextlib.contextmanager
def new_events():
    """Collects the audit events written inside the block."""
    events = []
    since = _last_id()
    yield events
    events.extend(AuditEvent.objects.filter(id__gt=since).order_by("id"))


@contextlib.contextmanager
def trigger_disabled():
    """Lets raw SQL through on PostgreSQL, as an attacker with table-owner rights could."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while the test transaction holds deferred foreign-key checks: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE forum_auditevent DISABLE TRIGGER {TRIGGER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE forum_auditevent ENABLE TRIGGER {TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _assert_one(events, *, verb, actor, target, category):
    assert len(events) == 1, [e.verb for e in events]
    event = events[0]
    assert event.verb == verb
    assert event.actor_id == actor.pk
    assert event.actor_name == actor.username
    assert (event.target_type, event.target_id) == (target._meta.label_lower, str(target.pk))
    assert event.category_id == category.pk
    assert event.hash == event.compute_hash()
    return event


@pytest.fixture
def thread(employee, engineering):
    return make_thread(employee, engineering, title="Audited thread", body="Opening post.")


@pytest.fixture
def reply(thread, other_employee):
    return services.post_reply(acting_user=other_employee, thread=thread, body="An answer.")


# One event per write ---------------------------------------------------------------------------


def test_thread_start(employee, engineering):
    with new_events() as events:
        thread = services.thread_start(acting_user=employee, category=engineering, title="T", body="B")
    event = _assert_one(events, verb="thread.start", actor=employee, target=thread, category=engineering)
    assert event.data == {"title": "T", "post": thread.posts.get().pk}


def test_post_reply(thread, other_employee, engineering):
    with new_events() as events:
        post = services.post_reply(acting_user=other_employee, thread=thread, body="Reply.")
    event = _assert_one(events, verb="post.reply", actor=other_employee, target=post, category=engineering)
    assert event.data == {"thread": thread.pk}


def test_post_edit(thread, employee, engineering):
    post = thread.posts.get()
    with new_events() as events:
        services.post_edit(acting_user=employee, post=post, body="Edited.", title="Audited thread, renamed")
    event = _assert_one(events, verb="post.edit", actor=employee, target=post, category=engineering)
    assert event.data == {"body_changed": True,
                          "title": {"before": "Audited thread", "after": "Audited thread, renamed"}}


def test_post_hide_and_unhide(reply, eng_moderator, engineering):
    with new_events() as events:
        services.post_hide(acting_user=eng_moderator, post=reply, reason="off topic")
    event = _assert_one(events, verb="post.hide", actor=eng_moderator, target=reply, category=engineering)
    assert event.data == {"reason": "off topic"}

    with new_events() as events:
        services.post_hide(acting_user=eng_moderator, post=reply, hidden=False)
    _assert_one(events, verb="post.unhide", actor=eng_moderator, target=reply, category=engineering)


def test_thread_lock(thread, eng_moderator, engineering):
    with new_events() as events:
        services.thread_lock(acting_user=eng_moderator, thread=thread)
    _assert_one(events, verb="thread.lock", actor=eng_moderator, target=thread, category=engineering)


def test_thread_accept_answer(thread, reply, employee, engineering):
    with new_events() as events:
        services.thread_accept_answer(acting_user=employee, thread=thread, post=reply)
    event = _assert_one(events, verb="thread.accept_answer", actor=employee, target=thread, category=engineering)
    assert event.data == {"post": reply.pk}


def test_category_create(admin_user):
    with new_events() as events:
        category = services.category_create(acting_user=admin_user, name="Data Platform", restricted=True)
    event = _assert_one(events, verb="category.create", actor=admin_user, target=category, category=category)
    assert event.data == {"name": "Data Platform", "slug": "data-platform", "restricted": True}


def test_category_update(admin_user, engineering):
    with new_events() as events:
        services.category_update(acting_user=admin_user, category=engineering, restricted=True)
    event = _assert_one(events, verb="category.update", actor=admin_user, target=engineering, category=engineering)
    assert event.data == {"before": {"restricted": False}, "after": {"restricted": True}}


# Failing services write nothing ----------------------------------------------------------------


def test_service_failing_midway_rolls_back_its_changes_and_writes_no_event(thread, employee):
    post = thread.posts.get()
    with new_events() as events, pytest.raises(InvalidInput):
        # The body is saved before the empty title is refused: the whole service must roll back.
        services.post_edit(acting_user=employee, post=post, body="Changed body.", title="   ")
    assert events == []
    post = Post.objects.get(pk=post.pk)
    assert (post.body, post.edited_at) == ("Opening post.", None)
    assert audit_verify().ok


def test_refused_inputs_write_no_event(admin_user, employee, thread, engineering):
    with new_events() as events:
        with pytest.raises(InvalidInput):
            services.post_reply(acting_user=employee, thread=thread, body="   ")
        with pytest.raises(InvalidInput):
            services.category_update(acting_user=admin_user, category=engineering, slug="renamed")
        with pytest.raises(InvalidInput):
            services.category_create(acting_user=admin_user, name="Engineering")
    assert events == []
    assert Category.objects.get(pk=engineering.pk).slug == "engineering"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_failing_service_leaves_nothing(admin_user, employee, engineering):
    # Autocommit mode, as in production: the service's own atomic block is the whole transaction.
    thread = make_thread(employee, engineering, title="Committed", body="Opening post.")
    post = thread.posts.get()
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput):
        services.post_edit(acting_user=employee, post=post, body="Changed body.", title="")
    assert AuditEvent.objects.count() == before
    assert Post.objects.get(pk=post.pk).body == "Opening post."
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit_record(actor=employee, verb="test.outside", target=thread)
    assert AuditEvent.objects.count() == before
    assert audit_verify().ok


# The chain verifies ----------------------------------------------------------------------------


def test_chain_verifies_after_many_writes(thread, reply, employee, eng_moderator, admin_user, engineering):
    services.thread_accept_answer(acting_user=employee, thread=thread, post=reply)
    services.post_hide(acting_user=eng_moderator, post=reply, reason="dup")  # and the acceptance cleared: 2 events
    services.thread_lock(acting_user=eng_moderator, thread=thread)
    services.category_update(acting_user=admin_user, category=engineering, description="Changed.")

    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    report = audit_verify()
    assert report.ok
    assert report.checked == len(events) == 8

    out = _run_command()
    assert f"{len(events)} events verified" in out


def test_empty_log_verifies(db):
    assert AuditEvent.objects.count() == 0
    assert audit_verify().ok
    assert "0 events verified" in _run_command()


def _run_command():
    buffer = io.StringIO()
    call_command("audit_verify", stdout=buffer)
    return buffer.getvalue()


# Append-only at the model layer ----------------------------------------------------------------


def test_model_refuses_updates_and_deletes(thread):
    event = AuditEvent.objects.order_by("-id").first()
    original = event.hash

    event.verb = "forged"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(verb="forged")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().update(data={})
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    # bulk_update joins the caller's transaction without a savepoint: give it one.
    with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["verb"])

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.verb, stored.hash) == ("thread.start", original)
    assert audit_verify().ok


# Append-only in the database (PostgreSQL) ------------------------------------------------------


@on_postgres
@pytest.mark.parametrize("sql", [
    "UPDATE forum_auditevent SET verb = 'forged' WHERE id = %s",
    "UPDATE forum_auditevent SET data = '{}'::jsonb WHERE id >= %s",
    "DELETE FROM forum_auditevent WHERE id = %s",
])
def test_database_trigger_refuses_raw_update_and_delete(thread, sql):
    event = AuditEvent.objects.order_by("-id").first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.verb, stored.data, stored.hash) == (event.verb, event.data, event.hash)
    assert audit_verify().ok


# Tampering is detected ---------------------------------------------------------------------------


def _rewrite_data(event_id, data_json):
    # psycopg sends str parameters untyped, so PostgreSQL casts the JSON text to jsonb itself.
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE forum_auditevent SET data = %s WHERE id = %s", [data_json, event_id])


def test_modified_row_is_detected(thread, reply, eng_moderator):
    services.thread_lock(acting_user=eng_moderator, thread=thread)
    target = AuditEvent.objects.get(verb="thread.start", target_id=str(thread.pk))
    assert audit_verify().ok

    _rewrite_data(target.pk, '{"title": "Nothing to see here", "post": 1}')

    report = audit_verify()
    assert not report.ok
    assert report.first_bad_id == target.pk
    assert "modified" in report.problem
    assert report.checked == AuditEvent.objects.filter(id__lt=target.pk).count()
    with pytest.raises(CommandError, match=rf"BROKEN at event {target.pk}\b"):
        call_command("audit_verify")


def test_modified_row_with_recomputed_hash_breaks_the_next_link(thread, reply):
    """A forger who also recomputes the row's own hash still breaks the next row's link."""
    target = AuditEvent.objects.get(verb="thread.start", target_id=str(thread.pk))
    following = AuditEvent.objects.filter(id__gt=target.pk).order_by("id").first()
    forged = AuditEvent.objects.get(pk=target.pk)
    forged.data = {"title": "Forged", "post": 1}
    new_hash = forged.compute_hash()
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE forum_auditevent SET data = %s, hash = %s WHERE id = %s",
                       ['{"title": "Forged", "post": 1}', new_hash, target.pk])

    report = audit_verify()
    assert not report.ok
    assert report.first_bad_id == following.pk
    assert "broken" in report.problem


def test_deleted_middle_row_is_detected(thread, reply, eng_moderator):
    services.thread_lock(acting_user=eng_moderator, thread=thread)
    middle = AuditEvent.objects.get(verb="post.reply", target_id=str(reply.pk))
    following = AuditEvent.objects.filter(id__gt=middle.pk).order_by("id").first()
    assert following is not None

    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM forum_auditevent WHERE id = %s", [middle.pk])

    report = audit_verify()
    assert not report.ok
    assert report.first_bad_id == following.pk
    assert "broken" in report.problem
    with pytest.raises(CommandError, match=rf"BROKEN at event {following.pk}\b"):
        call_command("audit_verify")


def test_deleted_first_row_is_detected(thread):
    first = AuditEvent.objects.order_by("id").first()
    second = AuditEvent.objects.filter(id__gt=first.pk).order_by("id").first()
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM forum_auditevent WHERE id = %s", [first.pk])
    report = audit_verify()
    assert (report.ok, report.first_bad_id) == (False, second.pk)


@on_postgres
def test_trigger_is_back_after_tampering_helper(thread):
    event = AuditEvent.objects.order_by("-id").first()
    _rewrite_data(event.pk, "{}")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM forum_auditevent WHERE id = %s", [event.pk])
