"""Ranking: the threads that answer a question, and their best passages, for one reader.

Threads are the unit. Every passage the reader may read is a candidate (the policy filter is part
of the query itself, joined live to the post and thread, so a hidden post or a moved thread is out
at once; there is no recency cutoff). The lexical index proposes candidates: each passage matching
any of the question's words, ranked by the database (PostgreSQL ts_rank, SQLite FTS5 bm25), words
too common to tell threads apart left out of the match. Their threads are then scored on three
signals fused into one:

- ``head``: how close the question is to the thread's own question (its title and opening post),
  by embedding — the strongest sign that a thread is about the same thing;
- ``answer``: how close the question is to the thread's best answer passage;
- ``lexical``: the thread's best lexical rank, relative to the best candidate's.

The weights and the abstention threshold are calibrated on the labelled set in
``bench/data/retrieval`` (``bench/retrieval.py`` prints the figures). Without an embedder
(``ASSISTANT_EMBEDDER=none``) the lexical signal ranks alone.
"""
import time
from dataclasses import dataclass, field

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from forum import policy
from forum.models import Thread
from forum.text import meaningful_words, terms

from .index import active_embedder, embed_key, vector_of
from .models import Passage

LEXICAL_CANDIDATES = 400  # passages the lexical index proposes
THREAD_CANDIDATES = 80  # threads scored in full
PASSAGES_PER_THREAD = 60  # at most this many passages of one candidate thread are read
COMMON_WORD_SHARE = 0.05  # a word in more than this share of passages does not select candidates
WEIGHTS = {"head": 0.55, "answer": 0.30, "lexical": 0.15}
# The best thread's semantic closeness (max of head and answer) below which nothing readable
# answers the question. Lexical-only ranking uses the share of the question's words matched.
RELEVANCE_THRESHOLD = 0.50
LEXICAL_RELEVANCE_THRESHOLD = 0.25
LEXICAL_MIN_WORDS = 2
ANSWER_ROLES = (Passage.Role.REPLY, Passage.Role.AI)


@dataclass
class PassageHit:
    id: int
    post_id: int
    thread_id: int
    author_id: int
    author: str
    role: str  # "question", "reply", "accepted" or "ai"
    position: int
    text: str
    plain: str
    created_at: object
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
    lexical: float = 0.0
    matched_share: float = 0.0
    passages: list[PassageHit] = field(default_factory=list)  # best first

    @property
    def closeness(self) -> float:
        return max(self.head, self.answer)

    @property
    def best_passage(self) -> PassageHit | None:
        return self.passages[0] if self.passages else None

    def answers(self) -> list[PassageHit]:
        return [p for p in self.passages if p.is_answer]


@dataclass
class Ranking:
    threads: list[ThreadHit]
    words: list[str]
    confident: bool
    dense: bool
    elapsed_ms: float = 0.0

    @property
    def relevant(self) -> list[ThreadHit]:
        """The threads relevant enough to answer from, best first: none when the ranking is not confident."""
        if not self.confident:
            return []
        floor = RELEVANCE_THRESHOLD if self.dense else LEXICAL_RELEVANCE_THRESHOLD
        return [t for t in self.threads if (t.closeness if self.dense else t.matched_share) >= floor]


def readable_passages(user, *, within: QuerySet | None = None, category=None, author=None,
                      exclude_thread=None) -> QuerySet:
    """Passages of posts ``user`` may read, as they stand now (hidden posts and moved threads out)."""
    passages = Passage.objects.filter(thread__category__in=policy.visible_categories(user), post__hidden=False)
    if within is not None:  # the assistant's "the thread's whole audience": can only narrow
        passages = passages.filter(thread__category__in=within)
    if category is not None:
        passages = passages.filter(thread__category=category)
    if author is not None:
        passages = passages.filter(author=author)
    if exclude_thread is not None:
        passages = passages.exclude(thread=exclude_thread)
    return passages


# Lexical candidates ---------------------------------------------------------------------------

_common_cache: dict = {"at": 0.0, "words": frozenset()}


def _common_lexemes() -> frozenset:
    """Lexemes in more than COMMON_WORD_SHARE of passages, from PostgreSQL's own column statistics.

    ANALYZE samples the tsvector column and keeps its most common elements with their frequencies
    (the statistics target is raised in the index's migration), so this costs one small read every
    few minutes instead of a count per word per question.
    """
    now = time.monotonic()
    if now - _common_cache["at"] > 300:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = 'retrieval_passage' AND attname = 'search_vector'")
            row = cursor.fetchone()
        words = frozenset()
        if row and row[0]:
            words = frozenset(w for w, f in zip(row[0], row[1], strict=False) if f > COMMON_WORD_SHARE)
        _common_cache.update(at=now, words=words)
    return _common_cache["words"]


