"""Accounts in the Django admin: nobody but an administrator changes who may do what, and an administrator's
change is audited.

The adversarial review of round 29 found two ways around the four-eyes rule through Django's stock admins, which
answer to model-wide permissions (which Vetted's policy says grant nothing): a staff reviewer holding the
``authtoken`` permissions minted a security reviewer's API token, read its key in the change list and gave the
second approval of a high-risk answer as them; a help-desk account holding ``auth.change_user`` joined a group
holding ``approve_high_risk`` and became a security reviewer, with no grant and no audit event.
"""
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import policy
from forum import services as forum_services
from forum.audit import audit_verify
from forum.models import AuditEvent

from ..api.conftest import V1, ask, client_for, drafted, reload
from ..factories import UserFactory, fresh, grant, signed_in

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


def _permissions(app_label, *models):
    return Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)


@pytest.fixture
def reviewers_group(engineering):
    group = Group.objects.create(name="security-reviewers")
    grant(policy.REVIEW, group, engineering)
    grant(policy.APPROVE_HIGH_RISK, group, engineering)
    return group


def _user_form(user, **changes) -> dict:
    data = {"username": user.username, "first_name": "", "last_name": "", "email": user.email,
            "is_active": "on", "last_login_0": "", "last_login_1": "",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S")}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_staff_reviewer_cannot_mint_or_read_an_api_token(employee, engineering, eng_moderator, security_reviewer):
    maria = eng_moderator
    maria.is_staff = True
    maria.save(update_fields=["is_staff"])
    maria.user_permissions.add(*_permissions("authtoken", "token", "tokenproxy"))
    maria = fresh(maria)
    thread, _ = ask(employee, engineering, risk="high")
    answer = drafted(employee, thread)
    ai_services.answer_submit(acting_user=employee, answer=answer)
    answer = ai_services.answer_approve(acting_user=maria, answer=reload(answer))
    assert answer.risk == AIAnswer.Risk.HIGH and answer.status == S.IN_REVIEW

    admin = signed_in(maria)
    created = admin.post("/admin/authtoken/tokenproxy/add/", {"user": security_reviewer.pk})
    listing = admin.get("/admin/authtoken/tokenproxy/?q=sam")
    assert created.status_code == 403 and listing.status_code == 403
    keys = re.findall(r"\b[0-9a-f]{40}\b", listing.content.decode())
    assert not keys
    from rest_framework.authtoken.models import Token
    assert not Token.objects.filter(user=security_reviewer).exists()
    for key in keys:  # nothing to try: the same path as the review's proof
        api = client_for()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        api.post(f"{V1}/ai-answers/{answer.pk}/approve/", {}, format="json")
    assert reload(answer).status == S.IN_REVIEW


def test_tokens_have_no_admin_even_for_an_administrator(admin_user, security_reviewer):
    """People issue and revoke their own tokens through the API; an administrator reads nobody's key."""
    forum_services.api_token_issue(user=security_reviewer)
    administrator = signed_in(admin_user)
    assert administrator.get("/admin/authtoken/tokenproxy/").status_code == 404
    assert administrator.post("/admin/authtoken/tokenproxy/add/", {"user": security_reviewer.pk}).status_code == 404
    assert "authtoken" not in administrator.get("/admin/").content.decode()


def test_a_help_desk_account_cannot_join_a_reviewers_group(engineering, reviewers_group):
    helpdesk = UserFactory(username="helpdesk", is_staff=True)
    helpdesk.user_permissions.add(*_permissions("auth", "user", "group"))
    helpdesk = fresh(helpdesk)
    events = AuditEvent.objects.count()
    client = signed_in(helpdesk)
    response = client.post(f"/admin/auth/user/{helpdesk.pk}/change/",
                           _user_form(helpdesk, is_staff="on", is_superuser="on", groups=[reviewers_group.pk]))
    assert response.status_code == 403
    for url in ("/admin/auth/user/", f"/admin/auth/user/{helpdesk.pk}/change/", "/admin/auth/group/",
                f"/admin/auth/group/{reviewers_group.pk}/change/"):
        assert client.get(url).status_code == 403, url
    helpdesk = fresh(helpdesk)
    assert not helpdesk.groups.exists() and not helpdesk.is_superuser
    assert not policy.access_for(helpdesk, engineering).can_approve_high_risk
    assert AuditEvent.objects.count() == events


def test_an_administrators_change_of_groups_and_flags_is_audited(admin_user, engineering, reviewers_group, employee):
    administrator = signed_in(admin_user)
    response = administrator.post(f"/admin/auth/user/{employee.pk}/change/",
                                  _user_form(employee, is_staff="on", groups=[reviewers_group.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert policy.access_for(fresh(employee), engineering).can_approve_high_risk
    event = AuditEvent.objects.get(verb="user.access_change")
    assert (event.actor_id, event.target_id) == (admin_user.pk, str(employee.pk))
    assert event.data == {"is_staff": [False, True], "groups_joined": ["security-reviewers"]}

    response = administrator.post(f"/admin/auth/user/{employee.pk}/change/", _user_form(employee, is_staff="on"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(verb="user.access_change").latest("id").data == {
        "groups_left": ["security-reviewers"]}
    # A change of name alone is not one of access.
    administrator.post(f"/admin/auth/user/{employee.pk}/change/",
                       _user_form(employee, is_staff="on", first_name="Alice"))
    assert AuditEvent.objects.filter(verb="user.access_change").count() == 2
    assert audit_verify().ok


def test_a_thread_changes_in_the_admin_only_by_a_move(admin_user, employee, engineering, eng_moderator):
    """A new title is a new question for the answers published in the thread: it changes in the forum (audited,
    and the answers flagged), never in the admin, which saved it with neither (round 29's review)."""
    from aiassist.models import AIAnswer as Answer
    from forum.models import Thread

    from ..api.conftest import in_state

    answer = in_state(Answer.Status.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    thread = Thread.objects.get(pk=answer.thread_id)
    events = AuditEvent.objects.count()
    administrator = signed_in(admin_user)
    response = administrator.post(f"/admin/forum/thread/{thread.pk}/change/", {
        "category": thread.category_id, "author": thread.author_id, "locked": "on",
        "title": "How do I open the payroll share to the whole company?", "post_count": 99, "accepted_post": "",
    })
    assert response.status_code == 302
    after = Thread.objects.get(pk=thread.pk)
    assert (after.title, after.locked, after.post_count, after.author_id) == (
        thread.title, thread.locked, thread.post_count, thread.author_id)
    assert AuditEvent.objects.count() == events and not reload(answer).attention_reason
    assert administrator.get("/admin/forum/thread/add/").status_code == 403
    assert administrator.post(f"/admin/forum/thread/{thread.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Thread.objects.filter(pk=thread.pk).exists()


def test_a_category_made_or_changed_in_the_admin_is_audited(admin_user):
    from forum.models import Category

    administrator = signed_in(admin_user)
    response = administrator.post("/admin/forum/category/add/", {
        "name": "Payroll", "slug": "payroll", "description": "", "position": 3, "restricted": "on"})
    assert response.status_code == 302, response.content.decode()[:1500]
    category = Category.objects.get(slug="payroll")
    created = AuditEvent.objects.get(verb="category.create", target_id=str(category.pk))
    assert created.actor_id == admin_user.pk and created.data["restricted"] is True
    response = administrator.post(f"/admin/forum/category/{category.pk}/change/", {
        "name": "Payroll and benefits", "slug": "ignored", "description": "Pay.", "position": 3, "restricted": "on"})
    assert response.status_code == 302, response.content.decode()[:1500]
    category.refresh_from_db()
    assert (category.name, category.slug, category.description) == ("Payroll and benefits", "payroll", "Pay.")
    updated = AuditEvent.objects.get(verb="category.update", target_id=str(category.pk))
    assert updated.data == {"before": {"name": "Payroll", "description": ""},
                            "after": {"name": "Payroll and benefits", "description": "Pay."}}
    assert audit_verify().ok


def test_people_are_deactivated_not_deleted_and_the_delete_page_tells_nothing(admin_user, employee, engineering):
    """Round 39's review: for a member whose only events were private (an unsubmitted draft), Django's delete page
    said "Cannot delete user ... audit event" where the audit log shows the administrator no event of theirs at all;
    for anyone else it lists what the deletion takes along. Nobody is deleted in the admin: accounts are deactivated."""
    thread, _ = ask(employee, engineering)
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    ai_services.answer_generate(answer_id=ai_services.answer_request(acting_user=carol, thread=thread).pk)
    admin = signed_in(admin_user)
    for person in (carol, dave):
        response = admin.get(f"/admin/auth/user/{person.pk}/delete/")
        assert response.status_code == 403 and b"audit event" not in response.content
    changelist = admin.get("/admin/auth/user/").content.decode()
    assert "delete_selected" not in changelist
    response = admin.post("/admin/auth/user/", {"action": "delete_selected", "_selected_action": [carol.pk, dave.pk],
                                                "post": "yes"})
    assert response.status_code in (200, 302, 403)
    assert get_user_model().objects.filter(pk__in=[carol.pk, dave.pk]).count() == 2
    assert "deletelink" not in admin.get(f"/admin/auth/user/{dave.pk}/change/").content.decode()


def test_an_administrators_deletion_of_a_group_is_audited_with_what_it_took(admin_user, engineering, reviewers_group,
                                                                           employee):
    """Deleting a group takes its category grants and its members' share of them: written to the audit log in the
    same transaction (round 40's review), and only one group at a time (no bulk action outside one)."""
    employee.groups.add(reviewers_group)
    administrator = signed_in(admin_user)
    assert "delete_selected" not in administrator.get("/admin/auth/group/").content.decode()
    response = administrator.post(f"/admin/auth/group/{reviewers_group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Group.objects.filter(pk=reviewers_group.pk).exists()
    assert not policy.access_for(fresh(employee), engineering).can_review
    event = AuditEvent.objects.get(verb="group.delete")
    assert event.actor_id == admin_user.pk and event.data == {
        "name": "security-reviewers", "members": [employee.username],
        "grants": [["engineering", policy.APPROVE_HIGH_RISK], ["engineering", policy.REVIEW]]}
    assert audit_verify().ok
