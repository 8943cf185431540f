"""The one authority on who may see and do what in the forum.

Every view, API endpoint, template tag, search, retrieval and worker asks here; nothing else
re-derives a rule. Two shapes of answer:

* ``visible_*`` / ``*_categories`` return querysets, filtered in the database with subqueries on
  guardian's direct foreign-key permission tables (never lists of ids loaded into Python);
* ``can_*`` and ``access_for`` answer for one object. ``access_for`` costs one query per
  (user, category) and request, or none when the object was fetched through ``with_access``,
  which asks the same question in the object's own query.

The rules (DESIGN.md, access model):

* an open category is readable and postable by every active user; a restricted one only by
  holders of a category permission (directly or through a group);
* moderating or reviewing a category, or posting in it, implies reading it;
* only object permissions count: a model-wide ("global") permission grants nothing here;
* a superuser reads, posts in and moderates every category, but reviewing AI answers and the
  high-risk approval need an explicit grant, so approving machine-written advice is always a
  deliberate, audited act.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, Expression, F, IntegerField, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import Category, CategoryGroupObjectPermission, CategoryUserObjectPermission, Post, Thread

VIEW = "view_category"
POST = "post_in_category"
MODERATE = "moderate_category"
REVIEW = "review_ai_answers"
APPROVE_HIGH_RISK = "approve_high_risk"

CATEGORY_PERMISSIONS = (VIEW, POST, MODERATE, REVIEW, APPROVE_HIGH_RISK)
READ_IMPLIED_BY = CATEGORY_PERMISSIONS
SUPERUSER_IMPLICIT = (VIEW, POST, MODERATE)


def _is_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _granted_category_ids(user, codenames) -> Q:
    """A Q matching categories on which ``user`` holds any of ``codenames``, as subqueries."""
    user_rows = CategoryUserObjectPermission.objects.filter(
        user=user, permission__content_type__app_label="forum", permission__codename__in=codenames
    ).values("content_object_id")
    group_rows = CategoryGroupObjectPermission.objects.filter(
        group__user=user, permission__content_type__app_label="forum", permission__codename__in=codenames
    ).values("content_object_id")
    return Q(pk__in=user_rows) | Q(pk__in=group_rows)


def categories_with(user, codename: str) -> QuerySet[Category]:
    """Categories where ``user`` effectively holds ``codename`` (implications applied)."""
    if not _is_member(user):
        return Category.objects.none()
    if user.is_superuser and codename in SUPERUSER_IMPLICIT:
        return Category.objects.all()
    if codename == VIEW:
        return Category.objects.filter(Q(restricted=False) | _granted_category_ids(user, READ_IMPLIED_BY))
    if codename == POST:
        return Category.objects.filter(Q(restricted=False) | _granted_category_ids(user, (POST,)))
    return Category.objects.filter(_granted_category_ids(user, (codename,)))


def visible_categories(user) -> QuerySet[Category]:
    return categories_with(user, VIEW)


def postable_categories(user) -> QuerySet[Category]:
    return categories_with(user, POST)


def reviewed_categories(user) -> QuerySet[Category]:
    return categories_with(user, REVIEW)


def holders_of(codename: str, category: Category) -> QuerySet:
    """Active users who hold ``codename`` on ``category``, granted to them or to one of their groups.

    Only for the permissions nobody holds implicitly (reviewing and the high-risk approval: a
    superuser too needs the grant), so the grants alone are the whole answer."""
    if codename in SUPERUSER_IMPLICIT:
        raise ValueError(f"{codename} is also held implicitly; holders_of() would miss those users")
    grants = {"permission__content_type__app_label": "forum", "permission__codename": codename,
              "content_object": category}
    user_rows = CategoryUserObjectPermission.objects.filter(**grants).values("user_id")
    group_rows = CategoryGroupObjectPermission.objects.filter(**grants).values("group_id")
    members = Group.user_set.through.objects.filter(group_id__in=group_rows).values("user_id")
    return get_user_model().objects.filter(Q(pk__in=user_rows) | Q(pk__in=members), is_active=True)


def holds_now(codename: str, *, user: str, category: str) -> Q:
    """``holders_of`` the other way round, for rows that each name a user and a category: a filter
    (or, wrapped, an annotation) true where the user at the path ``user`` holds ``codename`` on the
    category at the path ``category``, asked in the rows' own query. An approval counts only while
    its reviewer still holds the grant it was given under, and a list of answers asks that of every
    approval at once."""
    if codename in SUPERUSER_IMPLICIT:
        raise ValueError(f"{codename} is also held implicitly; holds_now() would miss those users")
    grants = {"permission__content_type__app_label": "forum", "permission__codename": codename,
              "content_object": OuterRef(category)}
    user_rows = CategoryUserObjectPermission.objects.filter(user=OuterRef(user), **grants)
    group_rows = CategoryGroupObjectPermission.objects.filter(group__user=OuterRef(user), **grants)
    return Q(**{f"{user}__is_active": True}) & (Exists(user_rows) | Exists(group_rows))


def visible_threads(user) -> QuerySet[Thread]:
    return Thread.objects.filter(category__in=visible_categories(user))


def visible_posts(user, *, include_hidden: bool = True) -> QuerySet[Post]:
    """Posts ``user`` may read: in a visible category, and not hidden (moderators see hidden ones).

    ``include_hidden=False`` leaves hidden posts out for everyone (search results): the same rows
    as ``visible_posts(user).filter(hidden=False)``, without the moderator subquery the database
    would otherwise re-check for every candidate row.
    """
    in_visible_category = Post.objects.filter(thread__category__in=visible_categories(user))
    if not include_hidden:
        return in_visible_category.filter(hidden=False)
    return in_visible_category.filter(Q(hidden=False) | Q(thread__category__in=categories_with(user, MODERATE)))


def audience_readable_categories(category: Category) -> QuerySet[Category]:
    """Categories whose posts everyone who can read ``category`` can also read.

    Open categories are read by every employee; a thread's own category is read by its whole
    audience. Anything else may hide a source from part of the audience.
    """
    return Category.objects.filter(Q(restricted=False) | Q(pk=category.pk))


def is_audience_readable(source_category: Category, category: Category) -> bool:
    """``audience_readable_categories(category)`` for one category, without a query."""
    return not source_category.restricted or source_category.pk == category.pk


@dataclass(frozen=True)
class Access:
    """What one user may do in one category."""

    can_view: bool = False
    can_post: bool = False
    can_moderate: bool = False
    can_review: bool = False
    can_approve_high_risk: bool = False


NO_ACCESS = Access()


def _held_codenames(user, category: Category) -> frozenset[str]:
    user_rows = CategoryUserObjectPermission.objects.filter(
        user=user, content_object=category, permission__content_type__app_label="forum"
    ).values_list("permission__codename", flat=True)
    group_rows = CategoryGroupObjectPermission.objects.filter(
        group__user=user, content_object=category, permission__content_type__app_label="forum"
    ).values_list("permission__codename", flat=True)
    return frozenset(user_rows.union(group_rows))


def _remember(user, category: Category, held: frozenset[str]) -> Access:
    superuser = user.is_superuser
    access = Access(
        can_view=superuser or not category.restricted or bool(held & set(READ_IMPLIED_BY)),
        can_post=superuser or not category.restricted or POST in held,
        can_moderate=superuser or MODERATE in held,
        can_review=REVIEW in held,
        can_approve_high_risk=APPROVE_HIGH_RISK in held,
    )
    user.__dict__.setdefault("_vetted_access", {})[category.pk] = access
    return access


def access_for(user, category: Category) -> Access:
    """One query per (user, category), remembered on the user object for the request."""
    if not _is_member(user) or category is None:
        return NO_ACCESS
    cache = user.__dict__.setdefault("_vetted_access", {})
    if category.pk in cache:
        return cache[category.pk]
    return _remember(user, category, _held_codenames(user, category))


_BITS = {codename: 1 << i for i, codename in enumerate(CATEGORY_PERMISSIONS)}


class _HeldPermissions(Expression):
    """The category permissions a user holds on the row's category, as a bit mask of ``_BITS``.

    The rows ``_held_codenames`` reads: forum permissions granted on that category to the user or
    to one of their groups. Each permission row is matched with IN, never joined, so a permission
    held several ways counts once. Written as one small SQL expression rather than built with the
    ORM: the equivalent Subquery/Case tree costs more Python to build and compile (~2 ms) than
    the query it saves, and an EXISTS per permission takes PostgreSQL longer to plan (~10 ms) than
    to run.
    """

    output_field = IntegerField()

    def __init__(self, category, user_id: int):
        super().__init__()
        self.category, self.user_id = category, user_id

    def get_source_expressions(self):
        return [self.category]

    def set_source_expressions(self, exprs):
        (self.category,) = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.category)
        q = connection.ops.quote_name
        codes = ", ".join(["%s"] * len(_BITS))
        # Identifiers from the models' metadata and the compiler, the bits are constants; every value
        # is a parameter.
        sql = (
            f"(SELECT SUM(CASE p.codename {' '.join(f'WHEN %s THEN {bit}' for bit in _BITS.values())} END)"  # noqa: S608
            f" FROM {q(Permission._meta.db_table)} p"
            f" WHERE p.codename IN ({codes}) AND p.content_type_id IN"
            f" (SELECT ct.id FROM {q(ContentType._meta.db_table)} ct WHERE ct.app_label = %s)"
            f" AND (p.id IN (SELECT u.permission_id FROM {q(CategoryUserObjectPermission._meta.db_table)} u"
            f" WHERE u.user_id = %s AND u.content_object_id = {column})"
            f" OR p.id IN (SELECT g.permission_id FROM {q(CategoryGroupObjectPermission._meta.db_table)} g"
            f" INNER JOIN {q(Group.user_set.through._meta.db_table)} m ON m.group_id = g.group_id"
            f" WHERE m.user_id = %s AND g.content_object_id = {column})))"
        )
        params = [*_BITS, *_BITS, "forum", self.user_id, *column_params, self.user_id, *column_params]
        return sql, params


def with_access(queryset: QuerySet, user, category: str | None = "category") -> QuerySet:
    """``queryset`` annotated with what ``user`` holds on each row's category (``held_permissions``).

    ``category`` is the path from the row to its category (``None`` when the rows are categories).
    ``remember_access`` then files the answer where ``access_for`` finds it: the object and the
    permissions on it in one query instead of two (tests/forum/test_policy.py holds the two equal).
    """
    if not _is_member(user):
        return queryset
    return queryset.annotate(held_permissions=_HeldPermissions(F(category or "pk"), user.pk))


def remember_access(user, row, category: Category) -> Access:
    """What ``user`` may do in ``category``, from a ``row`` fetched through ``with_access``."""
    if not _is_member(user) or category is None:
        return NO_ACCESS
    if not hasattr(row, "held_permissions"):
        return access_for(user, category)
    mask = row.held_permissions or 0
    return _remember(user, category, frozenset(code for code, bit in _BITS.items() if mask & bit))


def forget_access(user) -> None:
    """Drop remembered answers (after grants change within one request or test)."""
    if user is not None:
        user.__dict__.pop("_vetted_access", None)


def can_view_category(user, category) -> bool:
    """An open category is every member's: asked without the query ``access_for`` makes for the rest of the access."""
    if category is not None and not category.restricted and _is_member(user):
        return True
    return access_for(user, category).can_view


