"""The forum's verbs. Each checks policy, changes rows in one transaction, writes one audit event,
and sends side effects through ``effects.on_commit``.

Callers (views, API, tasks, commands) pass objects already fetched through the selectors; the
services check again before they act, so a caller that forgot cannot do harm.
"""
import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F, Max, ProtectedError, Value
from django.db.models.functions import Left, Replace
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.text import slugify
from guardian.shortcuts import assign_perm, remove_perm
from rest_framework.authtoken.models import Token

from common.exceptions import (
    AlreadyTaken,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
    ServiceUnavailable,
)

from . import effects, policy
from .audit import audit_record, audited
from .markup import render_markdown
from .models import (
    Category,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
    Notification,
    Post,
    PostViewReceipt,
    PostVote,
    Thread,
    ThreadRead,
    ThreadWatch,
)
from .signals import category_changed, post_changed, post_created, thread_moved
from .text import has_control_characters, without_bidi_characters

User = get_user_model()

TITLE_MAX = 200
BODY_MAX = 50_000
MENTION = re.compile(r"(?<![\w@])@([\w.@+-]{1,150})")


def _clean_title(title: str) -> str:
    # Before the spaces are collapsed: str.split() takes U+001C-U+001F for spaces.
    if has_control_characters(title or ""):
        raise InvalidInput("The title contains a control character (only tab and line breaks are allowed).",
                           details={"title": ["Invalid character."]})
    # Spaces collapsed, direction overrides dropped (``without_bidi_characters``): what the title shows, kept.
    title = " ".join(without_bidi_characters(title or "").split())
    if not title:
        raise InvalidInput("A title is required.", details={"title": ["This field is required."]})
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"Titles are at most {TITLE_MAX} characters.", details={"title": ["Too long."]})
    return title


def _clean_body(body: str) -> str:
    if has_control_characters(body or ""):
        raise InvalidInput("The post contains a control character (only tab and line breaks are allowed).",
                           details={"body": ["Invalid character."]})
    body = (body or "").strip()
    if not body:
        raise InvalidInput("The post is empty.", details={"body": ["This field is required."]})
    if len(body) > BODY_MAX:
        raise InvalidInput(f"Posts are at most {BODY_MAX} characters.", details={"body": ["Too long."]})
    return body


@dataclass(frozen=True)
class Rendered:
    """A post's body with its HTML as it will be stored (``rendered``), made before the service's transaction, which
    holds the audit chain's lock (``audited``: every auditing transaction waits for it). ``html`` is None when the
    body is invalid: the service says so after its own checks, as before."""

    body: str
    html: str | None


def rendered(body: str) -> Rendered:
    try:
        return Rendered(body, render_markdown(_clean_body(body)))
    except InvalidInput:
        return Rendered(body, None)


def _html_of(body: str, ahead: Rendered | None) -> str | None:
    """``ahead``'s HTML if it was rendered from this very ``body``; None (render it now) otherwise."""
    return ahead.html if ahead is not None and ahead.body == body else None


def thread_url(thread: Thread) -> str:
    return reverse("forum:thread", args=[thread.pk])


def post_url(post: Post) -> str:
    return f"{thread_url(post.thread)}?post={post.pk}#post-{post.pk}"


# Categories ---------------------------------------------------------------------------------


@audited
def category_create(*, acting_user, name: str, slug: str = "", description: str = "",
                    restricted: bool = False, position: int = 0) -> Category:
    if not policy.can_manage_categories(acting_user):
        raise Forbidden("Only administrators manage categories.")
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("A name is required.", details={"name": ["This field is required."]})
    slug = slugify(slug or name)
    if not slug:
        raise InvalidInput("The slug is empty.", details={"slug": ["Enter letters or digits."]})
    if Category.objects.filter(slug=slug).exists() or Category.objects.filter(name=name).exists():
        raise AlreadyTaken("A category with that name or slug exists.", details={"slug": ["Already taken."]})
    category = Category.objects.create(
        name=name, slug=slug, description=description, restricted=restricted, position=position
    )
    audit_record(actor=acting_user, verb="category.create", target=category, category=category,
                 data={"name": name, "slug": slug, "restricted": restricted})
    return category


