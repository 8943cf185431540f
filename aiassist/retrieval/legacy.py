"""Retrieval: the posts an answer may draw on, always found *as the asker* through forum search.

For the asker's own draft: anything the asker may read. For a draft meant for the thread's
audience: only posts that everyone who can read the thread can read as well.
"""
import hashlib
from dataclasses import dataclass

from django.conf import settings

from forum import policy as forum_policy
from forum.markup import plain_text
from forum.models import Post, Thread
from forum.search import search_posts

from ..engines import SourceDoc
from ..models import AIAnswer


@dataclass(frozen=True)
class Retrieved:
    doc: SourceDoc
    post: Post
    content_hash: str


def content_hash(post: Post) -> str:
    return hashlib.sha256(f"{post.thread.title}\n{post.body}".encode()).hexdigest()


def audience_posts(thread: Thread):
    return Post.objects.filter(thread__category__in=forum_policy.audience_readable_categories(thread.category))


def retrieve(*, asker, thread: Thread, question: str, audience: str) -> list[Retrieved]:
    within = audience_posts(thread) if audience == AIAnswer.Audience.THREAD else None
    opening = Post.objects.filter(thread=thread).order_by("created_at", "id").values("pk")[:1]
    candidates = search_posts(asker, question, limit=settings.ASSISTANT_MAX_SOURCES + 1, within=within)
    opening_pk = next(iter(opening), {}).get("pk")
    results = []
    for hit in candidates:
        if hit.post.pk == opening_pk or hit.post.kind == Post.Kind.ASSISTANT:
            continue  # the question is not a source for its answer, nor is another machine's answer
        number = len(results) + 1
        doc = SourceDoc(number=number, title=hit.post.thread.title,
                        text=plain_text(hit.post.body, limit=settings.ASSISTANT_SOURCE_CHARS),
                        category=hit.post.thread.category.name)
        results.append(Retrieved(doc=doc, post=hit.post, content_hash=content_hash(hit.post)))
        if len(results) == settings.ASSISTANT_MAX_SOURCES:
            break
    return results