def _postgres_lexemes(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme FROM unnest(to_tsvector('english', %s))", [text])
        return [row[0] for row in cursor.fetchall()]


def _lexical_candidates(passages: QuerySet, text: str, words: list[str]) -> list[tuple[int, int, float]]:
    """(passage id, thread id, lexical rank) of the best-matching passages, best first."""
    if connection.vendor == "postgresql":
        lexemes = _postgres_lexemes(" ".join(words))
        if not lexemes:
            return []
        common = _common_lexemes()
        selective = [w for w in lexemes if w not in common] or lexemes
        # Lexemes are \w-ish words from to_tsvector: quoting each keeps operators out of the query.
        raw = " | ".join("'" + w.replace("'", "''").replace("\\", "") + "'" for w in selective)
        query = SearchQuery(raw, search_type="raw", config="simple")
        rows = (passages.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
                .order_by("-rank", "pk").values_list("pk", "thread_id", "rank")[:LEXICAL_CANDIDATES])
        return list(rows)
    match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
    rank = RawSQL("SELECT -bm25(retrieval_passage_fts, 2.0, 1.0) FROM retrieval_passage_fts "
                  "WHERE retrieval_passage_fts MATCH %s AND retrieval_passage_fts.rowid = retrieval_passage.id",
                  [match], output_field=FloatField())
    matching = passages.filter(pk__in=RawSQL(
        "SELECT rowid FROM retrieval_passage_fts WHERE retrieval_passage_fts MATCH %s", [match]))
    return list(matching.annotate(rank=rank).order_by("-rank", "pk")
                .values_list("pk", "thread_id", "rank")[:LEXICAL_CANDIDATES])


# Scoring --------------------------------------------------------------------------------------


def rank(user, text: str, *, limit: int = 10, within: QuerySet | None = None, category=None, author=None,
         exclude_thread=None, embedder=None) -> Ranking:
    """The threads ``user`` may read that best answer ``text``, best first, with their passages."""
    started = time.perf_counter()
    words = meaningful_words(text)
    if not words:
        return Ranking(threads=[], words=[], confident=False, dense=False)
    passages = readable_passages(user, within=within, category=category, author=author,
                                 exclude_thread=exclude_thread)
    candidates = _lexical_candidates(passages, text, words)
    lexical_by_passage = {pk: float(r or 0.0) for pk, _, r in candidates}
    thread_order = list(dict.fromkeys(thread_id for _, thread_id, _ in candidates))[:THREAD_CANDIDATES]
    if not thread_order:
        return Ranking(threads=[], words=words, confident=False, dense=False,
                       elapsed_ms=(time.perf_counter() - started) * 1000)
    threads = {t.pk: t for t in Thread.objects.filter(pk__in=thread_order).select_related("category")}
    rows = list(passages.filter(thread_id__in=thread_order).order_by("thread_id", "post_id", "position")
                .values_list("pk", "post_id", "thread_id", "author_id", "author__username", "role", "position",
                             "text", "plain", "post__created_at", "embedding", "embed_model"))
    embedder = embedder if embedder is not None else active_embedder()
    model = embed_key(embedder)
    query_vector = embedder.embed([text])[0] if embedder is not None else None
    dense = query_vector is not None
    per_thread: dict[int, list[PassageHit]] = {}
    for pk, post_id, thread_id, author_id, username, role, position, body, plain, created, vector, vmodel in rows:
        hits = per_thread.setdefault(thread_id, [])
        if len(hits) >= PASSAGES_PER_THREAD and pk not in lexical_by_passage:
            continue
        thread = threads[thread_id]
        if role == Passage.Role.REPLY and thread.accepted_post_id == post_id:
            role = "accepted"
        similarity = None
        if dense and vector is not None and vmodel == model:
            similarity = float(np.dot(query_vector, vector_of(vector)))
        hits.append(PassageHit(id=pk, post_id=post_id, thread_id=thread_id, author_id=author_id, author=username,
                               role=role, position=position, text=body, plain=plain, created_at=created,
                               lexical=lexical_by_passage.get(pk, 0.0), dense=similarity))
    best_lexical = max(lexical_by_passage.values(), default=0.0) or 1.0
    wanted = terms(" ".join(words))
    scored = []
    for thread_id in thread_order:
        hits = per_thread.get(thread_id)
        if not hits:
            continue
        hit = ThreadHit(thread=threads[thread_id])
        hit.lexical = max(p.lexical for p in hits) / best_lexical
        heads = [p.dense for p in hits if p.role == Passage.Role.QUESTION and p.dense is not None]
        answers = [p.dense for p in hits if p.is_answer and p.dense is not None]
        hit.head = max(heads, default=0.0)
        hit.answer = max(answers, default=0.0)
        seen = terms(hit.thread.title + " " + " ".join(p.plain for p in hits))
        matched = len(wanted & seen)
        hit.matched_share = matched / len(wanted) if wanted and matched >= min(LEXICAL_MIN_WORDS, len(wanted)) else 0.0
        if dense:
            hit.score = (WEIGHTS["head"] * hit.head + WEIGHTS["answer"] * hit.answer
                         + WEIGHTS["lexical"] * hit.lexical)
        else:
            hit.score = hit.lexical * (0.5 + 0.5 * hit.matched_share)
        hit.passages = sorted(hits, key=lambda p: (-(p.dense if p.dense is not None else -1.0), -p.lexical, p.id))
        scored.append(hit)
    scored.sort(key=lambda t: (-t.score, t.thread.pk))
    top = scored[:limit]
    confident = bool(top) and (top[0].closeness >= RELEVANCE_THRESHOLD if dense
                               else top[0].matched_share >= LEXICAL_RELEVANCE_THRESHOLD)
    return Ranking(threads=top, words=words, confident=confident, dense=dense,
                   elapsed_ms=(time.perf_counter() - started) * 1000)

