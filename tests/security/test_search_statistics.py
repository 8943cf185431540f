"""Search leaks nothing of what the searcher may not read through its word statistics: an outsider's results (the
search API with its ``rank``, the search page, "similar threads" and the assistant's ranking) are the same, byte for
byte, whether or not posts of a restricted category hold a word they guess. The ranking weighs words by idf; counted
over every passage, the weight of "<a word they can read> <a guessed word>" told them whether the guessed word
occurred in a post they cannot read (ranking._POSTGRES_WORDS)."""
import re

import pytest
from django.db import connection
from django.urls import reverse

from aiassist.retrieval import ranking
from forum import services

from ..api.conftest import V1, client_for
from ..factories import make_thread

pytestmark = pytest.mark.django_db

SECRET = "zorbaxacquisition"
DECOY = "qwvkplmnrtgdsfhx"  # the same length: the restricted posts differ by that word only
QUERY = f"frontend bundle {SECRET}"
# What differs between two identical requests: the masked CSRF token and the CSP nonce.
_PER_REQUEST = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]*')


def _restricted_body(word):
    return f"The {word} closes on Friday; keep the frontend bundle plans in this channel."


@pytest.fixture
def readable_threads(employee, other_employee, engineering, general):
    """Threads the outsider may read that match the query's other words, to different degrees."""
    return [
        make_thread(employee, engineering, title="Deploying the frontend bundle",
                    body="How do I deploy the frontend bundle to staging?",
                    replies=[(other_employee, "Run the frontend deploy job, then purge the bundle cache.")]),
        make_thread(other_employee, general, title="Frontend build slow", body="The frontend build takes an hour.",
                    replies=[(employee, "Cache the node modules between builds.")]),
        make_thread(other_employee, engineering, title="Bundle size budget",
                    body="Which bundle size budget do we enforce?"),
    ]


def _shown(client, user, *, passage_ranks=True):
    """Everything the outsider is shown for QUERY, on every surface, as bytes or plain values, and the assistant's
    ranking in full (``passage_ranks``: with each passage's rank from the lexical index)."""
    api = client_for(user)
    search = api.get(f"{V1}/search/", {"q": QUERY})
    similar = api.get(f"{V1}/threads/similar/", {"q": QUERY})
    client.force_login(user)
    page = client.get(reverse("retrieval:search"), {"q": QUERY})
    for response in (search, similar, page):
        assert response.status_code == 200, response.content
    assert search.json()["results"] and similar.json()  # something to compare: the readable threads are found
    assistant = ranking.rank(user, QUERY)
    assert assistant.threads
    return {
        "search api": search.content,
        "similar api": similar.content,
        "search page": _PER_REQUEST.sub(rb"\1", page.content),
        "assistant": (assistant.words, assistant.confident, assistant.dense, [
            (t.thread.pk, t.score, t.head, t.answer, t.lexical, t.bm25, t.coverage, t.margin, t.matched_share,
             [(p.id, p.lexical if passage_ranks else None, p.dense) for p in t.passages]) for t in assistant.threads]),
    }


def _write(posts, word, secops_member):
    for post in posts:
        services.post_edit(acting_user=secops_member, post=post, body=_restricted_body(word))


def test_an_outsider_is_shown_the_same_whether_restricted_posts_hold_the_word(
        client, employee, secops, secops_member, readable_threads):
    # Enough restricted posts for the word to be common in the index, were every passage counted.
    secret_threads = [make_thread(secops_member, secops, title=f"Board item {n}", body=_restricted_body(DECOY))
                      for n in range(8)]
    posts = [thread.posts.order_by("pk").first() for thread in secret_threads]
    without = _shown(client, employee)
    _write(posts, SECRET, secops_member)
    assert {t.thread.pk for t in ranking.rank(secops_member, QUERY, limit=20).threads} >= {t.pk for t in secret_threads}
    with_word = _shown(client, employee)
    _write(posts, DECOY, secops_member)
    again = _shown(client, employee)
    for surface in without:
        assert with_word[surface] == without[surface], surface
        assert again[surface] == without[surface], surface
    assert b"Board item" not in with_word["search api"] + with_word["similar api"] + with_word["search page"]


def test_restricted_posts_added_change_nothing_an_outsider_is_shown(client, employee, secops, secops_member,
                                                                    readable_threads):
    # SQLite's FTS5 ranks its matches by its own bm25, whose idf counts every row of the FTS table: a passage's
    # rank there moves with the number of passages (not with which words they hold, the test above); it orders a
    # thread's passages and the candidates, never a score. Left out on SQLite (ranking._lexical_candidates).
    passage_ranks = connection.vendor == "postgresql"
    before = _shown(client, employee, passage_ranks=passage_ranks)
    for n in range(8):
        make_thread(secops_member, secops, title=f"Board item {n}", body=_restricted_body(SECRET))
    after = _shown(client, employee, passage_ranks=passage_ranks)
    for surface in before:
        assert after[surface] == before[surface], surface
