"""The access policy as a table: who may see and do what in an open and a restricted category.

The expected answers are written out by hand from DESIGN.md (access model), not recomputed from the
rule, so a change to ``forum.policy`` that moves any cell fails here. The services and selectors are
held to the same table: a denied cell raises 404 when the user cannot see the thread, 409 for a reply
to a locked thread, 403 otherwise.
"""
import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from guardian.shortcuts import remove_perm

from common.exceptions import ApplicationError
from forum import policy, selectors, services
from forum.models import Category, Post, Thread

from ..factories import UserFactory, fresh, grant, make_category, make_thread

Y, N = True, False

ACTIONS = ("view_category", "view_thread", "start_thread", "reply", "reply_locked", "edit_own_post",
           "edit_others_post", "hide", "lock", "accept_answer", "review", "approve_high_risk")

# "open" is Engineering, "restricted" is Security Ops. Someone else's post and the thread whose
# answer is accepted belong to Olga, a Security Ops member; the locked thread was locked by an admin.
MATRIX = """
role               category    view_cat view_thr start reply locked own others hide lock accept review high_risk
anonymous          open        N        N        N     N     N      N   N      N    N    N      N      N
anonymous          restricted  N        N        N     N     N      N   N      N    N    N      N      N
employee           open        Y        Y        Y     Y     N      Y   N      N    N    N      N      N
employee           restricted  N        N        N     N     N      N   N      N    N    N      N      N
other_employee     open        Y        Y        Y     Y     N      Y   N      N    N    N      N      N
other_employee     restricted  N        N        N     N     N      N   N      N    N    N      N      N
eng_moderator      open        Y        Y        Y     Y     Y      Y   Y      Y    Y    Y      Y      N
eng_moderator      restricted  N        N        N     N     N      N   N      N    N    N      N      N
general_moderator  open        Y        Y        Y     Y     N      Y   N      N    N    N      N      N
general_moderator  restricted  N        N        N     N     N      N   N      N    N    N      N      N
security_reviewer  open        Y        Y        Y     Y     N      Y   N      N    N    N      Y      Y
security_reviewer  restricted  Y        Y        Y     Y     N      Y   N      N    N    N      Y      Y
secops_member      open        Y        Y        Y     Y     N      Y   N      N    N    N      N      N
secops_member      restricted  Y        Y        Y     Y     N      Y   N      N    N    N      N      N
admin_user         open        Y        Y        Y     Y     Y      Y   Y      Y    Y    Y      N      N
admin_user         restricted  Y        Y        Y     Y     Y      Y   Y      Y    Y    Y      N      N
inactive_user      open        N        N        N     N     N      N   N      N    N    N      N      N
inactive_user      restricted  N        N        N     N     N      N   N      N    N    N      N      N
"""


def _parse(table):
    rows = {}
    for line in table.strip().splitlines()[1:]:
        role, where, *cells = line.split()
        assert len(cells) == len(ACTIONS), line
        rows[(role, where)] = dict(zip(ACTIONS, ({"Y": Y, "N": N}[c] for c in cells), strict=True))
    return rows


EXPECTED = _parse(MATRIX)
CELLS = [(role, where, action, allowed) for (role, where), row in EXPECTED.items() for action, allowed in row.items()]
SERVICE_ACTIONS = ACTIONS[:10]  # review and high-risk approval act on AI answers (aiassist), not here


def _cell_id(cell):
    role, where, action, allowed = cell
    return f"{role}-{where}-{action}-{'allow' if allowed else 'deny'}"


@pytest.fixture
def world(engineering, secops, author, admin_user):
    """Per category: Olga's thread with her own reply, and a thread an admin locked."""
    places = {}
    for where, category in (("open", engineering), ("restricted", secops)):
        thread = make_thread(author, category, title=f"Olga asks in {category.name}",
                             replies=[(author, "Olga answers herself.")])
        locked = make_thread(author, category, title=f"Olga's locked thread in {category.name}")
        services.thread_lock(acting_user=admin_user, thread=locked)
        places[where] = {"category": category, "thread": thread, "locked": locked,
                         "others_post": thread.posts.order_by("id").last()}
    return places


def _role_user(request, role):
    if role == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue(role)


