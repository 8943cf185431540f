"""The forum's reads, each already filtered by policy.

Fetching is authorising: ``*_for_user`` returns the object or raises ``NotFound``, the same for a
missing object as for a hidden one, so nobody can probe for private things.
"""
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)

from common.exceptions import NotFound

from . import policy, querystring
from .models import (
    Category,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
    Notification,
    Post,
    PostVote,
    Thread,
    ThreadRead,
    ThreadWatch,
)

User = get_user_model()


# What a slug or a row id may be: anything else names nothing, and is not sent to the database (PostgreSQL refuses a
# NUL in a string; int() refuses "²", which str.isdigit() accepts).
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")
_ROW_ID = re.compile(r"[0-9]{1,18}")


def is_row_id(value) -> bool:
    return _ROW_ID.fullmatch(str(value)) is not None


def category_for_user(user, slug: str) -> Category:
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        raise NotFound("No such category.")
    category = policy.with_access(Category.objects.filter(slug=slug), user, None).first()
    if category is None or not policy.remember_access(user, category, category).can_view:
        raise NotFound("No such category.")
    return category


def thread_for_user(user, pk, *, reader_wrote: bool = False) -> Thread:
    """The thread, or NotFound whether it is missing or hidden from ``user``. ``reader_wrote`` (the thread
    page) also annotates, in the same query, whether ``user`` wrote any post in it (the page's cache key
    needs it), watches it (``reader_watching``) and voted on any of its posts (``reader_voted``: only then
    are their votes looked up)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such thread.") from None
    threads = Thread.objects.select_related("category", "author").filter(pk=pk)
    if reader_wrote:
        threads = threads.annotate(
            reader_wrote=Exists(Post.objects.filter(thread=OuterRef("pk"), author_id=user.pk)),
            reader_watching=Exists(ThreadWatch.objects.filter(thread=OuterRef("pk"), user_id=user.pk, watching=True)),
            reader_voted=Exists(PostVote.objects.filter(post__thread=OuterRef("pk"), user_id=user.pk)),
        )
    thread = policy.with_access(threads, user).first()
    if thread is None or not policy.remember_access(user, thread, thread.category).can_view:
        raise NotFound("No such thread.")
    return thread


def post_for_user(user, pk) -> Post:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such post.") from None
    posts = Post.objects.select_related("thread", "thread__category", "author").filter(pk=pk)
    post = policy.with_access(posts, user, "thread__category").first()
    if post is None:
        raise NotFound("No such post.")
    policy.remember_access(user, post, post.thread.category)
    if not policy.can_view_post(user, post):
        raise NotFound("No such post.")
    return post


def home_categories(user) -> QuerySet[Category]:
    return policy.visible_categories(user).order_by("position", "name")


def home_categories_page(user, page_number, *, name: str = "") -> Page:
    """One page of the categories ``user`` can read, narrowed to names containing ``name``: a large
    company has hundreds, and the home page shows them a page at a time (with their total)."""
    categories = home_categories(user)
    if name:
        categories = categories.filter(name__icontains=name)
    return _page_with_total(categories, settings.FORUM_CATEGORIES_PER_PAGE, page_number)


def categories_with_access(user) -> QuerySet[Category]:
    """The caller's visible categories with ``policy.Access``'s booleans (``can_view`` ... ``can_approve_high_risk``)
    annotated, in one query for all of them (``access_for`` takes one per category). tests/api checks the two agree."""

    def holds(codename):
        return ExpressionWrapper(Q(pk__in=policy.categories_with(user, codename).values("pk")),
                                 output_field=BooleanField())

    return home_categories(user).annotate(
        can_view=Value(True), can_post=holds(policy.POST), can_moderate=holds(policy.MODERATE),
        can_review=holds(policy.REVIEW), can_approve_high_risk=holds(policy.APPROVE_HIGH_RISK))


# A grant's id names its table: guardian keeps users' and groups' grants apart, with overlapping row ids.
GRANT_TABLES = {
    "u": (CategoryUserObjectPermission, "user", "user__username"),
    "g": (CategoryGroupObjectPermission, "group", "group__name"),
}


def category_grants(category: Category):
    """The object permissions on ``category`` from both of guardian's tables, as one sliceable union of
    ``(kind, row id, holder name, codename)`` rows, ``kind`` being a key of ``GRANT_TABLES``. Only for
    callers who manage categories: the API checks that before it asks."""
    user_rows, group_rows = (
        table.objects.filter(content_object=category)
        .annotate(kind=Value(kind), holder=F(name), codename=F("permission__codename"))
        .values_list("kind", "pk", "holder", "codename")
        for kind, (table, _, name) in GRANT_TABLES.items()
    )
    return user_rows.union(group_rows, all=True).order_by("kind", "holder", "codename", "pk")


def grant_holder(*, user: str | None = None, group: str | None = None):
    """The user or group a grant names, by exact name, or NotFound. Only for callers who manage categories."""
    if user is not None:
        found = User.objects.filter(username=user).first()
        if found is None:
            raise NotFound(f"No user named “{user}”.", details={"user": [f"No user named “{user}”."]})
        return found
    found = Group.objects.filter(name=group).first()
    if found is None:
        raise NotFound(f"No group named “{group}”.", details={"group": [f"No group named “{group}”."]})
    return found


def category_grant(category: Category, grant_id: str):
    """One grant on ``category`` by its API id (``u<row>`` or ``g<row>``), or NotFound."""
    table, holder, _ = GRANT_TABLES.get(grant_id[:1], (None, None, None))
    if table is None or not is_row_id(grant_id[1:]):
        raise NotFound("No such grant.")
    grant = (table.objects.select_related("permission", holder)
             .filter(content_object=category, pk=int(grant_id[1:])).first())
    if grant is None:
        raise NotFound("No such grant.")
    return grant


def postable_categories(user) -> QuerySet[Category]:
    return policy.postable_categories(user).order_by("position", "name")


class _CountedPaginator(Paginator):
    """A paginator told its total, so it never runs COUNT(*)."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property


