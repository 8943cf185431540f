"""The forum's reads, each already filtered by policy.

Fetching is authorising: ``*_for_user`` returns the object or raises ``NotFound``, the same for a
missing object as for a hidden one, so nobody can probe for private things.
"""
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from . import policy
from .exceptions import NotFound
from .models import Category, Notification, Post, Thread


def category_for_user(user, slug: str) -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None or not policy.can_view_category(user, category):
        raise NotFound("No such category.")
    return category


def thread_for_user(user, pk) -> Thread:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such thread.") from None
    thread = Thread.objects.select_related("category", "author").filter(pk=pk).first()
    if thread is None or not policy.can_view_thread(user, thread):
        raise NotFound("No such thread.")
    return thread


def post_for_user(user, pk) -> Post:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such post.") from None
    post = Post.objects.select_related("thread", "thread__category", "author").filter(pk=pk).first()
    if post is None or not policy.can_view_post(user, post):
        raise NotFound("No such post.")
    return post


def home_categories(user) -> QuerySet[Category]:
    return policy.visible_categories(user).order_by("position", "name")


def postable_categories(user) -> QuerySet[Category]:
    return policy.postable_categories(user).order_by("position", "name")


def category_threads_page(user, category: Category, page_number) -> Page:
    threads = (
        Thread.objects.filter(category=category)
        .select_related("author")
        .order_by("-last_post_at", "-id")
    )
    return Paginator(threads, settings.FORUM_THREADS_PER_PAGE).get_page(page_number)


def thread_posts(user, thread: Thread) -> QuerySet[Post]:
    """The thread's posts ``user`` may read, in order (moderators also get hidden ones)."""
    posts = Post.objects.filter(thread=thread)
    if not policy.can_moderate(user, thread.category):
        posts = posts.filter(hidden=False)
    return posts.select_related("author", "edited_by", "thread__category").order_by("created_at", "id")


def thread_posts_page(user, thread: Thread, page_number, *, post_id=None) -> Page:
    posts = thread_posts(user, thread)
    paginator = Paginator(posts, settings.FORUM_POSTS_PER_PAGE)
    if post_id is not None and page_number is None:
        # Jump to the page that holds a given post (links from notifications and search).
        try:
            position = posts.filter(pk__lt=int(post_id)).count()
            page_number = position // settings.FORUM_POSTS_PER_PAGE + 1
        except (TypeError, ValueError):
            page_number = 1
    return paginator.get_page(page_number)


def recent_threads(user, limit: int = 10) -> QuerySet[Thread]:
    return policy.visible_threads(user).select_related("category", "author").order_by("-last_post_at", "-id")[:limit]


def notifications_page(user, page_number) -> Page:
    return Paginator(Notification.objects.filter(recipient=user), 30).get_page(page_number)


def unread_notification_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_for_user(user, pk) -> Notification:
    try:
        return Notification.objects.get(pk=int(pk), recipient=user)
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such notification.") from None