def _own_post(user, place):
    """A reply ``user`` wrote while they could post there (access may have been taken away since)."""
    if not user.is_authenticated:
        return place["others_post"]  # anonymous owns nothing
    category, was_active = place["category"], user.is_active
    could_post = policy.can_start_thread(fresh(user), category) if was_active else False
    if not was_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    if not policy.can_start_thread(fresh(user), category):
        grant(policy.POST, user, category)
    post = services.post_reply(acting_user=fresh(user), thread=place["thread"], body=f"{user.username} replies.")
    if was_active and not could_post:
        remove_perm(policy.POST, user, category)
    if not was_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return post


def _setup_cell(request, role, where, action):
    user = _role_user(request, role)
    place = request.getfixturevalue("world")[where]
    own = _own_post(user, place) if action == "edit_own_post" else None
    return (user if role == "anonymous" else fresh(user)), place, own


def _ask_policy(user, action, place, own_post):
    category, thread = place["category"], place["thread"]
    access = policy.access_for(user, category)
    return {
        "view_category": lambda: policy.can_view_category(user, category),
        "view_thread": lambda: policy.can_view_thread(user, thread),
        "start_thread": lambda: policy.can_start_thread(user, category),
        "reply": lambda: policy.can_reply(user, thread),
        "reply_locked": lambda: policy.can_reply(user, place["locked"]),
        "edit_own_post": lambda: policy.can_edit_post(user, own_post),
        "edit_others_post": lambda: policy.can_edit_post(user, place["others_post"]),
        "hide": lambda: policy.can_moderate(user, category),
        "lock": lambda: policy.can_moderate(user, category),
        "accept_answer": lambda: policy.can_accept_answer(user, thread),
        "review": lambda: access.can_review,
        "approve_high_risk": lambda: access.can_approve_high_risk,
    }[action]()


# The queryset form of each question that has one must give the same answer as the object form.
QUERYSET_FORMS = {
    "view_category": lambda user, place: policy.visible_categories(user).filter(pk=place["category"].pk).exists(),
    "view_thread": lambda user, place: policy.visible_threads(user).filter(pk=place["thread"].pk).exists(),
    "start_thread": lambda user, place: policy.postable_categories(user).filter(pk=place["category"].pk).exists(),
    "review": lambda user, place: policy.reviewed_categories(user).filter(pk=place["category"].pk).exists(),
    "approve_high_risk": lambda user, place: policy.categories_with(user, policy.APPROVE_HIGH_RISK)
    .filter(pk=place["category"].pk).exists(),
    "hide": lambda user, place: policy.categories_with(user, policy.MODERATE).filter(pk=place["category"].pk).exists(),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "where", "action", "allowed"), CELLS, ids=[_cell_id(c) for c in CELLS])
def test_policy_matrix(request, role, where, action, allowed):
    user, place, own = _setup_cell(request, role, where, action)
    assert _ask_policy(user, action, place, own) is allowed
    if action in QUERYSET_FORMS:
        assert QUERYSET_FORMS[action](user, place) is allowed


def _act(user, action, place, own_post):
    category, thread = place["category"], place["thread"]
    return {
        "view_category": lambda: selectors.category_for_user(user, category.slug),
        "view_thread": lambda: selectors.thread_for_user(user, thread.pk),
        "start_thread": lambda: services.thread_start(acting_user=user, category=category, title="New", body="Body"),
        "reply": lambda: services.post_reply(acting_user=user, thread=thread, body="A reply."),
        "reply_locked": lambda: services.post_reply(acting_user=user, thread=place["locked"], body="A reply."),
        "edit_own_post": lambda: services.post_edit(acting_user=user, post=own_post, body="Edited."),
        "edit_others_post": lambda: services.post_edit(acting_user=user, post=place["others_post"], body="Edited."),
        "hide": lambda: services.post_hide(acting_user=user, post=place["others_post"], reason="Off topic"),
        "lock": lambda: services.thread_lock(acting_user=user, thread=thread),
        "accept_answer": lambda: services.thread_accept_answer(acting_user=user, thread=thread,
                                                               post=place["others_post"]),
    }[action]()


SERVICE_CELLS = [cell for cell in CELLS if cell[2] in SERVICE_ACTIONS]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "where", "action", "allowed"), SERVICE_CELLS,
                         ids=[_cell_id(c) for c in SERVICE_CELLS])