@audited
def category_update(*, acting_user, category: Category, **changes) -> Category:
    if not policy.can_manage_categories(acting_user):
        raise Forbidden("Only administrators manage categories.")
    allowed = {"name", "description", "restricted", "position"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput("Unknown fields.", details={f: ["Not editable."] for f in sorted(unknown)})
    if "name" in changes:
        changes["name"] = " ".join((changes["name"] or "").split())
        if not changes["name"]:
            raise InvalidInput("A name is required.", details={"name": ["This field is required."]})
        if Category.objects.filter(name=changes["name"]).exclude(pk=category.pk).exists():
            raise AlreadyTaken("A category with that name exists.", details={"name": ["Already taken."]})
    before = {field: getattr(category, field) for field in changes}
    for field, value in changes.items():
        setattr(category, field, value)
    category.save(update_fields=list(changes))
    audit_record(actor=acting_user, verb="category.update", target=category, category=category,
                 data={"before": before, "after": changes})
    category_changed.send(sender=Category, category=category, before=before, acting_user=acting_user)
    return category


# Threads and posts ---------------------------------------------------------------------------


def locked_thread(pk: int) -> Thread:
    """The thread as it stands, its row locked to the end of the transaction, with its category. A reply, a hide and a
    move call it first: they check the rights of the category the thread is in, not of one it was read in before a
    move (round 34's review: a reply written into a thread just moved to a restricted category, its author told by
    title). Publishing reads its thread through it too. Every one of them holds the audit chain's lock already
    (``audited``), so no two wait for each other's rows in opposite orders. Locked alone, then
    read with its category: a locking query that joins the category finds no row when a move committed while it
    waited (PostgreSQL checks the moved row against the category row it had joined)."""
    if Thread.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).first() is None:
        raise NotFound()
    return Thread.objects.select_related("category").get(pk=pk)


def is_opening_post(post: Post) -> bool:
    """Whether ``post`` is its thread's question (the first post)."""
    first = Post.objects.filter(thread_id=post.thread_id).order_by("created_at", "id").values_list("pk", flat=True)[:1]
    return post.pk in list(first)


def _create_post(*, author, thread: Thread, body: str, kind=Post.Kind.HUMAN, body_html: str | None = None) -> Post:
    """A post in ``thread``: one just created, or one read under its lock (``locked_thread``), so that its category is
    the one the counts go to. ``body_html``: ``body`` rendered already (``rendered``)."""
    now = timezone.now()
    html = render_markdown(body) if body_html is None else body_html
    post = Post.objects.create(thread=thread, author=author, body=body, body_html=html, kind=kind)
    Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") + 1, last_post_at=now)
    Category.objects.filter(pk=thread.category_id).update(post_count=F("post_count") + 1, last_post_at=now)
    post_created.send(sender=Post, post=post)
    return post


def thread_start(*, acting_user, category: Category, title: str, body: str, ahead: Rendered | None = None) -> Thread:
    """``ahead``: ``rendered(body)``, for a caller that opens the transaction itself (``audited``) and renders first."""
    return _thread_start(acting_user=acting_user, category=category, title=title, body=body,
                         html=_html_of(body, ahead or rendered(body)))


@audited
def _thread_start(*, acting_user, category: Category, title: str, body: str, html: str | None) -> Thread:
    if not policy.can_view_category(acting_user, category):
        raise NotFound()
    if not policy.can_start_thread(acting_user, category):
        raise Forbidden("You may not start threads in this category.")
    title, body = _clean_title(title), _clean_body(body)
    thread = Thread.objects.create(category=category, author=acting_user, title=title, last_post_at=timezone.now())
    Category.objects.filter(pk=category.pk).update(thread_count=F("thread_count") + 1)
    post = _create_post(author=acting_user, thread=thread, body=body, body_html=html)
    thread.refresh_from_db(fields=["post_count", "last_post_at"])
    audit_record(actor=acting_user, verb="thread.start", target=thread, category=category,
                 data={"title": title, "post": post.pk})
    _watch_automatically(user=acting_user, thread=thread)
    _read_up_to(user=acting_user, thread=thread, at=post.created_at)
    _notify_mentions(post=post, acting_user=acting_user)
    return thread


def post_reply(*, acting_user, thread: Thread, body: str) -> Post:
    return _post_reply(acting_user=acting_user, thread=thread, body=body, html=rendered(body).html)


