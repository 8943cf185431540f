"""Writing and verifying the hash-chained audit log.

``audit_record`` is called by services inside their transaction, which ``audited`` opens. Appends are serialised (an
advisory lock on PostgreSQL; SQLite serialises writers itself) and ``prev_hash`` is unique, so two writers can never
fork the chain.

The chain's lock is the first lock such a transaction takes, before any row (``audited``): every transaction that
writes the log takes its locks in one order, so none can wait for a row another holds while that one waits for the
chain (a reply and a publication in the same thread deadlocked on PostgreSQL while the forum took the thread's row
first and publishing the chain first). The cost is that transactions writing the log run one at a time, from their
first statement rather than from their first event: they are kept short (a draft is checked before its transaction).
"""
import functools
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 7_462_361  # arbitrary, fixed: the advisory lock that serialises appends


def _target_ref(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return target[0], str(target[1])
    return target._meta.label_lower, str(target.pk)


def _outer_blocks(connection) -> list:
    """The transaction's atomic blocks opened by the code (a test case's own blocks are not counted)."""
    return [block for block in connection.atomic_blocks if not block._from_testcase]


@contextmanager
def _chain_first():
    connection = transaction.get_connection()
    depth = getattr(connection, "vetted_audit_depth", 0)
    if not depth and _outer_blocks(connection):
        # A lock taken now could come after a row this transaction already holds.
        raise RuntimeError("audited must open the transaction: the audit chain's lock is its first lock")
    with transaction.atomic():
        if not depth and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        connection.vetted_audit_depth = depth + 1
        try:
            yield
        finally:
            connection.vetted_audit_depth = depth


def audited(func=None):
    """``transaction.atomic`` for a transaction that writes the audit log, as a decorator or a context manager: it
    opens the transaction and takes the chain's lock first (see the module's docstring). Inside one, another
    ``audited`` is a savepoint, as a nested ``atomic``; one opened inside a plain ``atomic`` is refused."""
    if func is None:
        return _chain_first()

    @functools.wraps(func)
    def inner(*args, **kwargs):
        with _chain_first():
            return func(*args, **kwargs)
    return inner


def audit_record(*, actor, verb: str, target=None, category=None, data: dict | None = None,
                 private: bool = False) -> AuditEvent:
    """Append one event. ``private``: it belongs to a phase only one person may know of (an AI draft
    before its asker submits it); the chain keeps it, no reader of the log is shown it."""
    if not getattr(transaction.get_connection(), "vetted_audit_depth", 0):
        raise RuntimeError("audit_record must run inside the service's transaction, opened by audited")
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    target_type, target_id = _target_ref(target)
    event = AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=getattr(actor, "username", "") or "",
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        category=category,
        data=data or {},
        created_at=timezone.now(),
        prev_hash=last or GENESIS,
        private=private,
    )
    event.hash = event.compute_hash()
    event.save()
    return event


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""
    head: str = ""  # "<id>:<hash>" of the last event verified: kept outside the database, it anchors the chain


def audit_verify(batch_size: int = 2000, *, anchor: str = "") -> ChainReport:
    """Recompute every hash in order; the first row that does not match is reported.

    A chain ends where the table ends, so removing its newest events (or all of them) leaves a shorter chain that
    verifies. ``anchor``, a head an earlier run reported ("<id>:<hash>", kept outside the database: a log shipper,
    a ticket), must still be in the chain as it was: an anchored event gone or changed breaks it."""
    expected_prev = GENESIS
    checked = 0
    anchored_id, _, anchored_hash = anchor.partition(":")
    anchor_found = not anchor
    head = ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != expected_prev:
            return ChainReport(False, checked, event.pk,
                               "the link to the previous event is broken (a row was removed or reordered)")
        if event.compute_hash() != event.hash:
            return ChainReport(False, checked, event.pk,
                               "the event's content does not match its hash (the row was modified, or written "
                               "without the audit key)")
        if anchor and str(event.pk) == anchored_id:
            if event.hash != anchored_hash:
                return ChainReport(False, checked, event.pk, "the anchored event's hash changed")
            anchor_found = True
        expected_prev = event.hash
        head = f"{event.pk}:{event.hash}"
        checked += 1
    if not anchor_found:
        return ChainReport(False, checked, int(anchored_id) if anchored_id.isdigit() else None,
                           "the anchored event is gone (the log was cut back or emptied)", head)
    return ChainReport(True, checked, head=head)
