"""The forum's JSON API (DESIGN.md, "REST API contract (v1)"): thin views over the same selectors,
policy and services as the web pages.

Each endpoint parses with an input serializer, fetches through a selector (fetching is authorising:
hidden and missing both answer 404), calls one service, and serializes the result. Services raise
``ApplicationError``; ``common.api.exception_handler`` turns it into the one error format. The
assistant extends ``ThreadViewSet`` and ``PostViewSet`` from ``aiassist.api``; this module never
imports ``aiassist``.
"""
from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from common.api import AnonThrottle, CursorPagination, OffsetCursorPagination, error_response
from common.exceptions import Forbidden, InvalidTransition, RateLimited
from common.parsers import JSONParser

from . import policy, selectors, services
from .audit import audit_verify, audited
from .models import AuditEvent, Thread
from .serializers import (
    AcceptSerializer,
    AuditEventSerializer,
    AuditFilterSerializer,
    CategoryCreateSerializer,
    CategorySerializer,
    CategoryUpdateSerializer,
    GrantCreateSerializer,
    GrantSerializer,
    GroupGrantCreateSerializer,
    MeSerializer,
    ModerationReasonSerializer,
    NotificationFilterSerializer,
    NotificationSerializer,
    PostEditSerializer,
    PostSerializer,
    ReplySerializer,
    ThreadFilterSerializer,
    ThreadMoveSerializer,
    ThreadSerializer,
    ThreadStartSerializer,
    TokenSerializer,
    UserGrantCreateSerializer,
    VoteSerializer,
    WatchSerializer,
)

TAKEN = "Another category has that name or slug."
NO_CATEGORY = "The category named is unknown or one the caller may not see (the two are indistinguishable)."


def parse(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# Permissions: each asks policy -----------------------------------------------------------------


class ManagesCategories(BasePermission):
    """Creating a category: administrators only."""

    message = "Only administrators manage categories."

    def has_permission(self, request, view):
        return policy.can_manage_categories(request.user)


class ManagesThisCategory(BasePermission):
    """Changing a category or its grants: administrators only. Asked once the category is fetched
    through the selector, so to anyone else a hidden category stays a 404, a visible one a 403."""

    message = "Only administrators manage categories and their permissions."

    def has_object_permission(self, request, view, obj):
        return policy.can_manage_categories(request.user)


class ReadsAuditLog(BasePermission):
    message = "Only administrators read the audit log."

    def has_permission(self, request, view):
        return policy.can_read_audit_log(request.user)


# Signing in and the caller ---------------------------------------------------------------------


class TokenView(APIView):
    """POST: exchange a username and password for the caller's API token (the same one until it expires
    after API_TOKEN_TTL_HOURS, then a fresh one). DELETE: revoke the caller's token."""

    parser_classes = [JSONParser, FormParser]  # JSON nested too deeply is a 400, as everywhere (common.parsers)

    def _revoking(self) -> bool:
        return getattr(self.request, "method", None) == "DELETE"  # no request yet while the schema is built

    # The exchange is anonymous and reads nothing but the credentials in the body: an expired token sent
    # along does not stand in its way. Revoking is the signed-in caller's, throttled as any other call.
    def get_authenticators(self):
        return super().get_authenticators() if self._revoking() else []

    def get_permissions(self):
        return super().get_permissions() if self._revoking() else [AllowAny()]

    def get_throttles(self):
        return super().get_throttles() if self._revoking() else [AnonThrottle()]

    @extend_schema(request=AuthTokenSerializer, responses=TokenSerializer, auth=[], tags=["auth"])
    def post(self, request):
        try:
            credentials = parse(AuthTokenSerializer, request.data, context={"request": request})
        except ValidationError:
            # django-axes refused the pair before any password was checked: say so, as the web sign-in does.
            if getattr(request, "axes_locked_out", False):
                raise RateLimited("Too many failed sign-ins for this username from this address. Try again later.",
                                  retry_after=int(settings.AXES_COOLOFF_TIME.total_seconds()),
                                  code="locked_out") from None
            raise
        return Response({"token": services.api_token_issue(user=credentials["user"]).key})

    @extend_schema(summary="Revoke your API token: it answers 401 from now on", request=None,
                   responses={204: None}, tags=["auth"])
    def delete(self, request):
        services.api_tokens_revoke(acting_user=request.user, user=request.user, reason="revoked_by_owner")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer, tags=["me"])
    def get(self, request):
        user = request.user
        return Response(MeSerializer({
            "id": user.pk, "username": user.username, "email": user.email,
            "is_admin": policy.can_manage_categories(user),
            "groups": list(user.groups.order_by("name").values_list("name", flat=True)),
            "categories": selectors.categories_with_access(user),
        }).data)