def can_view_thread(user, thread: Thread) -> bool:
    return access_for(user, thread.category).can_view


def can_view_post(user, post: Post) -> bool:
    access = access_for(user, post.thread.category)
    return access.can_view and (not post.hidden or access.can_moderate)


def can_start_thread(user, category) -> bool:
    return access_for(user, category).can_post


def can_reply(user, thread: Thread) -> bool:
    access = access_for(user, thread.category)
    return access.can_post and (not thread.locked or access.can_moderate)


def can_edit_post(user, post: Post) -> bool:
    """Authors edit their own human posts while the thread is open; moderators edit any human post."""
    if post.kind != Post.Kind.HUMAN:
        return False
    access = access_for(user, post.thread.category)
    if access.can_moderate:
        return True
    return access.can_post and post.author_id == user.pk and not post.thread.locked and not post.hidden


def can_moderate(user, category) -> bool:
    return access_for(user, category).can_moderate


def can_accept_answer(user, thread: Thread) -> bool:
    access = access_for(user, thread.category)
    return access.can_moderate or (access.can_view and thread.author_id == user.pk)


def can_use_admin(user) -> bool:
    """The Django admin is the administrators' (superusers): a staff flag and model-wide permissions open nothing
    in it (``config.admin.VettedAdminSite``)."""
    return _is_member(user) and user.is_superuser


def can_manage_categories(user) -> bool:
    return _is_member(user) and user.is_superuser


def can_read_audit_log(user) -> bool:
    return _is_member(user) and user.is_superuser


def api_token_expired(token) -> bool:
    """An API token signs its bearer in for API_TOKEN_TTL_HOURS after it was issued, no longer."""
    return token.created <= timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def can_be_notified_about(user, thread: Thread) -> bool:
    return can_view_thread(user, thread)
