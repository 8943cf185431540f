"""The forum's reads, each already filtered by policy.

Fetching is authorising: ``*_for_user`` returns the object or raises ``NotFound``, the same for a
missing object as for a hidden one, so nobody can probe for private things.
"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value, Window

from common.exceptions import NotFound

from . import policy
from .models import (
    Category,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
    Notification,
    Post,
    Thread,
)

User = get_user_model()


def category_for_user(user, slug: str) -> Category:
    category = policy.with_access(Category.objects.filter(slug=slug), user, None).first()
    if category is None or not policy.remember_access(user, category, category).can_view:
        raise NotFound("No such category.")
    return category


def thread_for_user(user, pk, *, reader_wrote: bool = False) -> Thread:
    """The thread, or NotFound whether it is missing or hidden from ``user``. ``reader_wrote`` also
    annotates whether ``user`` wrote any post in it (the thread page's cache key needs it)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such thread.") from None
    threads = Thread.objects.select_related("category", "author").filter(pk=pk)
    if reader_wrote:
        threads = threads.annotate(reader_wrote=Exists(Post.objects.filter(thread=OuterRef("pk"), author_id=user.pk)))
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
    if table is None or not grant_id[1:].isdigit():
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
    last page, or the first), as ``get_page`` does.
    """
    try:
        number = 1 if page_number in (None, "") else int(page_number)
    except (TypeError, ValueError):
        number = 0
    if number >= 1:
        start = (number - 1) * per_page
        page_rows = list(rows.annotate(page_total=Window(Count("*")))[start : start + per_page])
        if page_rows or number == 1:
            total = page_rows[0].page_total if page_rows else 0
            return Page(page_rows, number, _CountedPaginator(rows, per_page, count=total))
    return Paginator(rows, per_page).get_page(page_number)


def category_threads_page(user, category: Category, page_number) -> Page:
    """Threads are never hidden, so the denormalised ``thread_count`` is the exact total."""
    threads = (
        Thread.objects.filter(category=category)
        .select_related("author")
        .order_by("-last_post_at", "-id")
    )
    paginator = _CountedPaginator(threads, settings.FORUM_THREADS_PER_PAGE, count=category.thread_count)
    return paginator.get_page(page_number)


def thread_posts(user, thread: Thread) -> QuerySet[Post]:
    """The thread's posts ``user`` may read, in order (moderators also get hidden ones)."""
    posts = Post.objects.filter(thread=thread)
    if not policy.can_moderate(user, thread.category):
        posts = posts.filter(hidden=False)
    return (posts.select_related("author", "edited_by", "thread__category")
            .order_by("created_at", "id"))


def thread_page_number(user, thread: Thread, page_number, *, post_id=None):
    """The page asked for: ``page_number`` as given, or, with only ``post_id``, the page that holds
    that post (links from notifications and search; one COUNT)."""
    if post_id is not None and page_number is None:
        try:
            position = thread_posts(user, thread).filter(pk__lt=int(post_id)).count()
            return position // settings.FORUM_POSTS_PER_PAGE + 1
        except (TypeError, ValueError):
            return 1
    return page_number


def thread_posts_page(user, thread: Thread, page_number) -> Page:
    """One page of the posts ``user`` may read. ``thread.post_count`` counts hidden posts too, so the
    total comes with the page's rows instead (exact for moderators and everyone else alike)."""
    return _page_with_total(thread_posts(user, thread), settings.FORUM_POSTS_PER_PAGE, page_number)


def move_targets(user, thread: Thread):
    """Categories a moderator of ``thread`` may move it to (lazy: no query unless shown)."""
    if not policy.can_moderate(user, thread.category):
        return Category.objects.none()
    return policy.categories_with(user, policy.MODERATE).exclude(pk=thread.category_id).order_by("position", "name")


def recent_threads(user, limit: int = 10) -> QuerySet[Thread]:
    return policy.visible_threads(user).select_related("category", "author").order_by("-last_post_at", "-id")[:limit]


def notifications_page(user, page_number) -> Page:
    return Paginator(notifications_of(user), 30).get_page(page_number)


def notifications_of(user, *, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's own notifications (the whole rule), newest first; ``unread`` True/False narrows them."""
    notifications = Notification.objects.filter(recipient=user)
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    return notifications.order_by("-created_at", "-id")


def unread_notification_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_for_user(user, pk) -> Notification:
    try:
        return Notification.objects.get(pk=int(pk), recipient=user)
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such notification.") from None