# Categories and their grants -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Categories the caller can see"),
    retrieve=extend_schema(summary="One category"),
    create=extend_schema(summary="Create a category (administrators)", request=CategoryCreateSerializer,
                         responses={201: CategorySerializer, 409: error_response(409, TAKEN)}),
    partial_update=extend_schema(summary="Change a category (administrators)", request=CategoryUpdateSerializer,
                                 responses={200: CategorySerializer, 409: error_response(409, TAKEN)}),
    destroy=extend_schema(summary="Delete an empty category nothing on record refers to (administrators)",
                          responses={204: None, 409: error_response(409)}),
)
class CategoryViewSet(GenericViewSet):
    serializer_class = CategorySerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"
    ordering = ("position", "name")

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated(), ManagesCategories()]
        if self.action in ("partial_update", "destroy"):
            return [IsAuthenticated(), ManagesThisCategory()]
        return [IsAuthenticated()]

    def get_object(self):
        category = selectors.category_for_user(self.request.user, self.kwargs["slug"])
        self.check_object_permissions(self.request, category)
        return category

    def list(self, request):
        page = self.paginate_queryset(selectors.home_categories(request.user))
        return self.get_paginated_response(CategorySerializer(page, many=True).data)

    def retrieve(self, request, slug):
        return Response(CategorySerializer(self.get_object()).data)

    def create(self, request):
        params = parse(CategoryCreateSerializer, request.data)
        category = services.category_create(acting_user=request.user, **params)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, slug):
        category = self.get_object()
        changes = parse(CategoryUpdateSerializer, request.data)
        if changes:  # an empty patch changes nothing, and records nothing
            category = services.category_update(acting_user=request.user, category=category, **changes)
        return Response(CategorySerializer(category).data)

    def destroy(self, request, slug):
        services.category_delete(acting_user=request.user, category=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _grant_data(kind: str, pk: int, holder: str, codename: str) -> dict:
    return {"id": f"{kind}{pk}", "user": holder if kind == "u" else None,
            "group": holder if kind == "g" else None, "permission": codename}


@extend_schema_view(
    list=extend_schema(summary="Object permissions on a category (administrators)"),
    create=extend_schema(
        summary="Grant a user or group a permission on the category (administrators)",
        request=PolymorphicProxySerializer(component_name="GrantCreate", resource_type_field_name=None,
                                           serializers=[UserGrantCreateSerializer, GroupGrantCreateSerializer]),
        responses={201: GrantSerializer, 404: error_response(404, "No such category, or no user or group of that "
                                                                  "name (`details` names the field)."),
                   409: error_response(409, "The user or group already holds the permission.")}),
    destroy=extend_schema(summary="Withdraw a grant (administrators)", responses={204: None}),
)
class GrantViewSet(GenericViewSet):
    """Grants are rows of guardian's two per-category tables; ``id`` is ``u<row>`` or ``g<row>``."""

    serializer_class = GrantSerializer
    permission_classes = [IsAuthenticated, ManagesThisCategory]
    pagination_class = OffsetCursorPagination
    lookup_value_converter = "str"

    def get_category(self):
        category = selectors.category_for_user(self.request.user, self.kwargs["category_slug"])
        self.check_object_permissions(self.request, category)
        return category

    def list(self, request, category_slug):
        page = self.paginate_queryset(selectors.category_grants(self.get_category()))
        return self.get_paginated_response(GrantSerializer([_grant_data(*row) for row in page], many=True).data)

    def create(self, request, category_slug):
        category = self.get_category()
        params = parse(GrantCreateSerializer, request.data)
        holder = selectors.grant_holder(user=params.get("user"), group=params.get("group"))
        kind = "u" if "user" in params else "g"
        row = services.category_grant_add(acting_user=request.user, category=category, permission=params["permission"],
                                          **{"user" if kind == "u" else "group": holder})
        data = _grant_data(kind, row.pk, str(holder), params["permission"])
        return Response(GrantSerializer(data).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, category_slug, pk):
        category = self.get_category()
        grant = selectors.category_grant(category, pk)
        services.category_grant_remove(acting_user=request.user, category=category, grant=grant)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Threads and posts -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Threads the caller can see, most recently active first",
                       parameters=[ThreadFilterSerializer],
                       responses={200: ThreadSerializer(many=True), 404: error_response(404, NO_CATEGORY)}),
    retrieve=extend_schema(summary="One thread"),
    create=extend_schema(summary="Start a thread", request=ThreadStartSerializer,
                         responses={201: ThreadSerializer, 404: error_response(404, NO_CATEGORY)}),
)
class ThreadViewSet(GenericViewSet):
    """Threads. The assistant's subclass (``aiassist.api``) adds ``ask_assistant`` to starting one."""

    serializer_class = ThreadSerializer
    start_serializer_class = ThreadStartSerializer
    lookup_value_converter = "int"
    ordering = ("-last_post_at", "-id")

    def list(self, request):
        params = parse(ThreadFilterSerializer, request.query_params)
        threads = policy.visible_threads(request.user).select_related("category", "author")
        if params.get("category"):
            threads = threads.filter(category=selectors.category_for_user(request.user, params["category"]))
        for word in params.get("q", "").split():
            threads = threads.filter(title__icontains=word)
        page = self.paginate_queryset(threads)
        return self.get_paginated_response(ThreadSerializer(page, many=True).data)

    def retrieve(self, request, pk):
        return Response(ThreadSerializer(selectors.thread_for_user(request.user, pk)).data)

    def create(self, request):
        params = parse(self.start_serializer_class, request.data)
        category = selectors.category_for_user(request.user, params["category"])
        ahead = services.rendered(params["body"])  # before the audit chain's lock
        with audited():  # the thread and the assistant's ask (``thread_started``) in one transaction
            thread = services.thread_start(acting_user=request.user, category=category, title=params["title"],
                                           body=params["body"], ahead=ahead)
            data = self.thread_started(thread, params)
        return Response(data, status=status.HTTP_201_CREATED)

    def thread_started(self, thread: Thread, params: dict) -> dict:
        """The response body, inside the request's transaction (the assistant's subclass asks here)."""
        return ThreadSerializer(thread).data

    # The thread page's moderation and watch forms, with the same services and rules.

    @extend_schema(summary="Lock the thread: no more replies (the category's moderators)", request=None,
                   responses={200: ThreadSerializer, 409: error_response(409, "The thread is already locked.")})
    @action(detail=True, methods=["post"])
    def lock(self, request, pk):
        return self._locked(request, pk, True)

    @extend_schema(summary="Unlock the thread (the category's moderators)", request=None,
                   responses={200: ThreadSerializer, 409: error_response(409, "The thread is not locked.")})
    @action(detail=True, methods=["post"])
    def unlock(self, request, pk):
        return self._locked(request, pk, False)

    def _locked(self, request, pk, locked: bool):
        thread = selectors.thread_for_user(request.user, pk)
        return Response(ThreadSerializer(services.thread_lock(acting_user=request.user, thread=thread,
                                                              locked=locked)).data)

    @extend_schema(summary="Move the thread to another category (moderators of both); its audience changes with it",
                   request=ThreadMoveSerializer,
                   responses={200: ThreadSerializer, 404: error_response(404, NO_CATEGORY),
                              409: error_response(409, "The thread is already in that category.")})
    @action(detail=True, methods=["post"])
    def move(self, request, pk):
        thread = selectors.thread_for_user(request.user, pk)
        params = parse(ThreadMoveSerializer, request.data)
        category = selectors.category_for_user(request.user, params["category"])
        return Response(ThreadSerializer(services.thread_move(acting_user=request.user, thread=thread,
                                                              category=category)).data)

    @extend_schema(summary="Mark a reply as the thread's accepted answer, or clear it (the thread's author or a "
                           "moderator)", request=AcceptSerializer,
                   responses={200: ThreadSerializer, 404: error_response(404, "No such post in this thread."),
                              409: error_response(409, "The question itself cannot be its accepted answer.")})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk):
        thread = selectors.thread_for_user(request.user, pk)
        params = parse(AcceptSerializer, request.data)
        post = selectors.post_for_user(request.user, params["post"]) if params["post"] is not None else None
        return Response(ThreadSerializer(services.thread_accept_answer(acting_user=request.user, thread=thread,
                                                                       post=post)).data)

    @extend_schema(methods=["POST"], summary="Watch the thread: hear of its new posts", request=None,
                   responses=WatchSerializer)
    @extend_schema(methods=["DELETE"], summary="Stop watching the thread", request=None,
                   responses={200: WatchSerializer})  # the state as it is now, not drf-spectacular's default 204
    @action(detail=True, methods=["post", "delete"])
    def watch(self, request, pk):
        thread = selectors.thread_for_user(request.user, pk)
        watch = services.thread_watch(acting_user=request.user, thread=thread, watching=request.method == "POST")
        return Response(WatchSerializer({"thread": thread.pk, "watching": watch.watching}).data)


