from django.urls import path

from . import views

app_name = "forum"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.ThreadStartView.as_view(), name="thread_start"),
    path("preview/", views.markdown_preview, name="preview"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("t/<int:pk>/", views.thread_detail, name="thread"),
    path("t/<int:pk>/reply/", views.post_reply, name="reply"),
    path("t/<int:pk>/lock/", views.thread_lock, name="lock"),
    path("t/<int:pk>/move/", views.thread_move, name="move"),
    path("t/<int:pk>/accept/<int:post_pk>/", views.thread_accept, name="accept"),
    path("p/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("t/<int:pk>/watch/", views.thread_watch, name="watch"),
    path("p/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path("p/<int:pk>/vote/", views.post_vote, name="post_vote"),
    path("u/<str:username>/", views.profile, name="profile"),
    path("watching/", views.watched_threads, name="watching"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
]