def test_selectors_and_services_enforce_the_matrix(request, role, where, action, allowed):
    user, place, own = _setup_cell(request, role, where, action)
    if allowed:
        assert _act(user, action, place, own) is not None
        return
    with pytest.raises(ApplicationError) as denied:
        _act(user, action, place, own)
    if not EXPECTED[(role, where)]["view_thread"]:
        expected_status = 404
    elif action == "reply_locked":
        expected_status = 409
    else:
        expected_status = 403
    assert denied.value.status == expected_status


# Querysets ------------------------------------------------------------------------------------

CATEGORY_NAMES = ("General", "Engineering", "Security Ops", "Legal")

# role: (visible categories, categories they may post in)
CATEGORY_SETS = {
    "anonymous": (set(), set()),
    "employee": ({"General", "Engineering"}, {"General", "Engineering"}),
    "other_employee": ({"General", "Engineering"}, {"General", "Engineering"}),
    "eng_moderator": ({"General", "Engineering"}, {"General", "Engineering"}),
    "general_moderator": ({"General", "Engineering"}, {"General", "Engineering"}),
    "security_reviewer": ({"General", "Engineering", "Security Ops"}, {"General", "Engineering", "Security Ops"}),
    "secops_member": ({"General", "Engineering", "Security Ops"}, {"General", "Engineering", "Security Ops"}),
    "admin_user": (set(CATEGORY_NAMES), set(CATEGORY_NAMES)),
    "inactive_user": (set(), set()),
    "global_viewer": ({"General", "Engineering"}, {"General", "Engineering"}),
    "legal_reviewer": ({"General", "Engineering", "Legal"}, {"General", "Engineering"}),
}


@pytest.fixture
def four_categories(general, engineering, secops, legal, admin_user):
    """One thread in each category, started by the admin (who may post everywhere)."""
    for category in (general, engineering, secops, legal):
        make_thread(admin_user, category, title=f"{category.name} thread")
    return general, engineering, secops, legal


@pytest.fixture
def legal_reviewer(legal):
    user = UserFactory(username="lena")
    grant(policy.REVIEW, user, legal)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(CATEGORY_SETS))
def test_visible_and_postable_categories_and_threads(request, role, four_categories):
    user = _role_user(request, role)
    user = user if role == "anonymous" else fresh(user)
    visible, postable = CATEGORY_SETS[role]
    assert set(policy.visible_categories(user).values_list("name", flat=True)) == visible
    assert set(policy.postable_categories(user).values_list("name", flat=True)) == postable
    assert set(policy.visible_threads(user).values_list("title", flat=True)) == {f"{n} thread" for n in visible}
    assert [c.name for c in selectors.home_categories(user)] == [n for n in sorted(CATEGORY_NAMES) if n in visible]


# role: bodies of the posts they may read (hidden posts only for moderators of the category)
VISIBLE_POSTS = {
    "anonymous": set(),
    "employee": {"general question", "eng question"},
    "eng_moderator": {"general question", "eng question", "eng hidden"},
    "general_moderator": {"general question", "eng question"},
    "security_reviewer": {"general question", "eng question", "ops question"},
    "secops_member": {"general question", "eng question", "ops question"},
    "admin_user": {"general question", "eng question", "eng hidden", "ops question", "ops hidden"},
    "inactive_user": set(),
    "global_viewer": {"general question", "eng question"},
}


@pytest.fixture
def posts_with_hidden(general, engineering, secops, admin_user, eng_moderator, secops_member, employee):
    make_thread(employee, general, title="General", body="general question")
    eng = make_thread(employee, engineering, title="Eng", body="eng question", replies=[(employee, "eng hidden")])
    services.post_hide(acting_user=eng_moderator, post=eng.posts.get(body="eng hidden"), reason="spam")
    ops = make_thread(secops_member, secops, title="Ops", body="ops question", replies=[(secops_member, "ops hidden")])
    services.post_hide(acting_user=admin_user, post=ops.posts.get(body="ops hidden"), reason="spam")


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(VISIBLE_POSTS))
def test_visible_posts(request, role, posts_with_hidden):
    user = _role_user(request, role)
    user = user if role == "anonymous" else fresh(user)
    assert set(policy.visible_posts(user).values_list("body", flat=True)) == VISIBLE_POSTS[role]
    unhidden = {body for body in VISIBLE_POSTS[role] if "hidden" not in body}
    assert set(policy.visible_posts(user, include_hidden=False).values_list("body", flat=True)) == unhidden
    for post in Post.objects.select_related("thread__category"):
        assert policy.can_view_post(user, post) is (post.body in VISIBLE_POSTS[role]), post.body


