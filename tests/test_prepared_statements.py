"""PostgreSQL keeps the statements a connection runs again and again prepared (DATABASE_PREPARE_THRESHOLD), the
ranking's included; an empty threshold binds parameters on the client as Django does by default."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.db import connection

from aiassist.retrieval import index, ranking
from forum.models import Post

from .factories import make_thread

ROOT = Path(__file__).resolve().parent.parent

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no prepared statements")


class WordsEmbedder:
    """A stand-in for the model: a text's direction is which of a few words it holds."""
    dimension, name = 4, "words-v1"

    def embed(self, texts):
        rows = np.array([[w in t.lower() for w in ("lock", "migration", "alter")] + [0.2] for t in texts], np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _prepared(like: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", [like])
        return [row[0] for row in cursor.fetchall()]


@on_postgres
@pytest.mark.skipif(not settings.DATABASE_PREPARE_THRESHOLD, reason="prepared statements turned off")
@pytest.mark.django_db
def test_a_ranking_run_again_on_a_connection_is_planned_once(employee, other_employee, engineering):
    thread = make_thread(other_employee, engineering, title="Migration stuck waiting for a lock",
                         body="It hangs on ALTER TABLE.", replies=[(employee, "Find the lock in pg_stat_activity.")])
    embedder = WordsEmbedder()
    index.posts_index(list(Post.objects.filter(thread=thread).values_list("pk", flat=True)), embedder=embedder)
    threshold = int(settings.DATABASE_PREPARE_THRESHOLD)
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == threshold
    passages = 'SELECT "retrieval_passage"."id" AS "pk", "retrieval_passage"."post_id"%'
    for run in range(threshold + 1):
        assert not _prepared(passages), f"prepared after {run} runs"
        ranked = ranking.rank(employee, "migration waiting for a lock", embedder=embedder)
        assert ranked.dense and ranked.threads[0].thread == thread
    assert len(_prepared(passages)) == 1
    # The vectors, read through a cursor of the ranking's own, are kept prepared on the same connection.
    assert _prepared("SELECT passage_id, embedding FROM retrieval_passagevector%")


@on_postgres
@pytest.mark.skipif(not settings.DATABASE_PREPARE_THRESHOLD, reason="prepared statements turned off")
@pytest.mark.django_db
def test_full_text_matches_are_planned_at_every_run(employee, other_employee, engineering, monkeypatch):
    """A full-text match's plan depends on its query's value: never from a prepared statement's generic plan,
    however often the same statement runs (the lexical candidates of a large index, the names looked up)."""
    monkeypatch.setattr(ranking, "COMMON_WORDS_FROM", 0)  # this small index takes the large-index path
    thread = make_thread(other_employee, engineering, title="Migration stuck waiting for a lock",
                         body="It hangs on ALTER TABLE.", replies=[(employee, "Find the lock in pg_stat_activity.")])
    embedder = WordsEmbedder()
    index.posts_index(list(Post.objects.filter(thread=thread).values_list("pk", flat=True)), embedder=embedder)
    for _ in range(int(settings.DATABASE_PREPARE_THRESHOLD) + 2):
        ranked = ranking.rank(employee, "Migration waiting for a lock in Postgres", embedder=embedder)
        assert ranked.threads[0].thread == thread
    assert _prepared("%retrieval_passage%")  # the other statements of the ranking are kept
    # Kept: the word statistics, whose match is on a lexeme the statement computes (its plan is the same either way).
    assert _prepared("%@@ to_tsquery('simple', quote_literal(r.lexeme))%")
    with connection.cursor() as cursor:  # a match on a query given as a parameter: "@@ $1", "@@ to_tsquery($2, $3)"
        cursor.execute(r"SELECT statement FROM pg_prepared_statements WHERE statement ~ '@@ \(?[a-z_]*\(?\$'")
        assert cursor.fetchall() == []


def _settings_in_a_new_process(threshold: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_PREPARE_THRESHOLD": threshold,
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/vetted"}  # settings only: nothing connects
    code = "from django.conf import settings; print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_an_empty_threshold_binds_parameters_on_the_client_and_a_bad_one_is_refused():
    assert _settings_in_a_new_process("3").stdout.strip() == "[('prepare_threshold', 3), ('server_side_binding', True)]"
    assert _settings_in_a_new_process("").stdout.strip() == "[]"
    refused = _settings_in_a_new_process("five")
    assert refused.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD is a whole number of runs" in refused.stderr
