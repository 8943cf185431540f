"""Ranking: the threads that answer a question, and their best passages, for one reader.

Threads are the unit. Every passage the reader may read is a candidate (the policy filter is part
of the query itself, joined live to the post and thread, so a hidden post or a moved thread is out
at once; there is no recency cutoff). The lexical index proposes candidates: each passage matching
any of the question's words, ranked by the database (PostgreSQL ts_rank, SQLite FTS5 bm25), words
too common to tell threads apart left out of the match. In a large index (``COMMON_WORDS_FROM``
passages and more) the match is bounded by row budgets, its passages are ordered by the idf of the
question words they hold, and the threads whose question is closest by embedding are proposed as
well (``dense.py``). Their threads are then scored on three signals fused into one:

- ``head``: how close the question is to the thread's own question (its title and opening post),
  by embedding — the strongest sign that a thread is about the same thing;
- ``answer``: how close the question is to the thread's best answer passage;
- ``lexical``: the thread's best lexical rank, relative to the best candidate's.

The weights and the abstention threshold are calibrated on the labelled set in
``bench/data/retrieval`` (``bench/retrieval.py`` prints the figures). Without an embedder
(``ASSISTANT_EMBEDDER=none``) the lexical signal ranks alone.
"""
import json
import logging
import math
import os
import re
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import zip_longest

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, Lookup, OuterRef, QuerySet
from django.db.models.expressions import RawSQL

from forum import policy
from forum.models import Post, Thread
from forum.text import STOPWORDS, meaningful_words, stem

from . import dense as dense_index
from .embedders import EmbedderError
from .index import active_embedder, current_passages, embed_key, source_hash
from .models import Passage, PassageVector

LEXICAL_CANDIDATES = 400  # passages the lexical index proposes
SQLITE_FTS_WINDOW = 5000  # SQLite: FTS5's best matches the policy filter then reads
THREAD_CANDIDATES = 60  # threads scored in full, or ``limit`` if more (80 before round 6: bench/README.md)
PASSAGES_PER_THREAD = 60  # at most this many passages of one candidate thread are read
DENSE_THREADS = 20  # a large index: threads proposed by the closeness of their question (dense.py)
BM25_K1, BM25_B = 1.2, 0.75
# The fused score: how close the question is to the thread's question (head) and to its best answer
# passage, the thread's BM25 relative to the best candidate's, and the share of the question's word
# weight the thread covers. Calibrated on bench/data/retrieval (a broad plateau around these values).
WEIGHTS = {"head": 0.5, "answer": 0.5, "lexical": 0.2, "coverage": 0.2}
# Abstention: the best thread answers the question when its closeness to the question (its best answer
# weighing most) and its lead over the next five threads clear the bar. Without a clear lead, several
# threads on the same broad topic look alike and none answers the question asked. The bar is the highest
# at which the labelled set's calibration half (bench.retrieval_world.held_out) wrongly declines at most
# 3 % of its answerable questions; the held-out half checks it. Other signals (closeness to single answer
# sentences, coverage of the rarest words, the salient word pair, the lead over the next nine threads, a
# logistic model over them) were measured against this rule on the held-out half and did not beat it:
# ``bench/retrieval.py --signals``, bench/README.md round 4 (quality).
#
# Named things: a question about a product, tool or feature the forum never mentions ("Envoy", "PostGIS", "Kafka
# Schema Registry") has no answer here, however close its topic looks. Its names are the words written with a capital
# mid-sentence or inside (camelCase, acronyms), capitalised words side by side one name (``question_names``); each
# name that no passage the reader may read holds, as a phrase, takes RELEVANCE["unknown_name"] off the best thread's
# relevance. Only the question's headline (``headline``: its first paragraph, the thread's title for the assistant)
# is read for names, code spans left out. Calibrated like the bar, "at" kept: on the calibration half every value
# from 0.6 to 0.7 declines the most (70 % of its unanswerable questions, 56 % without) at 2.6 % wrongly declined;
# 0.65 is the middle. Held-out half: 63.6 % declined (57.6 % without) at 3.3 % wrongly declined, as before; a blind
# set written before it was measured: 91.7 % (79.2 %) at 0 % (bench/README.md, "Named things"). An
# incidental name ("Chrome", "MacBook Pro", an acronym the forum spells out) costs an answerable question only that
# much of its lead over the bar. Most unanswerable questions the rule still answers ask about a feature of a product
# the forum knows, in ordinary words ("availability zones", "merge train"): no name tells those apart.
#
# Names masked: a question about a feature of a product the forum knows ("availability zones in Kubernetes",
# "tests for a Terraform module") finds a thread about that product, close by embedding because of the product's
# name. The question is embedded once more with its names (``question_names``) taken out, and the best thread's head
# and answer closeness become RELEVANCE["masked"] of that masked closeness and the rest of the full one: a thread
# close to what is asked stays close; one close through the name loses. Calibration half: every share from 0.36 to
# 0.42 declines the most (78 % of its unanswerable questions, 74 % without) at 2.6 % wrongly declined; 0.4 is in that
# range. Held-out half: 81.8 % declined (63.6 % without) at 3.3 % wrongly declined, as before; blind set 95.8 %
# (91.7 %) at 0 %. A name that is itself what is asked ("What does a moved block do in Terraform?", "running KEYS
# against Redis") costs its question part of its closeness too: the nearest answerable questions of each half
# decline from a share of 0.42 (held-out) and 0.43 (calibration) on, so the share has little room above 0.4.
#
# Read together: whether a thread *answers* the question, not only how near it is, takes the question and the thread
# read together. The answerability model (``answerable``: the shipped encoder fine-tuned on question-thread pairs
# written for it, nothing of the labelled set) reads the question with the best thread's title, best answer passage
# and opening post; its logit, less RELEVANCE["reads_from"], weighs in by RELEVANCE["reads"] (``bench/answerable.py
# calibrate``). The model read files 1-5 and 7-13 of bench/data/answerable (round 21). The labelled set has two batches
# since round 21 (the second harder: answerable questions in the asker's words or as terse search queries, near-miss
# unanswerable ones); on its calibration half the rule alone declines 63.6 % of the unanswerable questions at 7.4 %
# of the answerable ones: the bar "at", set on the first batch, is too high for the second. With the model, weight 0.5
# holds the most a half logit below the centre where the budget (3 % wrongly declined) ends: 80.0 % declined at 1.9 %
# at the window's middle, -2.5. Held-out half: 76.9 % declined (70.8 % without) at 4.9 % (10.3 %) wrongly declined;
# whole set 78.3 % at 3.5 %; blind sets 95.8, 89.3 and 66.7 % at 0, 1.7 and 0 % (bench/README.md, round 21).
RELEVANCE = {"head": 1.0, "answer": 4.0, "margin": 3.0, "unknown_name": 0.65, "masked": 0.4, "at": 2.35,
             "reads": 0.5, "reads_from": -2.5}