@audited
def _post_reply(*, acting_user, thread: Thread, body: str, html: str | None) -> Post:
    thread = locked_thread(thread.pk)
    if not policy.can_view_thread(acting_user, thread):
        raise NotFound()
    if thread.locked and not policy.can_moderate(acting_user, thread.category):
        raise InvalidTransition("This thread is locked.")
    if not policy.can_reply(acting_user, thread):
        raise Forbidden("You may not reply in this category.")
    body = _clean_body(body)
    post = _create_post(author=acting_user, thread=thread, body=body, body_html=html)
    audit_record(actor=acting_user, verb="post.reply", target=post, category=thread.category,
                 data={"thread": thread.pk})
    _watch_automatically(user=acting_user, thread=thread)
    _read_up_to(user=acting_user, thread=thread, at=post.created_at)

    def text(watcher) -> str:
        if watcher.pk == thread.author_id:
            return f"{acting_user.username} replied to your thread “{thread.title}”"
        return f"{acting_user.username} replied in “{thread.title}”, a thread you watch"

    told = _notify_watchers(post=post, verb="reply", text=text, exclude={acting_user.pk})
    _notify_mentions(post=post, acting_user=acting_user, skip=told | {thread.author_id})
    return post


def post_edit(*, acting_user, post: Post, body: str, title: str | None = None) -> Post:
    return _post_edit(acting_user=acting_user, post=post, body=body, title=title, html=rendered(body).html)


@audited
def _post_edit(*, acting_user, post: Post, body: str, title: str | None, html: str | None) -> Post:
    thread = post.thread
    if not policy.can_view_post(acting_user, post):
        raise NotFound()
    if not policy.can_edit_post(acting_user, post):
        raise Forbidden("You may not edit this post.")
    body = _clean_body(body)
    is_opening = is_opening_post(post)
    # Against the post as it stands in this transaction (after the audit chain's lock): the caller's copy may be older,
    # and an edit that puts back what another edit committed meanwhile took out is a change (round 38's review).
    changes = {"body_changed": body != Post.objects.values_list("body", flat=True).get(pk=post.pk)}
    post.body, post.body_html = body, render_markdown(body) if html is None else html
    post.edited_at, post.edited_by = timezone.now(), acting_user
    post.save(update_fields=["body", "body_html", "edited_at", "edited_by", "updated_at"])
    if title is not None and is_opening:
        title = _clean_title(title)
        if title != thread.title:
            changes["title"] = {"before": thread.title, "after": title}
            _retitle_notices(thread, after=title)
            thread.title = title
            thread.save(update_fields=["title", "updated_at"])
    audit_record(actor=acting_user, verb="post.edit", target=post, category=thread.category, data=changes)
    post_changed.send(sender=Post, post=post, change="edit", acting_user=acting_user, retitled="title" in changes,
                      body_changed=changes["body_changed"])
    return post


def _retitle_notices(thread: Thread, *, after: str) -> int:
    """The stored notices about ``thread`` name it by its new title: every notice quotes a thread's title as
    “title” (``notify``'s callers), and an author who retitles a thread (a customer's name taken out) takes the old
    one off their readers' notice lists too. The title replaced is the one the thread has in this transaction (the
    caller's copy may be older: another retitle committed in between). E-mail copies already sent keep it. Returns
    how many changed."""
    before = Thread.objects.filter(pk=thread.pk).values_list("title", flat=True).get()
    return Notification.objects.filter(thread=thread, text__contains=f"“{before}”").update(
        text=Left(Replace("text", Value(f"“{before}”"), Value(f"“{after}”")), 500))


@audited
def post_hide(*, acting_user, post: Post, hidden: bool = True, reason: str = "") -> Post:
    post.thread = locked_thread(post.thread_id)
    if not policy.can_view_post(acting_user, post):
        raise NotFound()
    if not policy.can_moderate(acting_user, post.thread.category):
        raise Forbidden("Only moderators of this category may hide posts.")
    if post.kind != Post.Kind.HUMAN:
        raise InvalidTransition("AI posts are withdrawn by retracting the answer, not by hiding.")
    # Changed only from the state it is read in, in one statement: of two moderators hiding the post at once, one
    # hides it and the other is told it already is (both passed a check of the row they had read, and the counts were
    # lowered twice: the review of round 33's diff).
    reason = (reason or "")[:500] if hidden else ""
    now = timezone.now()
    if not Post.objects.filter(pk=post.pk, hidden=not hidden).update(hidden=hidden, hidden_reason=reason,
                                                                      updated_at=now):
        raise InvalidTransition("The post is already hidden." if hidden else "The post is not hidden.")
    post.hidden, post.hidden_reason, post.updated_at = hidden, reason, now
    recount_after_hiding(post.thread, -1 if hidden else 1)
    audit_record(actor=acting_user, verb="post.hide" if hidden else "post.unhide", target=post,
                 category=post.thread.category, data={"reason": post.hidden_reason})
    if hidden:
        thread_unaccept_hidden(acting_user=acting_user, thread=post.thread, post=post)
    post_changed.send(sender=Post, post=post, change="hide" if hidden else "unhide", acting_user=acting_user)
    return post


