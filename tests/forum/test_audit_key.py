"""The audit chain under a key (settings.AUDIT_KEY), and anchored from outside the database.

Round 29's review emptied the log (TRUNCATE, which the append-only trigger leaves to a table owner) and wrote it
again without an answer's approval and publication, every SHA-256 recomputed: it verified. Each hash is now an HMAC
under a key the database does not hold, and ``audit_verify --anchor`` fails when the newest events are gone.
"""
import hashlib
import importlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from aiassist.models import AIAnswer
from forum.audit import GENESIS, audit_record, audit_verify, audited
from forum.models import AuditEvent, audit_canonical

from ..api.conftest import in_state, reload

pytestmark = pytest.mark.django_db
TABLE = AuditEvent._meta.db_table
sealing = importlib.import_module("forum.migrations.0011_audit_chain_keyed")


def _payload(event, prev_hash) -> dict:
    payload = {"actor": event.actor_id, "actor_name": event.actor_name, "verb": event.verb,
               "target_type": event.target_type, "target_id": event.target_id, "category": event.category_id,
               "data": event.data, "created_at": event.created_at.isoformat(), "prev_hash": prev_hash}
    if event.private:
        payload["private"] = True
    return payload


def _rewrite(events, digest) -> None:
    """What someone with write access to the table can do: empty it and write the events again, each hash
    recomputed with ``digest`` over the events' own canonical form."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {TABLE}")
        else:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608 - the model's own table name
    previous = GENESIS
    for event in events:
        forged = AuditEvent(actor_id=event.actor_id, actor_name=event.actor_name, verb=event.verb,
                            target_type=event.target_type, target_id=event.target_id, category_id=event.category_id,
                            data=event.data, created_at=event.created_at, prev_hash=previous, private=event.private)
        forged.hash = digest(audit_canonical(_payload(forged, previous)))
        forged.save()
        previous = forged.hash


def _without_the_publication(answer):
    return [e for e in AuditEvent.objects.order_by("id")
            if not (e.target_id == str(answer.pk) and e.verb in ("ai_answer.approve", "ai_answer.publish"))]


def _sha256(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_a_log_written_again_without_the_key_does_not_verify(employee, engineering, eng_moderator):
    answer = in_state(AIAnswer.Status.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    assert audit_verify().ok
    _rewrite(_without_the_publication(answer), _sha256)
    assert reload(answer).status == AIAnswer.Status.PUBLISHED
    report = audit_verify()
    assert not report.ok and "audit key" in report.problem
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=io.StringIO())


def test_another_key_does_not_verify_either(settings, employee, engineering, eng_moderator):
    in_state(AIAnswer.Status.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    assert audit_verify().ok
    settings.AUDIT_KEY = "another key entirely, held by nobody who wrote this log"
    assert not audit_verify().ok


def test_a_log_cut_back_fails_against_its_anchor(employee, engineering, eng_moderator):
    answer = in_state(AIAnswer.Status.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    head = out.getvalue().split("Head: ")[1].strip()
    assert head == f"{AuditEvent.objects.latest('id').pk}:{AuditEvent.objects.latest('id').hash}"
    # Someone holding the key keeps the events before the publication only: the chain verifies on its own ...
    publication = AuditEvent.objects.get(verb="ai_answer.approve", target_id=str(answer.pk)).pk
    kept = [e for e in AuditEvent.objects.order_by("id") if e.pk < publication]
    from forum.models import audit_digest
    _rewrite(kept, audit_digest)
    assert audit_verify().ok
    # ... but not against the head an earlier run printed.
    report = audit_verify(anchor=head)
    assert not report.ok and "gone" in report.problem
    with pytest.raises(CommandError):
        call_command("audit_verify", anchor=head, stdout=io.StringIO())


def test_an_anchor_whose_event_changed_fails_and_a_good_one_passes(employee, engineering):
    from forum.models import Category

    with audited():
        audit_record(actor=employee, verb="test.one", target=Category.objects.first())
    first = AuditEvent.objects.latest("id")
    with audited():
        audit_record(actor=employee, verb="test.two")
    assert audit_verify(anchor=f"{first.pk}:{first.hash}").ok
    assert not audit_verify(anchor=f"{first.pk}:{'0' * 64}").ok


class _Editor:
    def __init__(self):
        self.connection = connection

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


def _historical_apps():
    return MigrationLoader(connection).project_state(("forum", "0011_audit_chain_keyed")).apps


def test_the_migration_seals_a_chain_written_before_the_key(employee, engineering, eng_moderator):
    in_state(AIAnswer.Status.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    events = list(AuditEvent.objects.order_by("id"))
    _rewrite(events, _sha256)  # the log as the code before the key wrote it
    legacy = list(AuditEvent.objects.order_by("id").values_list("hash", flat=True))
    assert not audit_verify().ok
    editor = _Editor()
    sealing.seal(_historical_apps(), editor)
    assert audit_verify().ok
    sealed = list(AuditEvent.objects.order_by("id").values_list("hash", flat=True))
    assert len(sealed) == len(legacy) and not set(sealed) & set(legacy)
    if connection.vendor == "postgresql":  # the append-only trigger is back on
        with connection.cursor() as cursor:
            cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [sealing.TRIGGER])
            assert cursor.fetchone()[0] == "O"


def test_the_migration_refuses_to_seal_a_tampered_chain(employee, engineering, eng_moderator):
    answer = in_state(AIAnswer.Status.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    _rewrite(list(AuditEvent.objects.order_by("id")), _sha256)
    last = AuditEvent.objects.latest("id")
    with connection.cursor() as cursor:  # a broken link: the last row's prev_hash points at nothing
        postgres = connection.vendor == "postgresql"
        if postgres:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {sealing.TRIGGER}")
        cursor.execute(f"UPDATE {TABLE} SET prev_hash = %s WHERE id = %s", ["f" * 64, last.pk])  # noqa: S608
        if postgres:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {sealing.TRIGGER}")
    before = list(AuditEvent.objects.order_by("id").values_list("hash", flat=True))
    with pytest.raises(RuntimeError, match="does not verify"):
        sealing.seal(_historical_apps(), _Editor())
    assert list(AuditEvent.objects.order_by("id").values_list("hash", flat=True)) == before
    assert reload(answer).status == AIAnswer.Status.PUBLISHED