# The model's logit is taken within READS_BOUNDS (clipped), so it lowers a relevance by at most RELEVANCE["reads"] *
# (reads_from - low), 1.5, and raises it by at most RELEVANCE["reads"] * (high - reads_from), 1.5; it is read only for
# a question whose relevance without it is within those of the bar (one forward pass of the encoder, the dearest part
# of a draft's ranking). The low bound lies below every logit of the labelled and blind sets' best threads (-4.5 to
# 3.1). The high bound caps the raise: up to round 33 it was 4.0 (a raise of up to 3.25), so every question down to
# 3.25 below the bar was read, though no reading 1.5 or more below it changed a decision of those sets. Of their 487
# answerable questions one has a relevance below 1.25 without the model (1.14, raised by 1.21); 42 of their 190
# unanswerable ones do. At 1.5 no decision of those sets changes (calibration rows of ``bench/answerable.py
# calibrate``), they read 69 % of their best threads rather than 72 %, and at 1 M posts, where the benchmark user's
# world holds nothing written for the labelled questions, a third of the readings are skipped: the ranking's p50 falls
# from 120 to 101 ms (bench/README.md, round 34). With a reach of 4 either way (round 21), every one was read.
READS_BOUNDS = (-5.5, 0.5)
# Two readers (round 27, ``ASSISTANT_SECOND_READER``, off by default): beside the first, all-mpnet-base-v2 with a LoRA
# adapter trained on the same pairs (``answerable.answers``), the mean of both logits in the rule, with its own weight,
# centre and bounds. Chosen by ``bench/answerable.py``'s ``choose`` at a budget of 4 % of the calibration half's
# answerable questions (at 3 %: 80.8 % declined at 2.3 % on the whole set): calibration half 87.3 % declined at 2.5 %,
# held-out half 80.0 % at 4.3 %, whole set 83.3 % at 3.5 % (one reader: 78.3 % at 3.5 %); blind sets 95.8, 92.9 and
# 72.2 % at 0, 0 and 0 %. The mean logits of those sets' best threads lie in -3.7 to 2.9; the readers lower a
# relevance by at most 1.55 and raise it by at most 2.27 (the first reader is then read for 73 % of the best threads,
# the second for 27 %). Off by default because of its cost: a second reading is 0.54 s of CPU (p50), so the
# assistant's ranking p95 goes from about 0.12 to 0.77 s and a draft's mean CPU up by about 0.15 s, which breaks the
# retrieval and pipeline targets that hold with one reader (bench/README.md, round 27).
PAIR = {"reads": 0.45, "reads_from": -1.3, "bounds": (-4.75, 3.75)}


def _reads_rule() -> tuple[float, float, tuple[float, float]]:
    """The readers' weight, centre and bounds in the rule: one reader's, or the pair's when the second is on."""
    if getattr(settings, "ASSISTANT_SECOND_READER", False):
        return PAIR["reads"], PAIR["reads_from"], PAIR["bounds"]
    return RELEVANCE["reads"], RELEVANCE["reads_from"], READS_BOUNDS


RUNNER_UP_SHARE = 0.85  # other threads are relevant too when they score this share of the best
# Look-alike threads: the same answer to nearly the same question (one topic asked once per service, say, the
# answers differing by the service's name). Among the first LOOK_ALIKE_WINDOW threads, a thread whose best answer
# passage (for this question) is at least LOOK_ALIKE_ANSWER close to a better-ranked thread's, and whose question
# is at least LOOK_ALIKE_HEAD close to that thread's, is listed after every distinct thread: the first places then
# show different answers. (Both bars: the best passages of two unrelated threads can be the same short reply,
# "Thanks, that did it.".) In the candidate lists of the labelled set with 1,000 distractors, no two threads of
# different topics pass both; most copies of one topic do (95 % of their best answers are 0.85 close). The best thread,
# the scores and the abstention stay as they were: the lead is still over the next five threads as scored (over
# the next five distinct threads instead, the labelled set's unanswerable questions were declined 48-54 % rather
# than 60 %: the copies crowding an unanswerable question's best thread are part of why it is declined).
LOOK_ALIKE_ANSWER = 0.85
LOOK_ALIKE_HEAD = 0.5
LOOK_ALIKE_WINDOW = 30
# Lexical-only ranking (no embedder): the share of the question's words the thread holds, at least two.
LEXICAL_RELEVANCE_THRESHOLD = 0.25
LEXICAL_MIN_WORDS = 2
# Below this many passages every topical word is "common": the candidate match then keeps them all.
COMMON_WORDS_FROM = 20_000
# In a large index: about how many answer passages, and how many questions, the selecting words may match
# (each costs a read; measured on seed_scale's 1.1 M passages: bench/README.md, round 4).
CANDIDATE_ROWS = 2_500
QUESTION_ROWS = 2_500
ANSWER_ROLES = (Passage.Role.REPLY, Passage.Role.AI)

logger = logging.getLogger(__name__)


@dataclass
class PassageHit:
    id: int
    post_id: int
    thread_id: int
    role: str  # "question", "reply", "accepted" or "ai"
    position: int
    plain: str
    author_id: int
    # The passage's Markdown, its author's name and its post's time are read for the few passages shown or
    # quoted (``with_details``), not for the hundreds a ranking scores.
    text: str = ""
    author: str = ""
    created_at: object = None
    # The risk encoder's stored reading (``Passage.risk_read_by``, ``risk_logit``), read with the Markdown.
    risk_read_by: str = ""
    risk_logit: float | None = None
    # With ``with_details(made_from=True)``: the thread's title and the post's body the passage was read with, in the
    # same statement (what it is current for: ``index.current_passages``).
    made_from: tuple[str, str] | None = None
    lexical: float = 0.0
    dense: float | None = None

    @property
    def is_answer(self) -> bool:
        return self.role != Passage.Role.QUESTION


@dataclass
class ThreadHit:
    thread: Thread
    score: float = 0.0
    head: float = 0.0
    answer: float = 0.0
    lexical: float = 0.0  # BM25 relative to the best candidate's
    bm25: float = 0.0
    coverage: float = 0.0  # share of the question's word weight (idf) the thread holds
    margin: float = 0.0  # the best thread only: its lead over the mean of the next five
    matched_share: float = 0.0  # share of the question's words it holds (lexical-only abstention)
    passages: list[PassageHit] = field(default_factory=list)  # best first

    @property
    def closeness(self) -> float:
        return max(self.head, self.answer)

    @property
    def best_passage(self) -> PassageHit | None:
        return self.passages[0] if self.passages else None

    def answers(self) -> list[PassageHit]:
        return [p for p in self.passages if p.is_answer]

    def quotable(self, passage: PassageHit) -> bool:
        """Whether ``passage`` may be quoted as advice: the accepted answer, or a reply by someone other than
        the thread's asker (their follow-up, "thanks, that worked", is not an answer). Never the question
        or a machine answer."""
        return passage.role == "accepted" or (passage.role == Passage.Role.REPLY
                                              and passage.author_id != self.thread.author_id)


@dataclass
class Ranking:
    threads: list[ThreadHit]
    words: list[str]
    confident: bool
    dense: bool
    elapsed_ms: float = 0.0
    readable: QuerySet | None = None  # the reader's passages the ranking read (``with_details`` reads through it)

    def with_details(self, passages: list[PassageHit], *, text: bool = True,
                     made_from: bool = False) -> list[PassageHit]:
        return with_details(passages, self.readable, text=text, made_from=made_from)

    @property
    def relevant(self) -> list[ThreadHit]:
        """The threads relevant enough to answer from, best first: none when the ranking is not confident."""
        if not self.confident:
            return []
        return [t for t in self.threads if t.score >= RUNNER_UP_SHARE * self.threads[0].score]


# Not a passage of a hidden post (the index drops those in a task after commit; until then this keeps them out).
# NOT EXISTS (an anti-join that can use the partial index of hidden posts) rather than a join of every candidate
# passage to its post to read the flag (a lookup a row), or NOT IN (a hashed list only while the hidden posts fit
# in work_mem; past that, a scan of the list for every row).
def _not_of_hidden_post() -> Exists:
    return ~Exists(Post.objects.filter(pk=OuterRef("post_id"), hidden=True))