def counted_posts(thread_posts):
    """The posts a thread's and a category's counts count: all but those a moderator hid (which only moderators
    read; a withdrawn AI post stays, as the placeholder everyone is shown)."""
    return thread_posts.exclude(hidden=True, kind=Post.Kind.HUMAN)


def recount_after_hiding(thread: Thread, change: int) -> None:
    """A post of ``thread`` hidden (``change`` -1) or shown again (+1): its count, its category's, and their latest
    post's time, as readers may see them. Counted as before, a reader learnt that a post was hidden, how many and
    when (the thread's and its category's "posts" and "unread replies": round 33's review)."""
    latest = counted_posts(Post.objects.filter(thread=thread)).aggregate(at=Max("created_at"))["at"]
    latest = latest or thread.created_at
    Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") + change, last_post_at=latest)
    category_latest = Thread.objects.filter(category_id=thread.category_id).aggregate(at=Max("last_post_at"))["at"]
    Category.objects.filter(pk=thread.category_id).update(post_count=F("post_count") + change,
                                                          last_post_at=category_latest)


@audited
def thread_lock(*, acting_user, thread: Thread, locked: bool = True) -> Thread:
    if not policy.can_view_thread(acting_user, thread):
        raise NotFound()
    if not policy.can_moderate(acting_user, thread.category):
        raise Forbidden("Only moderators of this category may lock threads.")
    if thread.locked == locked:
        raise InvalidTransition("The thread is already locked." if locked else "The thread is not locked.")
    thread.locked = locked
    thread.save(update_fields=["locked", "updated_at"])
    audit_record(actor=acting_user, verb="thread.lock" if locked else "thread.unlock", target=thread,
                 category=thread.category)
    return thread


def thread_unaccept_hidden(*, acting_user, thread: Thread, post: Post) -> bool:
    """``post``, just hidden in ``thread`` (read under its lock: ``locked_thread``), is no one's accepted answer: a
    reply a moderator hid, an AI answer withdrawn. Its thread's "accepted answer" link, its rows' "Answered" and the
    API's ``accepted_post`` told every reader that a post they cannot see exists, and its id (round 39's review).
    Shown again, it is not accepted again by itself: its thread's author or a moderator decides. Audited as a
    clearing of the acceptance; returns whether it was the accepted answer."""
    if thread.accepted_post_id != post.pk:
        return False
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(accepted_post=None, updated_at=now)
    thread.accepted_post, thread.updated_at = None, now
    audit_record(actor=acting_user, verb="thread.accept_answer", target=thread, category=thread.category,
                 data={"post": None, "hidden": post.pk})
    return True


@audited
def thread_accept_answer(*, acting_user, thread: Thread, post: Post | None) -> Thread:
    """Mark ``post`` as the accepted answer (``None`` clears it). The thread and the post are read again under the
    audit chain's lock: a hide (or an AI answer's withdrawal) committed after the caller read them must not make a
    hidden post the accepted answer again (round 39's review)."""
    thread = locked_thread(thread.pk)
    if not policy.can_view_thread(acting_user, thread):
        raise NotFound()
    if not policy.can_accept_answer(acting_user, thread):
        raise Forbidden("Only the thread's author or a moderator may accept an answer.")
    if post is not None:
        post = Post.objects.filter(pk=post.pk).first()
        if post is None or post.thread_id != thread.pk or post.hidden:
            raise NotFound("No such post in this thread.")
        if is_opening_post(post):
            # Well-formed, naming a post of the thread: refused by what that post is, a conflict (409), not bad input.
            raise InvalidTransition("The question itself cannot be its accepted answer.")
    thread.accepted_post = post
    thread.save(update_fields=["accepted_post", "updated_at"])
    audit_record(actor=acting_user, verb="thread.accept_answer", target=thread, category=thread.category,
                 data={"post": post.pk if post else None})
    if (post is not None and post.author_id != acting_user.pk and post.kind == Post.Kind.HUMAN
            and policy.can_be_notified_about(post.author, thread)):
        notify(recipient=post.author, verb="accepted",
               text=f"Your answer in “{thread.title}” was accepted", url=post_url(post), thread=thread)
    return thread


