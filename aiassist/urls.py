from django.urls import path

from . import views

app_name = "assistant"

urlpatterns = [
    path("threads/<int:thread_pk>/ask/", views.answer_ask, name="ask"),
    path("answers/<int:pk>/panel/", views.answer_panel, name="panel"),
    path("answers/<int:pk>/discard/", views.answer_discard, name="discard"),
    path("answers/<int:pk>/retry/", views.answer_retry, name="retry"),
    path("answers/<int:pk>/regenerate/", views.answer_regenerate, name="regenerate"),
    path("answers/<int:pk>/feedback/", views.answer_feedback, name="feedback"),
]