class _AnyOf(Lookup):
    """``lhs`` is one of a set of ids, sent as one parameter: PostgreSQL ``= ANY(%s::bigint[])`` (``id_array``),
    SQLite ``IN`` the values of a JSON array. The reader's readable category ids run to hundreds; as ``IN (%s, ...)``
    every statement carried one placeholder each, built by Django, quoted by the driver and parsed and planned by the
    server."""

    prepare_rhs = False  # the ids as they are, not one value of the field

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        ids = sorted(int(pk) for pk in self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, id_array(ids)]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(ids)]  # noqa: S608 - lhs is a column


def id_array(ids) -> str:
    """Integer ids as PostgreSQL's text form of an array (``{1,2,3}``), for ``= ANY(%s::bigint[])``: psycopg adapts
    a Python list element by element in Python (about 1 ms of CPU for a thousand ids, a ranking sends ten such lists);
    the text is built in C. ``int`` first: nothing but digits reaches the statement."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


class ReadableCategories(frozenset):
    """``readable_categories``'s ids, with the reader, audience and category they were read for:
    ``readable_passages`` takes nothing else in place of its own permission filter."""

    def __new__(cls, ids, *, key):
        made = super().__new__(cls, ids)
        made.key = key
        return made


def _reading(user, within, category) -> tuple:
    return (getattr(user, "pk", None), id(within) if within is not None else None, getattr(category, "pk", category))


def readable_categories(user, *, within: QuerySet | None = None, category=None) -> ReadableCategories:
    """The ids of the categories ``user`` may read, narrowed to ``within`` and ``category``: the same filter as
    ``readable_passages``'s, read once."""
    allowed = set(policy.visible_categories(user).values_list("pk", flat=True))
    if within is not None:
        allowed &= set(within.values_list("pk", flat=True))
    if category is not None:
        allowed &= {category.pk}
    return ReadableCategories(allowed, key=_reading(user, within, category))


def readable_passages(user, *, within: QuerySet | None = None, category=None, author=None,
                      exclude_thread=None, categories: ReadableCategories | None = None) -> QuerySet:
    """Passages of posts ``user`` may read, as they stand now (hidden posts and moved threads out).

    ``categories``: ``readable_categories(user, within=within, category=category)`` when the caller has read it
    already; the statements then carry the ids rather than the permission subqueries (each planned again). Ids
    read for another reader, audience or category, or made any other way, are refused (ValueError): they would
    replace the permission filter."""
    if categories is not None:
        if not isinstance(categories, ReadableCategories) or categories.key != _reading(user, within, category):
            raise ValueError("categories must be readable_categories(user, within=within, category=category)")
        return _narrowed(Passage.objects.filter(_not_of_hidden_post(), _AnyOf(F("thread__category_id"), categories)),
                         author=author, exclude_thread=exclude_thread)
    passages = Passage.objects.filter(_not_of_hidden_post(), thread__category__in=policy.visible_categories(user))
    if within is not None:  # the assistant's "the thread's whole audience": can only narrow
        passages = passages.filter(thread__category__in=within)
    if category is not None:
        passages = passages.filter(thread__category=category)
    return _narrowed(passages, author=author, exclude_thread=exclude_thread)


def _proposing(categories: ReadableCategories, *, author=None, exclude_thread=None) -> QuerySet:
    """The passages that may *propose* threads to a ranking on a large index: those of the readable categories by
    the category stored with the passage (``Passage.category``: no join to the thread for every row the lexical
    match reads, 10-14 ms of the server's time a draft at 1 M posts, bench/README.md round 12). Never what a reader
    is shown: a passage indexed before its thread moved may carry the old category for the seconds until it is
    indexed again, so every passage a ranking scores, shows or quotes is read through ``readable_passages``."""
    return _narrowed(Passage.objects.filter(_not_of_hidden_post(), _AnyOf(F("category_id"), categories)),
                     author=author, exclude_thread=exclude_thread)


def _narrowed(passages: QuerySet, *, author, exclude_thread) -> QuerySet:
    if author is not None:
        passages = passages.filter(author=author)
    if exclude_thread is not None:
        passages = passages.exclude(thread=exclude_thread)
    return passages


# Lexical candidates ---------------------------------------------------------------------------

# Word statistics are the reader's. A document frequency counted over every passage is an oracle: the rank (and
# order) an outsider was shown for "<a word they can read> <a guessed word>" moved when the guessed word occurred in
# a restricted post. So every exact count is taken among ``readable_passages(user, within=within)``: the reader's
# (for the assistant, the audience's) passages, without the search's own category and author filters (a word's
# weight does not change meaning with a filter).
#
# One round trip gives, for each word of the question: its lexeme, how many passages hold it, and the number of
# passages (and of questions: the partial index's own count). In a small index (fewer than COMMON_WORDS_FROM
# passages by PostgreSQL's estimate) every word is counted among the readable passages, and so are they. In a
# large index the rare words are: the passages holding any of them are found through the GIN index (few: they are
# rare), the reader's filter is applied to those by id (an index lookup each, never a join of every thread), and
# each word counted among them. The common words of a large index take the frequency PostgreSQL's column
# statistics hold (ANALYZE keeps the most common elements of the tsvector column with their frequencies; the
# statistics target is raised in the index's migration), and the number of passages is the table's estimate:
# counting a common word, or every passage, among the readable ones would read each (a word in half the index is
# half a million rows at 1 M posts). Both still count every passage, a residue kept for its cost: they are only
# refreshed by ANALYZE, the estimate says how much is written in all (never what or where), and the frequencies
# are those of the index's 10,000 most common lexemes only: at 1 M passages each is held by a few hundred passages
# or more (0.02 % on a synthetic index of a million), so what they can tell is that a word is in heavy
# use somewhere. Near COMMON_WORDS_FROM the bar is lower (a few passages): there they still tell more, until
# counting them costs what it saves. Below it the sample is the whole table and every word in a few passages is
# among them with its exact share, an oracle as precise as a count: they are not read there. Inverse document
# frequencies then weigh words by how well they tell threads apart, and the common words stay out of the candidate
# match.
_POSTGRES_WORDS = """
WITH q AS (SELECT w, i, (SELECT lexeme FROM unnest(to_tsvector('english', w)) LIMIT 1) AS lexeme
           FROM unnest(%s::text[]) WITH ORDINALITY AS u(w, i)),
     n AS (SELECT c.reltuples::float8 AS estimate FROM pg_class c WHERE c.oid = 'retrieval_passage'::regclass),
     s AS MATERIALIZED (
           SELECT e.elem, e.freq FROM pg_stats,
                  unnest(most_common_elems::text::text[], most_common_elem_freqs) AS e(elem, freq)
           WHERE schemaname = current_schema() AND tablename = 'retrieval_passage' AND attname = 'search_vector'
             AND (SELECT estimate FROM n) >= %s),
     r AS (SELECT q.w, q.i, q.lexeme, s.freq FROM q LEFT JOIN s ON s.elem = q.lexeme),
     counted AS (SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS query
                 FROM r WHERE lexeme IS NOT NULL AND freq IS NULL),
     matched AS MATERIALIZED (SELECT array_agg(id) AS ids FROM retrieval_passage
                              WHERE search_vector @@ (SELECT query FROM counted)),
     hits AS MATERIALIZED (SELECT p.search_vector FROM ({readable}) p
                           WHERE p.id = ANY((SELECT ids FROM matched)::bigint[])),
     readable AS MATERIALIZED (SELECT p.id FROM ({readable}) p)
SELECT r.w, r.lexeme, CASE WHEN n.estimate < %s THEN (SELECT count(*) FROM readable)::float8 ELSE n.estimate END,
       r.freq, (SELECT reltuples FROM pg_class WHERE oid = to_regclass('retrieval_passage_question_gin'))::float8,
       CASE WHEN r.lexeme IS NULL OR r.freq IS NOT NULL THEN NULL
            WHEN n.estimate < %s THEN (SELECT count(*) FROM retrieval_passage x
                                       WHERE x.search_vector @@ to_tsquery('simple', quote_literal(r.lexeme))
                                         AND x.id IN (SELECT id FROM readable))
            ELSE (SELECT count(*) FROM hits WHERE hits.search_vector @@ to_tsquery('simple', quote_literal(r.lexeme)))
       END
FROM r, n ORDER BY r.i
"""
# SQLite, the embedded default (a small index): each word's FTS5 matches among the readable passages, and those.
_SQLITE_WORDS = """
WITH readable AS MATERIALIZED ({readable})
SELECT (SELECT count(*) FROM readable), {counts}
"""
_SQLITE_COUNT = ("(SELECT count(*) FROM retrieval_passage_fts WHERE retrieval_passage_fts MATCH %s "
                 "AND rowid IN (SELECT id FROM readable))")