@extend_schema_view(
    list=extend_schema(summary="The thread's posts the caller may read, oldest first (published AI posts "
                               "included, marked is_ai_generated)"),
    create=extend_schema(summary="Reply", request=ReplySerializer,
                         responses={201: PostSerializer, 409: error_response(409, "The thread is locked.")}),
)
class PostViewSet(GenericViewSet):
    """Posts of one thread. Extension point for the assistant: ``serializer_class`` and ``get_posts``
    (published AI posts carry their disclaimer and reviewers there)."""

    serializer_class = PostSerializer
    ordering = ("created_at", "id")

    def get_posts(self, thread: Thread):
        return selectors.thread_posts(self.request.user, thread)

    def list(self, request, thread_pk):
        thread = selectors.thread_for_user(request.user, thread_pk)
        page = self.paginate_queryset(self.get_posts(thread))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, thread_pk):
        thread = selectors.thread_for_user(request.user, thread_pk)
        params = parse(ReplySerializer, request.data)
        post = services.post_reply(acting_user=request.user, thread=thread, body=params["body"])
        return Response(self.get_serializer(post).data, status=status.HTTP_201_CREATED)


class PostModerationViewSet(GenericViewSet):
    """One post, by its id: edit it (its author or the category's moderators), hide it or show it again (the
    category's moderators). A post the caller may not read is a 404, as everywhere."""

    serializer_class = PostSerializer
    lookup_value_converter = "int"

    @extend_schema(summary="Edit a post: its whole new text (and the thread's title, with its opening post)",
                   request=PostEditSerializer,
                   responses={200: PostSerializer, 409: error_response(409, "A title with a post other than the "
                                                                           "thread's opening one.")})
    def update(self, request, pk):
        post = selectors.post_for_user(request.user, pk)
        if not policy.can_edit_post(request.user, post):  # as the web's edit page: 403 whatever is sent
            raise Forbidden("You may not edit this post.")
        params = parse(PostEditSerializer, request.data)
        if "title" in params and not services.is_opening_post(post):
            raise InvalidTransition("Only the thread's opening post carries its title.",
                                    details={"title": ["Only with the thread's opening post."]})
        post = services.post_edit(acting_user=request.user, post=post, body=params["body"], title=params.get("title"))
        return Response(PostSerializer(post).data)

    @extend_schema(summary="Hide a post from everyone but the category's moderators",
                   request=ModerationReasonSerializer,
                   responses={200: PostSerializer, 409: error_response(409, "The post is already hidden.")})
    @action(detail=True, methods=["post"])
    def hide(self, request, pk):
        return self._hidden(request, pk, True)

    @extend_schema(summary="Show a hidden post again", request=None,
                   responses={200: PostSerializer, 409: error_response(409, "The post is not hidden.")})
    @action(detail=True, methods=["post"])
    def unhide(self, request, pk):
        return self._hidden(request, pk, False)

    def _hidden(self, request, pk, hidden: bool):
        post = selectors.post_for_user(request.user, pk)
        reason = parse(ModerationReasonSerializer, request.data)["reason"] if hidden else ""
        return Response(PostSerializer(services.post_hide(acting_user=request.user, post=post, hidden=hidden,
                                                          reason=reason)).data)


