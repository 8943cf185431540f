"""Named things in a question (ranking.question_names) and whether the passages a reader may read hold them
(ranking._unknown_names): the abstention's "unknown name" term, RELEVANCE["unknown_name"]."""
import numpy as np
import pytest
from django.db import connection

from aiassist.retrieval import ranking
from aiassist.retrieval.ranking import _unknown_names, headline, question_names, readable_passages

from ...factories import make_thread


def test_names_are_words_capitalised_mid_sentence_or_inside():
    assert question_names("How do we keep gRPC streams alive through Envoy when its idle timeout cuts them?") == [
        "grpc", "envoy"]
    assert question_names("PgBouncer drops clients. Can we enable IPv6 on the VPC?") == ["pgbouncer", "ipv6", "vpc"]


def test_capitalised_words_side_by_side_make_one_name():
    assert question_names("Which mode should the Kafka Schema Registry use?") == ["kafka schema registry"]


def test_a_name_stops_at_punctuation_and_at_the_end_of_a_line():
    assert question_names("It broke Kafka, Redis and S3") == ["kafka", "redis", "s3"]
    assert question_names("pip fails on my new MacBook\n\nFresh Mac, Python 3.11") == ["macbook", "mac", "python"]


def test_paths_hosts_versions_days_and_times_are_not_names():
    """Exact strings no passage repeats would each count as unknown (a review found these in real titles)."""
    assert question_names("pip cache in /Users/me/.cache/pip fills the disk") == []
    assert question_names("pulling registry.Example.com/team/App:1.2 fails on cache.Prod.internal") == []
    assert question_names("Upgrade to v18.2.0-RC1 broke builds on Monday at 3AM in Oct") == []


def test_a_title_in_title_case_names_only_words_with_a_capital_inside():
    assert question_names("How To Configure Nginx Reverse Proxy For Django") == []
    assert question_names("Celery Worker Keeps Restarting After Deploy On EKS") == ["eks"]
    assert question_names("Why does my Postgres pool run out after we moved to PgBouncer?") == ["postgres", "pgbouncer"]


def test_sentence_starts_stop_words_and_numbers_are_not_names():
    assert question_names("Postgres says no. Should I raise it? The limit is 200 and 1.5 per core") == []


def test_only_the_headline_is_read_for_names_and_code_spans_are_not_names():
    """For the assistant the question is the thread's title, a blank line and the opening post: only the title
    counts, so the colleagues, hosts and exception classes of a long post cost nothing."""
    asked = ("Why does `ConnectionResetError` hit our Envoy sidecar?\n\n"
             "Asked Ines and ran `kubectl get pods` on Tuesday.")
    assert headline(asked) == "Why does   hit our Envoy sidecar?"
    assert question_names(headline(asked)) == ["envoy"]


def test_names_masked_takes_the_headlines_names_out_wherever_they_occur():
    """The name-masked check embeds the question without its names (ranking.RELEVANCE["masked"])."""
    assert ranking.names_masked("How do I spread replicas across availability zones in Kubernetes?") == (
        "How do I spread replicas across availability zones in ?")
    assert ranking.names_masked("Which mode should the Kafka Schema Registry use?\n\nOur kafka   schema registry "
                                "is old.") == "Which mode should the use?\n\nOur is old."
    assert ranking.names_masked("How do we set a resource quota per namespace?") is None


def test_the_masked_closeness_weighs_in_by_its_share():
    hit = ranking.ThreadHit(thread=None, head=0.6, answer=0.5, margin=0.1)
    share = ranking.RELEVANCE["masked"]
    full = ranking.relevance(hit)
    assert ranking.relevance(hit, masked=(0.6, 0.5)) == pytest.approx(full)
    masked = ranking.relevance(hit, masked=(0.2, 0.3))
    assert masked == pytest.approx(full - share * (0.4 * ranking.RELEVANCE["head"] + 0.2 * ranking.RELEVANCE["answer"]))