@dataclass
class Word:
    text: str
    stem: str
    lexeme: str | None
    share: float  # of passages holding it
    idf: float
    total: float  # passages in the index
    questions: float = 0.0  # of which the threads' questions (PostgreSQL's estimate; 0 when unknown)


def _idf(share: float, total: float) -> float:
    df = share * total
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


def _word_statistics(words: list[str], readable: QuerySet) -> list[Word]:
    """The statistics of ``words`` among ``readable`` (``readable_passages`` of the reader, unfiltered otherwise)."""
    columns = ("id", "search_vector") if connection.vendor == "postgresql" else ("id",)
    try:
        sql, params = readable.order_by().values(*columns).query.sql_with_params()
    except EmptyResultSet:  # nothing readable (an anonymous visitor, an audience sharing no category)
        return [Word(w, stem(w), None, 0.0, _idf(0.0, 1.0), 1.0) for w in words]
    # ``readable`` is Django's own SQL for the reader's passages; everything else is a bound parameter.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_POSTGRES_WORDS.format(readable=sql),
                           [words, COMMON_WORDS_FROM, *params, *params, COMMON_WORDS_FROM, COMMON_WORDS_FROM])
            rows = cursor.fetchall()
        out = []
        for word, lexeme, total, freq, questions, count in rows:
            total = max(float(total or 0), 1.0)
            share = float(freq) if freq is not None else min(float(count or 0) / total, 1.0)
            out.append(Word(word, stem(word), lexeme, share, _idf(share, total), total,
                            max(float(questions or 0), 0.0)))
        return out
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_WORDS.format(readable=sql, counts=", ".join([_SQLITE_COUNT] * len(words))),
                       [*params, *('"' + w.replace('"', "") + '"' for w in words)])
        total, *found = cursor.fetchone()
    total = max(float(total or 0), 1.0)
    return [Word(w, stem(w), w, min(c / total, 1.0), _idf(min(c / total, 1.0), total), total)
            for w, c in zip(words, found, strict=True)]


def _selective(words: list[Word], *, part: float = 1.0, budget: int = CANDIDATE_ROWS,
               conjunction: bool = True) -> tuple[list[Word], str]:
    """The words that select candidates, and whether any ("or") or all ("and") must match.

    In a small index, any word. In a large one, the rarest first, as long as the passages they match
    (among ``part`` of the index: the share a partial index covers) stay within ``budget`` (ranking
    every passage that holds a common word costs a read of each). When even the rarest word that
    occurs is too common for the budget: passages holding both of the two rarest words if, the words
    taken as independent, that fits the budget; else the rarest word alone if it fits four budgets;
    else none (a word in a large share of the index tells no thread apart, and ranking its passages
    would cost a read of each). Without ``conjunction``, none at once: the caller proposes
    candidates another way."""
    total = max((w.total for w in words), default=0.0)
    if total < COMMON_WORDS_FROM:
        return words, "or"
    occurring = sorted((w for w in words if w.share > 0), key=lambda w: (w.share, w.text))
    chosen, rows = [], 0.0
    for word in occurring:
        rows += word.share * total * part
        if rows > budget:
            break
        chosen.append(word)
    if chosen:
        return chosen, "or"
    if not conjunction or not occurring:
        return [], "or"
    if len(occurring) >= 2 and occurring[0].share * occurring[1].share * total * part <= budget:
        return occurring[:2], "and"
    if occurring[0].share * total * part <= 4 * budget:
        return occurring[:1], "or"
    return [], "or"


def _raw_tsquery(words: list[Word], mode: str) -> str:
    lexemes = list(dict.fromkeys(w.lexeme for w in words if w.lexeme))
    # Lexemes come from to_tsvector: quoting each keeps operators out of the query.
    return (" | " if mode == "or" else " & ").join(_quoted(w) for w in lexemes)


def _quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("'", "''").replace("\\", "") + "'"


def _tsquery(words: list[Word], mode: str) -> SearchQuery | None:
    raw = _raw_tsquery(words, mode)
    return SearchQuery(raw, search_type="raw", config="simple") if raw else None


def _idf_weighted_rank(selected: tuple[list[Word], str]) -> RawSQL:
    """A large index's candidate order: the idf of the selected words a passage holds, summed (ts_rank, which
    knows no idf, only breaks ties). By ts_rank alone a passage holding one everyday word of the question
    many times outranked one holding its rarest words (bench/retrieval_large.py)."""
    words, mode = selected
    lexemes = list(dict.fromkeys((w.lexeme, w.idf) for w in words if w.lexeme))
    terms = " + ".join(["(CASE WHEN retrieval_passage.search_vector @@ %s::tsquery THEN %s ELSE 0 END)"] * len(lexemes))
    params = [value for lexeme, idf in lexemes for value in (_quoted(lexeme), idf)]
    # Only placeholders are formatted in; lexemes, weights and the query are bound parameters.
    return RawSQL(f"({terms}) + 0.001 * ts_rank(retrieval_passage.search_vector, to_tsquery('simple', %s))",  # noqa: S611
                  (*params, _raw_tsquery(words, mode)))