def _page_with_total(rows: QuerySet, per_page: int, page_number) -> Page:
    """``Paginator(rows, per_page).get_page(page_number)`` in one query instead of two.

    The page's rows carry the total (``COUNT(*) OVER ()``), which is exact whatever filter ``rows``
    has. Only a page number past the end, or not a positive integer, takes the ordinary way (the
    last page, or the first), as ``get_page`` does. The number is capped (``querystring.page_number``)
    before it becomes an offset: ``?page=`` with thirty digits overflowed the database's integers.
    """
    number = querystring.page_number(page_number)
    if number is not None and number >= 1:
        start = (number - 1) * per_page
        page_rows = list(rows.annotate(page_total=Window(Count("*")))[start : start + per_page])
        if page_rows or number == 1:
            total = page_rows[0].page_total if page_rows else 0
            return Page(page_rows, number, _CountedPaginator(rows, per_page, count=total))
    return Paginator(rows, per_page).get_page(number)


def with_read_state(threads: QuerySet[Thread], user) -> QuerySet[Thread]:
    """``threads`` with ``reader_last_read`` (when ``user`` last read each; None: never) and ``read_state``
    ("new": never opened, "unread": posts since, "": read), in the same query; the templates show
    ``read_state`` (``partials/unread_badge.html``)."""
    last_read = Subquery(ThreadRead.objects.filter(thread=OuterRef("pk"), user_id=user.pk).values("last_read_at")[:1])
    return threads.annotate(reader_last_read=last_read).annotate(read_state=Case(
        When(reader_last_read__isnull=True, then=Value("new")),
        When(last_post_at__gt=F("reader_last_read"), then=Value("unread")),
        default=Value(""), output_field=CharField()))


def category_threads_page(user, category: Category, page_number) -> Page:
    """Threads are never hidden, so the denormalised ``thread_count`` is the exact total."""
    threads = with_read_state(
        Thread.objects.filter(category=category)
        .select_related("author")
        .order_by("-last_post_at", "-id"), user)
    paginator = _CountedPaginator(threads, settings.FORUM_THREADS_PER_PAGE, count=category.thread_count)
    return paginator.get_page(querystring.page_number(page_number))


def thread_posts(user, thread: Thread, *, placeholders: bool = False) -> QuerySet[Post]:
    """The thread's posts ``user`` may read, in order (moderators also get hidden ones). ``placeholders``
    (the thread page): withdrawn AI posts too, which the page shows everyone as a placeholder without
    their text (forum/partials/thread_posts.html), so that the thread and its post count agree."""
    posts = Post.objects.filter(thread=thread)
    if not policy.can_moderate(user, thread.category):
        posts = posts.filter(Q(hidden=False) | Q(kind=Post.Kind.ASSISTANT) if placeholders else Q(hidden=False))
    return (posts.select_related("author", "edited_by", "thread__category")
            .order_by("created_at", "id"))


def thread_page_number(user, thread: Thread, page_number, *, post_id=None):
    """The page asked for: ``page_number`` as given, or, with only ``post_id``, the page that holds
    that post (links from notifications and search; one COUNT)."""
    if post_id is not None and page_number is None:
        try:
            position = thread_posts(user, thread, placeholders=True).filter(pk__lt=int(post_id)).count()
            return position // settings.FORUM_POSTS_PER_PAGE + 1
        except (TypeError, ValueError):
            return 1
    return page_number


def thread_posts_page(user, thread: Thread, page_number) -> Page:
    """One page of the posts ``user`` may read. ``thread.post_count`` counts hidden posts too, so the
    total comes with the page's rows instead (exact for moderators and everyone else alike)."""
    return _page_with_total(thread_posts(user, thread, placeholders=True), settings.FORUM_POSTS_PER_PAGE, page_number)


