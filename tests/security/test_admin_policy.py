"""The Django admin answers to the access policy, not to Django's model permissions.

A model-wide permission grants nothing (DESIGN.md, "Access model") and only administrators read the audit
log: a staff user given ``forum.view_post``, ``forum.view_thread`` or ``forum.view_auditevent`` read
restricted post bodies, thread titles and the audit log in the admin while the forum answered 404 and the
API 403. Every admin over forum content, notifications, the audit log or the assistant's switch asks
forum.policy first; superusers keep all of it.
"""
import pytest
from django.contrib.auth.models import Permission

from aiassist import services as ai_services
from aiassist.models import AssistantSwitch
from forum.models import AuditEvent, Notification, Post, Thread

from ..api.conftest import V1, client_for
from ..factories import UserFactory, fresh, grant, make_thread, signed_in

pytestmark = pytest.mark.django_db

SECRET = "zqboardmergerline"
REPLY_SECRET = "zqreplyacquisition"
ADMINS = ("forum.category", "forum.thread", "forum.post", "forum.notification", "forum.auditevent",
          "aiassist.assistantswitch")


def _model_permissions(*labels):
    """Every stock permission (add, change, delete, view) on the models named ``app.model``."""
    found = Permission.objects.none()
    for label in labels:
        app_label, model = label.split(".")
        found |= Permission.objects.filter(content_type__app_label=app_label, content_type__model=model)
    return found


@pytest.fixture
def secret_thread(secops, secops_member, security_reviewer):
    """A Security Ops thread whose title and reply are restricted; its author is told of the reply."""
    thread = make_thread(secops_member, secops, title=f"Board {SECRET} title", body=f"Body says {SECRET}.",
                         replies=[(security_reviewer, f"Reply says {REPLY_SECRET}.")])
    assert Notification.objects.filter(recipient=secops_member, text__contains=SECRET).exists()
    return thread


@pytest.fixture
def switch(admin_user, secops):
    return ai_services.assistant_configure(acting_user=admin_user, enabled=True, disabled_categories=[secops])


@pytest.fixture
def helpdesk(db):
    """Staff holding every model permission on the guarded models, and no grant on any category."""
    user = UserFactory(username="helpdesk", is_staff=True)
    user.user_permissions.add(*_model_permissions(*ADMINS))
    return fresh(user)


@pytest.fixture
def staff_moderator(eng_moderator):
    """Moderates and reviews Engineering (object permissions), is staff and holds the model permissions too."""
    eng_moderator.is_staff = True
    eng_moderator.save(update_fields=["is_staff"])
    eng_moderator.user_permissions.add(*_model_permissions(*ADMINS))
    return fresh(eng_moderator)


def _admin_pages(thread, switch) -> list[tuple[str, str | None]]:
    """The admin's pages over ``thread`` and the switch, each with the restricted text an administrator reads there."""
    opening, reply = thread.posts.order_by("created_at", "id")
    notice = Notification.objects.filter(thread=thread).first()
    event = AuditEvent.objects.shown().get(verb="thread.start", target_id=str(thread.pk))
    return [
        ("/admin/forum/thread/", SECRET), (f"/admin/forum/thread/{thread.pk}/change/", SECRET),
        (f"/admin/forum/thread/{thread.pk}/history/", SECRET),
        ("/admin/forum/post/", SECRET), (f"/admin/forum/post/{opening.pk}/change/", SECRET),
        (f"/admin/forum/post/{reply.pk}/change/", REPLY_SECRET), (f"/admin/forum/post/{reply.pk}/history/", None),
        ("/admin/forum/notification/", SECRET), (f"/admin/forum/notification/{notice.pk}/change/", SECRET),
        ("/admin/forum/auditevent/", None), (f"/admin/forum/auditevent/{event.pk}/change/", SECRET),
        ("/admin/forum/auditevent/?q=thread.start", None),
        (f"/admin/forum/auditevent/?category__id__exact={thread.category_id}", "Security Ops"),
        ("/admin/aiassist/assistantswitch/", None),
        ("/admin/forum/category/", "Security Ops"),
        (f"/admin/forum/category/{thread.category_id}/change/", "Security Ops"),
        (f"/admin/aiassist/assistantswitch/{switch.pk}/change/", "Security Ops"),
    ]