@contextmanager
def _planned_each_time():
    """PostgreSQL plans the statements run inside at every run, never from a prepared statement's generic plan
    (DATABASE_PREPARE_THRESHOLD): a full-text match's plan depends on its query's value (how many rows it matches
    decides between the GIN index and a scan). A generic plan chosen after five runs of the same text took up to
    1 s where the custom plans took 15-60 ms (bench/README.md, round 12). psycopg's own setting on the connection:
    no round trip."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    previous, raw.prepare_threshold = raw.prepare_threshold, None
    try:
        yield
    finally:
        if connection.connection is raw:  # a connection closed meanwhile is left alone; a new one has its own
            raw.prepare_threshold = previous


def _postgres_candidates(passages: QuerySet, words: list[Word]) -> list[tuple[int, int, float]]:
    """``_lexical_candidates`` on PostgreSQL: the full-text matches, ranked in the statement."""

    def best(matching, selected, limit, weighted=False):
        query = _tsquery(*selected)
        if query is None:
            return []
        rank = _idf_weighted_rank(selected) if weighted else SearchRank(F("search_vector"), query)
        return list(matching.filter(search_vector=query).annotate(rank=rank)
                    .order_by("-rank", "pk").values_list("pk", "thread_id", "rank")[:limit])

    total = max(w.total for w in words)
    if total < COMMON_WORDS_FROM:
        return best(passages, _selective(words), LEXICAL_CANDIDATES)
    # A large index: threads are proposed by their question (title and opening post, a tenth of the
    # passages, with a partial index of their own), and answers by the words rare enough among them
    # (none when every word is common: the threads their questions propose bring their answers); a
    # thread proposed either way is then scored on all its passages. Each match stays within its
    # row budget, so its cost does not grow with the index or with how common the words are.
    questions = min(max(w.questions for w in words), total) or total
    by_question = best(passages.filter(role=Passage.Role.QUESTION),
                       _selective(words, part=questions / total, budget=QUESTION_ROWS), LEXICAL_CANDIDATES // 2,
                       weighted=True)
    answers = total - questions if questions < total else total
    by_answer = best(passages.exclude(role=Passage.Role.QUESTION),
                     _selective(words, part=answers / total, budget=CANDIDATE_ROWS, conjunction=False),
                     LEXICAL_CANDIDATES // 2, weighted=True)
    # The two parts propose threads in turn, a question's first. Merged by raw rank, the longer answer
    # passages' higher ts_rank filled the THREAD_CANDIDATES places and threads proposed by their own
    # question were cut (measured with the labelled threads in a 107,000-passage world,
    # bench/retrieval_large.py: top-1 72.0 -> 79.2 %, no question lost).
    order: dict[int, int] = {}
    for pair in zip_longest(dict.fromkeys(t for _, t, _ in by_question), dict.fromkeys(t for _, t, _ in by_answer)):
        for thread_id in pair:
            if thread_id is not None:
                order.setdefault(thread_id, len(order))
    return sorted(by_question + by_answer, key=lambda row: (order[row[1]], -(row[2] or 0.0), row[0]))


def _lexical_candidates(passages: QuerySet, words: list[Word]) -> list[tuple[int, int, float]]:
    """(passage id, thread id, lexical rank) of the best-matching passages, best first."""
    if connection.vendor == "postgresql":
        with _planned_each_time():
            return _postgres_candidates(passages, words)
    selected, mode = _selective(words)
    if not selected:
        return []
    match = f" {mode.upper()} ".join('"' + w.text.replace('"', "") + '"' for w in selected)
    # FTS5 ranks its matches itself (bm25, title weighing double), in C; the policy filter then keeps the
    # readable ones in rank order. SQLite is the embedded default, a small forum: the FTS window holds
    # every match there (a forum where thousands of unreadable passages outrank a readable one is a
    # PostgreSQL one, where the filter is inside the ranking query).
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid, -bm25(retrieval_passage_fts, 2.0, 1.0) AS r FROM retrieval_passage_fts "
                       "WHERE retrieval_passage_fts MATCH %s ORDER BY r DESC, rowid LIMIT %s",
                       [match, SQLITE_FTS_WINDOW])
        ranked = cursor.fetchall()
    threads = dict(passages.filter(pk__in=[pk for pk, _ in ranked]).values_list("pk", "thread_id"))
    return [(pk, threads[pk], r) for pk, r in ranked if pk in threads][:LEXICAL_CANDIDATES]


def _thread_text(title: str, texts: list[str]) -> str:
    return f"{title} {title} {' '.join(texts)}".lower()  # the title counts twice


def _length(text: str) -> float:
    """A text's length for BM25, in words of about six characters (cheaper than counting them)."""
    return len(text) / 6 + 1


_TOKEN = re.compile(r"\w+")


@lru_cache(maxsize=512)
def _stem_counts(text: str) -> Counter:
    """How often each stem occurs in ``text`` (a ``_thread_text``). Remembered: a worker scores the same
    candidate threads for one question after another (a thread is text as it stands, so an edit is a new text).
    Read-only for callers."""
    counts = Counter()
    for token, n in Counter(_TOKEN.findall(text)).items():  # each distinct token stemmed once
        counts[stem(token)] += n
    return counts


def _bm25_features(words: list[Word], text: str, average_length: float) -> tuple[float, float, float]:
    """A thread's BM25 score for the question over ``text`` (``_thread_text``), the share of the question's
    word weight (idf) it covers, and the plain share of the question's words it holds."""
    # Bounded in count and in size (about 100 KB an entry at the cap): a long thread is counted each time.
    counts = _stem_counts(text) if len(text) <= 12_000 else _stem_counts.__wrapped__(text)
    length = _length(text)
    score = covered = 0.0
    matched = 0
    for word in words:
        tf = counts.get(word.stem, 0)
        if tf:
            matched += 1
            covered += word.idf
            score += word.idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * length / average_length))
    total = sum(w.idf for w in words) or 1.0
    share = matched / len(words) if words and matched >= min(LEXICAL_MIN_WORDS, len(words)) else 0.0
    return score, covered / total, share


# Scoring --------------------------------------------------------------------------------------