@audited
def thread_move(*, acting_user, thread: Thread, category: Category) -> Thread:
    """Move a thread to another category; its audience changes with it."""
    if not policy.can_view_thread(acting_user, thread):
        raise NotFound()
    if not (policy.can_moderate(acting_user, thread.category) and policy.can_moderate(acting_user, category)):
        raise Forbidden("Moving a thread needs moderator rights in both categories.")
    if category.pk == thread.category_id:
        raise InvalidTransition("The thread is already in that category.")
    # The thread's row as it stands, locked to commit: a reply or a hide under way adds to or takes from the count
    # first, or waits and then counts in the new category (it read the thread under its lock: ``locked_thread``).
    current = locked_thread(thread.pk)
    if current.category_id != thread.category_id:
        raise InvalidTransition("The thread was moved meanwhile; reload it and try again.")
    source, posts = current.category, current.post_count
    thread.category = category
    thread.save(update_fields=["category", "updated_at"])
    # The two categories' rows in the order of their ids: two moves the other way round at once wait, not deadlock.
    for moved, sign in sorted(((source, -1), (category, 1)), key=lambda pair: pair[0].pk):
        Category.objects.filter(pk=moved.pk).update(thread_count=F("thread_count") + sign,
                                                    post_count=F("post_count") + sign * posts)
    audit_record(actor=acting_user, verb="thread.move", target=thread, category=category,
                 data={"from": source.slug, "to": category.slug})
    thread_moved.send(sender=Thread, thread=thread, source=source, acting_user=acting_user)
    return thread


class ShownPostWithdrawn(ServiceUnavailable):
    """An AI post a response was about to show was withdrawn after the response read it: its retraction may have
    counted its readers before this one was recorded, so the response is built again (``rebuilt_if_withdrawn``),
    without it. Answered 503 (try again) only if that happens three times over."""

    def __init__(self, message: str = "An answer on this page was withdrawn just now; please reload.", **kwargs):
        super().__init__(message, **kwargs)


def rebuilt_if_withdrawn(read):
    """For a read that shows AI posts and records it (``posts_mark_viewed``): run again when one of them was withdrawn
    while it ran, so nobody is shown a retracted answer's text without being told of the retraction. The read must
    change nothing but its receipts (a GET view, or what a verb's response shows after the verb committed)."""
    @functools.wraps(read)
    def inner(*args, **kwargs):
        for _ in range(2):
            try:
                return read(*args, **kwargs)
            except ShownPostWithdrawn:
                continue
        return read(*args, **kwargs)
    return inner


def posts_mark_viewed(*, acting_user, posts) -> None:
    """Record that ``acting_user`` is shown the AI-generated posts among ``posts`` (those read as not hidden), so a
    retraction can reach every reader. Raises ``ShownPostWithdrawn`` if one of them has been hidden since it was read.

    A retraction hides the post, then counts its readers, in one transaction. The receipt is written by one statement
    that reads the post again, locked FOR SHARE on PostgreSQL (SQLite's writers take turns): a retraction that hid it
    first is waited for and then seen (no receipt), one that comes after waits for the receipt and counts this reader.
    Then whether any was hidden meanwhile: the response is built again, without it (round 40's review: a page read the
    post, the retraction committed and counted its readers, then the page recorded its view; the reader was shown the
    text and never told). Pages without AI posts (almost every page) run no statement."""
    shown = sorted({p.pk for p in posts if p.kind == Post.Kind.ASSISTANT and not p.hidden})
    if not shown or not acting_user.is_authenticated:
        return
    marks = ", ".join(["%s"] * len(shown))
    # In the order of their ids, as a withdrawal hides several (``_published_answers``): no deadlock between them. A
    # post this reader has a receipt for is not locked again (a retraction tells them whenever it commits).
    lock = " ORDER BY id FOR SHARE" if connection.vendor == "postgresql" else ""
    receipts, posts_table = PostViewReceipt._meta.db_table, Post._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(  # table names from the models, values as parameters
            f"INSERT INTO {receipts} (post_id, user_id, first_viewed_at) "  # noqa: S608
            f"SELECT id, %s, %s FROM {posts_table} WHERE id IN ({marks}) AND NOT hidden "
            f"AND NOT EXISTS (SELECT 1 FROM {receipts} WHERE post_id = {posts_table}.id AND user_id = %s){lock} "
            "ON CONFLICT DO NOTHING", [acting_user.pk, timezone.now(), *shown, acting_user.pk])
    if Post.objects.filter(pk__in=shown, hidden=True).exists():
        raise ShownPostWithdrawn


def posts_mark_shown(request, posts) -> None:
    """``posts_mark_viewed`` for the response to ``request``: a HEAD request is shown nothing, and records nothing
    (round 43's review: every surface but the thread and review pages recorded a reading for HEAD, so a retraction
    told someone who was never shown the text)."""
    if request.method != "HEAD":
        posts_mark_viewed(acting_user=request.user, posts=posts)