@pytest.mark.parametrize("who", ["helpdesk", "staff_moderator"])
def test_staff_with_model_permissions_get_403_and_read_nothing(request, who, admin_user, secret_thread, switch):
    user = request.getfixturevalue(who)
    # The forum and the API refuse them: they follow the policy.
    assert signed_in(user).get(f"/t/{secret_thread.pk}/").status_code == 404
    assert client_for(user).get(f"{V1}/audit-events/").status_code == 403
    administrator, client = signed_in(admin_user), signed_in(user)
    for url, text in _admin_pages(secret_thread, switch):
        # An administrator keeps each page, restricted text and all ...
        kept = administrator.get(url)
        assert kept.status_code == 200, url
        assert text is None or text in kept.content.decode(), url
        # ... which the staff user neither opens nor reads.
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 403, url
        assert SECRET not in html and REPLY_SECRET not in html, url
        assert "Security Ops" not in html, url


def test_staff_with_model_permissions_see_none_of_those_modules(admin_user, helpdesk, secret_thread, switch):
    """The whole admin is the administrators' (config.admin): a staff flag opens neither its index nor an app."""
    administrator = signed_in(admin_user).get("/admin/").content.decode()
    client = signed_in(helpdesk)
    for label in ADMINS:
        assert "/admin/{}/{}/".format(*label.split(".")) in administrator, label
    for url in ("/admin/", "/admin/forum/", "/admin/aiassist/", "/admin/auth/", "/admin/auth/user/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert SECRET not in response.content.decode() and "Security Ops" not in response.content.decode(), url


def test_staff_with_model_permissions_change_and_delete_nothing(helpdesk, secret_thread, general, switch, secops):
    client = signed_in(helpdesk)
    reply = secret_thread.posts.order_by("created_at", "id").last()
    event = AuditEvent.objects.shown().get(verb="thread.start", target_id=str(secret_thread.pk))
    events = AuditEvent.objects.count()
    attempts = [
        (f"/admin/forum/thread/{secret_thread.pk}/change/",
         {"title": "moved out", "category": general.pk, "author": secret_thread.author_id, "post_count": 2}),
        (f"/admin/forum/thread/{secret_thread.pk}/delete/", {"post": "yes"}),
        (f"/admin/forum/post/{reply.pk}/delete/", {"post": "yes"}),
        ("/admin/forum/post/", {"action": "delete_selected", "_selected_action": [reply.pk], "post": "yes"}),
        (f"/admin/forum/auditevent/{event.pk}/delete/", {"post": "yes"}),
        (f"/admin/aiassist/assistantswitch/{switch.pk}/change/", {"enabled": "", "disabled_categories": []}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert SECRET not in response.content.decode(), url
    thread = Thread.objects.get(pk=secret_thread.pk)
    assert (thread.title, thread.category_id) == (f"Board {SECRET} title", secops.pk)
    assert Post.objects.filter(pk=reply.pk).exists()
    assert AuditEvent.objects.count() == events
    assert AssistantSwitch.objects.get().enabled


def test_a_grant_on_the_category_opens_the_forum_not_the_admin(helpdesk, secret_thread, secops, switch):
    """Reading Security Ops in the forum is a grant on the category; the admin stays an administrator's."""
    grant("view_category", helpdesk, secops)
    reader = fresh(helpdesk)
    assert signed_in(reader).get(f"/t/{secret_thread.pk}/").status_code == 200
    event = AuditEvent.objects.shown().get(verb="thread.start", target_id=str(secret_thread.pk))
    for url in ("/admin/forum/thread/", f"/admin/forum/auditevent/{event.pk}/change/", "/admin/forum/auditevent/"):
        response = signed_in(reader).get(url)
        assert response.status_code == 403, url
        assert SECRET not in response.content.decode(), url
