"""Permission-filtered full-text search over posts: the search page and the assistant's retrieval.

PostgreSQL: a stored tsvector per post (thread title weight A, body weight B) with a GIN index,
ranked by ts_rank. SQLite (the embedded default): an FTS5 table ranked by bm25. Both match ANY of
the query's meaningful words and rank posts that match more of them higher, because people word
a question differently from the thread that answers it. Visibility is part of the query itself.
"""
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, FloatField, QuerySet
from django.db.models.expressions import RawSQL

from . import policy
from .markup import plain_text
from .models import Post, Thread
from .text import meaningful_words

SEARCH_CONFIG = "english"

@dataclass
class SearchHit:
    post: Post
    rank: float
    snippet: str


def _postgres_ranked(posts: QuerySet, words: list[str]) -> QuerySet:
    raw = " | ".join(f"'{w}'" for w in words)  # words are \w+ (no quote, backslash or operator): nothing to escape
    query = SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)
    return posts.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))


def _sqlite_ranked(posts: QuerySet, words: list[str]) -> QuerySet:
    match = " OR ".join(f'"{w}"' for w in words)
    matching = RawSQL("SELECT rowid FROM forum_post_fts WHERE forum_post_fts MATCH %s", [match])
    rank = RawSQL(
        "SELECT -bm25(forum_post_fts, 2.0, 1.0) FROM forum_post_fts WHERE forum_post_fts MATCH %s"
        " AND forum_post_fts.rowid = forum_post.id",
        [match],
        output_field=FloatField(),
    )
    return posts.filter(id__in=matching).annotate(rank=rank)


def search_posts(user, text: str, *, limit: int = 20, category=None, exclude_thread=None,
                 within: QuerySet | None = None) -> list[SearchHit]:
    """The best posts ``user`` may read for ``text``, best first.

    ``within`` narrows the candidates further (the assistant passes the posts a thread's whole
    audience may read); it can only remove posts, never add ones ``user`` may not read.
    """
    words = meaningful_words(text)
    if not words:
        return []
    posts = policy.visible_posts(user).filter(hidden=False)
    if within is not None:
        posts = posts.filter(pk__in=within.values("pk"))
    if category is not None:
        posts = posts.filter(thread__category=category)
    if exclude_thread is not None:
        posts = posts.exclude(thread=exclude_thread)
    ranked = _postgres_ranked(posts, words) if connection.vendor == "postgresql" else _sqlite_ranked(posts, words)
    rows = ranked.select_related("thread", "thread__category", "author").order_by("-rank", "-created_at")[:limit]
    return [SearchHit(post=p, rank=float(p.rank or 0), snippet=snippet(p.body, words)) for p in rows]


def snippet(body: str, words: list[str], width: int = 240) -> str:
    """Plain text (not HTML): templates and serializers escape it once."""
    text = plain_text(body)
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