# Notifications --------------------------------------------------------------------------------


def notify(*, recipient, verb: str, text: str, url: str = "", private: bool = False,
           thread: Thread | None = None, subject: str = "", fallback_text: str = "") -> Notification | None:
    """Create an in-app notice and send its e-mail copy after commit. Joins the caller's transaction.

    ``private``: about something only the recipient may know of (their AI draft); the admin leaves it out.
    ``thread``: what the notice is about (by default the thread ``url`` points into): notices are grouped
    by it, none is made for a recipient who may not read it now, and they stop being shown once the recipient may
    no longer read it (``selectors.notifications_of``).
    ``subject``: what it announces, in the sender's terms, for ``notifications_withdraw``.
    ``fallback_text``: a warning that must reach its recipient whatever happens (an AI answer they read was withdrawn):
    what the notice says once they can no longer read its thread, instead of not being shown; it is kept for an
    account deactivated for now too, without an e-mail copy, and read when it is active again (round 43's review)."""
    if recipient is None or (not recipient.is_active and not fallback_text):
        return None
    thread_id = thread.pk if thread is not None else _thread_linked(url)
    if thread_id is not None:
        # Asked now, whoever the caller is: a thread moved out of the recipient's reach since the news began (a
        # draft finished after its thread moved) gets them no notice, and no e-mail with its title.
        about = thread if thread is not None else Thread.objects.select_related("category").filter(pk=thread_id).first()
        if about is None or not policy.can_be_notified_about(recipient, about):
            return None
    # A notice quotes titles and names inline: none reverses the words around it (a title written before titles
    # dropped overrides, round 46's review).
    text, fallback_text = without_bidi_characters(text), without_bidi_characters(fallback_text)
    notification = Notification.objects.create(recipient=recipient, verb=verb, text=text[:500], url=url,
                                               private=private, thread_id=thread_id, subject=subject[:60],
                                               fallback_text=fallback_text[:500])
    if settings.EMAIL_NOTIFICATIONS and recipient.email and recipient.is_active:
        effects.on_commit(_send_notification_email, recipient.email, text, url)
    return notification


def _thread_linked(url: str) -> int | None:
    """The thread a site URL opens (``/t/<pk>/...``), if it is one."""
    if not url.startswith("/"):
        return None
    try:
        match = resolve(url.split("?")[0].split("#")[0])
    except Resolver404:
        return None
    return match.kwargs.get("pk") if match.view_name == "forum:thread" else None


SUBJECT_MAX = 120  # characters of the notice in an e-mail copy's subject


def _subject(text: str) -> str:
    """The notice as a subject line: one line, cut after a whole word ("…") when longer than SUBJECT_MAX."""
    text = " ".join(text.split())
    if len(text) <= SUBJECT_MAX:
        return f"[Vetted] {text}"
    cut = text[:SUBJECT_MAX]
    if not text[SUBJECT_MAX].isspace() and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return f"[Vetted] {cut.rstrip()}…"


def _send_notification_email(address: str, text: str, url: str) -> None:
    link = f"{settings.SITE_URL}{url}" if url.startswith("/") else url
    send_mail(subject=_subject(text), message=f"{text}\n\n{link}\n", from_email=None,
              recipient_list=[address], fail_silently=True)


def _notify_mentions(*, post: Post, acting_user, skip=frozenset()) -> None:
    names = {m.rstrip(".") for m in MENTION.findall(post.body)}
    if not names:
        return
    thread = post.thread
    for user in User.objects.filter(username__in=names, is_active=True).exclude(pk=acting_user.pk).exclude(pk__in=skip):
        # Never about a thread they cannot read, not even its title: ``notify`` asks.
        notify(recipient=user, verb="mention",
               text=f"{acting_user.username} mentioned you in “{thread.title}”", url=post_url(post), thread=thread)


def notify_watchers(*, post: Post, verb: str, text: str, exclude=frozenset()) -> set[int]:
    """Tell the watchers of ``post``'s thread about it (a published AI answer, say), except the users in
    ``exclude``; returns who was told. Joins the caller's transaction."""
    return _notify_watchers(post=post, verb=verb, text=lambda watcher: text, exclude=set(exclude))


