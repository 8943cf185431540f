"""The admin's grants page (forum/admin_grants.py): Vetted's five permissions per category, granted and
revoked through the audited services, and who effectively reads the category, which must be exactly
whom the policy lets read it."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import policy
from forum.audit import audit_verify
from forum.models import AuditEvent, CategoryGroupObjectPermission, CategoryUserObjectPermission

from ..factories import UserFactory, fresh, grant, make_admin, make_category
from ..security.test_headers import assert_headers, assert_inline_free

LABELS = ("View", "Post", "Moderate", "Review AI answers", "Approve high risk")


def url(category) -> str:
    return f"/admin/forum/category/{category.pk}/grants/"


def _grants_state():
    return (sorted(CategoryUserObjectPermission.objects.values_list("user_id", "permission_id", "content_object_id")),
            sorted(CategoryGroupObjectPermission.objects.values_list("group_id", "permission_id", "content_object_id")),
            AuditEvent.objects.count())


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_editor(db):
    """Staff with the model-wide right to change categories, which the policy ignores: only superusers manage
    categories and their grants (policy.can_manage_categories)."""
    user = UserFactory(username="stella", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="forum", codename__in=("view_category", "change_category")))
    return user


# The page --------------------------------------------------------------------------------------


def test_the_page_shows_the_five_permissions_the_holders_and_the_readers(admin_client, secops, security_reviewer,
                                                                         secops_member, eng_moderator):
    response = admin_client.get(url(secops))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Grants: Security Ops" in html
    assert "Vetted administration" in html
    for label in LABELS:
        assert label in html
    for codename in policy.CATEGORY_PERMISSIONS:
        assert f"<code>{codename}</code>" in html
    assert "Superusers too need this grant." in html
    # No stock Django permission columns.
    assert "Can add" not in html and "Can delete" not in html
    holders = {(h.kind, h.name): [bool(c.grant_id) for c in h.cells] for h in response.context["table"].holders}
    assert holders == {("user", "sam"): [False, False, False, True, True],
                       ("group", "secops"): [True, True, False, False, False]}
    assert "2 active members" in html  # secops: sam and priya
    assert "maria" not in html  # her grants are on Engineering
    readers = {r.username: r.reasons for r in response.context["readers"].readers}
    assert readers == {
        "admin": ("superuser (reads every category)",),
        "sam": ("direct grant: Review AI answers, Approve high risk", "group secops: View, Post"),
        "priya": ("group secops: View, Post",),
    }
    assert_headers(response, "grants")
    assert_inline_free(html, "grants")


def test_an_open_category_says_everyone_reads_it(admin_client, engineering, eng_moderator, employee):
    response = admin_client.get(url(engineering))
    assert response.status_code == 200
    readers = response.context["readers"]
    assert readers.open and readers.everyone == 3  # admin, maria, alice
    assert "Open category: every active account (3) reads it." in response.content.decode()


def test_the_change_page_and_the_list_link_to_the_grants_page_not_guardians(admin_client, secops):
    change = admin_client.get(f"/admin/forum/category/{secops.pk}/change/")
    assert change.status_code == 200
    html = change.content.decode()
    assert f'href="{url(secops)}"' in html
    assert "Object permissions" not in html
    assert f'href="{url(secops)}"' in admin_client.get("/admin/forum/category/").content.decode()
    stock = admin_client.get(f"/admin/forum/category/{secops.pk}/permissions/", follow=True)
    assert "Object permissions" not in stock.content.decode()


def test_the_admin_is_named_vetted(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "<title>Vetted administration | Vetted administration</title>" in html
    assert "Vetted administration</a>" in html
    assert 'rel="icon"' in html


# Granting and revoking -------------------------------------------------------------------------


def test_granting_to_a_user_is_audited_and_takes_effect(admin_client, admin_user, secops, employee):
    assert not policy.can_view_category(fresh(employee), secops)
    response = admin_client.post(url(secops), {"action": "grant", "kind": "user", "holder": "alice",
                                               "permission": policy.VIEW})
    assert response.status_code == 302 and response["Location"] == url(secops)
    assert policy.can_view_category(fresh(employee), secops)
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.verb, event.actor_id, event.category_id, event.target_id) == (
        "grant.add", admin_user.pk, secops.pk, str(secops.pk))
    assert event.data == {"user": "alice", "permission": policy.VIEW}
    assert audit_verify().ok
    page = admin_client.get(url(secops))
    assert "Granted “View” to user “alice”." in page.content.decode()
    assert "alice" in {r.username for r in page.context["readers"].readers}


def test_granting_to_a_group_and_revoking_it_are_audited(admin_client, secops, employee):
    group = Group.objects.create(name="auditors")
    employee.groups.add(group)
    response = admin_client.post(url(secops), {"action": "grant", "kind": "group", "holder": "auditors",
                                               "permission": policy.MODERATE})
    assert response.status_code == 302
    assert policy.can_moderate(fresh(employee), secops) and policy.can_view_category(fresh(employee), secops)
    row = CategoryGroupObjectPermission.objects.get(group=group, content_object=secops)

    response = admin_client.post(url(secops), {"action": "revoke", "grant": f"g{row.pk}"})
    assert response.status_code == 302
    assert not policy.can_view_category(fresh(employee), secops)
    verbs = list(AuditEvent.objects.order_by("-id").values_list("verb", "data")[:2])
    assert verbs == [("grant.remove", {"group": "auditors", "permission": policy.MODERATE}),
                     ("grant.add", {"group": "auditors", "permission": policy.MODERATE})]
    assert audit_verify().ok
    assert "Revoked “Moderate” from group “auditors”." in admin_client.get(url(secops)).content.decode()


def test_revoking_a_users_grant_takes_effect(admin_client, secops, security_reviewer):
    row = CategoryUserObjectPermission.objects.get(user=security_reviewer, content_object=secops,
                                                   permission__codename=policy.REVIEW)
    assert admin_client.post(url(secops), {"action": "revoke", "grant": f"u{row.pk}"}).status_code == 302
    assert not policy.access_for(fresh(security_reviewer), secops).can_review
    assert AuditEvent.objects.order_by("-id").first().data == {"user": "sam", "permission": policy.REVIEW}


def test_a_grant_that_does_nothing_is_shown_apart_and_can_be_revoked(admin_client, secops, employee):
    grant("change_category", employee, secops)  # what guardian's stock screen offered
    page = admin_client.get(url(secops))
    assert [(s.name, s.codename) for s in page.context["table"].stray] == [("alice", "change_category")]
    assert page.context["table"].holders == []
    assert "alice" not in {r.username for r in page.context["readers"].readers}
    assert not policy.can_view_category(fresh(employee), secops)
    stray = page.context["table"].stray[0]
    assert admin_client.post(url(secops), {"action": "revoke", "grant": stray.grant_id}).status_code == 302
    assert not CategoryUserObjectPermission.objects.filter(user=employee).exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "grant", "kind": "user", "holder": "nobody", "permission": policy.VIEW}, "No user named “nobody”."),
    ({"action": "grant", "kind": "group", "holder": "nogroup", "permission": policy.VIEW},
     "No group named “nogroup”."),
    ({"action": "grant", "kind": "user", "holder": "alice", "permission": "change_category"},
     "Select a valid choice. change_category is not one of the available choices."),
    ({"action": "grant", "kind": "user", "holder": "alice", "permission": "<b>x</b>"},
     "Select a valid choice. &lt;b&gt;x&lt;/b&gt; is not one of the available choices."),
    ({"action": "grant", "kind": "robot", "holder": "alice", "permission": policy.VIEW}, "Select a valid choice."),
    ({"action": "grant", "kind": "user", "holder": "", "permission": policy.VIEW}, "This field is required."),
    ({"action": "grant"}, "This field is required."),
    ({"action": "grant", "kind": "user", "holder": "x" * 500, "permission": policy.VIEW},
     "Ensure this value has at most 150 characters"),
    ({"action": "revoke", "grant": "u999999"}, "No such grant on this category"),
    ({"action": "revoke", "grant": "x1"}, "No such grant on this category"),
    ({"action": "revoke", "grant": "u"}, "No such grant on this category"),
    ({"action": "revoke", "grant": ""}, "This field is required."),
    ({"action": "revoke", "grant": "u" + "9" * 30}, "Ensure this value has at most 24 characters"),
])
def test_bad_input_is_a_clear_400_that_changes_nothing(admin_client, secops, employee, data, message):
    before = _grants_state()
    response = admin_client.post(url(secops), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _grants_state() == before


def test_a_grant_held_already_and_a_grant_of_another_category_are_refused(admin_client, secops, engineering,
                                                                         security_reviewer, eng_moderator):
    before = _grants_state()
    again = admin_client.post(url(secops), {"action": "grant", "kind": "user", "holder": "sam",
                                            "permission": policy.REVIEW})
    assert again.status_code == 400
    assert "User “sam” already holds review_ai_answers on Security Ops." in again.content.decode()
    elsewhere = CategoryUserObjectPermission.objects.filter(user=eng_moderator).first()
    other = admin_client.post(url(secops), {"action": "revoke", "grant": f"u{elsewhere.pk}"})
    assert other.status_code == 400
    assert "No such grant on this category" in other.content.decode()
    assert _grants_state() == before


@pytest.mark.parametrize("path", ["/admin/forum/category/999999/grants/", "/admin/forum/category/abc/grants/",
                                  "/admin/forum/category/1%2F2/grants/"])
def test_an_unknown_category_is_404(admin_client, path):
    assert admin_client.get(path).status_code == 404


# Who may reach it ------------------------------------------------------------------------------


def test_anonymous_goes_to_the_sign_in_page_as_for_the_rest_of_the_admin(client, secops):
    before = _grants_state()
    # The admin's model pages send anonymous visitors to the site's sign-in page (LoginRequiredMiddleware).
    assert client.get("/admin/forum/category/")["Location"] == "/accounts/login/?next=/admin/forum/category/"
    for response in (client.get(url(secops)),
                     client.post(url(secops), {"action": "grant", "kind": "user", "holder": "x",
                                               "permission": policy.VIEW})):
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url(secops)}"
        assert b"Security Ops" not in response.content
    assert _grants_state() == before


def test_an_employee_gets_403_and_sees_nothing(client, secops, security_reviewer, employee):
    """Signed in but not an administrator: 403 on every admin page (config.admin), this one included."""
    client.force_login(employee)
    response = client.get(url(secops))
    assert response.status_code == 403 and b"Security Ops" not in response.content
    before = _grants_state()
    response = client.post(url(secops), {"action": "grant", "kind": "user", "holder": "alice",
                                         "permission": policy.VIEW})
    assert response.status_code == 403
    assert _grants_state() == before
    assert not policy.can_view_category(fresh(employee), secops)


def test_staff_without_the_right_get_403_and_learn_nothing(client, staff_editor, secops, security_reviewer):
    client.force_login(staff_editor)
    # A model-wide permission grants nothing: not the category's admin page (its restricted name included) ...
    for page in (f"/admin/forum/category/{secops.pk}/change/", "/admin/forum/category/"):
        response = client.get(page)
        assert response.status_code == 403 and "Security Ops" not in response.content.decode()
    # ... nor who holds what, on a category that exists or one that does not.
    before = _grants_state()
    for response in (client.get(url(secops)), client.get("/admin/forum/category/999999/grants/"),
                     client.post(url(secops), {"action": "grant", "kind": "user", "holder": "stella",
                                               "permission": policy.VIEW})):
        assert response.status_code == 403
        assert "sam" not in response.content.decode()
    assert _grants_state() == before
    assert not policy.can_view_category(fresh(staff_editor), secops)


def test_an_inactive_superuser_cannot_use_it(client, secops):
    former = make_admin("former")
    former.is_active = False
    former.save(update_fields=["is_active"])
    client.force_login(former)
    assert client.get(url(secops)).status_code in (302, 403)


# The readers list is the policy's answer ---------------------------------------------------------


@pytest.fixture
def population(secops, engineering, secops_group, security_reviewer, secops_member, eng_moderator, global_viewer,
               inactive_user, staff_editor, employee):
    """Accounts reaching (or not) Security Ops in every way the policy knows."""
    direct_viewer = UserFactory(username="dora")
    grant(policy.VIEW, direct_viewer, secops)
    direct_poster = UserFactory(username="paul")
    grant(policy.POST, direct_poster, secops)
    direct_moderator = UserFactory(username="mona")
    grant(policy.MODERATE, direct_moderator, secops)
    high_risk_only = UserFactory(username="hank")
    grant(policy.APPROVE_HIGH_RISK, high_risk_only, secops)
    reviewers = Group.objects.create(name="reviewers")
    grant(policy.REVIEW, reviewers, secops)
    group_reviewer = UserFactory(username="greta")
    group_reviewer.groups.add(reviewers)
    empty_group_member = UserFactory(username="eddie")
    empty_group_member.groups.add(Group.objects.create(name="bystanders"))
    stray = UserFactory(username="stan")
    grant("delete_category", stray, secops)
    revoked_inactive = UserFactory(username="ida", is_active=False)
    grant(policy.VIEW, revoked_inactive, secops)
    make_admin("root2")
    former_admin = make_admin("root3")
    former_admin.is_active = False
    former_admin.save(update_fields=["is_active"])
    return list(get_user_model().objects.all())


@pytest.mark.parametrize("restricted", [True, False])
def test_the_readers_list_agrees_with_the_policy(admin_client, secops, population, restricted):
    if not restricted:
        secops.restricted = False
        secops.save(update_fields=["restricted"])
    response = admin_client.get(url(secops))
    readers = response.context["readers"]
    can_read = {user.username for user in population if policy.can_view_category(fresh(user), secops)}
    assert len(population) >= 18
    if restricted:
        listed = {reader.username for reader in readers.readers}
        assert listed == can_read
        assert listed == {"admin", "root2", "sam", "priya", "dora", "paul", "mona", "hank", "greta"}
        html = response.content.decode()
        for username in listed:
            assert f"<td>{username}</td>" in html
    else:
        assert readers.open
        assert readers.everyone == len(can_read) == sum(user.is_active for user in population)


# Cost --------------------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_however_many_grants(admin_client, admin_user):
    few = make_category(admin_user, "Few", restricted=True)
    many = make_category(admin_user, "Many", restricted=True)
    grant(policy.VIEW, UserFactory(username="one"), few)
    group = Group.objects.create(name="g0")
    grant(policy.VIEW, group, few)
    group.user_set.add(UserFactory(username="member0"))
    for i in range(12):
        user = UserFactory(username=f"u{i}")
        for codename in policy.CATEGORY_PERMISSIONS[: 1 + i % 5]:
            grant(codename, user, many)
        group = Group.objects.create(name=f"group{i}")
        grant(policy.CATEGORY_PERMISSIONS[i % 5], group, many)
        group.user_set.add(*(UserFactory(username=f"m{i}-{j}") for j in range(3)))
    grant("change_category", UserFactory(username="odd"), many)
    _queries(admin_client, url(few))  # warm the session and content types
    assert _queries(admin_client, url(many)) == _queries(admin_client, url(few))
    assert len(admin_client.get(url(many)).context["readers"].readers) == 12 + 36 + 1


def test_a_large_group_of_readers_is_paged(admin_client, admin_user):
    from forum.admin_grants import READERS_PER_PAGE

    category = make_category(admin_user, "Crowded", restricted=True)
    group = Group.objects.create(name="everyone-in-payments")
    grant(policy.VIEW, group, category)
    members = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"reader{n:04d}") for n in range(2 * READERS_PER_PAGE + 50)])
    group.user_set.add(*members)
    readers = 2 * READERS_PER_PAGE + 50 + 1  # the members and the admin (a superuser)
    first = admin_client.get(url(category))
    html = first.content.decode()
    assert len(first.context["readers"].readers) == readers
    assert html.count("<tr><td>") == READERS_PER_PAGE
    assert f"{readers} active accounts" in html and f"Accounts 1–{READERS_PER_PAGE} of {readers}" in html
    assert '?readers=2#readers-heading" rel="next"' in html and 'rel="prev"' not in html
    last = admin_client.get(url(category), {"readers": 3}).content.decode()
    assert last.count("<tr><td>") == 51 and "<td>reader0249</td>" in last and "<td>reader0000</td>" not in last
    assert 'rel="next"' not in last
    # A page past the end, or not a number, shows the last or the first page, never an error.
    assert admin_client.get(url(category), {"readers": 99}).content.decode().count("<tr><td>") == 51
    assert admin_client.get(url(category), {"readers": "x"}).content.decode().count("<tr><td>") == READERS_PER_PAGE