def rank(user, text: str, *, limit: int = 10, within: QuerySet | None = None, category=None, author=None,
         exclude_thread=None, embedder=None, query_vector: np.ndarray | None = None,
         count_names: bool = True) -> Ranking:
    """The threads ``user`` may read that best answer ``text``, best first, with their passages.

    ``count_names``: whether ``confident`` counts the names of ``text`` no readable passage holds (a lookup each);
    search, which never declines, skips them.

    ``query_vector``: the question's embedding when the caller already has it (of the active embedder's
    model; ``question_vector`` reads the one the index holds for a thread's own question)."""
    started = time.perf_counter()
    texts = meaningful_words(text)
    if not texts:
        return Ranking(threads=[], words=[], confident=False, dense=False)
    # Weighed among what the reader (the audience, ``within``) may read, whatever this ranking's own filters.
    words = _word_statistics(texts, readable_passages(user, within=within))
    large = max(w.total for w in words) >= COMMON_WORDS_FROM
    # The question less its names, which ``_confident`` weighs in when it decides (the assistant's rankings only):
    # embedded with the question, in one pass.
    masked_text = _maskable(text) if count_names else None
    # A large index always embeds the question (its dense proposals need it): embedded meanwhile, while PostgreSQL
    # finds the candidates below. A small one waits for them: with none, no embedding at all.
    soon = None
    if large:
        embedder = embedder if embedder is not None else active_embedder()
        early = [t for t in (text if query_vector is None else None, masked_text) if t is not None]
        soon = _embedded_soon(embedder, early) if embedder is not None and early else None
    # A large index reads the readable categories anyway (to filter the dense proposals): read first, they
    # replace the permission subqueries in each statement below (planned each time: ~1 ms of the server's CPU
    # a statement, and as much of ours to build).
    allowed = readable_categories(user, within=within, category=category) if large else None
    passages = readable_passages(user, within=within, category=category, author=author,
                                 exclude_thread=exclude_thread, categories=allowed)
    # The lexical match proposes threads, by passage; the passages then scored are read through ``passages``.
    proposing = passages if allowed is None else _proposing(allowed, author=author, exclude_thread=exclude_thread)
    candidates = _lexical_candidates(proposing, words)
    lexical_by_passage = {pk: float(r or 0.0) for pk, _, r in candidates}
    if not candidates and not large:  # nothing to score, and no other way to propose threads: no embedding
        return Ranking(threads=[], words=texts, confident=False, dense=False,
                       elapsed_ms=(time.perf_counter() - started) * 1000)
    embedder = embedder if embedder is not None else active_embedder()
    model = embed_key(embedder)
    masked_vector = None
    if embedder is None:
        query_vector = None
    elif query_vector is None:
        embedded = soon.result() if soon is not None else embedder.embed([text, *filter(None, [masked_text])])
        query_vector, masked_vector = embedded[0], (embedded[1] if masked_text is not None else None)
    elif soon is not None:  # the question's vector given: only the masked question was embedded, and may have failed
        masked_vector = _masked_vector(soon)
    proposed = []
    if query_vector is not None and large:
        # A large index: the lexical candidates come from a few of the question's words, so the threads whose
        # question is closest by embedding are proposed as well (dense.py; the passages query below still
        # decides what the reader may read).
        proposed = dense_index.question_vectors(model).nearest(
            query_vector, allowed, DENSE_THREADS,
            exclude_thread=getattr(exclude_thread, "pk", exclude_thread))
    scored_threads = max(THREAD_CANDIDATES, limit)  # search ranks a page's worth more
    thread_order = list(dict.fromkeys([*proposed, *(thread_id for _, thread_id, _ in candidates)]))[:scored_threads]
    if not thread_order:
        return Ranking(threads=[], words=texts, confident=False, dense=False,
                       elapsed_ms=(time.perf_counter() - started) * 1000)
    threads = {t.pk: t for t in Thread.objects.filter(pk__in=thread_order).select_related("category")}
    # The thread ids as a subquery of the thread table: the planner then starts from these threads, where
    # a plain list on the passages' column let it scan every readable thread to join them (72 vs 9 ms at scale).
    rows = list(passages.filter(thread__in=Thread.objects.filter(pk__in=thread_order))
                .order_by("thread_id", "post_id", "position")
                .values_list("pk", "post_id", "thread_id", "author_id", "role", "position", "plain"))
    dense = query_vector is not None
    per_thread: dict[int, list[PassageHit]] = {}
    for pk, post_id, thread_id, author_id, role, position, plain in rows:
        hits = per_thread.setdefault(thread_id, [])
        if len(hits) >= PASSAGES_PER_THREAD and pk not in lexical_by_passage:
            continue
        thread = threads[thread_id]
        if role == Passage.Role.REPLY and thread.accepted_post_id == post_id:
            role = "accepted"
        hits.append(PassageHit(id=pk, post_id=post_id, thread_id=thread_id, author_id=author_id, role=role,
                               position=position, plain=plain, lexical=lexical_by_passage.get(pk, 0.0)))
    vectors = {}
    if dense:  # the vectors of the passages scored, and only those (a table of their own: models.PassageVector)
        vectors = _closeness(query_vector, model, [p for hits in per_thread.values() for p in hits])
    # An index without vectors yet (a backfill under way, the embedder down when they were written) is
    # ranked lexically, rather than by a closeness of zero.
    dense = dense and any(p.dense is not None for hits in per_thread.values() for p in hits)
    thread_texts = {tid: _thread_text(threads[tid].title, [p.plain for p in hits]) for tid, hits in per_thread.items()}
    average_length = sum(map(_length, thread_texts.values())) / max(len(thread_texts), 1)
    scored = []
    for thread_id in thread_order:
        hits = per_thread.get(thread_id)
        if not hits:
            continue
        hit = ThreadHit(thread=threads[thread_id])
        hit.bm25, hit.coverage, hit.matched_share = _bm25_features(words, thread_texts[thread_id], average_length)
        hit.head, hit.answer = _head_and_answer(hits, lambda p: p.dense)
        hit.passages = sorted(hits, key=lambda p: (-(p.dense if p.dense is not None else -1.0), -p.lexical, p.id))
        scored.append(hit)
    best_bm25 = max((t.bm25 for t in scored), default=0.0) or 1.0
    for hit in scored:
        hit.lexical = hit.bm25 / best_bm25
        hit.score = _score(hit, dense)
    scored.sort(key=lambda t: (-t.score, t.thread.pk))
    if scored:
        followers = [t.score for t in scored[1:6]]
        scored[0].margin = scored[0].score - sum(followers) / 5  # the missing ones count as zero
    if dense:
        scored = _distinct_first(scored, vectors)
    top = scored[:limit]
    confident = _confident(top, dense, text if count_names else "", passages,
                           masked=lambda hit, names: _masked_closeness(hit, text, names, embedder, vectors,
                                                                       query=masked_vector))
    return Ranking(threads=top, words=texts, confident=confident, dense=dense,
                   elapsed_ms=(time.perf_counter() - started) * 1000, readable=passages)


_EMBEDDING_POOLS: dict[int, ThreadPoolExecutor] = {}


def _embedded_soon(embedder, texts: list[str]) -> Future:
    """``texts``' embeddings, computed in a thread of this process while the caller goes on (numpy's matrix products
    and an embeddings endpoint's reply release the GIL, so the question is embedded while PostgreSQL answers: about
    15 ms of a ranking at 1 M posts, bench/README.md, round 30). The future raises what ``embed`` raised. One pool a
    process: a pool's threads do not survive a fork (Celery's prefork children, gunicorn's workers)."""
    pool = _EMBEDDING_POOLS.get(os.getpid())
    if pool is None:
        pool = _EMBEDDING_POOLS.setdefault(os.getpid(), ThreadPoolExecutor(2, thread_name_prefix="vetted-embed"))
    return pool.submit(embedder.embed, texts)


def _maskable(text: str) -> str | None:
    """The question with its names masked (``names_masked``, the names ``_confident`` reads), when something
    meaningful is left to embed; else None."""
    masked = names_masked(text, question_names(headline(text)))
    return masked if masked is not None and meaningful_words(masked) else None


def _masked_vector(soon: Future) -> np.ndarray | None:
    """The masked question's embedding from ``soon`` (it alone was embedded); None when the embedder failed."""
    return _masked_embedding(lambda: soon.result()[0])


def _masked_embedding(compute) -> np.ndarray | None:
    """``compute()``, the masked question's embedding, or None when the embedder fails: the question was ranked, and
    the rest of the rule decides."""
    try:
        return compute()
    except EmbedderError:
        logger.warning("embedding the question without its names failed; judged without that check", exc_info=True)
        return None


def with_details(passages: list[PassageHit], within: QuerySet, *, text: bool = True,
                 made_from: bool = False) -> list[PassageHit]:
    """``passages`` with their author's name, their post's time and (``text``) their Markdown and stored risk reading
    filled in, in one query through ``within`` (the reader's passages, as the ranking read them: a post hidden or a
    thread moved since is left out, as are passages gone from the index and those of a post or title edited since they
    were indexed)."""
    if not passages:
        return passages
    rows = current_passages(within.filter(pk__in={p.id for p in passages}))
    fields = ("pk", "author__username", "post__created_at", *(("text", "risk_read_by", "risk_logit") if text else ()),
              *(("post__thread__title", "post__body") if made_from else ()))
    details = {pk: rest for pk, *rest in rows.values_list(*fields)}
    for passage in passages:
        if passage.id in details:
            passage.author, passage.created_at, *rest = details[passage.id]
            if made_from:
                passage.made_from, rest = (rest[-2], rest[-1]), rest[:-2]
            if rest:
                passage.text, passage.risk_read_by, passage.risk_logit = rest
    return [passage for passage in passages if passage.id in details]


def question_vector(thread, question: str) -> np.ndarray | None:
    """The vector the index holds for ``thread``'s question under the active model, when ``question`` (the
    thread's title, a blank line and its opening post, as the assistant asks it) is what that passage was
    made from; else None (no embedder, not indexed yet, or title or post edited since either was made: the
    caller then embeds ``question``). The passage's source hash is the check, so nothing is read again.

    The assistant's question *is* the thread's question: the worker reads this vector rather than embed
    the title and opening post again (~40 ms of CPU for a long post, half a draft's cost)."""
    embedder = active_embedder()
    head = f"{thread.title}\n\n"
    if embedder is None or not question.startswith(head):
        return None
    made_from = source_hash(thread.title, question[len(head):], Passage.Role.QUESTION)
    stored = (PassageVector.objects.filter(passage__thread=thread, passage__role=Passage.Role.QUESTION,
                                           passage__source_hash=made_from, embed_model=embed_key(embedder))
              .order_by("passage__position").values_list("embedding", flat=True).first())
    return None if stored is None else np.frombuffer(bytes(stored), dtype=np.float32)


# The table name is the model's own; everything else is a bound parameter.
_VECTORS_SQL = f"SELECT passage_id, embedding FROM {PassageVector._meta.db_table} WHERE embed_model = %s AND "  # noqa: S608


