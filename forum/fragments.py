"""The thread page's posts, rendered once and served to every reader who would see the same HTML.

Rendering twenty posts with their per-post controls is most of the thread page's cost, and most
readers of a thread see the very same list. This module caches it (``CACHES["default"]``) without
deciding anything about access, so a wrong guess here cannot show a post to someone who may not
read it:

* The thread was fetched through ``selectors.thread_for_user`` (404 if hidden) before this runs,
  and on a miss the posts come from ``selectors.thread_posts_page``, the same as without a cache.
* The key holds everything the cached HTML depends on: the thread's ``revision``, which database
  triggers bump on any change to the thread or to one of its posts (forum/migrations/0005: an edit,
  a hide, a lock, an accepted answer, a move, a new reply, by whatever path); the reader's rights
  that change the HTML (moderates: sees hidden posts, hides and edits any post; may post; may
  accept an answer); the reader's id when they wrote a post in the thread (their Edit links); the
  page, page size, time zone, language, and a digest of the templates. Readers who share a key get
  the same HTML with or without the cache (tests/forum/test_fragments.py).
* What the key cannot hold is never cached: each form's CSRF token is a random placeholder, stored
  with the rendering and replaced by the reader's own token, AI-generated posts are markers
  rendered for each reader (their sources are filtered by what the reader may open; their review
  state lives in aiassist's tables), and so is each post's helpful-vote control (whether this reader
  voted, or may: the count itself is a column of the post, so a vote bumps the revision too).

Renaming a user bumps the threads they wrote or edited in (forum/migrations/0006), so usernames
follow too. Entries expire after ``FORUM_RENDER_CACHE_SECONDS`` only to bound the cache's size.
"""
import hashlib
import logging
import secrets
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import cache as render_cache
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from . import policy, selectors
from .models import Post, Thread

logger = logging.getLogger(__name__)

SECTION_TEMPLATE = "forum/partials/thread_posts.html"
POST_TEMPLATE = "forum/partials/post.html"
VOTE_TEMPLATE = "forum/partials/post_vote.html"
_TEMPLATES = (SECTION_TEMPLATE, POST_TEMPLATE, VOTE_TEMPLATE, "forum/partials/pagination.html")


@dataclass(frozen=True)
class PostsSection:
    html: SafeString  # ready for this reader: their CSRF token, their rendering of AI posts
    live_posts: list[Post]  # the AI-generated posts on the page, rendered for this reader


def thread_posts_section(request, thread: Thread, page_number, *, post_id=None) -> PostsSection:
    """The posts section of ``thread``'s page for ``request.user``. ``thread`` comes from
    ``selectors.thread_for_user(..., reader_wrote=True)``."""
    user = request.user
    page_number = selectors.thread_page_number(user, thread, page_number, post_id=post_id)
    access = policy.access_for(user, thread.category)
    can_accept = policy.can_accept_answer(user, thread)
    context = {"request": request, "thread": thread, "access": access, "can_accept": can_accept}
    number = _page_number(page_number)
    key = _key(thread, number, access, can_accept, user.pk if thread.reader_wrote else 0) if number else None
    entry = _cached(key)
    if entry is None:
        page = selectors.thread_posts_page(user, thread, page_number)
        # A withdrawn AI post is a placeholder for every reader (thread_posts.html): never live.
        live_posts = [post for post in page if post.is_ai_generated and not post.hidden]
        # A fresh placeholder per rendering, kept with it: nobody can know it to put it in a post.
        placeholder = "csrf" + secrets.token_hex(16)
        entry = {"html": get_template(SECTION_TEMPLATE).render({**context, "page": page, "csrf_token": placeholder}),
                 "live": [post.pk for post in live_posts], "csrf": placeholder,
                 "votes": {post.pk: (post.author_id, post.helpful_count) for post in page if not post.hidden}}
        # Only a page that exists is kept: ?page=<anything> must not fill the cache with copies.
        if key and page.number == number:
            _store(key, entry)
    else:
        # Not hidden, as when it was rendered: one withdrawn since (its retraction committed after this request read
        # the thread, whose revision named this rendering) is left out, never shown to a moderator as it was.
        live_posts = (list(selectors.thread_posts(user, thread).filter(pk__in=entry["live"], hidden=False))
                      if entry["live"] else [])

    token = get_token(request)
    html = entry["html"].replace(entry["csrf"], token)
    post_template = get_template(POST_TEMPLATE)
    for post in live_posts:
        live = {**context, "post": post, "question": False, "csrf_token": token}
        html = html.replace(_live_marker(post.pk), post_template.render(live))
    html = _with_vote_controls(html, user, thread, entry.get("votes", {}), token)
    return PostsSection(html=mark_safe(html), live_posts=live_posts)


def _with_vote_controls(html: str, user, thread: Thread, votes: dict, token: str) -> str:
    """Each post's vote marker replaced by this reader's control: one query, and only for a reader who
    voted in the thread at all (``thread.reader_voted``)."""
    voted = selectors.voted_post_ids(user, votes) if getattr(thread, "reader_voted", True) else set()
    template = get_template(VOTE_TEMPLATE)
    for pk, (author_id, count) in votes.items():
        control = template.render({"post_pk": pk, "count": count, "voted": pk in voted,
                                   "own": author_id == user.pk, "csrf_token": token})
        html = html.replace(vote_marker(pk), control)
    return html


def _cached(key: str | None) -> dict | None:
    if key is None:
        return None
    try:
        return render_cache.get(key)
    except Exception:  # the cache is an optimisation: an unreachable Redis must not take the page down
        logger.warning("render cache unavailable; rendering the posts uncached", exc_info=True)
        return None


def _store(key: str, entry: dict) -> None:
    try:
        render_cache.set(key, entry, settings.FORUM_RENDER_CACHE_SECONDS)
    except Exception:
        logger.warning("render cache unavailable; the rendering was not kept", exc_info=True)


def _page_number(page_number) -> int | None:
    """The page asked for as a positive number, or None for anything that is not one (rendered as
    the paginator decides, never stored)."""
    try:
        number = 1 if page_number in (None, "") else int(page_number)
    except (TypeError, ValueError):
        return None
    return number if number >= 1 else None


def _key(thread: Thread, number: int, access, can_accept: bool, writer_id: int) -> str:
    parts = (
        thread.pk, thread.created_at.isoformat(), thread.revision, number, settings.FORUM_POSTS_PER_PAGE,
        access.can_view, access.can_post, access.can_moderate, can_accept, writer_id,
        timezone.get_current_timezone_name(), translation.get_language(), _templates_digest(),
    )
    return "forum:thread-posts:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def vote_marker(post_pk: int) -> str:
    # An HTML comment, as the live-post markers below: user text cannot produce one.
    return f"<!--vetted:vote:{post_pk}-->"


def _live_marker(post_pk: int) -> str:
    # An HTML comment: user text cannot produce one (Markdown output is sanitised with comments
    # stripped, everything else is escaped), and only the page's own AI post ids are replaced.
    return f"<!--vetted:live-post:{post_pk}-->"


@cache
def _templates_digest() -> str:
    """Changes when a deploy changes the templates, so an old rendering is never served by new code."""
    sources = (get_template(name).template.source for name in _TEMPLATES)
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:16]