class PostVoteView(APIView):
    """The caller's helpful vote on one post: POST casts it, DELETE takes it back (both idempotent). A post the
    caller may not read is a 404; their own post a 403; a hidden one (moderators see those) a 409."""

    def _answer(self, request, pk, helpful: bool):
        post = selectors.post_for_user(request.user, pk)
        post = services.post_vote(acting_user=request.user, post=post, helpful=helpful)
        return Response(VoteSerializer({"post": post.pk, "voted": helpful, "helpful_count": post.helpful_count}).data)

    @extend_schema(summary="Mark a post helpful", request=None, tags=["posts"],
                   responses={200: VoteSerializer, 409: error_response(409, "The post is hidden.")})
    def post(self, request, pk):
        return self._answer(request, pk, True)

    @extend_schema(summary="Take back your helpful vote on a post", request=None, tags=["posts"],
                   responses={200: VoteSerializer, 409: error_response(409, "The post is hidden.")})
    def delete(self, request, pk):
        return self._answer(request, pk, False)


# Notifications ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The caller's notifications, newest first", parameters=[NotificationFilterSerializer]),
    read=extend_schema(summary="Mark one of the caller's notifications read", request=None,
                       responses=NotificationSerializer),
)
class NotificationViewSet(GenericViewSet):
    serializer_class = NotificationSerializer
    lookup_value_converter = "int"
    ordering = ("-created_at", "-id")

    def list(self, request):
        params = parse(NotificationFilterSerializer, request.query_params)
        page = self.paginate_queryset(selectors.notifications_of(request.user, unread=params["unread"]))
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @action(detail=True, methods=["post"])
    def read(self, request, pk):
        notification = selectors.notification_for_user(request.user, pk)
        services.notification_mark_read(acting_user=request.user, notification=notification)
        notification.refresh_from_db(fields=["read_at"])
        return Response(NotificationSerializer(notification).data)