def move_targets(user, thread: Thread):
    """Categories a moderator of ``thread`` may move it to (lazy: no query unless shown)."""
    if not policy.can_moderate(user, thread.category):
        return Category.objects.none()
    return policy.categories_with(user, policy.MODERATE).exclude(pk=thread.category_id).order_by("position", "name")


def recent_threads(user, limit: int = 10) -> QuerySet[Thread]:
    threads = policy.visible_threads(user).select_related("category", "author").order_by("-last_post_at", "-id")
    return with_read_state(threads, user)[:limit]


NOTIFICATIONS_PER_PAGE = 30


def notifications_page(user, page_number) -> Page:
    """A page of the user's notices, grouped by thread: the thread with the newest notice first, each
    thread's notices together, newest first (``{% regroup %}`` by ``thread_id`` in the template), the
    thread and its category fetched with them; notices about no thread (or one out of their sight, in their fallback
    words) come one by one."""
    notices = (
        notifications_of(user)
        .select_related("thread__category")
        .annotate(group=Case(When(in_sight=True, then=F("thread_id")), default=None))
        .annotate(group_latest=Window(Max("created_at"), partition_by=[F("group")]))
        .order_by("-group_latest", F("group").asc(nulls_last=True), "-created_at", "-id")
    )
    return _page_with_total(notices, NOTIFICATIONS_PER_PAGE, page_number)


def notifications_of(user, *, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notifications, newest first; ``unread`` True/False narrows them. A notice about a
    thread the user can no longer read is not shown (its text names the thread): the rule is asked
    again now, not only when the notice was sent."""
    in_sight = Q(thread__isnull=True) | Q(thread__category__in=policy.visible_categories(user))
    # A notice with a fallback (``Notification.fallback_text``: an AI answer its recipient read was withdrawn) is
    # shown all the same, in those words, without the thread (round 43's review: the warning vanished when its
    # reader lost the thread before reading it).
    notifications = Notification.objects.filter(recipient=user).annotate(
        in_sight=Case(When(in_sight, then=Value(True)), default=Value(False), output_field=BooleanField())).filter(
        Q(in_sight=True) | ~Q(fallback_text=""))
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications.order_by("-created_at", "-id")


def unread_notification_count(user) -> int:
    return notifications_of(user, unread=True).count()


def notification_for_user(user, pk) -> Notification:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such notification.") from None
    notification = notifications_of(user).filter(pk=pk).first()
    if notification is None:
        raise NotFound("No such notification.")
    return notification


# Watching, votes and profiles ------------------------------------------------------------------


def watched_threads_page(user, page_number) -> Page:
    """The threads ``user`` watches and may still read, most recently active first."""
    threads = with_read_state(
        policy.visible_threads(user)
        .filter(pk__in=ThreadWatch.objects.filter(user_id=user.pk, watching=True).values("thread_id"))
        .select_related("category", "author")
        .order_by("-last_post_at", "-id"), user)
    return _page_with_total(threads, settings.FORUM_THREADS_PER_PAGE, page_number)


def voted_post_ids(user, post_ids) -> set[int]:
    """Which of ``post_ids`` ``user`` found helpful."""
    if not post_ids or not user.is_authenticated:
        return set()
    return set(PostVote.objects.filter(user_id=user.pk, post_id__in=list(post_ids)).values_list("post_id", flat=True))


def profile_user(username: str):
    """A member by username, or NotFound. Who works here is not private; what they wrote is filtered by
    the profile's lists."""
    found = User.objects.filter(username=username[:150]).first()
    if found is None:
        raise NotFound("No such person.")
    return found


def profile_threads_page(viewer, person, page_number) -> Page:
    """The threads ``person`` started that ``viewer`` may read, newest first."""
    threads = with_read_state(
        policy.visible_threads(viewer).filter(author=person)
        .select_related("category").order_by("-created_at", "-id"), viewer)
    return _page_with_total(threads, settings.FORUM_THREADS_PER_PAGE, page_number)


def profile_posts_page(viewer, person, page_number) -> Page:
    """The replies ``person`` wrote that ``viewer`` may read (hidden ones left out for everyone), newest
    first, each with its thread and category, and its text as ``excerpt``: None for an AI-generated post,
    whose text is read on its thread page only, under its disclaimer and with the view recorded that a
    retraction notice needs. The bodies themselves are not loaded."""
    openings = Post.objects.filter(thread=OuterRef("thread")).order_by("created_at", "id").values("pk")[:1]
    excerpt = Case(When(kind=Post.Kind.ASSISTANT, then=Value(None)), default=F("body"), output_field=TextField())
    posts = (
        policy.visible_posts(viewer, include_hidden=False).filter(author=person)
        .exclude(pk=Subquery(openings))
        .defer("body", "body_html").annotate(excerpt=excerpt)
        .select_related("thread__category").order_by("-created_at", "-id")
    )
    return _page_with_total(posts, settings.FORUM_POSTS_PER_PAGE, page_number)