# The same question asked inside the object's own query (policy.with_access) ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(VISIBLE_POSTS))
def test_with_access_answers_as_access_for_does(request, role, posts_with_hidden, security_reviewer):
    user = _role_user(request, role)
    user = user if role == "anonymous" else fresh(user)
    rows = [(category, category) for category in policy.with_access(Category.objects.all(), user, None)]
    rows += [(thread, thread.category) for thread in policy.with_access(
        Thread.objects.select_related("category"), user)]
    rows += [(post, post.thread.category) for post in policy.with_access(
        Post.objects.select_related("thread__category"), user, "thread__category")]
    for row, category in rows:
        expected = policy.access_for(_role_user(request, role) if role == "anonymous" else fresh(user), category)
        assert policy.remember_access(user, row, category) == expected, (row, category)
        assert policy.access_for(user, category) == expected  # what access_for now finds remembered


@pytest.mark.django_db
def test_with_access_counts_a_permission_held_several_ways_once(employee, secops, secret_thread):
    first, second = Group.objects.create(name="first"), Group.objects.create(name="second")
    employee.groups.add(first, second)
    for codename in policy.CATEGORY_PERMISSIONS:
        for holder in (employee, first, second):
            grant(codename, holder, secops)
    thread = policy.with_access(Thread.objects.filter(pk=secret_thread.pk), employee).get()
    access = policy.remember_access(fresh(employee), thread, secops)
    assert access == policy.Access(True, True, True, True, True) == policy.access_for(fresh(employee), secops)


@pytest.mark.django_db
def test_audience_readable_has_an_object_form(four_categories):
    categories = list(Category.objects.all())
    for category in categories:
        readable = set(policy.audience_readable_categories(category))
        for source in categories:
            assert policy.is_audience_readable(source, category) is (source in readable), (source, category)


# Global permissions, groups, implications -----------------------------------------------------------


@pytest.mark.django_db
def test_global_view_permission_grants_nothing(employee, secops, secret_thread, engineering):
    employee.user_permissions.add(Permission.objects.get(content_type__app_label="forum", codename=policy.VIEW))
    user = fresh(employee)
    assert user.has_perm(f"forum.{policy.VIEW}")  # Django itself sees the global grant ...
    assert secops not in policy.visible_categories(user)  # ... the forum does not honour it
    assert not policy.can_view_category(user, secops)
    assert not policy.visible_threads(user).filter(pk=secret_thread.pk).exists()
    assert not policy.visible_posts(user).filter(thread=secret_thread).exists()
    with pytest.raises(ApplicationError) as denied:
        selectors.thread_for_user(user, secret_thread.pk)
    assert denied.value.status == 404


@pytest.mark.django_db
def test_global_permissions_through_a_group_grant_nothing(employee, secops, engineering, eng_thread):
    group = Group.objects.create(name="everything-globally")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="forum",
                                                     codename__in=policy.CATEGORY_PERMISSIONS))
    employee.groups.add(group)
    user = fresh(employee)
    assert user.has_perm(f"forum.{policy.MODERATE}")
    assert list(policy.visible_categories(user)) == [engineering]
    assert not policy.can_moderate(user, engineering)
    assert not policy.reviewed_categories(user).exists()
    with pytest.raises(ApplicationError) as denied:
        services.thread_lock(acting_user=user, thread=eng_thread)
    assert denied.value.status == 403


@pytest.mark.django_db
def test_group_grant_opens_the_category_and_leaving_the_group_closes_it(employee, secops, secret_thread):
    readers = Group.objects.create(name="secops-readers")
    grant(policy.VIEW, readers, secops)
    employee.groups.add(readers)
    user = fresh(employee)
    assert policy.can_view_category(user, secops)
    assert policy.visible_threads(user).filter(pk=secret_thread.pk).exists()
    assert not policy.can_start_thread(user, secops)
    assert not policy.can_reply(user, secret_thread)
    employee.groups.remove(readers)
    user = fresh(employee)
    assert not policy.can_view_category(user, secops)
    assert not policy.visible_threads(user).exists()