def _notify_watchers(*, post: Post, verb: str, text, exclude: set[int]) -> set[int]:
    thread = post.thread
    watchers = (User.objects.filter(pk__in=ThreadWatch.objects.filter(thread=thread, watching=True).values("user_id"),
                                    is_active=True)
                .exclude(pk__in=exclude).order_by("pk"))
    told = set()
    for watcher in watchers:
        # Asked now (by ``notify``), not when they started watching: a watcher who lost the category hears
        # nothing, not even the title.
        if notify(recipient=watcher, verb=verb, text=text(watcher), url=post_url(post), thread=thread):
            told.add(watcher.pk)
    return told


def notifications_withdraw(*, recipient, subject: str, verbs) -> int:
    """Delete ``recipient``'s notices of ``verbs`` about ``subject``: what they announced is gone ("your draft
    is ready", of a draft its asker discarded), and a notice pointing at nothing is only noise. Joins the
    caller's transaction."""
    if not subject:
        return 0
    return Notification.objects.filter(recipient=recipient, subject=subject, verb__in=list(verbs)).delete()[0]


@transaction.atomic
def notification_mark_read(*, acting_user, notification: Notification | None = None) -> int:
    """Mark one of the user's notifications read, or all of them when none is given: only those they are
    shown (``selectors.notifications_of``), so the count says nothing of threads they lost access to."""
    from .selectors import notifications_of

    unread = notifications_of(acting_user, unread=True).order_by()
    if notification is not None:
        if notification.recipient_id != acting_user.pk:
            raise NotFound()
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())


# Watching, reading and voting --------------------------------------------------------------------


def _watch_automatically(*, user, thread: Thread) -> None:
    """Writing in a thread watches it, unless the writer chose to stop watching it."""
    ThreadWatch.objects.get_or_create(user=user, thread=thread, defaults={"watching": True})


@transaction.atomic
def thread_watch(*, acting_user, thread: Thread, watching: bool = True) -> ThreadWatch:
    """Start or stop hearing of the thread's new posts. A personal setting, like reading a notice: not audited."""
    if not policy.can_view_thread(acting_user, thread):
        raise NotFound("No such thread.")
    _thread_shared(thread.pk)
    watch, _ = ThreadWatch.objects.update_or_create(user=acting_user, thread=thread,
                                                    defaults={"watching": watching})
    return watch


