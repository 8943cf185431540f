"""The audit chain under a key: every event's hash becomes an HMAC under settings.AUDIT_KEY (forum.models.audit_digest).

An existing chain is verified first, as it was written (plain SHA-256), and the migration stops if it does not verify:
re-sealing must never launder a log that was already tampered with. Then each event is sealed again in order, linked
to its new predecessor. The canonical JSON is frozen here, as the events were written.
"""
import hashlib
import json

from django.db import migrations

GENESIS = "0" * 64
TRIGGER = "forum_auditevent_no_update_delete"


def _canonical(event, prev_hash):
    payload = {"actor": event.actor_id, "actor_name": event.actor_name, "verb": event.verb,
               "target_type": event.target_type, "target_id": event.target_id, "category": event.category_id,
               "data": event.data, "created_at": event.created_at.isoformat(), "prev_hash": prev_hash}
    if event.private:
        payload["private"] = True
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def seal(apps, schema_editor):
    from forum.models import audit_digest

    AuditEvent = apps.get_model("forum", "AuditEvent")
    events = AuditEvent.objects.order_by("id")
    if not events.exists():
        return
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE forum_auditevent DISABLE TRIGGER {TRIGGER}")
    old_previous, new_previous, batch = GENESIS, GENESIS, []
    for event in events.iterator(chunk_size=2000):
        legacy = hashlib.sha256(_canonical(event, event.prev_hash).encode()).hexdigest()
        if event.prev_hash != old_previous or legacy != event.hash:
            raise RuntimeError(f"The audit chain does not verify at event {event.pk}: not sealing a tampered log. "
                               "Investigate, then restore the log from a backup before migrating.")
        old_previous = event.hash
        event.prev_hash, event.hash = new_previous, audit_digest(_canonical(event, new_previous))
        new_previous = event.hash
        batch.append(event)
        if len(batch) >= 2000:
            AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
    if postgres:
        schema_editor.execute(f"ALTER TABLE forum_auditevent ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    atomic = True

    dependencies = [("forum", "0010_post_hidden_index")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop, elidable=False)]
