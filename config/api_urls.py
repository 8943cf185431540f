"""URL wiring of the JSON API, included under /api/: the v1 endpoints, the schema and its docs.

Access: every v1 endpoint and /api/schema/ authenticate through DRF (token or session) and answer
401 in the error format. DRF marks its views ``login_not_required`` (since 3.16), so
LoginRequiredMiddleware never redirects an API client to the login page. /api/docs/ is a page for
people: it stays behind the site's login and reads the schema with the session.
"""
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from aiassist.api import AIAnswerViewSet, AIPostViewSet, AskingThreadViewSet, AssistantView, ReviewQueueView
from aiassist.retrieval.api import SearchView, SimilarThreadsView
from forum.api import (
    AuditEventViewSet,
    CategoryViewSet,
    GrantViewSet,
    MeView,
    NotificationViewSet,
    PostModerationViewSet,
    PostVoteView,
    TokenView,
)


class EndpointNotFound(APIView):
    """Whatever under /api/ matches no endpoint: a 404 in the error format, not an HTML page."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound("No such endpoint. (API paths end with a slash.)")


router = SimpleRouter(use_regex_path=False)
router.register("categories", CategoryViewSet, basename="category")
router.register("categories/<slug:category_slug>/grants", GrantViewSet, basename="grant")
router.register("threads", AskingThreadViewSet, basename="thread")
router.register("threads/<int:thread_pk>/posts", AIPostViewSet, basename="post")
router.register("posts", PostModerationViewSet, basename="single-post")
router.register("ai-answers", AIAnswerViewSet, basename="ai-answer")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
    path("search/", SearchView.as_view(), name="search"),
    path("threads/similar/", SimilarThreadsView.as_view(), name="threads-similar"),
    path("assistant/", AssistantView.as_view(), name="assistant"),
    path("review-queue/", ReviewQueueView.as_view(), name="review-queue"),
    path("posts/<int:pk>/vote/", PostVoteView.as_view(), name="post-vote"),
    *router.urls,
]


app_name = "api"

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", login_required(SpectacularSwaggerView.as_view(url_name="api:schema")), name="docs"),
    re_path(r"^", EndpointNotFound.as_view(), name="not_found"),
]
