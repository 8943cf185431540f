"""Writing and verifying the hash-chained audit log.

``audit_record`` is called by services inside their transaction. Appends are serialised (an
advisory lock on PostgreSQL; SQLite serialises writers itself) and ``prev_hash`` is unique, so
two writers can never fork the chain.
"""
from dataclasses import dataclass

from django.db import connection, transaction
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


def audit_record(*, actor, verb: str, target=None, category=None, data: dict | None = None,
                 private: bool = False) -> AuditEvent:
    """Append one event. ``private``: it belongs to a phase only one person may know of (an AI draft
    before its asker submits it); the chain keeps it, no reader of the log is shown it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the service's transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
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
