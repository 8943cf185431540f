from django.urls import path

from . import views

app_name = "assistant"

urlpatterns = [
    path("threads/<int:thread_pk>/ask/", views.answer_ask, name="ask"),
    path("answers/<int:pk>/panel/", views.answer_panel, name="panel"),
    path("answers/<int:pk>/discard/", views.answer_discard, name="discard"),
    path("answers/<int:pk>/restore/", views.answer_restore, name="restore"),
    path("answers/<int:pk>/retry/", views.answer_retry, name="retry"),
    path("answers/<int:pk>/regenerate/", views.answer_regenerate, name="regenerate"),
    path("answers/<int:pk>/feedback/", views.answer_feedback, name="feedback"),
    path("answers/<int:pk>/submit/", views.answer_submit, name="submit"),
    path("answers/<int:pk>/withdraw/", views.answer_withdraw, name="withdraw"),
    path("posts/<int:pk>/report/", views.answer_report, name="report"),
    path("review/", views.review_queue, name="queue"),
    path("review/metrics/", views.review_metrics, name="metrics"),
    path("review/<int:pk>/", views.answer_review, name="review"),
    path("review/<int:pk>/approve/", views.answer_approve, name="approve"),
    path("review/<int:pk>/edit/", views.answer_edit, name="edit"),
    path("review/<int:pk>/claims/confirm/", views.answer_confirm_claim, name="confirm_claim"),
    path("review/<int:pk>/reject/", views.answer_reject, name="reject"),
    path("review/<int:pk>/retract/", views.answer_retract, name="retract"),
    path("review/<int:pk>/confirm/", views.answer_confirm, name="confirm"),
]