def _closeness(query_vector, model: str, hits: list[PassageHit]) -> dict[int, np.ndarray]:
    """Each passage's cosine to the question, from its stored vector of ``model`` (None without one); the
    vectors by passage id.

    The ids go as one array parameter on PostgreSQL (a thousand ``IN`` placeholders cost more to build
    and to send than the vectors take to read)."""
    by_id = {p.id: p for p in hits}
    if not by_id:
        return {}
    if connection.vendor == "postgresql":
        with _binary_cursor() as cursor:
            cursor.execute(_VECTORS_SQL + "passage_id = ANY(%s::bigint[])", [model, id_array(by_id)])
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(_VECTORS_SQL + "passage_id IN (SELECT value FROM json_each(%s))",  # noqa: S608 - a constant
                           [model, json.dumps(list(by_id))])
            rows = cursor.fetchall()
    if not rows:
        return {}
    matrix = np.frombuffer(b"".join(bytes(vector) for _, vector in rows), dtype=np.float32).reshape(len(rows), -1)
    for (pk, _), cosine in zip(rows, (matrix @ query_vector).tolist(), strict=True):
        by_id[pk].dense = cosine
    return {pk: matrix[row] for row, (pk, _) in enumerate(rows)}


def _binary_cursor():
    """A cursor on Django's PostgreSQL connection whose results come in PostgreSQL's binary format, wrapped like
    ``connection.cursor()`` (errors translated, execute wrappers run, logged and counted under DEBUG and in tests).

    For the vectors a ranking reads (600-1,100 of 1.5 KB a draft at 1 M posts): as text, the server writes each
    bytea as hex and the client decodes it; binary, the bytes as they are stored (the worker's CPU for them 4.3 ->
    2.5 ms a draft, the server's 7.3 -> 6.1 ms: bench/README.md, round 11). Django's own cursors return text, and
    bind parameters on the client (which psycopg allows with text results only) when DATABASE_PREPARE_THRESHOLD
    is empty. Prepared like any statement of the connection from its DATABASE_PREPARE_THRESHOLD-th run."""
    import psycopg  # the PostgreSQL driver: absent where only SQLite is used

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = psycopg.Cursor(connection.connection)
    raw.format = psycopg.pq.Format.BINARY
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def _distinct_first(scored: list[ThreadHit], vectors: dict[int, np.ndarray]) -> list[ThreadHit]:
    """``scored`` (best first) with the look-alikes of a better-ranked thread among its first LOOK_ALIKE_WINDOW
    moved after the distinct ones, each group's order kept."""
    window, rest = scored[:LOOK_ALIKE_WINDOW], scored[LOOK_ALIKE_WINDOW:]
    distinct, alike, kept = [], [], []  # kept: (head vector, best answer vector) of the distinct threads
    for hit in window:
        heads = sorted((p for p in hit.passages if p.role == Passage.Role.QUESTION and p.id in vectors),
                       key=lambda p: (p.post_id, p.position))
        # Its best *quotable* answer (best first): a published AI answer or the asker's own follow-up is never
        # quoted, so it must not make another thread, whose answer is quoted, a copy of this one.
        best_answer = next((p for p in hit.passages if p.id in vectors and hit.quotable(p)), None)
        head = vectors[heads[0].id] if heads else None
        answer = vectors[best_answer.id] if best_answer is not None else None
        if head is not None and answer is not None and any(
                float(np.dot(answer, a)) >= LOOK_ALIKE_ANSWER and float(np.dot(head, h)) >= LOOK_ALIKE_HEAD
                for h, a in kept):
            alike.append(hit)
            continue
        distinct.append(hit)
        if head is not None and answer is not None:
            kept.append((head, answer))
    return distinct + alike + rest


def _score(hit: ThreadHit, dense: bool) -> float:
    lexical = WEIGHTS["lexical"] * hit.lexical + WEIGHTS["coverage"] * hit.coverage
    if not dense:
        return lexical
    return WEIGHTS["head"] * hit.head + WEIGHTS["answer"] * hit.answer + lexical


def _confident(top: list[ThreadHit], dense: bool, text: str, passages: QuerySet, *, masked=None) -> bool:
    """Whether the best thread answers the question: relevant enough, and, when ranked by embedding, still so once
    its closeness to the question with the names masked is weighed in (``masked``: the best thread's (head, answer)
    closeness to the question less its names, or None; one embedding), the question's names no readable passage
    holds are counted (a query each, so only when it could answer) and, near the bar, the answerability model's reading
    of the question with the thread (``_model_on``) is weighed in."""
    if not top:
        return False
    if not dense:
        return _relevant(top[0], dense)
    names = question_names(headline(text))
    without_names = masked(top[0], names) if masked is not None and names else None
    # The answerability model raises the relevance by at most ``up`` and lowers it by at most ``down`` (``_reach``): a
    # question below the bar by more than ``up`` is declined without it, and without the names not yet looked up.
    down, up = _reach() if _model_on(text) else (0.0, 0.0)
    unknown = 0

    def score(reads: float | None = None) -> float:
        return min(relevance(top[0], reads=reads),
                   relevance(top[0], unknown_names=unknown, masked=without_names, reads=reads))

    if score() + up < RELEVANCE["at"]:
        return False
    for name in names[:MAX_NAMES]:
        unknown += _name_unknown(passages, name)
        if score() + up < RELEVANCE["at"]:
            return False  # declined: the other names need no lookup
    if score() - down >= RELEVANCE["at"]:
        return True  # the model could not lower it below the bar: not read (nor raise one declined above)
    from . import answerable
    # the mean of both readers' logits, the second read only if the first leaves it open; None: as without them
    return answerable.answers(text, top[0], lambda reads: score(reads) >= RELEVANCE["at"])


def _model_on(text: str) -> bool:
    """Whether the answerability model (``answerable.logit``) may weigh in: its setting on, and a question asked by
    the assistant (search and similar threads pass no ``text``: they never read it). It is then read only where it
    could change the decision (``_reach``)."""
    return bool(text and RELEVANCE["reads"] and getattr(settings, "ASSISTANT_ANSWERABLE_MODEL", False))


def _reach() -> tuple[float, float]:
    """How far the answerability model can lower and raise a relevance: its weight times the distance from its centre
    to each of ``READS_BOUNDS`` (the logit is clipped to them in ``relevance``); ``PAIR``'s with two readers."""
    weight, centre, (low, high) = _reads_rule()
    return weight * max(centre - low, 0.0), weight * max(high - centre, 0.0)


def names_masked(text: str, names: list[str] | None = None) -> str | None:
    """``text`` without the names of its headline (``names``, or ``question_names`` when not given), wherever they
    occur in it; None when it holds none."""
    masked, found = text, 0
    names = question_names(headline(text)) if names is None else names
    for name in sorted(names, key=len, reverse=True):
        masked, n = re.subn(r"(?i)\b" + r"\s+".join(map(re.escape, name.split())) + r"\b", " ", masked)
        found += n
    return re.sub(r"[ \t]+", " ", masked).strip() if found else None


def _masked_closeness(hit: ThreadHit, text: str, names: list[str], embedder,
                      vectors: dict[int, np.ndarray], *, query: np.ndarray | None = None) -> tuple[float, float] | None:
    """The best thread's head and answer closeness (as ``rank`` scores them) to the question with its names masked
    (``names_masked``), from the vectors the ranking already read: no query, and one embedding unless ``query`` (the
    masked question's, embedded with the question) is given. None without an embedder, when nothing meaningful is
    left once the names are gone, or when the embedder fails (an ``openai`` endpoint down since the question was
    embedded, or never asked: the worker read the question's vector from the index): the question was ranked, and
    the rest of the rule decides."""
    masked = names_masked(text, names)
    if embedder is None or masked is None or not meaningful_words(masked):
        return None
    if query is None:
        query = _masked_embedding(lambda: embedder.embed([masked])[0])
        if query is None:
            return None
    return _head_and_answer(hit.passages, lambda p: float(vectors[p.id] @ query) if p.id in vectors else None)


