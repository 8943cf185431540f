"""Dense candidates in a large index (retrieval/dense.py): a thread whose question means the same as the
asked one is proposed though they share no word the lexical match selects; only readable threads, never the
asker's own, and threads posted since the matrix was loaded once it refreshes."""
import threading

import numpy as np
import pytest

from aiassist.retrieval import dense, index, ranking
from aiassist.retrieval.embedders import TransientEmbedderError
from forum.models import Post

from ...factories import make_thread

pytestmark = pytest.mark.django_db

# A stand-in for the model (the model itself is pinned in test_embedders.py): texts about the same concept
# get the same direction, whatever their words.
CONCEPTS = [("lock", "blocked", "waiting", "stuck", "hangs"), ("certificate", "tls", "ssl", "https"),
            ("cache", "redis", "memcached")]


class ConceptEmbedder:
    dimension, name = len(CONCEPTS) + 1, "concepts-v1"

    def embed(self, texts):
        rows = []
        for text in texts:
            lowered = text.lower()
            row = [sum(word in lowered for word in words) for words in CONCEPTS] + [0.2]
            rows.append(row)
        rows = np.array(rows, dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def large_index(monkeypatch):
    embedder = ConceptEmbedder()
    monkeypatch.setattr(ranking, "COMMON_WORDS_FROM", 0)  # this small index takes the large-index path
    monkeypatch.setattr(ranking, "active_embedder", lambda: embedder)
    monkeypatch.setattr(dense, "REFRESH_SECONDS", 0)
    dense.forget()
    yield embedder
    dense.forget()


def _index(embedder, *threads):
    index.posts_index(list(Post.objects.filter(thread__in=threads).values_list("pk", flat=True)), embedder=embedder)


def test_a_thread_meaning_the_same_is_proposed_without_a_shared_word(large_index, employee, other_employee,
                                                                    engineering, secops, secops_member):
    answer = make_thread(other_employee, engineering, title="Migration stuck waiting", body="It hangs on ALTER.",
                         replies=[(employee, "Something holds a lock: find it in pg_stat_activity.")])
    noise = [make_thread(other_employee, engineering, title=f"Certificate renewal {n}", body="TLS expiry.",
                         replies=[(employee, "Renew the certificate.")]) for n in range(3)]
    hidden_answer = make_thread(secops_member, secops, title="Blocked deploy lock", body="Waiting forever.",
                                replies=[(secops_member, "Restricted lock runbook.")])
    asked = make_thread(employee, engineering, title="Why does my schema change block?", body="Blocked for an hour.")
    _index(large_index, answer, *noise, hidden_answer, asked)
    question = "schema change blocked"
    words = ranking._word_statistics(["schema", "change", "blocked"], ranking.readable_passages(employee))
    lexical = {t for _, t, _ in ranking._lexical_candidates(ranking.readable_passages(employee), words)}
    assert answer.pk not in lexical  # no selected word in it: only the dense proposal can bring it
    found = [t.thread.pk for t in ranking.rank(employee, question, exclude_thread=asked).threads]
    assert found and found[0] == answer.pk
    assert hidden_answer.pk not in found and asked.pk not in found
    # The restricted thread is in the matrix; a reader of it gets it proposed, an outsider never.
    member = [t.thread.pk for t in ranking.rank(secops_member, question, exclude_thread=asked).threads]
    assert hidden_answer.pk in member


def test_threads_posted_after_the_matrix_was_loaded_are_proposed_once_it_refreshes(large_index, employee,
                                                                                  other_employee, engineering,
                                                                                  monkeypatch):
    monkeypatch.setattr(dense, "LOAD_CHUNK", 1)  # every vector its own block: the blocks are stacked in order
    first = make_thread(other_employee, engineering, title="Redis memory", body="Cache is full.",
                        replies=[(employee, "Set maxmemory.")])
    second = make_thread(other_employee, engineering, title="Stuck lock", body="Blocked, waiting.")
    _index(large_index, first, second)
    matrix = dense.question_vectors(index.embed_key(large_index))
    assert list(matrix.threads) == [first.pk, second.pk]
    assert np.allclose(matrix.matrix[1], large_index.embed(["Stuck lock\nBlocked, waiting."])[0])
    monkeypatch.setattr(dense, "REFRESH_SECONDS", 3600)  # not due: the new thread waits for the next refresh
    later = make_thread(other_employee, engineering, title="TLS handshake fails", body="Certificate error.",
                        replies=[(employee, "The chain is incomplete.")])
    _index(large_index, later)
    assert later.pk not in dense.question_vectors(index.embed_key(large_index)).threads
    monkeypatch.setattr(dense, "REFRESH_SECONDS", 0)
    refreshed = dense.question_vectors(index.embed_key(large_index))
    assert list(refreshed.threads) == [first.pk, second.pk, later.pk]
    vector = large_index.embed(["certificate problem"])[0]
    assert refreshed.nearest(vector, {engineering.pk}, 1) == [later.pk]
    assert refreshed.nearest(vector, {engineering.pk}, 5, exclude_thread=later.pk) == [first.pk, second.pk]
    assert refreshed.nearest(vector, set(), 5) == []  # no readable category: nothing


def test_the_scored_passages_vectors_are_read_as_stored_and_the_read_is_counted(large_index, employee, engineering,
                                                                                django_assert_num_queries):
    """``_closeness`` reads the vectors as stored (PostgreSQL: in binary, through Django's cursor wrapper, so the
    statement is counted and logged like any other) and gives each passage its cosine to the question."""
    thread = make_thread(employee, engineering, title="Redis cache stuck", body="The cache hangs.",
                         replies=[(employee, "Restart memcached."), (employee, "Renew the TLS certificate.")])
    _index(large_index, thread)
    hits = [ranking.PassageHit(id=pk, post_id=post, thread_id=thread.pk, role=role, position=0, plain=plain,
                               author_id=employee.pk)
            for pk, post, role, plain in ranking.Passage.objects.filter(thread=thread)
            .values_list("pk", "post_id", "role", "plain")]
    query = large_index.embed(["a stuck cache"])[0]
    with django_assert_num_queries(1):
        vectors = ranking._closeness(query, index.embed_key(large_index), hits)
    assert set(vectors) == {hit.id for hit in hits}
    for hit in hits:
        expected = large_index.embed([index.embedding_input(thread.title, hit.plain, hit.role)])[0]
        assert np.allclose(vectors[hit.id], expected)
        assert hit.dense == pytest.approx(float(expected @ query), abs=1e-6)


def test_a_large_index_embeds_the_question_beside_the_candidate_queries(large_index, employee, other_employee,
                                                                        engineering, monkeypatch):
    """The question is embedded in a thread of the process's pool while PostgreSQL finds the candidates: the same
    ranking as with the vector given, and an embedder's failure reaches the caller as it did before."""
    answer = make_thread(other_employee, engineering, title="Migration stuck waiting", body="It hangs on ALTER.",
                         replies=[(employee, "Something holds a lock: find it in pg_stat_activity.")])
    other = make_thread(other_employee, engineering, title="Certificate renewal", body="TLS expiry.",
                        replies=[(employee, "Renew the certificate.")])
    _index(large_index, answer, other)
    embedded_in = []
    embed = large_index.embed

    def recorded(texts):
        embedded_in.append(threading.current_thread().name)
        return embed(texts)

    monkeypatch.setattr(large_index, "embed", recorded)
    question = "schema change blocked"
    ranked = ranking.rank(employee, question)
    assert len(embedded_in) == 1 and embedded_in[0].startswith("vetted-embed")
    given = ranking.rank(employee, question, query_vector=embed([question])[0])
    assert len(embedded_in) == 1  # a vector given: nothing embedded
    assert [(t.thread.pk, round(t.score, 6)) for t in ranked.threads] == \
        [(t.thread.pk, round(t.score, 6)) for t in given.threads]
    assert ranked.threads[0].thread.pk == answer.pk

    def down(texts):
        raise TransientEmbedderError("the endpoint is down")

    monkeypatch.setattr(large_index, "embed", down)
    with pytest.raises(TransientEmbedderError, match="down"):
        ranking.rank(employee, question)


def test_the_question_less_its_names_is_embedded_in_the_same_early_pass(large_index, employee, other_employee,
                                                                       engineering, monkeypatch, caplog):
    """The assistant's ranking weighs in the best thread's closeness to the question with its names masked: a large
    index embeds that text with the question, in one pass of the pool, and the closeness is the one a separate
    embedding gives. Search, which never declines, embeds the question alone; with the question's vector given, the
    masked question alone is embedded early, and its failure only leaves that check out (as before)."""
    answer = make_thread(other_employee, engineering, title="Migration stuck waiting", body="It hangs on ALTER.",
                         replies=[(employee, "Something holds a lock: find it in pg_stat_activity.")])
    _index(large_index, answer)
    calls, closeness = [], []
    embed, masked_closeness = large_index.embed, ranking._masked_closeness

    def recorded(texts):
        calls.append((threading.current_thread().name, list(texts)))
        return embed(texts)

    def kept(hit, text, names, embedder, vectors, **kwargs):
        closeness.append((masked_closeness(hit, text, names, embedder, vectors, **kwargs),
                          masked_closeness(hit, text, names, embedder, vectors)))  # embedded apart
        return closeness[-1][0]

    monkeypatch.setattr(large_index, "embed", recorded)
    monkeypatch.setattr(ranking, "_masked_closeness", kept)
    question = "Why is the Redis migration stuck?"
    ranked = ranking.rank(employee, question)
    assert calls[0][0].startswith("vetted-embed") and calls[0][1] == [question, "Why is the migration stuck?"]
    assert calls[1:] == [(threading.current_thread().name, ["Why is the migration stuck?"])]  # ``kept``'s own
    (early, apart), = closeness
    assert early is not None and early == pytest.approx(apart, abs=1e-6)
    assert ranked.threads[0].thread.pk == answer.pk

    calls.clear()
    ranking.rank(employee, question, count_names=False)  # search: no names weighed, none masked
    assert [texts for _, texts in calls] == [[question]]

    calls.clear()
    closeness.clear()
    given = ranking.rank(employee, question, query_vector=embed([question])[0])
    assert calls[0] == (calls[0][0], ["Why is the migration stuck?"]) and calls[0][0].startswith("vetted-embed")
    assert closeness[0][0] == pytest.approx(early, abs=1e-6)
    assert given.confident == ranked.confident

    def down(texts):
        raise TransientEmbedderError("the endpoint is down")

    monkeypatch.setattr(large_index, "embed", down)
    closeness.clear()
    monkeypatch.setattr(ranking, "_masked_closeness", masked_closeness)
    with caplog.at_level("WARNING", logger="aiassist.retrieval.ranking"):
        degraded = ranking.rank(employee, question, query_vector=embed([question])[0])
    assert degraded.threads[0].thread.pk == answer.pk  # ranked; judged without the masked check
    assert "without its names failed" in caplog.text