@pytest.mark.django_db
def test_a_name_is_known_only_from_passages_the_reader_may_read(secops, secops_member, engineering, employee):
    make_thread(secops_member, secops, title="Idle timeouts", body="Our Envoy sidecar cuts long gRPC streams.")
    make_thread(employee, engineering, title="Consumer lag", body="The Kafka Schema Registry answers slowly.")
    names = ["envoy", "kafka schema registry", "registry schema", "podman"]

    # Envoy is only in Security Ops; a name is matched as a phrase, in order; nobody wrote about Podman.
    assert _unknown_names(readable_passages(employee), names) == 3
    assert _unknown_names(readable_passages(secops_member), names) == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the lookup's time limit is PostgreSQL's")
@pytest.mark.django_db
def test_a_name_lookup_that_runs_out_of_time_counts_the_name_as_known(monkeypatch, employee, engineering):
    """A lookup PostgreSQL cancels at its time limit declines nothing, and leaves the caller's own limit as it was."""
    make_thread(employee, engineering, title="Consumer lag", body="Nothing about the name here.")
    readable = readable_passages(employee)
    assert _unknown_names(readable, ["podman"]) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', '5s', true)")
    # pg_sleep(0.2) in the lookup's WHERE clause: the 1 ms limit cancels it.
    monkeypatch.setattr(ranking, "NAME_QUERY_TIMEOUT_MS", 1)
    slow = readable.extra(where=["pg_sleep(0.2) IS NOT NULL"])
    assert _unknown_names(slow, ["podman"]) == 0
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"
    # And the connection still works: a limit no loaded machine reaches (at 100 ms, a CI run with the other suite
    # beside it cancelled this lookup too).
    monkeypatch.setattr(ranking, "NAME_QUERY_TIMEOUT_MS", 5000)
    assert _unknown_names(readable, ["podman"]) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's stop words")
@pytest.mark.django_db
def test_a_name_of_postgres_stop_words_only_is_known(employee, engineering):
    """"Don" is a stop word of PostgreSQL's english configuration: its phrase query is empty and matches nothing,
    which must not read as "nobody here mentions it"."""
    make_thread(employee, engineering, title="Consumer lag", body="Nothing about the name here.")
    assert _unknown_names(readable_passages(employee), ["don"]) == 0


@pytest.mark.django_db
def test_search_looks_up_no_names_and_the_assistant_stops_once_declined(monkeypatch, settings, employee,
                                                                        engineering):
    """Search never declines, so it pays for no lookup; the assistant stops looking up names as soon as the
    unknown ones have taken the best thread below the bar."""
    from aiassist.retrieval import search

    settings.ASSISTANT_EMBEDDER = "local"  # the names term belongs to the embedding ranking
    make_thread(employee, engineering, title="Consumer lag", body="The consumer falls behind every night.")
    looked_up = []
    monkeypatch.setattr(ranking, "_name_unknown", lambda passages, name: looked_up.append(name) or True)
    monkeypatch.setattr(ranking, "_relevant", lambda hit, dense: True)
    question = "Consumer lag with Alpha Beta, Gamma, Delta, Epsilon and Zeta"
    search.search_threads(employee, question)
    assert looked_up == []
    monkeypatch.setattr(ranking, "relevance",
                        lambda hit, unknown_names=0, masked=None, reads=None: 10.0 - unknown_names)
    monkeypatch.setitem(ranking.RELEVANCE, "unknown_name", 1.0)
    monkeypatch.setitem(ranking.RELEVANCE, "at", 8.5)
    settings.ASSISTANT_ANSWERABLE_MODEL = False  # its reach (test_answerable.py) would keep one more lookup going
    result = ranking.rank(employee, question)
    # 10 - 2 < 8.5 after the second unknown name: no third lookup.
    assert result.dense and not result.confident and looked_up == ["alpha beta", "gamma"]