def _head_and_answer(hits: list[PassageHit], closeness) -> tuple[float, float]:
    """A thread's ``head`` and ``answer`` signals: the best ``closeness`` (a passage's cosine to the question, or None
    without a vector) among its question passages and among its answer passages, 0 when none has one."""
    heads, answers = [], []
    for passage in hits:
        cosine = closeness(passage)
        if cosine is None:
            continue
        if passage.role == Passage.Role.QUESTION:
            heads.append(cosine)
        elif passage.is_answer:
            answers.append(cosine)
    return max(heads, default=0.0), max(answers, default=0.0)


MAX_NAMES = 4  # names looked up per question, at most (a lookup each)


_CODE_SPAN = re.compile(r"(`+)[^`]*?\1")


def headline(text: str) -> str:
    """The part of a question whose names count: its first paragraph (the assistant asks a thread's title, a blank
    line, then its opening post: the title), code spans left out. The labelled questions are one line each; an opening
    post's names (colleagues, hosts, exception classes, the tools around the problem) were never measured."""
    return _CODE_SPAN.sub(" ", text.strip().split("\n\n", 1)[0])


_NAME_TOKEN = re.compile(r"/?\w[\w./\-]*\w|\w")
_NUMBER = re.compile(r"^[\d.,/\-]+$")
_SENTENCE_START = (".", "?", "!", ":", '"', "(", "\n")


_CALENDAR = frozenset("""monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
    fri sat sun january february march april may june july august september october november december jan feb mar
    apr jun jul aug sep sept oct nov dec am pm utc""".split())
_TIME = re.compile(r"^\d+(?:[:.]\d+)?(?:am|pm)$")


def question_names(text: str) -> list[str]:
    """The names ``text`` mentions, lowercased: words capitalised mid-sentence or with a capital inside ("PgBouncer",
    "IPv6", "EBS"), capitalised words separated by spaces only one name ("Kafka Schema Registry"). Not stop words,
    numbers, days, months or times; the first word of a sentence or a line only with a capital inside. Not paths,
    hosts or versions (a word with a dot or a slash inside: an exact string no passage repeats). In a title written
    in Title Case, where every word is capitalised, only the words with a capital inside."""
    words = re.findall(r"\b[A-Za-z][a-z]{2,}\b", text)[1:]  # the words after the first, of three letters or more
    title_case = len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)
    names, run, end = [], [], 0
    for match in _NAME_TOKEN.finditer(text):
        word = match.group().rstrip(".-/")
        lower = word.lower()
        before = text[:match.start()].rstrip(" \t")
        initial = not before or before.endswith(_SENTENCE_START)
        inner = any(c.isupper() for c in word[1:])
        capital = word[:1].isupper() and not initial and word != "I" and (inner or not title_case)
        adjacent = not text[end:match.start()].strip(" ")  # a name runs on over spaces only
        end = match.start() + len(word)
        ordinary = (lower in STOPWORDS or lower in _CALENDAR or len(lower) < 2 or _NUMBER.match(lower)
                    or _TIME.match(lower) or "/" in word or "." in word)
        if run and adjacent and capital and not ordinary:
            run.append(lower)
            continue
        if run:
            names.append(" ".join(run))
            run = []
        if not ordinary and (capital or inner):
            run = [lower]
    if run:
        names.append(" ".join(run))
    return list(dict.fromkeys(names))


def _unknown_names(passages: QuerySet, names: list[str]) -> int:
    """How many of ``names`` no passage of ``passages`` holds, as a phrase (stemmed like the index)."""
    return sum(_name_unknown(passages, name) for name in names)


def _name_unknown(passages: QuerySet, name: str) -> bool:
    """Whether no passage of ``passages`` holds ``name`` as a phrase.

    On PostgreSQL the lookup may take NAME_QUERY_TIMEOUT_MS: a name whose words are common but whose readable
    passages are few or none can make the planner scan the whole index (one row matching ends the scan early,
    none reads it all). A lookup that runs out of time counts the name as known: no decline on a guess. So does a
    name of PostgreSQL's stop words only ("Don"), whose query is empty and matches nothing."""
    if connection.vendor == "postgresql":
        held = passages.filter(search_vector=SearchQuery(name, search_type="phrase", config="english"))
        return _held(name, held) is False
    phrase = '"' + name.replace('"', " ") + '"'
    return not passages.filter(pk__in=RawSQL(
        "SELECT rowid FROM retrieval_passage_fts WHERE retrieval_passage_fts MATCH %s", (phrase,))).exists()


NAME_QUERY_TIMEOUT_MS = 100


def _held(name: str, held: QuerySet) -> bool | None:
    """Whether ``held`` has a row (or ``name`` makes an empty query), or None when PostgreSQL cancelled the lookup
    at NAME_QUERY_TIMEOUT_MS."""
    sql, params = held.values("pk")[:1].query.sql_with_params()
    outer = connection.in_atomic_block  # then the timeout, local to the transaction, must be put back
    try:
        with transaction.atomic(), _planned_each_time(), connection.cursor() as cursor:
            previous = None
            if outer:
                cursor.execute("SELECT current_setting('statement_timeout')")
                previous = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(NAME_QUERY_TIMEOUT_MS)])
            # The subquery is Django's own SQL for ``held``; the name is a bound parameter.
            cursor.execute(f"SELECT numnode(phraseto_tsquery('english', %s)) = 0 OR EXISTS ({sql})",  # noqa: S608
                           [name, *params])
            found = cursor.fetchone()[0]
            if outer:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return found
    except OperationalError as exc:
        # The savepoint's rollback undoes the setting as well.
        if getattr(exc.__cause__, "sqlstate", None) != "57014":  # query_canceled
            raise
        return None


def _relevant(hit: ThreadHit, dense: bool) -> bool:
    """Whether a thread is close enough to the question to answer from (the abstention threshold)."""
    if dense:
        return relevance(hit) >= RELEVANCE["at"]
    return hit.matched_share >= LEXICAL_RELEVANCE_THRESHOLD


def relevance(hit: ThreadHit, *, unknown_names: int = 0, masked: tuple[float, float] | None = None,
              reads: float | None = None) -> float:
    """The best thread's evidence that it answers the question (dense ranking), compared to RELEVANCE["at"]:
    ``unknown_names`` is how many of the question's names no readable passage holds; ``masked``, the thread's head
    and answer closeness to the question with its names masked (``_masked_closeness``), weighs in by
    RELEVANCE["masked"]; ``reads``, the answerability model's logit (``answerable.logit``) within ``READS_BOUNDS``, by
    RELEVANCE["reads"] from its centre RELEVANCE["reads_from"] (with two readers, ``reads`` is the mean of their
    logits, weighed by ``PAIR``'s)."""
    head, answer = hit.head, hit.answer
    if masked is not None:
        share = RELEVANCE["masked"]
        head, answer = (1 - share) * head + share * masked[0], (1 - share) * answer + share * masked[1]
    model = 0.0
    if reads is not None:
        weight, centre, (low, high) = _reads_rule()
        model = weight * (min(max(reads, low), high) - centre)
    return (RELEVANCE["head"] * head + RELEVANCE["answer"] * answer + RELEVANCE["margin"] * hit.margin
            - RELEVANCE["unknown_name"] * unknown_names + model)