@pytest.mark.django_db
def test_group_moderation_grant_lets_members_hide(employee, other_employee, engineering, eng_answer):
    mods = Group.objects.create(name="eng-mods")
    grant(policy.MODERATE, mods, engineering)
    other_employee.groups.add(mods)
    services.post_hide(acting_user=fresh(other_employee), post=eng_answer, reason="Outdated")
    eng_answer.refresh_from_db()
    assert eng_answer.hidden
    assert not policy.can_moderate(fresh(employee), engineering)


IMPLICATIONS = """
granted             view post moderate review high_risk
view_category       Y    N    N        N      N
post_in_category    Y    Y    N        N      N
moderate_category   Y    N    Y        N      N
review_ai_answers   Y    N    N        Y      N
approve_high_risk   Y    N    N        N      Y
"""
IMPLIED = [(line.split()[0], [c == "Y" for c in line.split()[1:]]) for line in IMPLICATIONS.strip().splitlines()[1:]]


@pytest.mark.django_db
@pytest.mark.parametrize("holder", ["user", "group"])
@pytest.mark.parametrize(("codename", "expected"), IMPLIED, ids=[c for c, _ in IMPLIED])
def test_one_object_permission_on_a_restricted_category(holder, codename, expected, employee, legal, secops):
    if holder == "user":
        grant(codename, employee, legal)
    else:
        group = Group.objects.create(name="holders")
        grant(codename, group, legal)
        employee.groups.add(group)
    access = policy.access_for(fresh(employee), legal)
    assert [access.can_view, access.can_post, access.can_moderate, access.can_review,
            access.can_approve_high_risk] == expected
    # A grant is on one object: the other restricted category stays shut.
    assert policy.access_for(fresh(employee), secops) == policy.NO_ACCESS


@pytest.mark.django_db
def test_inactive_superuser_sees_nothing(engineering, secops):
    admin = UserFactory(username="former-admin", is_superuser=True, is_staff=True, is_active=False)
    assert not policy.visible_categories(admin).exists()
    assert not policy.can_view_category(admin, engineering)
    assert not policy.can_manage_categories(admin)


@pytest.mark.django_db
def test_thread_author_may_accept_an_answer_in_their_own_thread(employee, other_employee, eng_thread, eng_answer):
    assert policy.can_accept_answer(fresh(other_employee), eng_thread)  # Bob asked
    assert not policy.can_accept_answer(fresh(employee), eng_thread)  # Alice answered
    services.thread_accept_answer(acting_user=fresh(other_employee), thread=eng_thread, post=eng_answer)
    eng_thread.refresh_from_db()
    assert eng_thread.accepted_post_id == eng_answer.pk


@pytest.mark.django_db
def test_author_who_lost_access_can_no_longer_edit_or_accept(author, secops, secops_group, secops_member):
    thread = make_thread(author, secops, title="Olga's question", replies=[(secops_member, "An answer")])
    author.groups.remove(secops_group)
    olga = fresh(author)
    opening = thread.posts.order_by("id").first()
    assert not policy.can_edit_post(olga, opening)
    assert not policy.can_accept_answer(olga, thread)
    assert not policy.can_be_notified_about(olga, thread)


@pytest.mark.django_db
def test_author_cannot_edit_after_lock_or_hide_but_a_moderator_can(employee, eng_moderator, eng_thread, eng_answer):
    services.post_hide(acting_user=eng_moderator, post=eng_answer, reason="Wrong")
    eng_answer.refresh_from_db()
    assert not policy.can_view_post(fresh(employee), eng_answer)
    assert not policy.can_edit_post(fresh(employee), eng_answer)
    assert policy.can_edit_post(fresh(eng_moderator), eng_answer)
    question = eng_thread.posts.order_by("id").first()
    services.thread_lock(acting_user=eng_moderator, thread=eng_thread)
    question.refresh_from_db()
    assert not policy.can_edit_post(fresh(eng_thread.author), question)
    assert policy.can_edit_post(fresh(eng_moderator), question)


@pytest.mark.django_db
def test_new_category_is_visible_to_employees_unless_restricted(admin_user, employee):
    opened = make_category(admin_user, "Frontend")
    shut = make_category(admin_user, "Incidents", restricted=True)
    visible = set(policy.visible_categories(fresh(employee)))
    assert opened in visible
    assert shut not in visible