def _thread_shared(pk: int) -> None:
    """Hold the thread's row against a reply, a hide or a move under way (FOR KEY SHARE: readers do not wait for one
    another) before writing a row of the same user that refers to it. A reply writes its author's watch and read
    marker under the thread's row lock; a watch or read marker written first, whose reference to the thread is
    checked only after its row is in, waited for the reply's thread row while the reply waited for that row: a
    deadlock (round 35's review). ``_read_up_to`` does the same within its one statement."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM forum_thread WHERE id = %s FOR KEY SHARE", [pk])


_READ_UP_TO = """
    WITH held AS (SELECT id FROM forum_thread WHERE id = %s FOR KEY SHARE)
    INSERT INTO forum_threadread (user_id, thread_id, last_read_at) SELECT %s, id, %s FROM held
    ON CONFLICT (user_id, thread_id) DO UPDATE SET last_read_at = EXCLUDED.last_read_at"""


def _read_up_to(*, user, thread: Thread, at) -> None:
    if connection.vendor == "postgresql":  # the thread's row held first, in the same statement (``_thread_shared``)
        with connection.cursor() as cursor:
            cursor.execute(_READ_UP_TO, [thread.pk, user.pk, at])
        return
    ThreadRead.objects.bulk_create([ThreadRead(user=user, thread=thread, last_read_at=at)], update_conflicts=True,
                                   unique_fields=["user", "thread"], update_fields=["last_read_at"])


def thread_mark_read(*, acting_user, thread: Thread) -> None:
    """Record that ``acting_user`` has seen ``thread`` as it stands (its unread marker goes). One statement (an
    upsert), so no transaction of its own, as ``posts_mark_viewed``."""
    if acting_user.is_authenticated and policy.can_view_thread(acting_user, thread):
        _read_up_to(user=acting_user, thread=thread, at=thread.last_post_at)


@audited
def post_vote(*, acting_user, post: Post, helpful: bool = True) -> Post:
    """Mark ``post`` helpful (``helpful=False`` takes the vote back); doing it twice changes nothing.
    Returns the post with its current ``helpful_count``."""
    if not policy.can_view_post(acting_user, post):
        raise NotFound("No such post.")
    if post.hidden:
        raise InvalidTransition("A hidden post cannot be voted on.")
    if post.author_id == acting_user.pk:
        raise Forbidden("You cannot vote on your own post.")
    if helpful:
        changed = PostVote.objects.get_or_create(user=acting_user, post=post)[1]
    else:
        changed = PostVote.objects.filter(user=acting_user, post=post).delete()[0] > 0
    if changed:
        Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + (1 if helpful else -1))
        audit_record(actor=acting_user, verb="post.vote" if helpful else "post.unvote", target=post,
                     category=post.thread.category, data={"thread": post.thread_id})
    post.refresh_from_db(fields=["helpful_count"])
    return post


# Categories: deletion and object permissions (the API's admin endpoints) -----------------------


@audited
def category_delete(*, acting_user, category: Category) -> None:
    """Delete an empty category that nothing on record refers to.

    A category with threads must be emptied first; one the audit log or an AI answer's sources
    name cannot go at all (those references are kept on purpose): restrict or rename it instead.
    """
    if not policy.can_manage_categories(acting_user):
        raise Forbidden("Only administrators manage categories.")
    category = Category.objects.select_for_update().filter(pk=category.pk).first()
    if category is None:
        raise NotFound("No such category.")
    if Thread.objects.filter(category=category).exists():
        raise InvalidTransition(f"“{category.name}” has threads; move or delete them first.")
    try:
        with transaction.atomic():
            name, slug, pk = category.name, category.slug, category.pk
            category.delete()
    except ProtectedError:
        raise InvalidTransition(
            f"“{category.name}” is referred to by the audit log or by AI answers, which are kept; "
            "restrict or rename it instead.") from None
    audit_record(actor=acting_user, verb="category.delete", target=("forum.category", pk),
                 data={"name": name, "slug": slug})


def _grant_holder(user, group) -> tuple[str, object]:
    if (user is None) == (group is None):
        raise InvalidInput("Give either a user or a group.", details={"user": ["Give a user or a group."]})
    return ("user", user) if user is not None else ("group", group)


def _grant_permission(permission: str) -> str:
    if permission not in policy.CATEGORY_PERMISSIONS:
        raise InvalidInput(f"“{permission}” is not a category permission.",
                           details={"permission": [f"One of: {', '.join(policy.CATEGORY_PERMISSIONS)}."]})
    return permission


@audited
def category_grant_add(*, acting_user, category: Category, permission: str, user=None, group=None):
    """Give ``user`` or ``group`` an object permission on ``category``; returns guardian's row."""
    if not policy.can_manage_categories(acting_user):
        raise Forbidden("Only administrators grant category permissions.")
    kind, holder = _grant_holder(user, group)
    permission = _grant_permission(permission)
    rows = CategoryUserObjectPermission if kind == "user" else CategoryGroupObjectPermission
    if rows.objects.filter(**{kind: holder}, content_object=category, permission__codename=permission).exists():
        raise InvalidTransition(f"{kind.capitalize()} “{holder}” already holds {permission} on {category.name}.")
    row = assign_perm(permission, holder, category)
    policy.forget_access(user)
    audit_record(actor=acting_user, verb="grant.add", target=category, category=category,
                 data={kind: str(holder), "permission": permission})
    return row


@audited
def category_grant_remove(*, acting_user, category: Category, grant) -> None:
    """Withdraw one grant (a row of guardian's user or group table for ``category``)."""
    if not policy.can_manage_categories(acting_user):
        raise Forbidden("Only administrators grant category permissions.")
    if grant.content_object_id != category.pk:
        raise NotFound("No such grant.")
    kind = "user" if isinstance(grant, CategoryUserObjectPermission) else "group"
    holder = getattr(grant, kind)
    permission = grant.permission.codename
    remove_perm(permission, holder, category)
    if kind == "user":
        policy.forget_access(holder)
    audit_record(actor=acting_user, verb="grant.remove", target=category, category=category,
                 data={kind: str(holder), "permission": permission})


# API tokens ------------------------------------------------------------------------------------


def api_token_issue(*, user) -> Token:
    """``user``'s API token, once the token exchange has checked their password: the same one while it
    lasts (``policy.api_token_expired``), a fresh one after."""
    token = Token.objects.filter(user=user).first()
    if token is not None and policy.api_token_expired(token):
        token.delete()
    return Token.objects.get_or_create(user=user)[0]


@audited
def api_tokens_revoke(*, acting_user, user, reason: str) -> int:
    """Delete ``user``'s API tokens (they revoked theirs, their password changed, they were deactivated);
    recorded when there was one. ``acting_user`` is None when no one in particular did it."""
    revoked, _ = Token.objects.filter(user=user).delete()
    if revoked:
        audit_record(actor=acting_user, verb="api_token.revoke", target=user, data={"reason": reason})
    return revoked