# The audit log ---------------------------------------------------------------------------------


class AuditPagination(CursorPagination):
    """A page of events; the first page also carries the whole chain's verification."""

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["required"] = ["chain", "results"]
        page["properties"] = {"chain": {
            "type": "object",
            "nullable": True,
            "description": "The result of recomputing every event's hash in order (forum.audit.audit_verify), "
                           "on the first page only (no `cursor`): it reads the whole log, so the pages after "
                           "it carry null instead of repeating it. `checked` counts the private events too "
                           "(an AI draft's before its asker submits it), which no list shows.",
            "required": ["ok", "checked"],
            "properties": {
                "ok": {"type": "boolean"},
                "checked": {"type": "integer", "description": "Events verified before the first bad one."},
                "first_bad_id": {"type": "integer", "nullable": True},
                "problem": {"type": "string"},
            },
        }, **page["properties"]}
        return page


@extend_schema_view(list=extend_schema(summary="The audit log, newest first, with the chain's verification on the "
                                               "first page (administrators)", parameters=[AuditFilterSerializer]))
class AuditEventViewSet(GenericViewSet):
    serializer_class = AuditEventSerializer
    permission_classes = [IsAuthenticated, ReadsAuditLog]
    pagination_class = AuditPagination
    ordering = ("-id",)

    def list(self, request):
        params = parse(AuditFilterSerializer, request.query_params)
        filters = {"verb": "verb", "actor": "actor_name", "target_type": "target_type", "category": "category__slug"}
        events = AuditEvent.objects.shown().select_related("category").filter(
            **{field: params[name] for name, field in filters.items() if params.get(name)})
        page = self.paginate_queryset(events)
        response = self.get_paginated_response(AuditEventSerializer(page, many=True).data)
        first_page = not request.query_params.get(self.paginator.cursor_query_param)
        response.data = {"chain": self._chain() if first_page else None, **response.data}
        return response

    @staticmethod
    def _chain() -> dict:
        report = audit_verify()
        return {"ok": report.ok, "checked": report.checked, "first_bad_id": report.first_bad_id,
                "problem": report.problem}

