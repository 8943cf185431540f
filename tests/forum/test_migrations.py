"""Migrations on a large forum: an index on the posts table is built without blocking writes on PostgreSQL."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db(transaction=True)  # sqlmigrate must run outside a transaction, as migrate does
@pytest.mark.parametrize("backwards", [False, True])
def test_the_hidden_posts_index_is_built_and_dropped_concurrently_on_postgresql(backwards):
    out = StringIO()
    call_command("sqlmigrate", "forum", "0010", backwards=backwards, stdout=out)
    statements = [line for line in out.getvalue().splitlines() if line and not line.startswith("--")]
    verb = "DROP INDEX" if backwards else "CREATE INDEX"
    assert len(statements) == 1 and statements[0].startswith(verb)
    assert ("CONCURRENTLY" in statements[0]) is (connection.vendor == "postgresql")
    assert "BEGIN" not in out.getvalue()  # not in a transaction: PostgreSQL refuses CONCURRENTLY inside one
