"""Permission-filtered full-text search over posts: the search page and the assistant's retrieval.

PostgreSQL: a stored tsvector per post (thread title weight A, body weight B) with a GIN index,
ranked by ts_rank. SQLite (the embedded default): an FTS5 table ranked by bm25. Both match ANY of
the query's meaningful words and rank posts that match more of them higher, because people word
a question differently from the thread that answers it. Visibility is part of the query itself.

Ranking costs a read of every candidate's vector, and a common word matches a large share of a big
forum (every post of a thread whose title has it): ranking them all took ~1 s at a million posts.
So ranking looks at the ``FORUM_SEARCH_CANDIDATES`` most recent matching posts the user may read
(1000 by default): the whole set whenever it is smaller, the freshest part of it when a query is
too broad to rank exhaustively within a page view.
"""
import html
from dataclasses import dataclass, field
from functools import cached_property

import nh3
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from . import policy
from .models import Post, Thread
from .text import meaningful_words

SEARCH_CONFIG = "english"

@dataclass
class SearchHit:
    post: Post
    rank: float
    words: list[str] = field(repr=False)

    @cached_property
    def snippet(self) -> str:
        """Made when shown: retrieval reads the posts, not the snippets."""
        return snippet(post_text(self.post), self.words)


def _postgres_query(words: list[str]) -> SearchQuery:
    raw = " | ".join(f"'{w}'" for w in words)  # words are \w+ (no quote, backslash or operator): nothing to escape
    return SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)


def _sqlite_match(words: list[str]) -> str:
    return " OR ".join(f'"{w}"' for w in words)


def _sqlite_rank(words: list[str]) -> RawSQL:
    return RawSQL(
        "SELECT -bm25(forum_post_fts, 2.0, 1.0) FROM forum_post_fts WHERE forum_post_fts MATCH %s"
        " AND forum_post_fts.rowid = forum_post.id",
        [_sqlite_match(words)],
        output_field=FloatField(),
    )


def search_posts(user, text: str, *, limit: int = 20, category=None, exclude_thread=None,
                 within: QuerySet | None = None) -> list[SearchHit]:
    """The best posts ``user`` may read for ``text``, best first.

    ``within`` narrows the candidates further (the assistant passes the posts a thread's whole
    audience may read); it can only remove posts, never add ones ``user`` may not read.
    """
    words = meaningful_words(text)
    if not words:
        return []
    posts = policy.visible_posts(user, include_hidden=False)
    if within is not None:
        posts = posts.filter(pk__in=within.values("pk"))
    if category is not None:
        posts = posts.filter(thread__category=category)
    if exclude_thread is not None:
        posts = posts.exclude(thread=exclude_thread)
    postgres = connection.vendor == "postgresql"
    if postgres:
        query = _postgres_query(words)
        matching = posts.filter(search_vector=query)
    else:
        matching = posts.filter(id__in=RawSQL("SELECT rowid FROM forum_post_fts WHERE forum_post_fts MATCH %s",
                                              [_sqlite_match(words)]))
    # Every filter above is in the innermost subquery; the outer ones only rank what it selected.
    rank = SearchRank(F("search_vector"), query) if postgres else _sqlite_rank(words)
    candidates = matching.order_by("-pk").values("pk")[: getattr(settings, "FORUM_SEARCH_CANDIDATES", 1000)]
    best = Post.objects.filter(pk__in=candidates).annotate(rank=rank).order_by("-rank", "-created_at")
    if postgres:  # join the thread, category and author for the best posts only (bm25's SQL needs the outer alias)
        best = Post.objects.filter(pk__in=best.values("pk")[:limit]).annotate(rank=rank).order_by(
            "-rank", "-created_at")
    rows = best.select_related("thread", "thread__category", "author")[:limit]
    return [SearchHit(post=p, rank=float(p.rank or 0), words=words) for p in rows]


def post_text(post: Post) -> str:
    """The post as one line of plain (unescaped) text, from the HTML rendered when it was written:
    stripping tags is ~20 times cheaper than rendering the Markdown again (``plain_text``)."""
    return " ".join(html.unescape(nh3.clean(post.body_html, tags=set())).split())


def snippet(text: str, words: list[str], width: int = 240) -> str:
    """Plain text (not HTML): templates and serializers escape it once."""
    lowered = text.lower()
    positions = [lowered.find(w) for w in words if lowered.find(w) >= 0]
    start = max(0, min(positions) - 60) if positions else 0
    piece = text[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def index_posts(posts: QuerySet) -> None:
    """(Re)build the search entries of ``posts`` (call after creating or editing them)."""
    if connection.vendor == "postgresql":
        title = RawSQL("SELECT title FROM forum_thread WHERE forum_thread.id = forum_post.thread_id", [])
        posts.update(
            search_vector=SearchVector(title, weight="A", config=SEARCH_CONFIG)
            + SearchVector("body", weight="B", config=SEARCH_CONFIG)
        )
        return
    rows = list(posts.values_list("id", "thread__title", "body"))
    with connection.cursor() as cursor:
        cursor.executemany("DELETE FROM forum_post_fts WHERE rowid = %s", [(pk,) for pk, _, _ in rows])
        cursor.executemany(
            "INSERT INTO forum_post_fts (rowid, title, body) VALUES (%s, %s, %s)",
            [(pk, title, body) for pk, title, body in rows],
        )


def index_thread(thread: Thread) -> None:
    index_posts(Post.objects.filter(thread=thread))