class _ConceptEmbedder:
    """Texts about the same concept point the same way (the model itself is pinned in test_embedders.py); records
    what it was asked to embed, and fails from the call ``fail_from`` on."""
    dimension, name = 4, "names-concepts-v1"
    concepts = (("kafka",), ("name", "naming", "convention"), ("compatibility", "schema", "registry"))

    def __init__(self, fail_from=None):
        self.calls, self.fail_from = [], fail_from

    def embed(self, texts):
        from aiassist.retrieval.embedders import TransientEmbedderError

        self.calls.append(list(texts))
        if self.fail_from is not None and len(self.calls) >= self.fail_from:
            raise TransientEmbedderError("endpoint down")
        rows = np.array([[sum(w in t.lower() for w in words) for words in self.concepts] + [0.2] for t in texts],
                        dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def kafka_naming(monkeypatch, settings, employee, engineering):
    """One thread, about naming Kafka topics, indexed with the concept embedder. The answerability model is off: these
    tests move the bar around the names terms, which it would move again (test_answerable.py has its own)."""
    settings.ASSISTANT_ANSWERABLE_MODEL = False
    from aiassist.retrieval import index
    from forum.models import Post

    embedder = _ConceptEmbedder()
    monkeypatch.setattr(ranking, "active_embedder", lambda: embedder)
    monkeypatch.setitem(ranking.RELEVANCE, "unknown_name", 0.0)  # the masked term alone decides here
    thread = make_thread(employee, engineering, title="Naming convention for Kafka topics",
                         body="How should new Kafka topics be named?",
                         replies=[(employee, "Kafka topics follow the team.domain.event naming convention.")])
    index.posts_index(list(Post.objects.filter(thread=thread).values_list("pk", flat=True)), embedder=embedder)
    return embedder


@pytest.mark.django_db
def test_a_thread_close_only_through_the_questions_name_is_declined(kafka_naming, monkeypatch, employee):
    """Asked about another feature of the product the thread names: without its name the question is far from the
    thread, and the masked closeness takes the best thread below a bar it clears on the full question alone."""
    asked = "Which compatibility mode should the Kafka Schema Registry use?"
    monkeypatch.setitem(ranking.RELEVANCE, "at", -100.0)  # every thread clears the bar: the check runs
    kafka_naming.calls.clear()
    full = ranking.relevance(ranking.rank(employee, asked).threads[0])
    # the names masked, embedded with the question in one pass
    assert kafka_naming.calls == [[asked, "Which compatibility mode should the use?"]]
    monkeypatch.setitem(ranking.RELEVANCE, "at", full - 0.01)
    assert not ranking.rank(employee, asked).confident
    monkeypatch.setitem(ranking.RELEVANCE, "masked", 0.0)
    assert ranking.rank(employee, asked).confident


@pytest.mark.django_db
def test_a_question_without_names_is_embedded_once(kafka_naming, employee):
    kafka_naming.calls.clear()
    assert ranking.rank(employee, "how should topics be named by convention").confident
    assert len(kafka_naming.calls) == 1


@pytest.mark.django_db
def test_when_the_masked_embedding_fails_the_rest_of_the_rule_decides(kafka_naming, monkeypatch, employee, caplog):
    """An embedder that fails when the question's vector was read from the index (the worker's drafts) costs the
    check, not the draft: decided as without the masked term, with a warning."""
    asked = "Which compatibility mode should the Kafka Schema Registry use?"
    full = ranking.relevance(ranking.rank(employee, asked).threads[0])
    monkeypatch.setitem(ranking.RELEVANCE, "at", full - 0.01)
    assert not ranking.rank(employee, asked).confident
    kafka_naming.calls.clear()
    vector = kafka_naming.embed([asked])[0]
    kafka_naming.fail_from = 2  # the question's vector is given; its masked form fails
    assert ranking.rank(employee, asked, query_vector=vector).confident
    assert kafka_naming.calls[1:] == [["Which compatibility mode should the use?"]]
    assert "without its names failed" in caplog.text
