"""The publish-needs-approvals triggers of 0003, made again on SQLite.

SQLite adds 0006's fields and check constraints by rebuilding ``aiassist_aianswer``, and a rebuilt table
loses its triggers: from then on nothing in the database refused publishing without approvals there.
PostgreSQL alters the table in place and keeps its trigger. ``IF NOT EXISTS``: harmless where they stand.
"""
from importlib import import_module

from django.db import migrations

APPROVALS = import_module("aiassist.migrations.0003_publish_needs_approvals")


class Migration(migrations.Migration):

    dependencies = [("aiassist", "0007_model_names")]

    operations = [
        migrations.RunPython(APPROVALS._run({"sqlite": APPROVALS.SQLITE_FORWARD}), migrations.RunPython.noop),
    ]
