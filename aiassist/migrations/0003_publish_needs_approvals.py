"""The database refuses to mark an answer published without the approvals it needs.

A check constraint cannot count rows of another table, so a trigger does: at least one approval
by someone other than the asker, and for high risk two different reviewers, one of whom held
approve_high_risk. On PostgreSQL the approvals must cover the exact text being published.
"""
from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION aiassist_publish_needs_approvals() RETURNS trigger AS $$
    DECLARE
        reviewers integer;
        authorities integer;
    BEGIN
        IF NEW.status = 'published' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'published') THEN
            SELECT count(DISTINCT reviewer_id), count(*) FILTER (WHERE high_risk_authority)
              INTO reviewers, authorities
              FROM aiassist_approval
             WHERE answer_id = NEW.id
               AND reviewer_id <> NEW.asker_id
               AND body_hash = encode(sha256(convert_to(NEW.body, 'UTF8')), 'hex');
            IF reviewers < 1 OR (NEW.risk = 'high' AND (reviewers < 2 OR authorities < 1)) THEN
                RAISE EXCEPTION 'answer % cannot be published without its approvals', NEW.id
                    USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER aiassist_aianswer_publish_needs_approvals
    BEFORE INSERT OR UPDATE ON aiassist_aianswer
    FOR EACH ROW EXECUTE FUNCTION aiassist_publish_needs_approvals()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS aiassist_aianswer_publish_needs_approvals ON aiassist_aianswer",
    "DROP FUNCTION IF EXISTS aiassist_publish_needs_approvals()",
]
_SQLITE_CONDITION = """
    NEW.status = 'published' AND (
      (SELECT count(DISTINCT reviewer_id) FROM aiassist_approval
        WHERE answer_id = NEW.id AND reviewer_id <> NEW.asker_id) < (CASE WHEN NEW.risk = 'high' THEN 2 ELSE 1 END)
      OR (NEW.risk = 'high' AND (SELECT count(*) FROM aiassist_approval
        WHERE answer_id = NEW.id AND reviewer_id <> NEW.asker_id AND high_risk_authority) < 1))
"""
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER IF NOT EXISTS aiassist_publish_needs_approvals_update BEFORE UPDATE ON aiassist_aianswer
    WHEN OLD.status <> 'published' AND {_SQLITE_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'an answer cannot be published without its approvals'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS aiassist_publish_needs_approvals_insert BEFORE INSERT ON aiassist_aianswer
    WHEN {_SQLITE_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'an answer cannot be published without its approvals'); END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS aiassist_publish_needs_approvals_update",
    "DROP TRIGGER IF EXISTS aiassist_publish_needs_approvals_insert",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("aiassist", "0002_review_and_publication")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
